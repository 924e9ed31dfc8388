//! `GET /applications/{id}/changes`: the changes feed. **Not part of Stormpath's API**: our
//! extension, which lets a remote back end (`stormpath-client`'s `RemoteBackend`) keep its
//! hot path in memory and still hear of every logout, revoked token and account change
//! within a second, as an embedded instance hears them from its shared-state link.
//!
//! Query: `after={epoch}.{seq}` (the `cursor` of the previous answer; absent on the first
//! call) and `wait` (milliseconds, at most [`MAX_WAIT_MS`], default 0): how long to hold the
//! request when nothing has changed yet (a long poll; the answer comes at once when there
//! is a change). Answer:
//!
//! ```json
//! { "href": "…/applications/{id}/changes", "cursor": "{epoch}.{seq}", "reset": false,
//!   "accounts": [{"href": "…/accounts/{id}"}],
//!   "revokedTokens": [{"id": "{jti}", "expiresAt": "2026-…Z"}] }
//! ```
//!
//! `accounts`: accounts of the tenant whose cached copy must go (status, password, groups,
//! API keys, token cut-off changed). `reset: true` (no cursor, one of another epoch or one
//! too old): drop every cached account; `revokedTokens` is then every token revoked now.
//! Tenant API keys only (as every route); 503 while this server's own link to the other
//! instances is down.

use std::time::Duration;

use actix_web::{HttpResponse, web};
use serde_json::json;
use stormpath_store::Cursor;
use time::OffsetDateTime;

use super::{Router, ok, structure::load_application};
use crate::{
    error::{ApiError, ApiResult},
    params::Params,
    shape::ts,
    state::State,
};

/// The longest a poll may be held, in milliseconds.
pub(crate) const MAX_WAIT_MS: u64 = 25_000;

pub(super) fn configure(cfg: &mut Router<'_>) {
    cfg.get("/applications/{id}/changes", changes);
}

async fn changes(
    state: web::Data<State>,
    id: web::Path<String>,
    params: Params,
) -> ApiResult<HttpResponse> {
    let app = load_application(&state, &id).await?;
    let after = match params.get("after") {
        None | Some("") => None,
        Some(text) => Some(Cursor::parse(text).ok_or_else(|| {
            ApiError::bad_request(
                2002,
                format!("'{text}' is not a valid value for after: use the cursor of an answer."),
            )
        })?),
    };
    let wait = match params.get("wait") {
        None => 0,
        Some(text) => {
            let ms: u64 = text.trim().parse().map_err(|_| {
                ApiError::bad_request(2004, format!("wait must be an integer, not '{text}'."))
            })?;
            if ms > MAX_WAIT_MS {
                return Err(ApiError::bad_request(
                    2010,
                    format!("wait must be at most {MAX_WAIT_MS}."),
                ));
            }
            ms
        }
    };
    let changes = state
        .store
        .changes_since(after.as_ref(), Duration::from_millis(wait))
        .await?;
    let accounts: Vec<_> = changes
        .accounts
        .iter()
        .map(|account| json!({ "href": state.href("accounts", account.as_str()) }))
        .collect();
    let revoked: Vec<_> = changes
        .revoked
        .iter()
        .map(|(jti, exp)| {
            let at =
                OffsetDateTime::from_unix_timestamp(*exp).unwrap_or(OffsetDateTime::UNIX_EPOCH);
            json!({ "id": jti, "expiresAt": ts(at) })
        })
        .collect();
    Ok(ok(json!({
        "href": format!("{}/changes", state.href("applications", &app.meta.id)),
        "cursor": changes.cursor.to_string(),
        "reset": changes.reset,
        "accounts": accounts,
        "revokedTokens": revoked,
    })))
}
