//! Collection queries of the REST API (spec §3.2–3.3): paging, attribute and `q` filters,
//! datetime ranges and `orderBy`, turned into one portable SQL statement.

use sqlx::{Any, AnyPool, any::AnyRow, query::Query};
use stormpath_client::{Error, Invalid, InvalidKind, Result};

use crate::error::Fallible;

/// How a collection is read: a page, filters (ANDed) and a sort order.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// Items to skip.
    pub offset: i64,
    /// Items to return (1–100).
    pub limit: i64,
    /// Filters, all of which must hold.
    pub filters: Vec<Filter>,
    /// `(attribute, descending)` pairs, most significant first.
    pub order: Vec<(String, bool)>,
}

/// One filter of a collection query.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `q=text`: a case-insensitive substring of any searchable text attribute.
    Any(String),
    /// `attr=value` with `*` wildcards at either end; case-insensitive.
    Text {
        /// The attribute (`email`, `name`…).
        attr: String,
        /// What it must match.
        pattern: Pattern,
    },
    /// `customData.a.b=value`: a member of an account's custom data (nested by path), as
    /// text, with the same wildcards; account collections only.
    CustomData {
        /// The member's path (`["a", "b"]`); each name `[0-9A-Za-z_-]`.
        path: Vec<String>,
        /// What it must match.
        pattern: Pattern,
    },
    /// `createdAt=[a, b)`: a range of milliseconds since the epoch; `None` ends are open.
    Range {
        /// The datetime attribute.
        attr: String,
        /// Lower bound and whether it is inclusive.
        lower: Option<(i64, bool)>,
        /// Upper bound and whether it is inclusive.
        upper: Option<(i64, bool)>,
    },
}

/// A text match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pattern {
    /// The whole value.
    Exact(String),
    /// `x*`.
    Prefix(String),
    /// `*x`.
    Suffix(String),
    /// `*x*`.
    Contains(String),
}

impl Pattern {
    /// Reads `value` with its wildcards.
    #[must_use]
    pub fn parse(value: &str) -> Self {
        let starts = value.starts_with('*');
        let ends = value.len() > 1 && value.ends_with('*');
        let inner = value
            .strip_prefix('*')
            .unwrap_or(value)
            .strip_suffix('*')
            .filter(|_| ends)
            .unwrap_or_else(|| value.strip_prefix('*').unwrap_or(value));
        let inner = inner.to_owned();
        match (starts, ends) {
            (true, true) => Self::Contains(inner),
            (true, false) => Self::Suffix(inner),
            (false, true) => Self::Prefix(inner),
            (false, false) => Self::Exact(value.to_owned()),
        }
    }

    /// The `LIKE` pattern (lower-cased, `\` escapes `%`, `_` and itself).
    pub(crate) fn like(&self) -> String {
        let escape = |s: &str| {
            s.to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        };
        match self {
            Self::Exact(s) => escape(s),
            Self::Prefix(s) => format!("{}%", escape(s)),
            Self::Suffix(s) => format!("%{}", escape(s)),
            Self::Contains(s) => format!("%{}%", escape(s)),
        }
    }
}

/// The kind of a searchable column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Text, matched case-insensitively.
    Text,
    /// An enum value (`status`), matched exactly after upper-casing.
    Status,
    /// Milliseconds since the epoch.
    Time,
}

/// What a collection can be searched and sorted by: `(attribute, SQL column, kind)`.
pub(crate) type Columns = &'static [(&'static str, &'static str, Kind)];

/// A value to bind.
#[derive(Debug, Clone)]
pub(crate) enum Bind {
    Text(String),
    Int(i64),
}

/// A `WHERE` clause under construction, with `$n` placeholders numbered in bind order.
#[derive(Debug, Default)]
pub(crate) struct Where {
    clauses: Vec<String>,
    binds: Vec<Bind>,
}

impl Where {
    /// Adds a clause whose `?` placeholders take `binds`, in order.
    pub(crate) fn and(mut self, clause: &str, binds: impl IntoIterator<Item = Bind>) -> Self {
        let mut out = String::new();
        let mut binds = binds.into_iter();
        for ch in clause.chars() {
            if ch == '?' {
                if let Some(b) = binds.next() {
                    self.binds.push(b);
                }
                out.push_str(&format!("${}", self.binds.len()));
            } else {
                out.push(ch);
            }
        }
        self.clauses.push(out);
        self
    }

    fn sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.join(" AND "))
        }
    }
}

fn bind_all<'q>(
    mut query: Query<'q, Any, sqlx::any::AnyArguments<'q>>,
    binds: &[Bind],
) -> Query<'q, Any, sqlx::any::AnyArguments<'q>> {
    for b in binds {
        query = match b {
            Bind::Text(s) => query.bind(s.clone()),
            Bind::Int(i) => query.bind(*i),
        };
    }
    query
}

fn unknown_attr(attr: &str) -> Error {
    Invalid::general(
        InvalidKind::Query,
        format!("'{attr}' is not a searchable attribute of this collection."),
    )
    .into()
}

