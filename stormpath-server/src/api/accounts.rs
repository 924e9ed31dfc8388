//! Accounts (spec §5.5, §6.1, §6.3).

use serde_json::{Value, json};
use stormpath_store::admin::AccountRecord;

use crate::{
    shape::{link, ts},
    state::State,
};

/// The JSON of an account (links unexpanded; `password` is never returned).
pub(crate) fn account_json(state: &State, record: &AccountRecord) -> Value {
    let a = &record.account;
    let href = state.href("accounts", a.id.as_str());
    let mut v = json!({
        "href": href,
        "username": a.username,
        "email": a.email,
        "givenName": a.given_name,
        "middleName": a.middle_name,
        "surname": a.surname,
        "fullName": a.full_name,
        "status": a.status.as_str(),
        "createdAt": ts(a.created_at),
        "modifiedAt": ts(a.modified_at),
        "passwordModifiedAt": a.password_modified_at.map(ts),
        "emailVerificationStatus": a
            .email_verification_status
            .map_or("UNKNOWN", |s| s.as_str()),
        // One-time tokens are kept as digests only: the link cannot be shown.
        "emailVerificationToken": Value::Null,
        "directory": link(state.href("directories", &record.directory_id)),
        "tenant": link(state.tenant_href()),
    });
    for sub in [
        "customData",
        "providerData",
        "groups",
        "groupMemberships",
        "applications",
        "apiKeys",
        "accessTokens",
        "refreshTokens",
    ] {
        v[sub] = link(format!("{href}/{sub}"));
    }
    v
}
