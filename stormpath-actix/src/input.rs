//! What a request says (spec §2.3, §2.4): the [`Input`] extractor reads a POST body as JSON or
//! an urlencoded form into a typed struct, within `web.maxBodySize`, refusing duplicate JSON
//! keys and checking the CSRF token of a form; [`query_param`] reads the query string.

use std::{future::Future, pin::Pin};

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev, web};
use serde::{
    Deserialize, Deserializer,
    de::{DeserializeOwned, MapAccess, SeqAccess, Visitor},
};
use serde_json::{Map, Value};

use crate::{Error, Stormpath, csrf};

/// How a body arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyKind {
    /// `application/json`.
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// No body, or a content type we do not parse.
    None,
}

impl BodyKind {
    /// The kind a request's Content-Type announces (media type only, case-insensitive,
    /// parameters ignored).
    pub(crate) fn of(req: &HttpRequest) -> Self {
        let media = req.content_type().trim();
        if media.eq_ignore_ascii_case("application/json") {
            Self::Json
        } else if media.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
            Self::Form
        } else {
            Self::None
        }
    }
}

/// A POST body read as `T`: a JSON object or an urlencoded form (form values are strings; the
/// first value of a repeated key wins); any other content type is an empty body.
///
/// Extracting fails with [`Error::PayloadTooLarge`] past `web.maxBodySize`, a
/// [`Error::BadRequest`] for malformed JSON, JSON that is not an object, or a key given twice,
/// and [`Error::Csrf`] for a form without a valid CSRF token (when `CSRF` is on; routes that
/// never rely on ambient credentials turn it off).
pub(crate) struct Input<T, const CSRF: bool = true> {
    /// How the body arrived.
    pub(crate) kind: BodyKind,
    /// The members, typed.
    pub(crate) value: T,
}

impl<T: DeserializeOwned + 'static, const CSRF: bool> FromRequest for Input<T, CSRF> {
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut dev::Payload) -> Self::Future {
        let req = req.clone();
        let payload = web::Payload::from_request(&req, payload).into_inner();
        Box::pin(async move {
            let sp = req.app_data::<Stormpath>().ok_or(Error::NotConfigured)?;
            let kind = BodyKind::of(&req);
            let payload = payload.map_err(|_| unreadable())?;
            let bytes = read(payload, sp.settings().config.web.max_body_size).await?;
            let members = parse(kind, &bytes)?;
            let token = members.get(csrf::FIELD).and_then(Value::as_str);
            if CSRF && kind == BodyKind::Form && !csrf::verify(&req, token, &sp.settings().secret) {
                return Err(Error::Csrf);
            }
            let value = serde_json::from_value(Value::Object(members))
                .map_err(|_| Error::BadRequest("The request body is not valid.".into()))?;
            Ok(Self { kind, value })
        })
    }
}

/// Reads a whole body, at most `limit` bytes of it (actix's limited buffering).
///
/// # Errors
/// [`Error::PayloadTooLarge`] past `limit`; a [`Error::BadRequest`] when the stream fails.
pub(crate) async fn read(payload: web::Payload, limit: usize) -> Result<web::Bytes, Error> {
    match payload.to_bytes_limited(limit).await {
        Err(_) => Err(Error::PayloadTooLarge),
        Ok(Err(_)) => Err(unreadable()),
        Ok(Ok(bytes)) => Ok(bytes),
    }
}

fn unreadable() -> Error {
    Error::BadRequest("The request body could not be read.".into())
}

/// The top-level members of a body of `kind`.
pub(crate) fn parse(kind: BodyKind, bytes: &[u8]) -> Result<Map<String, Value>, Error> {
    match kind {
        BodyKind::Json if bytes.iter().all(u8::is_ascii_whitespace) => Ok(Map::new()),
        BodyKind::Json => match serde_json::from_slice::<Unique>(bytes) {
            Ok(Unique {
                duplicate: Some(key),
                ..
            }) => Err(Error::BadRequest(format!(
                "Duplicate field \"{key}\" in the request body."
            ))),
            Ok(Unique {
                value: Value::Object(map),
                ..
            }) => Ok(map),
            Ok(_) => Err(Error::BadRequest(
                "The request body must be a JSON object.".into(),
            )),
            Err(_) => Err(Error::BadRequest(
                "The request body is not valid JSON.".into(),
            )),
        },
        BodyKind::Form => {
            let mut map = Map::new();
            for (key, value) in form_urlencoded::parse(bytes) {
                map.entry(key.into_owned())
                    .or_insert_with(|| Value::String(value.into_owned()));
            }
            Ok(map)
        }
        BodyKind::None => Ok(Map::new()),
    }
}

/// A JSON value, and the first key found twice in one of its objects (at any depth).
struct Unique {
    value: Value,
    duplicate: Option<String>,
}

impl<'de> Deserialize<'de> for Unique {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(UniqueVisitor)
    }
}

struct UniqueVisitor;

