//! The resource model: accounts, groups, password policy, custom data and tokens.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Free-form JSON attached to an account (custom registration fields, app data).
pub type CustomData = serde_json::Map<String, serde_json::Value>;

/// The opaque identifier of an account: the last segment of its `href`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AccountId(pub String);

impl AccountId {
    /// The id as a string slice.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for AccountId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether an account may authenticate. Only [`AccountStatus::Enabled`] may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum AccountStatus {
    /// May log in.
    Enabled,
    /// Switched off by an administrator.
    Disabled,
    /// Waiting for the owner to click the emailed verification link.
    Unverified,
}

impl AccountStatus {
    /// The Stormpath spelling: `ENABLED`, `DISABLED` or `UNVERIFIED`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enabled => "ENABLED",
            Self::Disabled => "DISABLED",
            Self::Unverified => "UNVERIFIED",
        }
    }

    /// Parses the Stormpath spelling (case-insensitively).
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Enabled, Self::Disabled, Self::Unverified]
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(text))
    }
}

/// Where the account's email verification stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum EmailVerificationStatus {
    /// The owner proved the address.
    Verified,
    /// A verification email was sent and not yet acted on.
    Unverified,
    /// No verification was asked for (the directory does not require it).
    Unknown,
}

impl EmailVerificationStatus {
    /// The Stormpath spelling.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Verified => "VERIFIED",
            Self::Unverified => "UNVERIFIED",
            Self::Unknown => "UNKNOWN",
        }
    }

    /// Parses the Stormpath spelling (case-insensitively).
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Verified, Self::Unverified, Self::Unknown]
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(text))
    }
}

/// An account, as the spec's account JSON shows it (root properties only, §4.2).
///
/// Serializing an `Account` yields exactly the stripped account: `href`, `username`, `email`,
/// `givenName`, `middleName`, `surname`, `fullName`, `status`, `createdAt`, `modifiedAt`,
/// `emailVerificationStatus`, `passwordModifiedAt`. Linked resources (custom data, groups) are
/// fetched through the [`Backend`](crate::Backend) and never serialized here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// The stable identifier in URL form; the `sub` of every token issued to this account.
    pub href: String,
    /// The id (last segment of `href`).
    #[serde(skip)]
    pub id: AccountId,
    /// The username; defaults to the email address.
    pub username: String,
    /// The email address, as the owner typed it.
    pub email: String,
    /// First name.
    pub given_name: Option<String>,
    /// Middle name.
    pub middle_name: Option<String>,
    /// Last name.
    pub surname: Option<String>,
    /// Given, middle and surname joined by single spaces (derived).
    pub full_name: String,
    /// Whether the account may log in.
    pub status: AccountStatus,
    /// When the account was created.
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
    /// When the account was last changed.
    #[serde(with = "crate::timestamp")]
    pub modified_at: OffsetDateTime,
    /// Where the email verification stands.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub email_verification_status: Option<EmailVerificationStatus>,
    /// When the password was last set.
    #[serde(
        with = "crate::timestamp::option",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub password_modified_at: Option<OffsetDateTime>,
}

impl Account {
    /// Joins the non-empty name parts with single spaces, as Stormpath derived `fullName`.
    #[must_use]
    pub fn compose_full_name(
        given: Option<&str>,
        middle: Option<&str>,
        surname: Option<&str>,
    ) -> String {
        [given, middle, surname]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The data needed to create an account.
#[derive(Clone, Default)]
pub struct NewAccount {
    /// Email address (required).
    pub email: String,
    /// Plain-text password (required); hashed by the back end, never stored as given.
    pub password: String,
    /// Username; the email is used when `None`.
    pub username: Option<String>,
    /// First name.
    pub given_name: Option<String>,
    /// Middle name.
    pub middle_name: Option<String>,
    /// Last name.
    pub surname: Option<String>,
    /// Initial custom data.
    pub custom_data: CustomData,
    /// Initial status; [`AccountStatus::Enabled`] when `None`.
    pub status: Option<AccountStatus>,
}

impl fmt::Debug for NewAccount {
    // Written by hand so that the password never reaches a log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewAccount")
            .field("email", &self.email)
            .field("password", &"***")
            .field("username", &self.username)
            .field("given_name", &self.given_name)
            .field("middle_name", &self.middle_name)
            .field("surname", &self.surname)
            .field("custom_data", &self.custom_data)
            .field("status", &self.status)
            .finish()
    }
}

/// A partial update of an account's own properties; `None` leaves a property as it is.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct AccountUpdate {
    /// New first name (`Some(None)` clears it).
    pub given_name: Option<Option<String>>,
    /// New middle name (`Some(None)` clears it).
    pub middle_name: Option<Option<String>>,
    /// New last name (`Some(None)` clears it).
    pub surname: Option<Option<String>>,
    /// New status.
    pub status: Option<AccountStatus>,
}

/// Whether a group may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum GroupStatus {
    /// Memberships count.
    Enabled,
    /// Memberships are ignored for authorization.
    Disabled,
}

/// A named group of accounts, used for authorization (`#[groups_required]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    /// The group's identifier in URL form.
    pub href: String,
    /// Unique name within the directory.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// Whether memberships count.
    pub status: GroupStatus,
}