/// Runs a collection query: `SELECT {select} FROM {from} {WHERE base AND filters} ORDER BY …
/// LIMIT … OFFSET …`, and the total count of matching rows.
pub(crate) async fn page(
    pool: &AnyPool,
    select: &str,
    from: &str,
    base: Where,
    columns: Columns,
    list: &ListQuery,
) -> Fallible<(i64, Vec<AnyRow>)> {
    let mut filter = base;
    for f in &list.filters {
        filter = match f {
            Filter::Any(text) => {
                let like = Pattern::Contains(text.clone()).like();
                let ors: Vec<String> = columns
                    .iter()
                    .filter(|(_, _, k)| *k == Kind::Text)
                    .map(|(_, col, _)| format!("LOWER(COALESCE({col}, '')) LIKE ? ESCAPE '\\'"))
                    .collect();
                let n = ors.len();
                filter.and(
                    &format!("({})", ors.join(" OR ")),
                    std::iter::repeat_n(Bind::Text(like), n),
                )
            }
            Filter::Text { attr, pattern } => {
                let (_, col, kind) = columns
                    .iter()
                    .find(|(a, _, _)| a == attr)
                    .ok_or_else(|| unknown_attr(attr))?;
                match kind {
                    Kind::Text => filter.and(
                        &format!("LOWER(COALESCE({col}, '')) LIKE ? ESCAPE '\\'"),
                        [Bind::Text(pattern.like())],
                    ),
                    Kind::Status => {
                        let Pattern::Exact(v) = pattern else {
                            return Err(Error::from(Invalid::general(
                                InvalidKind::Query,
                                format!("'{attr}' must be an exact value."),
                            ))
                            .into());
                        };
                        filter.and(&format!("{col} = ?"), [Bind::Text(v.to_uppercase())])
                    }
                    Kind::Time => return Err(unknown_attr(attr).into()),
                }
            }
            Filter::CustomData { path, .. } => {
                return Err(unknown_attr(&format!("customData.{}", path.join("."))).into());
            }
            Filter::Range { attr, lower, upper } => {
                let (_, col, kind) = columns
                    .iter()
                    .find(|(a, _, _)| a == attr)
                    .ok_or_else(|| unknown_attr(attr))?;
                if *kind != Kind::Time {
                    return Err(unknown_attr(attr).into());
                }
                if let Some((v, incl)) = lower {
                    let op = if *incl { ">=" } else { ">" };
                    filter = filter.and(&format!("{col} {op} ?"), [Bind::Int(*v)]);
                }
                if let Some((v, incl)) = upper {
                    let op = if *incl { "<=" } else { "<" };
                    filter = filter.and(&format!("{col} {op} ?"), [Bind::Int(*v)]);
                }
                filter
            }
        };
    }
    let mut order = Vec::new();
    for (attr, desc) in &list.order {
        let (_, col, _) = columns
            .iter()
            .find(|(a, _, _)| a == attr)
            .ok_or_else(|| unknown_attr(attr))?;
        order.push(format!("{col} {}", if *desc { "DESC" } else { "ASC" }));
    }
    // A stable order for paging: the creation time, then the id.
    order.push("created_at ASC".into());
    order.push("id ASC".into());
    let where_sql = filter.sql();
    let count_sql = format!("SELECT COUNT(*) FROM {from}{where_sql}");
    let total: i64 = {
        let row = bind_all(sqlx::query(&count_sql), &filter.binds)
            .fetch_one(pool)
            .await?;
        sqlx::Row::try_get(&row, 0)?
    };
    let sql = format!(
        "SELECT {select} FROM {from}{where_sql} ORDER BY {} LIMIT {} OFFSET {}",
        order.join(", "),
        list.limit.clamp(1, 100),
        list.offset.max(0)
    );
    let rows = bind_all(sqlx::query(&sql), &filter.binds)
        .fetch_all(pool)
        .await?;
    Ok((total, rows))
}

/// A page of a collection: the total number of matches and this page's items.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// How many items match in the whole collection.
    pub size: i64,
    /// This page.
    pub items: Vec<T>,
}

/// Turns a query's rows into a page, mapping each.
pub(crate) fn map_page<T>(
    (size, rows): (i64, Vec<AnyRow>),
    map: impl Fn(&AnyRow) -> Fallible<T>,
) -> Result<Page<T>> {
    let items = rows
        .iter()
        .map(map)
        .collect::<Fallible<Vec<T>>>()
        .map_err(Error::from)?;
    Ok(Page { size, items })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert_eq!(Pattern::parse("a*"), Pattern::Prefix("a".into()));
        assert_eq!(Pattern::parse("*a"), Pattern::Suffix("a".into()));
        assert_eq!(Pattern::parse("*a*"), Pattern::Contains("a".into()));
        assert_eq!(Pattern::parse("a"), Pattern::Exact("a".into()));
        assert_eq!(Pattern::parse("*"), Pattern::Suffix(String::new()));
        assert_eq!(Pattern::Contains("5%_".into()).like(), "%5\\%\\_%");
    }

    #[test]
    fn placeholders_are_numbered_in_bind_order() {
        let w = Where::default()
            .and("a = ?", [Bind::Int(1)])
            .and("(b = ? OR c = ?)", [Bind::Int(2), Bind::Int(3)]);
        assert_eq!(w.sql(), " WHERE a = $1 AND (b = $2 OR c = $3)");
    }
}