impl UniqueVisitor {
    fn plain<E>(value: Value) -> Result<Unique, E> {
        Ok(Unique {
            value,
            duplicate: None,
        })
    }
}

impl<'de> Visitor<'de> for UniqueVisitor {
    type Value = Unique;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Unique, E> {
        Self::plain(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Unique, E> {
        Self::plain(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Unique, E> {
        Self::plain(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Unique, E> {
        Self::plain(Value::from(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Unique, E> {
        Self::plain(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Unique, E> {
        Self::plain(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Unique, E> {
        Self::plain(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Unique, E> {
        Self::plain(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Unique, A::Error> {
        let mut items = Vec::new();
        let mut duplicate = None;
        while let Some(item) = seq.next_element::<Unique>()? {
            duplicate = duplicate.or(item.duplicate);
            items.push(item.value);
        }
        Ok(Unique {
            value: Value::Array(items),
            duplicate,
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Unique, A::Error> {
        let mut members = Map::new();
        let mut duplicate = None;
        while let Some(key) = map.next_key::<String>()? {
            let item = map.next_value::<Unique>()?;
            duplicate = duplicate.or(item.duplicate);
            if members.contains_key(&key) {
                duplicate = duplicate.or(Some(key));
            } else {
                members.insert(key, item.value);
            }
        }
        Ok(Unique {
            value: Value::Object(members),
            duplicate,
        })
    }
}

/// A member that should be a string. Reading it never fails; [`Text::get`] tells what was
/// sent, so each route reports its fields in its own order and words.
#[derive(Debug, Default)]
pub(crate) enum Text {
    /// Absent or null.
    #[default]
    Missing,
    /// A string (possibly empty).
    Given(String),
    /// Something else (a number, an object …).
    Other,
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Value::deserialize(deserializer)? {
            Value::Null => Self::Missing,
            Value::String(s) => Self::Given(s),
            _ => Self::Other,
        })
    }
}

impl Text {
    /// The string: `Ok(None)` when absent, null or empty.
    ///
    /// # Errors
    /// `"<label> must be a string."` when it is not a string.
    pub(crate) fn get(&self, label: &str) -> Result<Option<&str>, Error> {
        match self {
            Self::Missing => Ok(None),
            Self::Given(s) if s.is_empty() => Ok(None),
            Self::Given(s) => Ok(Some(s)),
            Self::Other => Err(Error::BadRequest(format!("{label} must be a string."))),
        }
    }

    /// The string as sent, to show again on a form; empty when it was not a string.
    pub(crate) fn shown(&self) -> &str {
        match self {
            Self::Given(s) => s,
            Self::Missing | Self::Other => "",
        }
    }
}

/// A query-string parameter (first value).
pub(crate) fn query_param(req: &HttpRequest, name: &str) -> Option<String> {
    form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(map: &Map<String, Value>, key: &str) -> Option<String> {
        map.get(key).and_then(Value::as_str).map(str::to_owned)
    }

    #[test]
    fn form_first_value_wins_and_bad_utf8_is_replaced() {
        let map = parse(BodyKind::Form, b"a=1&a=2&b=%FF").unwrap();
        assert_eq!(text(&map, "a").as_deref(), Some("1"));
        assert_eq!(text(&map, "b").as_deref(), Some("\u{FFFD}"));
    }

    #[test]
    fn json_must_be_an_object() {
        for bad in [&b"[1]"[..], b"{", b"null", b"\"x\""] {
            assert!(matches!(
                parse(BodyKind::Json, bad),
                Err(Error::BadRequest(_))
            ));
        }
        assert!(parse(BodyKind::Json, b"  ").unwrap().is_empty());
        let map = parse(BodyKind::Json, br#"{"x":"y","n":[1,{"a":null}]}"#).unwrap();
        assert_eq!(text(&map, "x").as_deref(), Some("y"));
        assert_eq!(map["n"], serde_json::json!([1, {"a": null}]));
    }

    #[test]
    fn duplicate_json_keys_are_refused_at_any_depth() {
        for (body, key) in [
            (&br#"{"login":"a","login":"b"}"#[..], "login"),
            (br#"{"customData":{"x":1,"x":2}}"#, "x"),
            (br#"{"a":[{"k":1,"k":1}]}"#, "k"),
        ] {
            match parse(BodyKind::Json, body) {
                Err(Error::BadRequest(message)) => assert_eq!(
                    message,
                    format!("Duplicate field \"{key}\" in the request body.")
                ),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn other_types_are_never_parsed() {
        assert!(
            parse(BodyKind::None, br#"{"login":"x"}"#)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn text_reports_its_label() {
        let t: Text = serde_json::from_value(serde_json::json!(5)).unwrap();
        assert_eq!(
            t.get("Login").unwrap_err().to_string(),
            "Login must be a string."
        );
        let t: Text = serde_json::from_value(serde_json::json!("")).unwrap();
        assert_eq!(t.get("Login").unwrap(), None);
        assert_eq!(t.shown(), "");
    }
}