/// Stormpath's password-strength policy of a directory.
///
/// The [`Default`] is Stormpath's: 8–100 characters with at least one lower-case letter, one
/// upper-case letter and one digit; no symbol or diacritic minimum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PasswordStrength {
    /// Minimum length in characters (Unicode scalar values).
    pub min_length: u32,
    /// Maximum length in characters.
    pub max_length: u32,
    /// Minimum number of lower-case letters.
    pub min_lower_case: u32,
    /// Minimum number of upper-case letters.
    pub min_upper_case: u32,
    /// Minimum number of digits.
    pub min_numeric: u32,
    /// Minimum number of symbols (punctuation and other non-alphanumeric characters).
    pub min_symbol: u32,
    /// Minimum number of letters with diacritics (e.g. `é`, `ü`).
    pub min_diacritic: u32,
}

impl Default for PasswordStrength {
    fn default() -> Self {
        Self {
            min_length: 8,
            max_length: 100,
            min_lower_case: 1,
            min_upper_case: 1,
            min_numeric: 1,
            min_symbol: 0,
            min_diacritic: 0,
        }
    }
}

impl PasswordStrength {
    /// NIST SP 800-63B for a password that is the only factor: at least 15 characters, at
    /// most 128 (NIST asks for at least 64), no composition rules. Meant with a blocklist of
    /// common and breached passwords, which the store applies.
    #[must_use]
    pub const fn nist() -> Self {
        Self {
            min_length: 15,
            max_length: 128,
            min_lower_case: 0,
            min_upper_case: 0,
            min_numeric: 0,
            min_symbol: 0,
            min_diacritic: 0,
        }
    }
}

/// A named resource of the directory tree (a directory or an application), as `/me`
/// expands it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    /// Its identifier in URL form.
    pub href: String,
    /// Its unique name.
    pub name: String,
    /// `ENABLED` (disabled directories and applications do not serve).
    pub status: String,
}

/// An API key as listed: never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyInfo {
    /// The key id (the Basic-auth user name).
    pub id: String,
    /// A label chosen by the owner.
    pub name: Option<String>,
    /// `ENABLED` or `DISABLED`.
    pub status: String,
    /// When the key was created.
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
}

/// A freshly created API key: the only time its secret is known.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewApiKey {
    /// The key as listed.
    #[serde(flatten)]
    pub info: ApiKeyInfo,
    /// The secret (the Basic-auth password). Shown once.
    pub secret: String,
}

impl fmt::Debug for NewApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewApiKey")
            .field("info", &self.info)
            .field("secret", &"***")
            .finish()
    }
}

/// Which kind of token a JWT is (its `stt` header).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    /// A short-lived access token.
    Access,
    /// A long-lived refresh token.
    Refresh,
}

/// Tokens issued by a login or a grant.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenSet {
    /// The access token (a compact JWS).
    pub access_token: String,
    /// Its `exp` claim (seconds since the Unix epoch).
    pub access_expires_at: i64,
    /// The refresh token, when one was issued.
    pub refresh: Option<RefreshToken>,
    /// Seconds until the access token expires, as `/oauth/token` reports it.
    pub expires_in: i64,
}

impl fmt::Debug for TokenSet {
    // Tokens are bearer secrets: never logged.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSet")
            .field("access_token", &"***")
            .field("access_expires_at", &self.access_expires_at)
            .field("refresh", &self.refresh)
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// A refresh token as issued.
#[derive(Clone, PartialEq, Eq)]
pub struct RefreshToken {
    /// The token (a compact JWS).
    pub token: String,
    /// Its `exp` claim (seconds since the Unix epoch).
    pub expires_at: i64,
}

impl fmt::Debug for RefreshToken {
    // A bearer secret: never logged.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshToken")
            .field("token", &"***")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// The verified claims of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// Unique token id.
    pub jti: String,
    /// Issued at (seconds since the Unix epoch).
    pub iat: i64,
    /// Expires at (seconds since the Unix epoch).
    pub exp: i64,
    /// Issuer.
    pub iss: String,
    /// Subject: the account `href`.
    pub sub: String,
    /// The `jti` of the refresh token this access token was minted with, if any.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub rti: Option<String>,
    /// Granted scope, if any.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub scope: Option<String>,
    /// The grant that minted a token that is not a password session: `client_credentials`
    /// (the `gty` claim, as Auth0 names it). Such tokens die with the account's API keys.
    #[serde(rename = "gty", skip_serializing_if = "Option::is_none", default)]
    pub grant_type: Option<String>,
    /// When the password behind this session was entered (seconds since the Unix epoch; the
    /// OpenID Connect `auth_time` claim): the login's time, carried over on every refresh.
    /// Privileged actions (creating an API key) ask for a recent one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub auth_time: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_name_skips_missing_parts() {
        assert_eq!(
            Account::compose_full_name(Some("Ada"), None, Some("Lovelace")),
            "Ada Lovelace"
        );
        assert_eq!(Account::compose_full_name(Some(" "), Some("B"), None), "B");
        assert_eq!(Account::compose_full_name(None, None, None), "");
    }

    #[test]
    fn new_account_debug_hides_the_password() {
        let acct = NewAccount {
            password: "Sup3rSecret".into(),
            ..NewAccount::default()
        };
        assert!(!format!("{acct:?}").contains("Sup3rSecret"));
    }
}
