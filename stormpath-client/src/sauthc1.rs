//! SAuthc1, Stormpath's digest authentication of API callers (rest-api.md §2.2).
//!
//! The client side builds the `Authorization` header with [`authorization`]; the server side
//! parses it with [`Sauthc1Header::parse`] and checks it with [`verify`]. Both work on a
//! [`SignedRequest`]: the request as it travels on the wire.
//!
//! Clock skew and nonce replay are the server's business: it reads the request time with
//! [`parse_timestamp`] and keeps its own nonce cache.
//!
//! # Examples
//! ```
//! use stormpath_client::credentials::ApiKey;
//! use stormpath_client::sauthc1::{self, Sauthc1Header, SignedRequest};
//!
//! let key = ApiKey { id: "MyId".into(), secret: "Shush!".into() };
//! let headers = [("Host", "api.stormpath.com"), ("X-Stormpath-Date", "20130701T000000Z")];
//! let request = SignedRequest {
//!     method: "GET",
//!     path: "/v1/",
//!     query: "",
//!     headers: &headers,
//!     body: b"",
//! };
//! let value = sauthc1::authorization(
//!     &key,
//!     &request,
//!     &["host", "x-stormpath-date"],
//!     "20130701T000000Z",
//!     "a43a9d25-ab06-421e-8605-33fd1e760825",
//! );
//! let header = Sauthc1Header::parse(&value).unwrap();
//! assert_eq!(header.key_id, "MyId");
//! assert!(sauthc1::verify(&header, "Shush!", &request));
//! assert!(!sauthc1::verify(&header, "wrong", &request));
//! ```

use std::borrow::Cow;

use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode, percent_encode};
use sha2::{Digest, Sha256};
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset, macros::format_description};

use crate::credentials::ApiKey;
use crate::{Error, Invalid, InvalidKind, Result};

type HmacSha256 = Hmac<Sha256>;

/// The authentication scheme's name in the `Authorization` header.
pub const SCHEME: &str = "SAuthc1";
/// The header carrying the request time, `yyyyMMdd'T'HHmmss'Z'`.
pub const DATE_HEADER: &str = "x-stormpath-date";
/// The last part of every SAuthc1 id (and of the key derivation).
const ID_TERMINATOR: &str = "sauthc1_request";
/// The algorithm line of the string to sign.
const ALGORITHM: &str = "HMAC-SHA-256";

/// RFC 3986's unreserved characters stay, everything else is `%XX` (rest-api.md §2.2 step 2.2).
const STRICT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');
/// The same for a path, where `/` stays as it is.
const PATH: &AsciiSet = &STRICT.remove(b'/');

/// What is signed: the request as sent on the wire.
#[derive(Clone, Copy)]
pub struct SignedRequest<'a> {
    /// The HTTP method, e.g. `GET` (any case; it is upper-cased for signing).
    pub method: &'a str,
    /// The raw path as sent (percent-encoded), including `/v1`.
    pub path: &'a str,
    /// The raw query string without `?`; `""` when there is none.
    pub query: &'a str,
    /// All request headers available, as (name, value); names in any case.
    pub headers: &'a [(&'a str, &'a str)],
    /// The exact body bytes (empty when there is no body).
    pub body: &'a [u8],
}

/// Builds the `Authorization` header value for `req`, signed with `key`.
///
/// `timestamp` is the request time as `yyyyMMdd'T'HHmmss'Z'` ([`format_timestamp`]) and must
/// equal the `X-Stormpath-Date` header in `req.headers`; `nonce` is a fresh random string (a
/// UUID v4 in the official SDKs). The headers named in `signed_headers` are signed (names
/// in any case); `host` and `x-stormpath-date` are always added, and a named header that
/// `req.headers` does not hold is left out of the signature.
///
/// # Examples
/// See the [module documentation](self).
#[must_use]
pub fn authorization(
    key: &ApiKey,
    req: &SignedRequest<'_>,
    signed_headers: &[&str],
    timestamp: &str,
    nonce: &str,
) -> String {
    let mut names: Vec<String> = signed_headers
        .iter()
        .map(|name| name.to_ascii_lowercase())
        .chain(["host".to_owned(), DATE_HEADER.to_owned()])
        .filter(|name| header_value(req.headers, name).is_some())
        .collect();
    names.sort_unstable();
    names.dedup();
    let date_stamp = timestamp.get(..8).unwrap_or(timestamp);
    let id = format!("{}/{date_stamp}/{nonce}/{ID_TERMINATOR}", key.id);
    let creq = canonical_request(req, &canonical_query(req.query), &names).unwrap_or_default();
    let signature = signing_mac(&key.secret, date_stamp, nonce)
        .map(|mut mac| {
            mac.update(string_to_sign(timestamp, &id, &creq).as_bytes());
            hex::encode(mac.finalize().into_bytes())
        })
        .unwrap_or_default();
    format!(
        "{SCHEME} sauthc1Id={id}, sauthc1SignedHeaders={}, sauthc1Signature={signature}",
        names.join(";")
    )
}

