//! Validating one record into the row it becomes, before any transaction: everything that
//! can be wrong with a record alone is found here.

use stormpath_client::{AccountStatus, CustomData, EmailVerificationStatus};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

use super::{Rejected, read::Read};
use crate::{Store, accounts, email, password::legacy, util};

/// A record ready to insert.
pub(super) struct Prepared {
    pub(super) line: u64,
    pub(super) id: String,
    pub(super) email: String,
    pub(super) email_key: String,
    pub(super) username: String,
    pub(super) username_key: String,
    pub(super) given_name: Option<String>,
    pub(super) middle_name: Option<String>,
    pub(super) surname: Option<String>,
    pub(super) status: &'static str,
    pub(super) verification: &'static str,
    /// The hash as given (or of the plain password); empty for an account without one.
    pub(super) password_hash: String,
    pub(super) password_modified_at: Option<i64>,
    pub(super) custom_data: String,
    /// Group names and their canonical keys, without repeats.
    pub(super) groups: Vec<(String, String)>,
    pub(super) created_at: i64,
}

/// A new account id, shaped like [`util::new_id`]'s (22 alphanumeric characters, about 131
/// bits), from the thread's CSPRNG (ChaCha, seeded from the OS) rather than one system call
/// per character: an import makes millions.
pub(super) fn fast_id() -> String {
    use rand::{Rng, distributions::Alphanumeric};
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(22)
        .map(char::from)
        .collect()
}

/// Checks a record; its row, or why it is refused.
pub(super) async fn prepare(store: &Store, read: Read) -> Result<Prepared, Rejected> {
    let (line, record) = read?;
    let reject = |reason: String| Rejected { line, reason };
    let email = record.email.trim().to_owned();
    if email.is_empty() {
        return Err(reject("email is missing".into()));
    }
    email::validate(&email).map_err(|e| reject(format!("email: {}", e.message)))?;
    let username = accounts::non_empty(record.username).unwrap_or_else(|| email.clone());
    let given_name = accounts::non_empty(record.given_name);
    let middle_name = accounts::non_empty(record.middle_name);
    let surname = accounts::non_empty(record.surname);
    for (field, value) in [
        ("username", Some(&username)),
        ("givenName", given_name.as_ref()),
        ("middleName", middle_name.as_ref()),
        ("surname", surname.as_ref()),
    ] {
        accounts::check_name(field, value.map(String::as_str))
            .map_err(|e| reject(format!("{field}: {}", e.message)))?;
    }
    let status = match record
        .status
        .as_deref()
        .map(str::to_ascii_uppercase)
        .as_deref()
    {
        None | Some("ENABLED") => AccountStatus::Enabled,
        Some("DISABLED") => AccountStatus::Disabled,
        Some("UNVERIFIED") => AccountStatus::Unverified,
        Some(other) => {
            return Err(reject(format!(
                "status \"{other}\" is not ENABLED, DISABLED or UNVERIFIED"
            )));
        }
    };
    let verification = match status {
        AccountStatus::Unverified => EmailVerificationStatus::Unverified,
        _ => EmailVerificationStatus::Unknown,
    };
    let custom_data = match record.custom_data {
        None | Some(serde_json::Value::Null) => CustomData::new(),
        Some(serde_json::Value::Object(map)) => map,
        Some(_) => return Err(reject("customData must be a JSON object".into())),
    };
    if custom_data
        .keys()
        .any(|k| crate::api_keys::is_api_key_member(k))
    {
        return Err(reject(
            "customData must not hold stormpathApiKey_* members (API keys are not imported)".into(),
        ));
    }
    let custom_data = store
        .custom_data_json(&custom_data)
        .map_err(|e| reject(format!("customData: {}", stormpath_client::Error::from(e))))?;
    let mut groups: Vec<(String, String)> = Vec::new();
    for name in record.groups.unwrap_or_default() {
        let name = name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 255 || name.chars().any(char::is_control) {
            return Err(reject(format!(
                "group name \"{name}\" must be 1 to 255 printable characters"
            )));
        }
        let key = email::canonical(&name);
        if !groups.iter().any(|(_, k)| *k == key) {
            groups.push((name, key));
        }
    }
    let now = util::now_ms();
    let created_at = match record.created_at {
        None => now,
        Some(text) => {
            let at = OffsetDateTime::parse(text.trim(), &Rfc3339)
                .map_err(|_| reject(format!("createdAt \"{text}\" is not an RFC 3339 time")))?;
            i64::try_from(at.unix_timestamp_nanos() / 1_000_000)
                .map_err(|_| reject(format!("createdAt \"{text}\" is out of range")))?
        }
    };
    let password_hash = match (record.password_hash, record.password) {
        (Some(_), Some(_)) => {
            return Err(reject("give passwordHash or password, not both".into()));
        }
        (Some(hash), None) => {
            let hash = hash.trim().to_owned();
            legacy::check(&hash).map_err(|e| reject(e.to_string()))?;
            hash
        }
        // The slow path: a plain password is screened (the blocklist, not the composition
        // rules it predates) and hashed now with the store's argon2id.
        (None, Some(password)) if !password.is_empty() => {
            let context = crate::PasswordContext {
                email: Some(&email),
                username: Some(&username),
                given_name: given_name.as_deref(),
                surname: surname.as_deref(),
                site_name: None,
            };
            store
                .screen_password(&password, context)
                .await
                .map_err(|e| reject(format!("password: {e}")))?;
            store
                .inner
                .hasher
                .hash(&password)
                .await
                .map_err(|e| reject(format!("password could not be hashed: {e}")))?
        }
        (None, _) => String::new(),
    };
    Ok(Prepared {
        line,
        id: fast_id(),
        email_key: email::canonical(&email),
        username_key: email::canonical(&username),
        email,
        username,
        given_name,
        middle_name,
        surname,
        status: status.as_str(),
        verification: verification.as_str(),
        password_modified_at: (!password_hash.is_empty()).then_some(now),
        password_hash,
        custom_data,
        groups,
        created_at,
    })
}
