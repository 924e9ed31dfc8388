//! Content negotiation (spec §2.2): which of the configured `produces` types a request gets,
//! or none (PASS: the request falls through to the application's own routes).

use actix_web::{guard::GuardContext, http::header};

use crate::Stormpath;

/// What a response is rendered as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `application/json`.
    Json,
    /// `text/html`.
    Html,
}

impl Format {
    /// The media type.
    #[must_use]
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Json => "application/json",
            Self::Html => "text/html",
        }
    }

    pub(crate) fn from_media_type(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "application/json" => Some(Self::Json),
            "text/html" => Some(Self::Html),
            _ => None,
        }
    }
}

/// Picks the response format for an `Accept` header value; `None` means PASS.
///
/// Each candidate in `produces` gets the quality of the most specific matching range
/// (exact > `type/*` > `*/*`); the best (quality, specificity) wins, ties going to the earlier
/// candidate. A missing or blank header means `*/*`.
#[must_use]
pub fn negotiate(accept: Option<&str>, produces: &[Format]) -> Option<Format> {
    let accept = accept.map(str::trim).filter(|a| !a.is_empty());
    let Some(accept) = accept else {
        return produces.first().copied();
    };
    let ranges: Vec<(String, String, f32)> = accept.split(',').filter_map(parse_range).collect();
    let mut best: Option<(Format, f32, u8)> = None;
    for &candidate in produces {
        let (ty, sub) = candidate.media_type().split_once('/').unwrap_or_default();
        let matched = ranges
            .iter()
            .filter_map(|(rt, rs, q)| {
                let spec = match (rt.as_str(), rs.as_str()) {
                    (t, s) if t == ty && s == sub => 2,
                    (t, "*") if t == ty => 1,
                    ("*", "*") => 0,
                    _ => return None,
                };
                Some((spec, *q))
            })
            .max_by_key(|(spec, _)| *spec);
        let Some((spec, q)) = matched else { continue };
        if q <= 0.0 {
            continue;
        }
        if best.is_none_or(|(_, bq, bs)| q > bq || (q == bq && spec > bs)) {
            best = Some((candidate, q, spec));
        }
    }
    best.map(|(format, _, _)| format)
}

fn parse_range(item: &str) -> Option<(String, String, f32)> {
    let mut parts = item.split(';');
    let media = parts.next()?.trim().to_ascii_lowercase();
    let (ty, sub) = media.split_once('/')?;
    if ty.is_empty() || sub.is_empty() {
        return None;
    }
    let mut q = 1.0;
    for param in parts {
        if let Some((k, v)) = param.split_once('=')
            && k.trim().eq_ignore_ascii_case("q")
        {
            q = v
                .trim()
                .parse::<f32>()
                .ok()
                .filter(|q| (0.0..=1.0).contains(q))?;
        }
    }
    Some((ty.trim().to_owned(), sub.trim().to_owned(), q))
}

/// The format of a request, given the app's configuration.
pub(crate) fn request_format(req: &actix_web::HttpRequest, produces: &[Format]) -> Option<Format> {
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok());
    negotiate(accept, produces)
}

/// The format negotiated for a request that passed [`guard`] (JSON when none could be, which
/// the guard rules out).
pub(crate) fn format(req: &actix_web::HttpRequest, sp: &Stormpath) -> Format {
    request_format(req, &sp.settings().produces).unwrap_or(Format::Json)
}

/// The format a guarded request negotiates to (`None`: PASS, or no integration on the app).
fn guard_format(ctx: &GuardContext<'_>) -> Option<Format> {
    let sp = ctx.app_data::<Stormpath>()?;
    let accept = ctx
        .head()
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok());
    negotiate(accept, &sp.settings().produces)
}

/// A route guard that matches only when negotiation does not PASS, so that unanswerable
/// requests fall through to the application's routes (or its 404).
pub(crate) fn guard(ctx: &GuardContext<'_>) -> bool {
    guard_format(ctx).is_some()
}

/// A route guard that matches only requests negotiated to HTML.
pub(crate) fn html_guard(ctx: &GuardContext<'_>) -> bool {
    guard_format(ctx) == Some(Format::Html)
}

#[cfg(test)]
mod tests {
    use super::{Format::*, *};

    const DEFAULT: &[Format] = &[Json, Html];

    #[test]
    fn spec_worked_examples() {
        let cases: &[(Option<&str>, Option<Format>)] = &[
            (None, Some(Json)),
            (Some(""), Some(Json)),
            (Some("*/*"), Some(Json)),
            (Some("application/json"), Some(Json)),
            (
                Some("application/json, application/javascript, text/javascript"),
                Some(Json),
            ),
            (Some("text/html"), Some(Html)),
            (
                Some("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
                Some(Html),
            ),
            (Some("text/html, */*"), Some(Html)),
            (Some("text/*"), Some(Html)),
            (Some("foo/bar"), None),
            (Some("text/html;q=0, application/json;q=0"), None),
            (Some("garbage"), None),
        ];
        for (accept, want) in cases {
            assert_eq!(negotiate(*accept, DEFAULT), *want, "Accept: {accept:?}");
        }
    }

    #[test]
    fn html_only_apps_and_spa_mode() {
        assert_eq!(negotiate(Some("*/*"), &[Html]), Some(Html));
        assert_eq!(negotiate(Some("text/html"), &[Json]), None);
    }
}