/// Formats a time as `yyyyMMdd'T'HHmmss'Z'` in UTC, e.g. `20130701T000000Z`.
///
/// # Examples
/// ```
/// use time::macros::datetime;
/// let at = datetime!(2013-07-01 02:00:00 +02:00);
/// assert_eq!(stormpath_client::sauthc1::format_timestamp(at), "20130701T000000Z");
/// ```
#[must_use]
pub fn format_timestamp(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Parses a `yyyyMMdd'T'HHmmss'Z'` timestamp (the `X-Stormpath-Date` header) as UTC.
///
/// # Errors
/// [`Error::Validation`] on the field `X-Stormpath-Date` when the text is not in that exact
/// format or is no real date and time.
///
/// # Examples
/// ```
/// use stormpath_client::sauthc1::parse_timestamp;
/// use time::macros::datetime;
/// assert_eq!(parse_timestamp("20130701T000000Z").unwrap(), datetime!(2013-07-01 0:00 UTC));
/// assert!(parse_timestamp("2013-07-01T00:00:00Z").is_err());
/// ```
pub fn parse_timestamp(s: &str) -> Result<OffsetDateTime> {
    let shape_ok = s.len() == 16
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 => b == b'T',
            15 => b == b'Z',
            _ => b.is_ascii_digit(),
        });
    let fmt = format_description!("[year][month][day]T[hour][minute][second]Z");
    shape_ok
        .then(|| PrimitiveDateTime::parse(s, &fmt).ok())
        .flatten()
        .map(PrimitiveDateTime::assume_utc)
        .ok_or_else(|| {
            Invalid::new(
                "X-Stormpath-Date",
                InvalidKind::Format,
                "X-Stormpath-Date must be a UTC time as yyyyMMdd'T'HHmmss'Z'.",
            )
            .into()
        })
}

/// A parsed `Authorization: SAuthc1 …` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sauthc1Header {
    /// The API key id (first part of `sauthc1Id`).
    pub key_id: String,
    /// The signing date, `yyyyMMdd` (second part of `sauthc1Id`).
    pub date_stamp: String,
    /// The client's nonce (third part of `sauthc1Id`).
    pub nonce: String,
    /// The signed header names as sent in `sauthc1SignedHeaders`, in their order.
    pub signed_headers: Vec<String>,
    /// The signature, hex as sent.
    pub signature: String,
}

