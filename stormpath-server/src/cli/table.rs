//! Aligned text tables for the management commands' listings.

use std::fmt::Write;

use time::{OffsetDateTime, macros::format_description};

/// A table: a header row and rows of cells, printed with each column as wide as its widest
/// cell (in characters) and two spaces between columns.
#[derive(Debug)]
pub(super) struct Table {
    headers: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub(super) fn new(headers: &[&'static str]) -> Self {
        Self {
            headers: headers.to_vec(),
            rows: Vec::new(),
        }
    }

    /// Adds a row (missing cells are blank, extra ones dropped).
    pub(super) fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The table, one line per row, each ending in a newline.
    pub(super) fn render(&self) -> String {
        let width = |s: &str| s.chars().count();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| width(h)).collect();
        for row in &self.rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(width(cell));
            }
        }
        let mut out = String::new();
        let headers = self.headers.iter().map(|h| (*h).to_owned()).collect();
        for row in std::iter::once(&headers).chain(&self.rows) {
            let mut line = String::new();
            for (i, w) in widths.iter().enumerate() {
                let cell = row.get(i).map_or("", String::as_str);
                if i + 1 == widths.len() {
                    line.push_str(cell);
                } else {
                    let _ = write!(line, "{cell}{:pad$}  ", "", pad = w - width(cell));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// `"3 accounts"`, `"1 account"`: the total line's count.
pub(super) fn count(n: i64, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n == 1 { singular } else { plural })
}

/// The line under a listing: the total and, when it is not all of it, which part is shown.
pub(super) fn total(size: i64, offset: i64, shown: usize, singular: &str, plural: &str) -> String {
    let shown = i64::try_from(shown).unwrap_or(i64::MAX);
    let all = count(size, singular, plural);
    if shown == size && offset == 0 {
        all
    } else if shown == 0 {
        format!("{all}; none at offset {offset}")
    } else {
        format!("{all}; showing {}-{}", offset + 1, offset + shown)
    }
}

/// A time for a table: `2026-11-30 04:49:35` (UTC).
pub(super) fn when(at: OffsetDateTime) -> String {
    at.format(format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second]"
    ))
    .unwrap_or_default()
}

/// An optional text, `-` when absent.
pub(super) fn or_dash(value: Option<&str>) -> String {
    value.filter(|v| !v.is_empty()).unwrap_or("-").to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_on_the_widest_cell() {
        let mut t = Table::new(&["NAME", "STATUS"]);
        t.row(vec!["Émile".into(), "ENABLED".into()]);
        t.row(vec!["a much longer name".into(), "DISABLED".into()]);
        assert_eq!(
            t.render(),
            "NAME                STATUS\nÉmile               ENABLED\na much longer name  DISABLED\n"
        );
    }

    #[test]
    fn totals() {
        assert_eq!(total(2, 0, 2, "account", "accounts"), "2 accounts");
        assert_eq!(total(1, 0, 1, "account", "accounts"), "1 account");
        assert_eq!(
            total(30, 25, 5, "account", "accounts"),
            "30 accounts; showing 26-30"
        );
        assert_eq!(
            total(3, 10, 0, "group", "groups"),
            "3 groups; none at offset 10"
        );
    }
}
