//! Safe redirects (spec §2.6): `next` accepts same-site paths only.

use actix_web::{HttpRequest, HttpResponse, http::header};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

/// Characters escaped when a path goes into a `Location` header.
const LOCATION: &AsciiSet = &CONTROLS.add(b' ').add(b'"').add(b'<').add(b'>').add(b'`');

/// Characters escaped when a value becomes a URI component (`/` → `%2F`, `?` → `%3F` …).
pub(crate) const COMPONENT: &AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// `next` if it is a same-site path: one leading `/`, no second `/` or `\` after it, no
/// backslash or control character anywhere. Anything else is ignored (`None`).
#[must_use]
pub(crate) fn safe_next(next: Option<&str>) -> Option<&str> {
    let next = next?;
    let mut chars = next.chars();
    let ok = chars.next() == Some('/')
        && !matches!(chars.next(), Some('/' | '\\'))
        && !next
            .chars()
            .any(|c| c == '\\' || c.is_control() || c.is_whitespace());
    ok.then_some(next)
}

/// The request's `next` parameter when it is a same-site path, else `default`.
pub(crate) fn next_or(req: &HttpRequest, default: &str) -> String {
    let next = crate::input::query_param(req, "next");
    safe_next(next.as_deref()).unwrap_or(default).to_owned()
}

/// `path`, keeping the request's `next` parameter when it is a same-site path (a form's
/// action, so that the POST redirects where the GET was meant to).
pub(crate) fn keeping_next(req: &HttpRequest, path: &str) -> String {
    let next = crate::input::query_param(req, "next");
    match safe_next(next.as_deref()) {
        Some(next) => with_next(path, next),
        None => path.to_owned(),
    }
}

/// A `302 Found` to a same-site path.
pub(crate) fn found(location: &str) -> HttpResponse {
    let location = utf8_percent_encode(location, LOCATION).to_string();
    HttpResponse::Found()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// `path?next=<encoded target>`.
pub(crate) fn with_next(path: &str, target: &str) -> String {
    format!("{path}?next={}", utf8_percent_encode(target, COMPONENT))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_same_site_paths_pass() {
        for bad in [
            "//evil.com",
            "/\\evil.com",
            "\\\\evil.com",
            "https://evil.com",
            "http:evil.com",
            "javascript:alert(1)",
            "%2F%2Fevil.com",
            "/\t/evil.com",
            "/\\evil.com",
            "https:/evil.com",
            "/a\r\nSet-Cookie: x=y",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), None, "{bad:?}");
        }
        assert_eq!(safe_next(Some("/account?tab=1")), Some("/account?tab=1"));
        assert_eq!(safe_next(Some("/")), Some("/"));
    }

    #[test]
    fn next_is_encoded_as_a_component() {
        assert_eq!(with_next("/login", "/me"), "/login?next=%2Fme");
        assert_eq!(
            with_next("/login", "/a?b=c&d"),
            "/login?next=%2Fa%3Fb%3Dc%26d"
        );
    }
}