impl Sauthc1Header {
    /// Parses an `Authorization` header value:
    /// `SAuthc1 sauthc1Id=<id>, sauthc1SignedHeaders=<a;b>, sauthc1Signature=<hex>`.
    ///
    /// The scheme is matched without regard to case, the three pairs may come in any order
    /// and the spaces after the commas are optional. The id must have the four parts
    /// `keyId/yyyyMMdd/nonce/sauthc1_request`.
    ///
    /// # Errors
    /// [`Error::Validation`] on the field `Authorization` when the value is not a
    /// well-formed SAuthc1 header.
    pub fn parse(value: &str) -> Result<Self> {
        let value = value.trim();
        let (scheme, params) = value
            .split_once(|c: char| c.is_ascii_whitespace())
            .ok_or_else(|| malformed("it has no parameters"))?;
        if !scheme.eq_ignore_ascii_case(SCHEME) {
            return Err(malformed("the scheme is not SAuthc1"));
        }
        let (mut id, mut signed, mut signature) = (None, None, None);
        for param in params.split(',') {
            let (name, val) = param
                .trim()
                .split_once('=')
                .ok_or_else(|| malformed("a parameter has no value"))?;
            let slot = match name.trim() {
                "sauthc1Id" => &mut id,
                "sauthc1SignedHeaders" => &mut signed,
                "sauthc1Signature" => &mut signature,
                _ => return Err(malformed("it has an unknown parameter")),
            };
            if slot.replace(val.trim()).is_some() {
                return Err(malformed("a parameter is repeated"));
            }
        }
        let id = id.ok_or_else(|| malformed("sauthc1Id is missing"))?;
        let signed = signed.ok_or_else(|| malformed("sauthc1SignedHeaders is missing"))?;
        let signature = signature.ok_or_else(|| malformed("sauthc1Signature is missing"))?;

        let parts: Vec<&str> = id.split('/').collect();
        let [key_id, date_stamp, nonce, terminator] = parts[..] else {
            return Err(malformed("sauthc1Id does not have four parts"));
        };
        if key_id.is_empty()
            || nonce.is_empty()
            || terminator != ID_TERMINATOR
            || date_stamp.len() != 8
            || !date_stamp.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(malformed(
                "sauthc1Id is not keyId/yyyyMMdd/nonce/sauthc1_request",
            ));
        }
        let signed_headers: Vec<String> = signed.split(';').map(str::to_owned).collect();
        if signed_headers.iter().any(String::is_empty) {
            return Err(malformed("sauthc1SignedHeaders has an empty name"));
        }
        if signature.is_empty() {
            return Err(malformed("sauthc1Signature is empty"));
        }
        Ok(Self {
            key_id: key_id.to_owned(),
            date_stamp: date_stamp.to_owned(),
            nonce: nonce.to_owned(),
            signed_headers,
            signature: signature.to_owned(),
        })
    }
}

/// The error for a malformed `Authorization` header.
fn malformed(why: &str) -> Error {
    Invalid::new(
        "Authorization",
        InvalidKind::Format,
        format!("The SAuthc1 Authorization header is malformed: {why}."),
    )
    .into()
}

/// Checks `header` against the request and the key's `secret`: recomputes the signature and
/// compares it in constant time.
///
/// The timestamp comes from the request's `X-Stormpath-Date` header, which must be among the
/// signed headers (as must `host`), must be a valid timestamp, and whose date must equal
/// the header's `date_stamp`. The signed headers are taken from the request in the order
/// `sauthc1SignedHeaders` lists them; each must be present. The query is accepted in either
/// canonical form of rest-api.md §2.2: sorted and re-encoded, or (the old Python signer) the
/// raw query with `+`, `*`, `%7E` and `%2F` fixed up.
///
/// Whether the key id is known, the clock skew and nonce replay are for the caller to check.
#[must_use]
pub fn verify(header: &Sauthc1Header, secret: &str, req: &SignedRequest<'_>) -> bool {
    let names: Vec<String> = header
        .signed_headers
        .iter()
        .map(|name| name.to_ascii_lowercase())
        .collect();
    if !names.iter().any(|n| n == "host") || !names.iter().any(|n| n == DATE_HEADER) {
        return false;
    }
    let Some(timestamp) = header_value(req.headers, DATE_HEADER) else {
        return false;
    };
    if parse_timestamp(&timestamp).is_err() || timestamp.get(..8) != Some(&*header.date_stamp) {
        return false;
    }
    let Ok(expected) = hex::decode(&header.signature) else {
        return false;
    };
    let Some(key) = signing_mac(secret, &header.date_stamp, &header.nonce) else {
        return false;
    };
    let id = format!(
        "{}/{}/{}/{ID_TERMINATOR}",
        header.key_id, header.date_stamp, header.nonce
    );
    let sorted = canonical_query(req.query);
    let raw = raw_query(req.query);
    let queries: &[&str] = if sorted == raw {
        &[&sorted]
    } else {
        &[&sorted, &raw]
    };
    queries.iter().any(|query| {
        canonical_request(req, query, &names).is_some_and(|creq| {
            let mut mac = key.clone();
            mac.update(string_to_sign(&timestamp, &id, &creq).as_bytes());
            // `verify_slice` compares in constant time.
            mac.verify_slice(&expected).is_ok()
        })
    })
}

