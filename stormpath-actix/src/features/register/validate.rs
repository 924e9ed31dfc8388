//! Registration's validation (spec §5.3, §5.4): which posted values are taken, their types,
//! the messages, and the account to create. No HTTP in here.

use actix_web::http::StatusCode;
use serde_json::{Map, Value};
use stormpath_client::{AccountStatus, NewAccount};

use crate::{
    CustomField, Stormpath, ValueType,
    config::{FieldSpec, settings::CORE_FIELDS},
    csrf,
    custom_data::{self, Parsed},
    input::BodyKind,
};

use super::Registration;

/// A validation failure, tied to the field it is about (for the HTML form), with the status a
/// JSON client gets for it.
#[derive(Debug)]
pub(super) struct Problem {
    pub(super) field: Option<String>,
    pub(super) message: String,
    pub(super) status: StatusCode,
}

impl Problem {
    /// A problem with the request as a whole.
    pub(super) fn general(message: impl Into<String>) -> Self {
        Self {
            field: None,
            message: message.into(),
            status: StatusCode::BAD_REQUEST,
        }
    }

    /// A problem with one field.
    pub(super) fn on(field: &str, message: String) -> Self {
        Self {
            field: Some(field.to_owned()),
            ..Self::general(message)
        }
    }

    /// The account store's answer: its field (a taken email, a weak password), its message and
    /// its status (409 for a conflict, 503 when the verification email could not be sent).
    pub(super) fn refused(err: &stormpath_client::Error) -> Self {
        Self {
            field: err.field().map(str::to_owned),
            message: err.to_string(),
            status: StatusCode::from_u16(err.status()).unwrap_or(StatusCode::BAD_REQUEST),
        }
    }
}

