//! Common, breached and personal passwords (NIST SP 800-63B §3.1.1.2: a blocklist of values
//! known to be commonly used, expected or compromised, and context-specific words).
//!
//! The check is `zxcvbn`'s estimate of how many guesses an attacker needs, with the lists it
//! carries (30,000 most common passwords of breach corpora, English words, names, surnames,
//! TV and film words), its patterns (keyboard walks, sequences, repeats, dates, l33t spellings)
//! and the account's own words (email address and its local part, names, username, the site's
//! name) as a dictionary of their own. A password is refused when it falls within
//! [`MIN_GUESSES`] guesses: zxcvbn's scores 0 and 1, "too guessable" and "very guessable,
//! protection from throttled online attacks only".
//!
//! Only the first [`CHECKED_PREFIX`] characters are estimated: zxcvbn's cost grows faster than
//! the length (about 0.5 ms at 32 random characters, 10 ms at 64, over 100 ms at 100), and a
//! prefix that needs a million guesses makes the whole password need at least as many.

use stormpath_client::{Invalid, InvalidKind};
use zxcvbn::{Match, matching::patterns::MatchPattern};

/// The fewest guesses a password may need (zxcvbn's score 2 starts here).
pub const MIN_GUESSES: u64 = 1_000_000;

/// How many characters of a password are estimated (see the module documentation).
pub const CHECKED_PREFIX: usize = 32;

/// Words shorter than this are not offered to the estimate as the account's own: two letters
/// of a name say nothing about the password.
const MIN_WORD: usize = 3;

/// The words of the account a password must not be built from. Every part is optional: an
/// update knows the account, an import record may lack names, the site may be unnamed.
#[derive(Debug, Clone, Copy, Default)]
pub struct PasswordContext<'a> {
    /// The account's email address (its local part counts too).
    pub email: Option<&'a str>,
    /// The account's username.
    pub username: Option<&'a str>,
    /// The account's given name.
    pub given_name: Option<&'a str>,
    /// The account's surname.
    pub surname: Option<&'a str>,
    /// The name of the site or application the account signs in to.
    pub site_name: Option<&'a str>,
}

impl<'a> PasswordContext<'a> {
    /// The words of an existing account (the site's name is the store's to add).
    #[must_use]
    pub fn of(account: &'a stormpath_client::Account) -> Self {
        Self {
            email: Some(&account.email),
            username: Some(&account.username),
            given_name: account.given_name.as_deref(),
            surname: account.surname.as_deref(),
            site_name: None,
        }
    }
}

/// Which of the account's words a password was built from, for the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Email,
    Username,
    Name,
    Site,
}

impl PasswordContext<'_> {
    /// The words, lower-cased and without duplicates, each with the part it came from: each
    /// value whole, its pieces (split at anything not a letter or digit) and the pieces run
    /// together (`alice.liddell` gives `alice`, `liddell` and `aliceliddell`), and the names in
    /// both orders run together — zxcvbn counts a password of several pieces as much harder,
    /// so a derivative must be one word of its own to be caught.
    fn words(&self) -> Vec<(String, Source)> {
        let mut words: Vec<(String, Source)> = Vec::new();
        let mut add = |word: &str, source: Source| {
            let word = word.trim().to_lowercase();
            if word.chars().count() >= MIN_WORD && !words.iter().any(|(w, _)| *w == word) {
                words.push((word, source));
            }
        };
        let mut add_all = |text: &str, source: Source| {
            add(text, source);
            let pieces: Vec<&str> = text
                .split(|c: char| !c.is_alphanumeric())
                .filter(|p| !p.is_empty())
                .collect();
            add(&pieces.concat(), source);
            for piece in pieces {
                add(piece, source);
            }
        };
        if let Some(email) = self.email {
            add_all(email, Source::Email);
            let local = email.rsplit_once('@').map_or(email, |(local, _)| local);
            add_all(local, Source::Email);
        }
        if let Some(username) = self.username {
            add_all(username, Source::Username);
        }
        for name in [self.given_name, self.surname].into_iter().flatten() {
            add_all(name, Source::Name);
        }
        if let (Some(given), Some(surname)) = (self.given_name, self.surname) {
            add_all(&format!("{given}{surname}"), Source::Name);
            add_all(&format!("{surname}{given}"), Source::Name);
        }
        if let Some(site) = self.site_name {
            add_all(site, Source::Site);
        }
        words
    }
}

/// Refuses a password that is common, breached, a predictable pattern, or built from the
/// account's own words.
///
/// # Errors
/// An [`Invalid`] on `password` of kind [`InvalidKind::PasswordGuessable`] whose message names
/// the reason, e.g. `Password is too common: it is on lists of breached passwords.`
pub fn check_guessable(password: &str, context: &PasswordContext<'_>) -> Result<(), Invalid> {
    prepare(password, context)()
}

/// The check with everything it needs owned, to run elsewhere (the blocking pool).
pub(crate) fn prepare(
    password: &str,
    context: &PasswordContext<'_>,
) -> impl FnOnce() -> Result<(), Invalid> + Send + 'static {
    let prefix: String = password.chars().take(CHECKED_PREFIX).collect();
    let words = context.words();
    move || {
        if prefix.is_empty() {
            return Err(refused("Password is too easy to guess."));
        }
        let inputs: Vec<&str> = words.iter().map(|(w, _)| w.as_str()).collect();
        // A fault in the estimator must not turn a password set into a 500: the composition
        // rules have passed, so the password is let through and the fault logged.
        let Ok(estimate) = std::panic::catch_unwind(|| zxcvbn::zxcvbn(&prefix, &inputs)) else {
            tracing::error!("the password estimator failed; the blocklist check was skipped");
            return Ok(());
        };
        if estimate.guesses() >= MIN_GUESSES {
            return Ok(());
        }
        Err(refused(reason(estimate.sequence(), &words)))
    }
}

