//! Email syntax checks and the canonical form used for uniqueness and lookup.

use crate::{Invalid, InvalidKind};
use unicode_normalization::UnicodeNormalization;

/// The longest address accepted, in bytes (RFC 5321's path limit).
pub const MAX_EMAIL_LEN: usize = 254;

/// Checks that `email` looks like an address: one `@` with a non-empty local part and a domain,
/// no whitespace or control characters, at most [`MAX_EMAIL_LEN`] bytes.
///
/// # Errors
/// An [`Invalid`] on the `email` field with a message fit for the user.
pub fn validate(email: &str) -> Result<(), Invalid> {
    let invalid = || {
        Err(Invalid::new(
            "email",
            InvalidKind::Format,
            "Email is invalid.",
        ))
    };
    if email.len() > MAX_EMAIL_LEN {
        return Err(Invalid::new(
            "email",
            InvalidKind::Format,
            format!("Email must be at most {MAX_EMAIL_LEN} characters long."),
        ));
    }
    if email.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return invalid();
    }
    let Some((local, domain)) = email.rsplit_once('@') else {
        return invalid();
    };
    if local.is_empty() || domain.is_empty() || domain.starts_with('.') || domain.ends_with('.') {
        return invalid();
    }
    if domain.contains('@') || domain.contains("..") {
        return invalid();
    }
    Ok(())
}

/// The canonical key of an email address or username: Unicode NFKC, then lower case, then
/// NFKC again, trimmed; the domain of an address (after its last `@`) in its IDNA ASCII form
/// (UTS #46), when it has one. `Alice@Example.COM`, `ａｌｉｃｅ@example.com` and
/// `alice@example.com` share one key, and so do `x@Bücher.de` and `x@xn--bcher-kva.de`;
/// `user@gıthub.com` (dotless ı) keeps its own, so it never reaches the owner of
/// `user@github.com`.
#[must_use]
pub fn canonical(text: &str) -> String {
    let folded: String = text.trim().nfkc().flat_map(char::to_lowercase).collect();
    let folded: String = folded.nfkc().collect();
    match folded.rsplit_once('@') {
        // A domain IDNA refuses (not a host name) keeps its folded form.
        Some((local, domain)) if !domain.is_empty() => match idna::domain_to_ascii(domain) {
            Ok(ascii) if ascii != domain => format!("{local}@{ascii}"),
            _ => folded,
        },
        _ => folded,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_and_width_variants_share_a_key() {
        assert_eq!(canonical("Alice@Example.COM"), "alice@example.com");
        assert_eq!(canonical("ａｌｉｃｅ@example.com"), "alice@example.com");
        assert_eq!(canonical(" alice@example.com "), "alice@example.com");
    }

    #[test]
    fn a_domain_and_its_idna_ascii_form_share_a_key() {
        assert_eq!(canonical("x@Bücher.de"), "x@xn--bcher-kva.de");
        assert_eq!(canonical("x@xn--bcher-kva.de"), "x@xn--bcher-kva.de");
        assert_eq!(canonical("X@XN--BCHER-KVA.DE"), "x@xn--bcher-kva.de");
        // The local part is not an IDNA label: only folded.
        assert_eq!(canonical("Bücher@example.com"), "bücher@example.com");
        // Not a host name: kept as folded.
        assert_eq!(canonical("a@b_c"), "a@b_c");
        assert_eq!(canonical("no-at-sign"), "no-at-sign");
    }

    #[test]
    fn dotless_i_is_not_folded_into_i() {
        assert_ne!(canonical("user@gıthub.com"), canonical("user@github.com"));
    }

    #[test]
    fn syntax() {
        assert!(validate("a@b.c").is_ok());
        for bad in [
            "",
            "a",
            "@b.c",
            "a@",
            "a b@c.d",
            "a@b.c\r\nBcc: x@y.z",
            "a@.b",
            "a@b..c",
        ] {
            assert!(validate(bad).is_err(), "{bad:?} should be rejected");
        }
        assert!(validate(&format!("{}@b.c", "a".repeat(260))).is_err());
    }
}
