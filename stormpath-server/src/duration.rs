//! ISO-8601 durations as the OAuth policy writes them (`PT1H`, `P60D`, `PT0M`).

/// Seconds as the shortest ISO-8601 duration (`P60D`, `PT1H`, `PT90S`; `PT0S` for zero).
#[must_use]
pub(crate) fn format(secs: i64) -> String {
    let secs = secs.max(0);
    if secs == 0 {
        return "PT0S".into();
    }
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (h, m, s) = (rest / 3600, rest % 3600 / 60, rest % 60);
    let mut out = String::from("P");
    if days > 0 {
        out.push_str(&format!("{days}D"));
    }
    if rest > 0 {
        out.push('T');
        for (n, unit) in [(h, 'H'), (m, 'M'), (s, 'S')] {
            if n > 0 {
                out.push_str(&format!("{n}{unit}"));
            }
        }
    }
    out
}

/// Parses `PnDTnHnMnS` (weeks `PnW` too; no years or months, whose length varies).
#[must_use]
pub(crate) fn parse(text: &str) -> Option<i64> {
    let rest = text.trim().strip_prefix(['P', 'p'])?;
    let (date, time) = match rest.split_once(['T', 't']) {
        Some((d, t)) => (d, Some(t)),
        None => (rest, None),
    };
    let mut total: i64 = 0;
    let mut any = false;
    let mut take = |part: &str, units: &[(char, i64)]| -> Option<()> {
        let mut num = String::new();
        for ch in part.chars() {
            if ch.is_ascii_digit() {
                num.push(ch);
                continue;
            }
            let factor = units
                .iter()
                .find(|(u, _)| u.eq_ignore_ascii_case(&ch))
                .map(|(_, f)| *f)?;
            let n: i64 = num.parse().ok()?;
            total = total.checked_add(n.checked_mul(factor)?)?;
            num.clear();
            any = true;
        }
        num.is_empty().then_some(())
    };
    take(date, &[('W', 604_800), ('D', 86_400)])?;
    if let Some(time) = time {
        if time.is_empty() {
            return None;
        }
        take(time, &[('H', 3600), ('M', 60), ('S', 1)])?;
    }
    any.then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        assert_eq!(format(3600), "PT1H");
        assert_eq!(format(60 * 86_400), "P60D");
        assert_eq!(format(0), "PT0S");
        assert_eq!(parse("PT1H"), Some(3600));
        assert_eq!(parse("P60D"), Some(5_184_000));
        assert_eq!(parse("PT0M"), Some(0));
        assert_eq!(parse("P1DT2H3M4S"), Some(93_784));
        for bad in ["", "P", "PT", "1H", "PTXH", "P1Y"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
