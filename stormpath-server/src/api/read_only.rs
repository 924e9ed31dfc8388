//! One rule for read-only properties on every resource (issue 9, spec §3.4): the SDKs'
//! `save()` posts the whole resource back, so a read-only member that holds what the
//! resource holds is ignored; one that differs is refused with 400/2015 before anything is
//! written. On create, no read-only member may be given. Unknown members are ignored.

use serde_json::Value;
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

use super::accounts::read_only;
use crate::{
    body::JsonObject,
    error::{ApiError, ApiResult},
};

/// Members no create may set: the resource's own address and timestamps.
const OWN: &[&str] = &["href", "createdAt", "modifiedAt"];

/// What a posted member refers to: a string, or a link's (or expanded resource's) `href`.
fn href_of(value: &Value) -> Option<&str> {
    match value {
        Value::String(s) => Some(s),
        Value::Object(o) => o.get("href").and_then(Value::as_str),
        _ => None,
    }
}

/// Whether two timestamps name the same millisecond.
fn same_instant(posted: &Value, have: &Value) -> bool {
    let at = |v: &Value| {
        v.as_str()
            .and_then(|s| OffsetDateTime::parse(s, &Rfc3339).ok())
            .map(|t| t.unix_timestamp_nanos() / 1_000_000)
    };
    at(posted).is_some() && at(posted) == at(have)
}

/// A create body: `href`, `createdAt`, `modifiedAt` and any link object other than
/// `customData` and the `writable` members are refused (2015).
///
/// # Errors
/// 400/2015 naming the first read-only member given.
pub(crate) fn on_create(body: &JsonObject, writable: &[&str]) -> ApiResult<()> {
    for (name, value) in &body.0 {
        if value.is_null() || name == "customData" || writable.contains(&name.as_str()) {
            continue;
        }
        let is_link = value.as_object().is_some_and(|o| o.contains_key("href"));
        if OWN.contains(&name.as_str()) || is_link {
            return Err(read_only(name));
        }
    }
    Ok(())
}

/// An update body against the resource's `current` JSON: every member of `current` other
/// than the `writable` ones, `customData` and `modifiedAt` (which a stale copy may hold) must
/// be absent, `null` or unchanged. `unsupported` members are shown but cannot be changed
/// on this server: changing one is 400/2003.
///
/// # Errors
/// 400/2015 (or 2003 for an `unsupported` member) naming the first changed member.
pub(crate) fn on_update(
    body: &JsonObject,
    current: &Value,
    writable: &[&str],
    unsupported: &[&str],
) -> ApiResult<()> {
    for (name, posted) in &body.0 {
        if posted.is_null()
            || name == "customData"
            || name == "modifiedAt"
            || writable.contains(&name.as_str())
        {
            continue;
        }
        let Some(have) = current.get(name) else {
            continue;
        };
        let same = match have {
            Value::Object(o) if o.contains_key("href") => {
                href_of(posted).is_some() && href_of(posted) == href_of(have)
            }
            _ if name == "createdAt" => same_instant(posted, have),
            _ => posted == have,
        };
        if !same {
            if unsupported.contains(&name.as_str()) {
                return Err(ApiError::bad_request(
                    2003,
                    format!("{name} cannot be changed on this server."),
                ));
            }
            return Err(read_only(name));
        }
    }
    Ok(())
}