/// Builds the canonical request: method, path, query, header block, signed names, body hash.
/// `None` when a named header is missing from the request.
fn canonical_request(req: &SignedRequest<'_>, query: &str, names: &[String]) -> Option<String> {
    let mut block = String::new();
    for name in names {
        let value = header_value(req.headers, name)?;
        block.push_str(name);
        block.push(':');
        block.push_str(&value);
        block.push('\n');
    }
    Some(
        [
            req.method.to_ascii_uppercase(),
            canonical_path(req.path),
            query.to_owned(),
            block,
            names.join(";"),
            hex::encode(Sha256::digest(req.body)),
        ]
        .join("\n"),
    )
}

/// All values of the header `name` (matched without regard to case), trimmed and joined with
/// `,`; `None` when the request has no such header.
fn header_value(headers: &[(&str, &str)], name: &str) -> Option<String> {
    let values: Vec<&str> = headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
        .collect();
    (!values.is_empty()).then(|| values.join(","))
}

/// The canonical path: decoded, re-encoded with the strict set keeping `/`; `/` when empty.
fn canonical_path(raw: &str) -> String {
    let decoded: Cow<'_, [u8]> = percent_decode(raw.as_bytes()).into();
    let path = percent_encode(&decoded, PATH).to_string();
    if path.is_empty() {
        "/".to_owned()
    } else {
        path
    }
}

