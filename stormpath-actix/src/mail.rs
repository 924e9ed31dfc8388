//! Outgoing mail: renders the email templates (`email/*.html` and `email/*.txt`, overridable
//! like the pages) and hands the message to the store's mailer (SMTP, a file-drop directory,
//! or a log line).

use stormpath_client::Account;
use stormpath_store::mail::Email;

use crate::{Error, Stormpath};

/// The messages the integration sends.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Template {
    /// A password-reset link.
    PasswordReset,
    /// An email-verification link.
    Verification,
    /// A notice that the password changed.
    PasswordChanged,
}

impl Template {
    fn name(self) -> &'static str {
        match self {
            Self::PasswordReset => "password-reset",
            Self::Verification => "verification",
            Self::PasswordChanged => "password-changed",
        }
    }

    fn subject(self) -> &'static str {
        match self {
            Self::PasswordReset => "Reset your password",
            Self::Verification => "Verify your email address",
            Self::PasswordChanged => "Your password was changed",
        }
    }

    fn ttl(self, sp: &Stormpath) -> u64 {
        let tokens = &sp.settings().config.tokens;
        match self {
            Self::PasswordReset => tokens.password_reset_ttl,
            Self::Verification | Self::PasswordChanged => tokens.verification_ttl,
        }
    }
}

/// An absolute link to `uri` carrying `sptoken` last (spec §10.4): built from the configured
/// public base URL, never from the request.
pub(crate) fn link(sp: &Stormpath, uri: &str, token: &str) -> String {
    let base = sp.settings().config.web.base_url.trim_end_matches('/');
    format!("{base}{uri}?sptoken={token}")
}

/// Renders and sends one message to the account's stored address.
///
/// # Errors
/// [`Error::Mail`] when the transport fails (the cause is logged, not shown).
pub(crate) async fn send(
    sp: &Stormpath,
    template: Template,
    account: &Account,
    link: Option<&str>,
) -> Result<(), Error> {
    let mut ctx = tera::Context::new();
    ctx.insert("app_name", &sp.settings().application);
    ctx.insert("subject", template.subject());
    let name = account
        .given_name
        .as_deref()
        .filter(|n| !n.is_empty())
        .unwrap_or("there");
    ctx.insert("name", name);
    ctx.insert("email", &account.email);
    ctx.insert("link", &link);
    ctx.insert("ttl", &human_duration(template.ttl(sp)));
    let templates = sp.templates();
    let email = Email {
        to: account.email.clone(),
        subject: format!("{} – {}", template.subject(), sp.settings().application),
        text: templates.render(&format!("email/{}.txt", template.name()), &ctx)?,
        html: templates.render(&format!("email/{}.html", template.name()), &ctx)?,
    };
    sp.mailer().send(&email).await.map_err(|err| {
        tracing::error!(error = %err, template = template.name(), "mail not sent");
        Error::Mail
    })
}

/// `86400` → `24 hours`, `1800` → `30 minutes`.
fn human_duration(secs: u64) -> String {
    let (n, unit) = match secs {
        s if s >= 2 * 86_400 && s % 86_400 == 0 => (s / 86_400, "day"),
        s if s >= 3600 && s % 3600 == 0 => (s / 3600, "hour"),
        s if s >= 60 => (s / 60, "minute"),
        s => (s, "second"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations_read_naturally() {
        assert_eq!(super::human_duration(86_400), "24 hours");
        assert_eq!(super::human_duration(3600), "1 hour");
        assert_eq!(super::human_duration(1800), "30 minutes");
        assert_eq!(super::human_duration(7 * 86_400), "7 days");
    }
}