/// The message for a refused password: the account's own words first, then the lists of
/// passwords, then words and names, then patterns.
fn reason(sequence: &[Match], words: &[(String, Source)]) -> &'static str {
    let dictionaries = sequence.iter().filter_map(|m| match &m.pattern {
        MatchPattern::Dictionary(d) => Some(d),
        _ => None,
    });
    let mut best: Option<&'static str> = None;
    let mut rank = usize::MAX;
    for d in dictionaries {
        // zxcvbn does not export the type of `dictionary_name`; its variants' names are its
        // documented values (`Passwords`, `English`, …, `UserInputs`).
        let (order, message) = match format!("{:?}", d.dictionary_name).as_str() {
            "UserInputs" => {
                let source = words
                    .iter()
                    .find(|(w, _)| *w == d.matched_word)
                    .map_or(Source::Name, |(_, s)| *s);
                (0, personal(source))
            }
            "Passwords" => (
                1,
                "Password is too common: it is on lists of common and breached passwords.",
            ),
            _ => (
                2,
                "Password is too easy to guess: it is built on a common word or name.",
            ),
        };
        if order < rank {
            rank = order;
            best = Some(message);
        }
    }
    best.unwrap_or(
        "Password is too easy to guess: avoid repeated characters, sequences, keyboard \
         patterns and dates.",
    )
}

fn personal(source: Source) -> &'static str {
    match source {
        Source::Email => "Password is too similar to your email address.",
        Source::Username => "Password is too similar to your username.",
        Source::Name => "Password is too similar to your name.",
        Source::Site => "Password is too similar to the name of this site.",
    }
}

fn refused(message: &str) -> Invalid {
    Invalid::new("password", InvalidKind::PasswordGuessable, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alice() -> PasswordContext<'static> {
        PasswordContext {
            email: Some("alice.liddell@wonder.example"),
            username: Some("rabbit-hole"),
            given_name: Some("Alice"),
            surname: Some("Liddell"),
            site_name: Some("Looking Glass"),
        }
    }

    fn message(password: &str) -> String {
        check_guessable(password, &alice()).unwrap_err().message
    }

    #[test]
    fn common_and_breached_passwords_are_refused() {
        for p in [
            "Password1",
            "password123",
            "qwertyuiop",
            "Qwerty123",
            "Abcd1234",
            "P@ssw0rd!",
            "iloveyou",
        ] {
            let err = check_guessable(p, &PasswordContext::default()).unwrap_err();
            assert_eq!(err.kind, InvalidKind::PasswordGuessable, "{p}");
            assert_eq!(err.field.as_deref(), Some("password"));
            assert_eq!(err.code(), 400);
        }
        assert_eq!(
            message("password123"),
            "Password is too common: it is on lists of common and breached passwords."
        );
    }

    #[test]
    fn patterns_are_refused_with_their_reason() {
        assert!(message("aaaaaaaaaaaa").contains("repeated characters"));
        assert!(message("abcdefghijklmn").contains("sequences"));
    }

    #[test]
    fn the_accounts_own_words_are_refused_and_named() {
        let email = "Password is too similar to your email address.";
        assert_eq!(message("alice.liddell@wonder.example"), email);
        assert_eq!(message("alice.liddell"), email);
        assert_eq!(message("AliceLiddell1"), email);
        assert_eq!(
            message("Rabbit-Hole1"),
            "Password is too similar to your username."
        );
        assert_eq!(
            message("LookingGlass1"),
            "Password is too similar to the name of this site."
        );
        // Names alone (no email naming them): the name is the reason.
        let named = PasswordContext {
            given_name: Some("Zebulon"),
            surname: Some("Quarterfield"),
            ..PasswordContext::default()
        };
        assert_eq!(
            check_guessable("Quarterfield1", &named)
                .unwrap_err()
                .message,
            "Password is too similar to your name."
        );
    }

    #[test]
    fn strong_passwords_pass_including_the_conformance_kits() {
        for p in [
            "P@sword123!",
            "N3wP4ssw0rd###",
            "correct horse battery staple",
            "Tr0ub4dor&3",
            "xK9#mQ2$vL",
            "Alice-in-a-Tr33-Hous3!",
        ] {
            assert!(check_guessable(p, &alice()).is_ok(), "{p}");
        }
    }

    #[test]
    fn only_a_prefix_is_estimated_and_long_strong_passwords_pass() {
        // A long password is judged by its first characters: cheap, and still strong.
        let long = format!("{}{}", "Xk9#mQ2$vLp7!Wz", "a".repeat(500));
        assert!(check_guessable(&long, &alice()).is_ok());
        let weak_start = format!("{}{}", "a".repeat(CHECKED_PREFIX), "Xk9#mQ2$vLp7!Wz");
        assert!(check_guessable(&weak_start, &alice()).is_err());
        assert!(check_guessable("", &alice()).is_err());
    }
}
