//! The query string of a REST request (spec §3): paging, search filters, `orderBy` and
//! `expand`. Unknown parameters are ignored (the Node SDK sends `nocache=true`).

use actix_web::{FromRequest, HttpRequest, dev::Payload};
use std::future::{Ready, ready};
use stormpath_store::admin::{Filter, ListQuery, Pattern};
use time::{Date, Month, PrimitiveDateTime, Time};

use crate::error::{ApiError, ApiResult};

/// Default page size.
pub(crate) const DEFAULT_LIMIT: i64 = 25;
/// Largest page size.
pub(crate) const MAX_LIMIT: i64 = 100;

/// Parameters that are never search filters.
const RESERVED: &[&str] = &[
    "offset", "limit", "expand", "orderBy", "q", "nocache", "_method",
];

/// The decoded query pairs of a request.
#[derive(Debug, Clone, Default)]
pub(crate) struct Params {
    pairs: Vec<(String, String)>,
}

impl FromRequest for Params {
    type Error = ApiError;
    type Future = Ready<ApiResult<Self>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Self::parse(req.query_string())))
    }
}

/// One `expand` entry: a name and, for a collection, its page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Expansion {
    /// The link to expand.
    pub name: String,
    /// `(offset, limit)` when given.
    pub page: Option<(i64, i64)>,
}

/// The `expand` list of a request.
#[derive(Debug, Clone, Default)]
pub(crate) struct Expand(Vec<Expansion>);

impl Expand {
    /// Whether `name` is to be expanded.
    #[must_use]
    pub(crate) fn has(&self, name: &str) -> bool {
        self.0.iter().any(|e| e.name == name)
    }

    /// The page asked for a collection expansion (default 0, 25).
    #[must_use]
    pub(crate) fn page(&self, name: &str) -> ListQuery {
        let (offset, limit) = self
            .0
            .iter()
            .find(|e| e.name == name)
            .and_then(|e| e.page)
            .unwrap_or((0, DEFAULT_LIMIT));
        ListQuery {
            offset,
            limit,
            ..ListQuery::default()
        }
    }
}

impl Params {
    /// Parses a raw query string.
    #[must_use]
    pub(crate) fn parse(query: &str) -> Self {
        Self {
            pairs: form_urlencoded::parse(query.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        }
    }

    /// The first value of `name`.
    #[must_use]
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// All pairs.
    pub(crate) fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// A boolean parameter (`true`/`false`, any case).
    ///
    /// # Errors
    /// 400/2002 for anything else.
    pub(crate) fn flag(&self, name: &str) -> ApiResult<Option<bool>> {
        match self.get(name) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(ApiError::bad_request(
                2002,
                format!("'{v}' is not a valid value for {name}: use true or false."),
            )),
        }
    }

