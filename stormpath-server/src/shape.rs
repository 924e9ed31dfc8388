//! JSON building blocks of every resource (spec §3): link objects, timestamps, collections.

use serde_json::{Map, Value, json};
use stormpath_store::admin::{ListQuery, Meta};
use time::OffsetDateTime;

/// A link object `{"href": …}`.
#[must_use]
pub(crate) fn link(href: impl Into<String>) -> Value {
    json!({ "href": href.into() })
}

/// ISO-8601 UTC with milliseconds and `Z`.
#[must_use]
pub(crate) fn ts(at: OffsetDateTime) -> Value {
    Value::String(stormpath_client::timestamp::format(at))
}

/// A resource object starting with `href`, `createdAt` and `modifiedAt`.
#[must_use]
pub(crate) fn resource(href: &str, meta: &Meta) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("href".into(), Value::String(href.to_owned()));
    map.insert("createdAt".into(), ts(meta.created_at));
    map.insert("modifiedAt".into(), ts(meta.modified_at));
    map
}

/// A collection page: `{href, offset, limit, size, items}` (size = total matches).
#[must_use]
pub(crate) fn collection(href: &str, list: &ListQuery, size: i64, items: Vec<Value>) -> Value {
    json!({
        "href": href,
        "offset": list.offset,
        "limit": list.limit,
        "size": size,
        "items": items,
    })
}
