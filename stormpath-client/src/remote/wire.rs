//! The JSON shapes of the REST API that the back end reads (rest-api §5), beside the model's
//! own types (an [`Account`] or a [`Group`] deserializes as the API sends it).

use serde::Deserialize;
use serde_json::Value;

use super::{errors::protocol, http::last_segment};
use crate::{Account, AccountId, Result};

/// A link to another resource (`{"href": …}`).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Link {
    pub(crate) href: String,
}

/// `/applications/{id}` (§5.2), the members used.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ApplicationDoc {
    pub(crate) href: String,
    pub(crate) name: String,
    pub(crate) status: String,
    /// `null` when the application has no default account store.
    #[serde(default)]
    pub(crate) default_account_store_mapping: Option<Link>,
}

/// `/accountStoreMappings/{id}` (§5.3).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MappingDoc {
    pub(crate) account_store: Link,
}

/// An account store: a directory (§5.4) or a group (§5.6), which has a `directory` link.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StoreDoc {
    pub(crate) href: String,
    pub(crate) name: String,
    pub(crate) status: String,
    #[serde(default)]
    pub(crate) password_policy: Option<Link>,
    #[serde(default)]
    pub(crate) directory: Option<Link>,
}

/// `/passwordPolicies/{dirId}` (§5.4).
#[derive(Debug, Deserialize)]
pub(crate) struct PolicyDoc {
    pub(crate) strength: Link,
}

/// A named resource found by a search (`/tenants/{id}/applications?name=`).
#[derive(Debug, Deserialize)]
pub(crate) struct Named {
    pub(crate) href: String,
    pub(crate) name: String,
}

/// The answer to `POST {app}/oauth/token` (§6.8).
#[derive(Deserialize)]
pub(crate) struct TokenReply {
    pub(crate) access_token: String,
    #[serde(default)]
    pub(crate) refresh_token: Option<String>,
    pub(crate) expires_in: i64,
}

/// `/accessTokens/{jti}`, `/refreshTokens/{jti}` (§5.10), the members used.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TokenDoc {
    pub(crate) href: String,
    #[serde(default)]
    pub(crate) expanded_jwt: Option<ExpandedJwt>,
}

/// The decoded JWT of a token resource.
#[derive(Debug, Deserialize)]
pub(crate) struct ExpandedJwt {
    pub(crate) claims: TokenIds,
}

/// The ids of a token's claims.
#[derive(Debug, Deserialize)]
pub(crate) struct TokenIds {
    #[serde(default)]
    pub(crate) jti: Option<String>,
    #[serde(default)]
    pub(crate) exp: Option<i64>,
    #[serde(default)]
    pub(crate) iat: Option<i64>,
}

/// `/groupMemberships/{id}` with `expand=group` (§5.6).
#[derive(Debug, Deserialize)]
pub(crate) struct MembershipDoc {
    pub(crate) href: String,
    pub(crate) group: GroupRef,
}

/// The expanded group of a membership (its name).
#[derive(Debug, Deserialize)]
pub(crate) struct GroupRef {
    #[serde(default)]
    pub(crate) name: Option<String>,
}

/// `/apiKeys/{id}` (§5.8).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ApiKeyDoc {
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) secret: Option<String>,
    pub(crate) status: String,
    #[serde(default)]
    pub(crate) name: Option<String>,
    #[serde(default, with = "crate::timestamp::option")]
    pub(crate) created_at: Option<time::OffsetDateTime>,
    /// A link, or the account itself with `expand=account`.
    #[serde(default)]
    pub(crate) account: Option<Value>,
}

impl std::fmt::Debug for ApiKeyDoc {
    // The secret never reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKeyDoc")
            .field("id", &self.id)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

/// A resource that holds an `account` (a login attempt, a password-reset token, an API key):
/// a link, or the account itself when expanded.
#[derive(Debug, Deserialize)]
pub(crate) struct HasAccount {
    pub(crate) account: Value,
}

/// An account as the API sends it, with its id taken from its href.
pub(crate) fn account(value: Value) -> Result<Account> {
    let mut account: Account = serde_json::from_value(value).map_err(|e| {
        protocol(format!(
            "the server sent an account that does not parse: {e}"
        ))
    })?;
    account.id = AccountId(last_segment(&account.href).to_owned());
    Ok(account)
}

/// The account a value holds when it was expanded, or the href of the one it links to.
pub(crate) enum AccountRef {
    Expanded(Box<Account>),
    Link(String),
}

/// Reads an `account` member: expanded (it has an `email`) or a link.
pub(crate) fn account_ref(value: Value) -> Result<AccountRef> {
    if value.get("email").is_some() {
        return Ok(AccountRef::Expanded(Box::new(account(value)?)));
    }
    match value.get("href").and_then(Value::as_str) {
        Some(href) => Ok(AccountRef::Link(href.to_owned())),
        None => Err(protocol(
            "the server sent an account reference without an href",
        )),
    }
}

/// A custom-data document without its read-only members.
pub(crate) fn custom_data(value: Value) -> Result<crate::CustomData> {
    match value {
        Value::Object(mut map) => {
            for reserved in ["href", "createdAt", "modifiedAt"] {
                map.remove(reserved);
            }
            Ok(map)
        }
        _ => Err(protocol(
            "the server sent custom data that is not a JSON object",
        )),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn account_json() -> Value {
        json!({
            "href": "http://127.0.0.1/v1/accounts/abc", "username": "ada", "email": "ada@example.com",
            "givenName": "Ada", "middleName": null, "surname": "Lovelace", "fullName": "Ada Lovelace",
            "status": "ENABLED", "createdAt": "2016-01-26T20:50:03.931Z",
            "modifiedAt": "2016-01-26T20:50:03.931Z", "emailVerificationStatus": "VERIFIED",
            "emailVerificationToken": null, "customData": {"href": "http://127.0.0.1/v1/accounts/abc/customData"},
            "directory": {"href": "http://127.0.0.1/v1/directories/d"}
        })
    }

    #[test]
    fn accounts_take_their_id_from_the_href() {
        let account = account(account_json()).unwrap();
        assert_eq!(account.id.as_str(), "abc");
        assert_eq!(account.full_name, "Ada Lovelace");
    }

    #[test]
    fn account_references_are_links_or_expanded() {
        assert!(matches!(
            account_ref(account_json()).unwrap(),
            AccountRef::Expanded(a) if a.email == "ada@example.com"
        ));
        assert!(matches!(
            account_ref(json!({"href": "h"})).unwrap(),
            AccountRef::Link(h) if h == "h"
        ));
        assert!(account_ref(json!({})).is_err());
    }

    #[test]
    fn custom_data_loses_its_read_only_members() {
        let data =
            custom_data(json!({"href": "h", "createdAt": "t", "modifiedAt": "t", "theme": "dark"}))
                .unwrap();
        assert_eq!(Value::Object(data), json!({"theme": "dark"}));
        assert!(custom_data(json!([1])).is_err());
    }
}