    /// Paging, filters on the `searchable` attributes (and datetime ranges on
    /// `createdAt`/`modifiedAt`/`passwordModifiedAt`) and `orderBy`.
    ///
    /// # Errors
    /// 400 with 2004 (not a number), 2009/2010 (out of range), 2104 (bad `orderBy`),
    /// 2105 (bad search value).
    pub(crate) fn list(&self, searchable: &[&str]) -> ApiResult<ListQuery> {
        let number = |name: &str, default: i64, min: i64, max: i64| -> ApiResult<i64> {
            let Some(v) = self.get(name) else {
                return Ok(default);
            };
            let n: i64 = v.trim().parse().map_err(|_| {
                ApiError::bad_request(2004, format!("{name} must be an integer, not '{v}'."))
            })?;
            if n < min {
                return Err(ApiError::bad_request(
                    2009,
                    format!("{name} must be at least {min}."),
                ));
            }
            if n > max {
                return Err(ApiError::bad_request(
                    2010,
                    format!("{name} must be at most {max}."),
                ));
            }
            Ok(n)
        };
        let offset = number("offset", 0, 0, i64::from(i32::MAX))?;
        let limit = number("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)?;
        let mut filters = Vec::new();
        for (name, value) in self.pairs() {
            if name == "q" {
                filters.push(Filter::Any(value.to_owned()));
                continue;
            }
            if let Some(path) = name.strip_prefix("customData.") {
                // Account collections only: the store refuses it on any other.
                if searchable.contains(&"customData") {
                    filters.push(Filter::CustomData {
                        path: path.split('.').map(str::to_owned).collect(),
                        pattern: Pattern::parse(value),
                    });
                }
                continue;
            }
            if RESERVED.contains(&name) || !searchable.contains(&name) {
                continue;
            }
            if name.ends_with("At") {
                let (lower, upper) = parse_range(value).ok_or_else(|| {
                    ApiError::bad_request(2105, format!("'{value}' is not a valid {name} range."))
                })?;
                filters.push(Filter::Range {
                    attr: name.to_owned(),
                    lower,
                    upper,
                });
            } else {
                filters.push(Filter::Text {
                    attr: name.to_owned(),
                    pattern: Pattern::parse(value),
                });
            }
        }
        let mut order = Vec::new();
        if let Some(spec) = self.get("orderBy") {
            for part in spec.split(',') {
                let mut words = part.split_whitespace();
                let bad = || {
                    ApiError::bad_request(2104, format!("'{spec}' is not a valid orderBy value."))
                };
                let attr = words.next().ok_or_else(bad)?;
                let desc = match words.next().map(str::to_ascii_lowercase).as_deref() {
                    None | Some("asc") => false,
                    Some("desc") => true,
                    Some(_) => return Err(bad()),
                };
                if words.next().is_some() || !searchable.contains(&attr) {
                    return Err(bad());
                }
                order.push((attr.to_owned(), desc));
            }
        }
        Ok(ListQuery {
            offset,
            limit,
            filters,
            order,
        })
    }

    /// The `expand` list, each name one of `allowed`.
    ///
    /// # Errors
    /// 400/2107 for an unknown name or a malformed entry.
    pub(crate) fn expand(&self, allowed: &[&str]) -> ApiResult<Expand> {
        let Some(spec) = self.get("expand") else {
            return Ok(Expand::default());
        };
        let bad = |what: &str| {
            ApiError::bad_request(2107, format!("Expansion of '{what}' is not supported."))
        };
        let mut out = Vec::new();
        let mut rest = spec.trim();
        while !rest.is_empty() {
            let end = rest.find([',', '(']).unwrap_or(rest.len());
            let name = rest[..end].trim();
            let mut page = None;
            rest = &rest[end..];
            if let Some(args) = rest.strip_prefix('(') {
                let close = args.find(')').ok_or_else(|| bad(name))?;
                let (mut offset, mut limit) = (None, None);
                for arg in args[..close].split(',') {
                    let (k, v) = arg.split_once(':').ok_or_else(|| bad(name))?;
                    let v: i64 = v.trim().parse().map_err(|_| bad(name))?;
                    match k.trim() {
                        "offset" if v >= 0 => offset = Some(v),
                        "limit" if (1..=MAX_LIMIT).contains(&v) => limit = Some(v),
                        _ => return Err(bad(name)),
                    }
                }
                if offset.is_none() && limit.is_none() {
                    return Err(bad(name));
                }
                page = Some((offset.unwrap_or(0), limit.unwrap_or(DEFAULT_LIMIT)));
                rest = &args[close + 1..];
            }
            if name.is_empty() || !allowed.contains(&name) {
                return Err(bad(name));
            }
            out.push(Expansion {
                name: name.to_owned(),
                page,
            });
            rest = rest.trim_start();
            if let Some(r) = rest.strip_prefix(',') {
                rest = r.trim_start();
            } else if !rest.is_empty() {
                return Err(bad(rest));
            }
        }
        Ok(Expand(out))
    }
}

/// A bound of a datetime range: milliseconds and whether it is inclusive.
type Bound = Option<(i64, bool)>;

/// `[a, b)` / `(a, b]` / `[a,]` / a bare `2015-01` (that whole month).
fn parse_range(value: &str) -> Option<(Bound, Bound)> {
    let v = value.trim();
    let (Some(open), Some(close)) = (v.chars().next(), v.chars().last()) else {
        return None;
    };
    if matches!(open, '[' | '(') && matches!(close, ']' | ')') && v.len() >= 2 {
        let inner = &v[1..v.len() - 1];
        let (a, b) = inner.split_once(',')?;
        let lower = match a.trim() {
            "" => None,
            a => Some((instant(a)?.0, open == '[')),
        };
        let upper = match b.trim() {
            "" => None,
            // An inclusive upper bound at a coarse precision covers that whole period.
            b if close == ']' => Some((instant(b)?.1 - 1, true)),
            b => Some((instant(b)?.0, false)),
        };
        return Some((lower, upper));
    }
    let (start, end) = instant(v)?;
    Some((Some((start, true)), Some((end, false))))
}

/// A datetime at its given precision: the first millisecond of the period and the first
/// millisecond after it.
fn instant(text: &str) -> Option<(i64, i64)> {
    let text = text.trim().trim_end_matches('Z');
    let (date, time) = text.split_once('T').unwrap_or((text, ""));
    let mut parts = date.split('-');
    let year: i32 = parts.next()?.parse().ok()?;
    let month = parts.next().map(str::parse::<u8>);
    let day = parts.next().map(str::parse::<u8>);
    let ms = |d: PrimitiveDateTime| {
        i64::try_from(d.assume_utc().unix_timestamp_nanos() / 1_000_000).ok()
    };
    let month_of = |m: u8| Month::try_from(m).ok();
    match (month, day) {
        (None, _) => {
            let a = Date::from_calendar_date(year, Month::January, 1).ok()?;
            let b = Date::from_calendar_date(year + 1, Month::January, 1).ok()?;
            Some((ms(a.midnight())?, ms(b.midnight())?))
        }
        (Some(m), None) => {
            let m = month_of(m.ok()?)?;
            let a = Date::from_calendar_date(year, m, 1).ok()?;
            let (ny, nm) = if m == Month::December {
                (year + 1, Month::January)
            } else {
                (year, m.next())
            };
            let b = Date::from_calendar_date(ny, nm, 1).ok()?;
            Some((ms(a.midnight())?, ms(b.midnight())?))
        }
        (Some(m), Some(d)) => {
            let date = Date::from_calendar_date(year, month_of(m.ok()?)?, d.ok()?).ok()?;
            if time.is_empty() {
                let start = ms(date.midnight())?;
                return Some((start, start + 86_400_000));
            }
            let mut hms = time.split(':');
            let h: u8 = hms.next()?.parse().ok()?;
            let min: Option<u8> = match hms.next() {
                Some(m) => Some(m.parse().ok()?),
                None => None,
            };
            let sec: Option<f64> = match hms.next() {
                Some(s) => Some(s.parse().ok().filter(|s: &f64| (0.0..60.0).contains(s))?),
                None => None,
            };
            let whole = sec.map(|s| s.trunc() as u8);
            let t = Time::from_hms(h, min.unwrap_or(0), whole.unwrap_or(0)).ok()?;
            let start = ms(PrimitiveDateTime::new(date, t))?
                + sec.map_or(0, |s| (s.fract() * 1000.0).round() as i64);
            let span = match (min, sec) {
                (None, _) => 3_600_000,
                (Some(_), None) => 60_000,
                (Some(_), Some(s)) if s.fract() == 0.0 => 1000,
                _ => 1,
            };
            Some((start, start + span))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_bounds() {
        assert_eq!(Params::parse("").list(&[]).unwrap().limit, 25);
        assert_eq!(Params::parse("limit=0").list(&[]).unwrap_err().code, 2009);
        assert_eq!(Params::parse("limit=101").list(&[]).unwrap_err().code, 2010);
        assert_eq!(Params::parse("offset=-1").list(&[]).unwrap_err().code, 2009);
        assert_eq!(Params::parse("limit=x").list(&[]).unwrap_err().code, 2004);
    }

    #[test]
    fn filters_and_order() {
        let l = Params::parse("email=a*&nocache=true&orderBy=surname,givenName%20desc")
            .list(&["email", "surname", "givenName"])
            .unwrap();
        assert_eq!(l.filters.len(), 1);
        assert_eq!(
            l.order,
            vec![("surname".into(), false), ("givenName".into(), true)]
        );
        assert_eq!(
            Params::parse("orderBy=password")
                .list(&["email"])
                .unwrap_err()
                .code,
            2104
        );
    }

    #[test]
    fn expansions() {
        let e = Params::parse("expand=groups(offset:0,limit:10),customData")
            .expand(&["groups", "customData"])
            .unwrap();
        assert!(e.has("groups") && e.has("customData"));
        assert_eq!(e.page("groups").limit, 10);
        for bad in ["expand=nope", "expand=groups()", "expand=groups(limit:0)"] {
            assert_eq!(
                Params::parse(bad).expand(&["groups"]).unwrap_err().code,
                2107
            );
        }
    }

    #[test]
    fn ranges() {
        let (a, b) = parse_range("2015-01").unwrap();
        assert!(a.unwrap().1);
        assert!(!b.unwrap().1);
        assert!(parse_range("[2015-01-12, 2015-01-14)").is_some());
        assert!(parse_range("[,2015-01-14T10:00:00.500Z]").is_some());
        assert!(parse_range("garbage").is_none());
    }
}