/// Checks a registration against the form configuration (spec §5.3, §5.4) and builds the
/// account to create. JSON answers with the first problem; HTML shows them all.
pub(super) fn validate(sp: &Stormpath, input: &Registration) -> Result<NewAccount, Vec<Problem>> {
    let fields = &sp.settings().register_fields;
    let body = &input.value;
    let custom_in_body = match body.get("customData") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(map)) => map.clone(),
        Some(_) => {
            return Err(vec![Problem::general("customData must be an object.")]);
        }
    };
    let mut problems = Vec::new();
    let mut values: Map<String, Value> = Map::new();
    let from_form = input.kind == BodyKind::Form;
    // 1. Required fields, in field order; types.
    for field in fields {
        let is_core = CORE_FIELDS.contains(&field.name.as_str());
        let raw = body.get(&field.name).or_else(|| {
            if is_core {
                None
            } else {
                custom_in_body.get(&field.name)
            }
        });
        if let Some(custom) = &field.custom {
            typed_value(field, custom, raw, from_form, &mut values, &mut problems);
            continue;
        }
        match raw {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) if s.is_empty() => {}
            Some(Value::String(_)) => {}
            Some(Value::Number(_) | Value::Bool(_)) if !is_core => {}
            Some(_) => {
                problems.push(Problem::on(
                    &field.name,
                    format!("{} must be a string.", field.label),
                ));
                continue;
            }
        }
        match raw.filter(|v| !v.is_null() && v.as_str() != Some("")) {
            Some(value) => {
                values.insert(field.name.clone(), value.clone());
            }
            None if field.required => {
                problems.push(Problem::on(
                    &field.name,
                    format!("{} is required.", field.label),
                ));
            }
            None => {}
        }
    }
    // 2. The confirmation.
    if fields.iter().any(|f| f.name == "confirmPassword")
        && values
            .get("confirmPassword")
            .is_some_and(|c| Some(c) != values.get("password"))
    {
        problems.push(Problem::on(
            "confirmPassword",
            "Passwords do not match.".into(),
        ));
    }
    // 3. Fields that are not configured (at the root or inside customData).
    let known = |name: &str| fields.iter().any(|f| f.name == name);
    for key in body.keys() {
        if !known(key) && key != "customData" && key != csrf::FIELD {
            problems.push(Problem::general(format!(
                "{key} is not a configured registration field."
            )));
        }
    }
    let keys = &sp.settings().config.security.api_keys;
    for key in custom_in_body.keys() {
        let custom_field = known(key) && !CORE_FIELDS.contains(&key.as_str());
        if custom_field {
            continue;
        }
        if !is_api_key_member(key) {
            problems.push(Problem::general(format!(
                "{key} is not a configured registration field."
            )));
        } else if !keys.from_custom_data {
            // Off by default: otherwise anyone registering picks a key id and secret.
            problems.push(Problem::general(format!(
                "{key}: API keys cannot be provisioned at registration."
            )));
        }
    }
    let provisioned = custom_in_body
        .keys()
        .filter(|k| is_api_key_member(k))
        .count();
    if keys.from_custom_data
        && provisioned > usize::try_from(keys.max_per_account).unwrap_or(usize::MAX)
    {
        problems.push(Problem::general(format!(
            "An account can hold at most {} API keys.",
            keys.max_per_account
        )));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let take = |name: &str| values.get(name).and_then(Value::as_str).map(str::to_owned);
    let mut custom_data: Map<String, Value> = custom_in_body
        .into_iter()
        .filter(|(k, _)| is_api_key_member(k))
        .collect();
    // Configured fields are stored as they came; typed ones as their type stores them.
    for field in fields {
        if let Some(value) = values.get(&field.name)
            && field.custom.is_none()
            && !CORE_FIELDS.contains(&field.name.as_str())
        {
            custom_data.insert(field.name.clone(), value.clone());
        }
    }
    for schema in &sp.settings().schemas {
        let mine: Map<String, Value> = schema
            .form_fields()
            .filter_map(|f| Some((f.name().to_owned(), values.get(f.name())?.clone())))
            .collect();
        match schema.normalize(&mine) {
            Ok(stored) => custom_data.extend(stored),
            Err(mismatch) => problems.push(rejected(fields, mismatch)),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let status = if sp.settings().verify_email {
        AccountStatus::Unverified
    } else {
        AccountStatus::Enabled
    };
    Ok(NewAccount {
        email: take("email").unwrap_or_default(),
        password: take("password").unwrap_or_default(),
        username: take("username"),
        given_name: take("givenName"),
        middle_name: take("middleName"),
        surname: take("surname"),
        custom_data,
        status: Some(status),
    })
}

/// Parses the value posted for a field of a [`CustomData`](crate::CustomData) type into
/// `values`, or records why it cannot be taken.
fn typed_value(
    field: &FieldSpec,
    custom: &CustomField,
    raw: Option<&Value>,
    from_form: bool,
    values: &mut Map<String, Value>,
    problems: &mut Vec<Problem>,
) {
    let required = || Problem::on(&field.name, format!("{} is required.", field.label));
    match custom_data::parse_value(custom, raw, from_form) {
        Parsed::Invalid(message) => problems.push(Problem::on(&field.name, message)),
        // A required checkbox must be ticked.
        Parsed::Value(Value::Bool(false)) if field.required => problems.push(required()),
        Parsed::Value(value) => {
            values.insert(field.name.clone(), value);
        }
        Parsed::Missing if field.required => problems.push(required()),
        // Left empty: the type's empty value, unless it can store none.
        Parsed::Missing if !custom.is_optional() => {
            let empty = match custom.value_type() {
                ValueType::Bool => Some(Value::Bool(false)),
                ValueType::Text => Some(Value::String(String::new())),
                // Startup refuses numbers that are neither required nor optional.
                _ => None,
            };
            if let Some(empty) = empty {
                values.insert(field.name.clone(), empty);
            }
        }
        Parsed::Missing => {}
    }
}

/// The problem of values the type itself refused (a `deserialize_with` check, say).
fn rejected(fields: &[FieldSpec], mismatch: custom_data::Mismatch) -> Problem {
    let spec = mismatch
        .field
        .as_deref()
        .and_then(|name| fields.iter().find(|f| f.name == name));
    match spec {
        Some(spec) => Problem::on(
            &spec.name,
            format!("{} is invalid: {}.", spec.label, mismatch.message),
        ),
        None => Problem::general(format!("The custom data is invalid: {}.", mismatch.message)),
    }
}

/// `stormpathApiKey_<n>`: the custom-data convention for API keys (spec §4.3).
fn is_api_key_member(key: &str) -> bool {
    key.strip_prefix("stormpathApiKey_")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::is_api_key_member;

    #[test]
    fn api_key_members() {
        assert!(is_api_key_member("stormpathApiKey_1"));
        assert!(is_api_key_member("stormpathApiKey_12"));
        assert!(!is_api_key_member("stormpathApiKey_"));
        assert!(!is_api_key_member("stormpathApiKey_x"));
        assert!(!is_api_key_member("other"));
    }
}
