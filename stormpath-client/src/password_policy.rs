//! Stormpath's password-strength rules and their messages, shared by every back end.

use crate::{Invalid, InvalidKind, PasswordStrength};
use unicode_normalization::UnicodeNormalization;

impl PasswordStrength {
    /// Checks a password against this policy.
    ///
    /// Lengths are counted in Unicode scalar values of the NFKC form (an emoji counts once).
    ///
    /// # Errors
    /// The first rule broken, as an [`Invalid`] on the `password` field whose message is fit
    /// for the user, e.g. `Password requires at least 8 characters.`
    pub fn check(&self, password: &str) -> Result<(), Invalid> {
        check(self, password)
    }
}

fn check(policy: &PasswordStrength, password: &str) -> Result<(), Invalid> {
    let password: String = password.nfkc().collect();
    let len = count(password.chars(), |_| true);
    if len < policy.min_length {
        return Err(broken(
            InvalidKind::PasswordTooShort,
            "at least",
            policy.min_length,
            "",
        ));
    }
    if len > policy.max_length {
        return Err(broken(
            InvalidKind::PasswordTooLong,
            "at most",
            policy.max_length,
            "",
        ));
    }
    let rules: [Rule; 4] = [
        (policy.min_lower_case, "lowercase ", char::is_lowercase),
        (policy.min_upper_case, "uppercase ", char::is_uppercase),
        (policy.min_numeric, "numeric ", char::is_numeric),
        (policy.min_symbol, "symbol ", |c| {
            !c.is_alphanumeric() && !c.is_whitespace()
        }),
    ];
    for (min, kind, test) in rules {
        if count(password.chars(), test) < min {
            return Err(broken(InvalidKind::PasswordPolicy, "at least", min, kind));
        }
    }
    // A diacritic is a letter whose canonical decomposition carries a combining mark.
    let diacritics = count(password.chars(), |c| {
        c.is_alphabetic() && std::iter::once(c).nfd().nth(1).is_some()
    });
    if diacritics < policy.min_diacritic {
        return Err(broken(
            InvalidKind::PasswordPolicy,
            "at least",
            policy.min_diacritic,
            "diacritic ",
        ));
    }
    Ok(())
}

/// A character-class rule: its minimum, its name in messages, and its test.
type Rule = (u32, &'static str, fn(char) -> bool);

fn count(chars: impl Iterator<Item = char>, test: impl Fn(char) -> bool) -> u32 {
    u32::try_from(chars.filter(|&c| test(c)).count()).unwrap_or(u32::MAX)
}

fn broken(kind: InvalidKind, bound: &str, n: u32, class: &str) -> Invalid {
    let plural = if n == 1 { "" } else { "s" };
    Invalid::new(
        "password",
        kind,
        format!("Password requires {bound} {n} {class}character{plural}."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stormpath() -> PasswordStrength {
        PasswordStrength::default()
    }

    #[test]
    fn stormpath_defaults_and_messages() {
        let p = stormpath();
        assert_eq!(
            check(&p, "1").unwrap_err().message,
            "Password requires at least 8 characters."
        );
        assert_eq!(
            check(&p, &"aA1".repeat(34)).unwrap_err().message,
            "Password requires at most 100 characters."
        );
        assert_eq!(
            check(&p, "ABCDEFG1").unwrap_err().message,
            "Password requires at least 1 lowercase character."
        );
        assert_eq!(
            check(&p, "abcdefg1").unwrap_err().message,
            "Password requires at least 1 uppercase character."
        );
        assert_eq!(
            check(&p, "abcdefgH").unwrap_err().message,
            "Password requires at least 1 numeric character."
        );
        assert!(check(&p, "P@sword123!").is_ok());
        assert!(check(&p, "N3wP4ssw0rd###").is_ok());
    }

    #[test]
    fn each_broken_rule_names_the_password_field_and_its_code() {
        let p = stormpath();
        let short = check(&p, "1").unwrap_err();
        assert_eq!(short.field.as_deref(), Some("password"));
        assert_eq!(
            (short.kind, short.code()),
            (InvalidKind::PasswordTooShort, 2007)
        );
        let long = check(&p, &"aA1".repeat(34)).unwrap_err();
        assert_eq!(
            (long.kind, long.code()),
            (InvalidKind::PasswordTooLong, 2008)
        );
        let class = check(&p, "abcdefg1").unwrap_err();
        assert_eq!(class.kind, InvalidKind::PasswordPolicy);
    }

    #[test]
    fn symbols_and_diacritics_when_configured() {
        let p = PasswordStrength {
            min_symbol: 2,
            min_diacritic: 1,
            ..stormpath()
        };
        assert_eq!(
            check(&p, "Passw0rd!").unwrap_err().message,
            "Password requires at least 2 symbol characters."
        );
        assert_eq!(
            check(&p, "Passw0rd!!").unwrap_err().message,
            "Password requires at least 1 diacritic character."
        );
        assert!(check(&p, "Pässw0rd!!").is_ok());
    }

    #[test]
    fn emoji_count_as_one_character() {
        let p = PasswordStrength {
            min_length: 4,
            min_lower_case: 0,
            min_upper_case: 0,
            min_numeric: 0,
            ..stormpath()
        };
        assert!(check(&p, "😀😀😀😀").is_ok());
        assert!(check(&p, "😀😀😀").is_err());
    }
}