/// The canonical query: the decoded pairs sorted by name (then value, byte order), each part
/// strictly re-encoded, `name=value` joined with `&`.
fn canonical_query(raw: &str) -> String {
    let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = raw
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (form_decode(name), form_decode(value))
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(name, value)| {
            format!(
                "{}={}",
                percent_encode(name, STRICT),
                percent_encode(value, STRICT)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Decodes a query component: `+` is a space, then percent-decoding (bytes, not UTF-8).
fn form_decode(part: &str) -> Vec<u8> {
    let spaced = part.replace('+', " ");
    percent_decode(spaced.as_bytes()).collect()
}

/// The raw query with the old Python signer's fix-ups (rest-api.md §2.2, tolerance).
fn raw_query(raw: &str) -> String {
    raw.replace('+', "%20")
        .replace('*', "%2A")
        .replace("%7E", "~")
        .replace("%2F", "/")
}

/// `HMAC(key, data)`.
fn hmac(key: &[u8], data: &str) -> Option<HmacSha256> {
    // HMAC accepts keys of any length, so this never fails; `None` only keeps it panic-free.
    let mut mac = HmacSha256::new_from_slice(key).ok()?;
    mac.update(data.as_bytes());
    Some(mac)
}

/// The signing key (rest-api.md §2.2 step 5), ready to sign: `kSecret → kDate → kNonce →
/// kSigning`.
fn signing_mac(secret: &str, date_stamp: &str, nonce: &str) -> Option<HmacSha256> {
    let k_secret = format!("SAuthc1{secret}");
    let k_date = hmac(k_secret.as_bytes(), date_stamp)?
        .finalize()
        .into_bytes();
    let k_nonce = hmac(&k_date, nonce)?.finalize().into_bytes();
    let k_signing = hmac(&k_nonce, ID_TERMINATOR)?.finalize().into_bytes();
    HmacSha256::new_from_slice(&k_signing).ok()
}

/// The string to sign (rest-api.md §2.2 step 4).
fn string_to_sign(timestamp: &str, id: &str, creq: &str) -> String {
    [
        ALGORITHM,
        timestamp,
        id,
        &hex::encode(Sha256::digest(creq.as_bytes())),
    ]
    .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const TS: &str = "20130701T000000Z";
    const NONCE: &str = "a43a9d25-ab06-421e-8605-33fd1e760825";
    const HEADERS: [(&str, &str); 2] = [("Host", "api.stormpath.com"), ("X-Stormpath-Date", TS)];

    fn key() -> ApiKey {
        ApiKey {
            id: "MyId".into(),
            secret: "Shush!".into(),
        }
    }

    fn get<'a>(path: &'a str, query: &'a str) -> SignedRequest<'a> {
        SignedRequest {
            method: "GET",
            path,
            query,
            headers: &HEADERS,
            body: b"",
        }
    }

    fn expected(signature: &str) -> String {
        format!(
            "SAuthc1 sauthc1Id=MyId/20130701/{NONCE}/sauthc1_request, \
             sauthc1SignedHeaders=host;x-stormpath-date, sauthc1Signature={signature}"
        )
    }

    fn sign(req: &SignedRequest<'_>) -> String {
        authorization(&key(), req, &["host", "x-stormpath-date"], TS, NONCE)
    }

    #[test]
    fn vector_1_root() {
        assert_eq!(
            sign(&get("/v1/", "")),
            expected("990a95aabbcbeb53e48fb721f73b75bd3ae025a2e86ad359d08558e1bbb9411c")
        );
    }

    #[test]
    fn vector_1_canonical_request_byte_for_byte() {
        let names = ["host".to_owned(), "x-stormpath-date".to_owned()];
        let creq = canonical_request(&get("/v1/", ""), "", &names).unwrap();
        assert_eq!(
            creq,
            "GET\n/v1/\n\nhost:api.stormpath.com\nx-stormpath-date:20130701T000000Z\n\n\
             host;x-stormpath-date\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn vector_2_query_with_plus() {
        assert_eq!(canonical_query("orderBy=name+asc"), "orderBy=name%20asc");
        assert_eq!(
            sign(&get("/v1/directories", "orderBy=name+asc")),
            expected("fc04c5187cc017bbdf9c0bb743a52a9487ccb91c0996267988ceae3f10314176")
        );
    }

    #[test]
    fn vector_3_query_sorted() {
        let query = "q=group&limit=25&offset=25";
        assert_eq!(canonical_query(query), "limit=25&offset=25&q=group");
        assert_eq!(
            sign(&get(
                "/v1/applications/77JnfFiREjdfQH0SObMfjI/groups",
                query
            )),
            expected("e30a62c0d03ca6cb422e66039786865f3eb6269400941ede6226760553a832d3")
        );
    }

    #[test]
    fn the_three_vectors_verify() {
        for (path, query) in [
            ("/v1/", ""),
            ("/v1/directories", "orderBy=name+asc"),
            (
                "/v1/applications/77JnfFiREjdfQH0SObMfjI/groups",
                "q=group&limit=25&offset=25",
            ),
        ] {
            let req = get(path, query);
            let header = Sauthc1Header::parse(&sign(&req)).unwrap();
            assert!(verify(&header, "Shush!", &req), "{path}?{query}");
        }
    }

    #[test]
    fn signing_normalises_header_names_and_adds_the_required_ones() {
        // Upper-case names, a duplicate, and the two required headers left out.
        let value = authorization(&key(), &get("/v1/", ""), &["HOST", "host"], TS, NONCE);
        assert_eq!(value, sign(&get("/v1/", "")));
    }

    #[test]
    fn body_content_type_and_encoded_path_match_the_python_reference() {
        let headers = [
            ("host", "api.stormpath.com"),
            ("x-stormpath-date", TS),
            ("Content-Type", "application/json"),
            ("Content-Length", "7"),
        ];
        let req = SignedRequest {
            method: "post",
            path: "/v1/accounts/%C3%A4%20b",
            query: "x=1/2",
            headers: &headers,
            body: br#"{"a":1}"#,
        };
        let value = authorization(&key(), &req, &["content-type"], TS, NONCE);
        // Computed with the Python signer of rest-api.md Appendix A.
        assert_eq!(
            value,
            format!(
                "SAuthc1 sauthc1Id=MyId/20130701/{NONCE}/sauthc1_request, \
                 sauthc1SignedHeaders=content-type;host;x-stormpath-date, \
                 sauthc1Signature=0ee190501ee5b38f5aa9fa386d9dfc61a98ab58179ceae168d6da7b851e05e4d"
            )
        );
        let header = Sauthc1Header::parse(&value).unwrap();
        assert!(verify(&header, "Shush!", &req));
        // The same request with the slash percent-encoded in the query also verifies.
        assert!(verify(
            &header,
            "Shush!",
            &SignedRequest {
                query: "x=1%2F2",
                ..req
            }
        ));
        assert!(!verify(
            &header,
            "Shush!",
            &SignedRequest { body: b"{}", ..req }
        ));
    }

    #[test]
    fn the_raw_query_of_the_old_python_signer_is_tolerated() {
        // Signed over the raw query with the fix-ups, `q=a%20b%2A&orderBy=name` (computed with
        // the Appendix A signer given that canonical query), not the sorted form.
        let req = get("/v1/accounts", "q=a+b*&orderBy=name");
        let header = Sauthc1Header::parse(&expected(
            "23a533f2057677e7782b831580746feca756c375cacc9aeedcf3a1ec47e1b566",
        ))
        .unwrap();
        assert_ne!(canonical_query(req.query), raw_query(req.query));
        assert!(verify(&header, "Shush!", &req));
        assert!(!verify(
            &header,
            "Shush!",
            &get("/v1/accounts", "q=a+b*&orderBy=nam")
        ));
    }

    #[test]
    fn tampering_is_refused() {
        let req = get("/v1/directories", "orderBy=name+asc");
        let header = Sauthc1Header::parse(&sign(&req)).unwrap();
        assert!(verify(&header, "Shush!", &req));
        assert!(!verify(&header, "Shush", &req), "wrong secret");
        assert!(
            !verify(&header, "Shush!", &get("/v1/directories", "")),
            "query"
        );
        assert!(!verify(
            &header,
            "Shush!",
            &get("/v1/directorie", "orderBy=name+asc")
        ));
        assert!(!verify(
            &header,
            "Shush!",
            &SignedRequest {
                method: "POST",
                ..req
            }
        ));
        let other_host = [("Host", "evil.example"), ("X-Stormpath-Date", TS)];
        assert!(!verify(
            &header,
            "Shush!",
            &SignedRequest {
                headers: &other_host,
                ..req
            }
        ));
        let mut bad = header.clone();
        bad.nonce.push('x');
        assert!(!verify(&bad, "Shush!", &req), "nonce");
        let mut bad = header.clone();
        bad.signature = bad.signature.replace('f', "e");
        assert!(!verify(&bad, "Shush!", &req), "signature");
        bad.signature = "zz".into();
        assert!(!verify(&bad, "Shush!", &req), "not hex");
    }

    #[test]
    fn the_date_header_must_be_signed_valid_and_match_the_id() {
        let req = get("/v1/", "");
        let header = Sauthc1Header::parse(&sign(&req)).unwrap();
        let mut unsigned = header.clone();
        unsigned.signed_headers = vec!["host".into()];
        assert!(!verify(&unsigned, "Shush!", &req));
        let mut no_host = header.clone();
        no_host.signed_headers = vec!["x-stormpath-date".into()];
        assert!(!verify(&no_host, "Shush!", &req));
        let mut other_day = header.clone();
        other_day.date_stamp = "20130702".into();
        assert!(!verify(&other_day, "Shush!", &req));
        let no_date = [("Host", "api.stormpath.com")];
        assert!(!verify(
            &header,
            "Shush!",
            &SignedRequest {
                headers: &no_date,
                ..req
            }
        ));
        let bad_date = [
            ("Host", "api.stormpath.com"),
            ("X-Stormpath-Date", "20130701"),
        ];
        assert!(!verify(
            &header,
            "Shush!",
            &SignedRequest {
                headers: &bad_date,
                ..req
            }
        ));
    }

    #[test]
    fn a_header_listed_in_another_case_or_order_verifies() {
        let req = get("/v1/", "");
        let value = format!(
            "sauthc1   sauthc1Signature=990a95aabbcbeb53e48fb721f73b75bd3ae025a2e86ad359d08558e1bbb9411c,\
             sauthc1SignedHeaders=Host;X-Stormpath-Date,sauthc1Id=MyId/20130701/{NONCE}/sauthc1_request"
        );
        let header = Sauthc1Header::parse(&value).unwrap();
        assert_eq!(header.signed_headers, ["Host", "X-Stormpath-Date"]);
        assert!(verify(&header, "Shush!", &req));
    }

    #[test]
    fn the_header_parses() {
        let header = Sauthc1Header::parse(&sign(&get("/v1/", ""))).unwrap();
        assert_eq!(
            header,
            Sauthc1Header {
                key_id: "MyId".into(),
                date_stamp: "20130701".into(),
                nonce: NONCE.into(),
                signed_headers: vec!["host".into(), "x-stormpath-date".into()],
                signature: "990a95aabbcbeb53e48fb721f73b75bd3ae025a2e86ad359d08558e1bbb9411c"
                    .into(),
            }
        );
    }

    #[test]
    fn malformed_headers_are_validation_errors() {
        let id = format!("sauthc1Id=MyId/20130701/{NONCE}/sauthc1_request");
        for value in [
            String::new(),
            "SAuthc1".into(),
            format!("Basic {id}, sauthc1SignedHeaders=host, sauthc1Signature=ab"),
            format!("SAuthc1 {id}, sauthc1SignedHeaders=host"),
            format!("SAuthc1 {id}, sauthc1SignedHeaders=host, sauthc1Signature="),
            format!("SAuthc1 {id}, {id}, sauthc1SignedHeaders=host, sauthc1Signature=ab"),
            format!("SAuthc1 {id}, sauthc1SignedHeaders=host;, sauthc1Signature=ab"),
            format!("SAuthc1 {id}, sauthc1SignedHeaders=host, sauthc1Signature=ab, x=y"),
            format!("SAuthc1 {id}, sauthc1SignedHeaders=host, sauthc1Signature"),
            "SAuthc1 sauthc1Id=MyId/20130701/n, sauthc1SignedHeaders=host, sauthc1Signature=ab"
                .into(),
            "SAuthc1 sauthc1Id=MyId/2013070/n/sauthc1_request, sauthc1SignedHeaders=host, \
             sauthc1Signature=ab"
                .into(),
            "SAuthc1 sauthc1Id=MyId/20130701/n/other, sauthc1SignedHeaders=host, \
             sauthc1Signature=ab"
                .into(),
            "SAuthc1 sauthc1Id=/20130701/n/sauthc1_request, sauthc1SignedHeaders=host, \
             sauthc1Signature=ab"
                .into(),
        ] {
            let err = Sauthc1Header::parse(&value).unwrap_err();
            assert_eq!(err.field(), Some("Authorization"), "{value}");
            assert_eq!(err.status(), 400);
        }
    }

    #[test]
    fn canonical_paths_are_strictly_re_encoded() {
        assert_eq!(canonical_path(""), "/");
        assert_eq!(canonical_path("/v1/"), "/v1/");
        assert_eq!(canonical_path("/v1/a%7Eb"), "/v1/a~b");
        assert_eq!(canonical_path("/v1/a b*+"), "/v1/a%20b%2A%2B");
        assert_eq!(canonical_path("/v1/a%2Fb"), "/v1/a/b");
        assert_eq!(canonical_path("/v1/%c3%a4"), "/v1/%C3%A4");
    }

    #[test]
    fn canonical_queries_decode_sort_and_re_encode() {
        assert_eq!(canonical_query(""), "");
        assert_eq!(canonical_query("b=2&a=1&a=0"), "a=0&a=1&b=2");
        assert_eq!(canonical_query("flag&x=a/b~c*"), "flag=&x=a%2Fb~c%2A");
        assert_eq!(canonical_query("Z=1&a=2"), "Z=1&a=2");
        assert_eq!(canonical_query("&&x=%7e"), "x=~");
    }

    #[test]
    fn timestamps_round_trip() {
        let at = datetime!(2013-07-01 00:00:00 UTC);
        assert_eq!(format_timestamp(at), TS);
        assert_eq!(parse_timestamp(TS).unwrap(), at);
        let later = datetime!(2024-12-31 23:59:59 UTC);
        assert_eq!(parse_timestamp(&format_timestamp(later)).unwrap(), later);
        assert_eq!(
            format_timestamp(datetime!(2016-01-01 01:30:05 +03:00)),
            "20151231T223005Z"
        );
    }

    #[test]
    fn bad_timestamps_are_refused() {
        for bad in [
            "",
            "20130701",
            "20130701T000000",
            "20130701t000000Z",
            "20130701T000000z",
            "2013-07-01T00:00:00Z",
            "20131301T000000Z",
            "20130230T000000Z",
            "20130701T250000Z",
            "+2013070T000000Z",
            "20130701T000000Z ",
        ] {
            let err = parse_timestamp(bad).unwrap_err();
            assert_eq!(err.field(), Some("X-Stormpath-Date"), "{bad:?}");
        }
    }
}
