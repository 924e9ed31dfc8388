//! The emails' words and look: the plugin's email templates (`email/*.html` and
//! `email/*.txt`, overridable like the pages), rendered for the account store, which sends
//! them itself (see [`stormpath_client::EmailTemplates`]).

use std::sync::Arc;

use stormpath_client::{EmailKind, EmailTemplates, Notice, RenderedEmail};

use crate::{config::Settings, templates::Templates};

/// Renders the store's emails with the plugin's templates and links into its own pages.
pub(crate) struct EmailPages {
    templates: Arc<Templates>,
    application: String,
    /// The public base URL, without a trailing slash: links never come from a request.
    base_url: String,
    change_uri: String,
    verify_uri: String,
}

impl EmailPages {
    pub(crate) fn new(settings: &Settings, templates: Arc<Templates>) -> Self {
        let web = &settings.config.web;
        Self {
            templates,
            application: settings.application.clone(),
            base_url: web.base_url.trim_end_matches('/').to_owned(),
            change_uri: web.change_password.uri.clone(),
            verify_uri: web.verify_email.uri.clone(),
        }
    }
}

/// A template's name and subject line.
fn template(kind: EmailKind) -> (&'static str, &'static str) {
    match kind {
        EmailKind::PasswordReset => ("password-reset", "Reset your password"),
        EmailKind::EmailVerification => ("verification", "Verify your email address"),
        EmailKind::ApiKeyCreated => ("api-key-created", "A new API key was created"),
        _ => ("password-changed", "Your password was changed"),
    }
}

impl EmailTemplates for EmailPages {
    fn render(&self, notice: &Notice<'_>) -> stormpath_client::Result<RenderedEmail> {
        let (name, subject) = template(notice.kind);
        // The link carries `sptoken` last (spec §10.4).
        let link = notice.token.map(|token| {
            let uri = match notice.kind {
                EmailKind::EmailVerification => &self.verify_uri,
                _ => &self.change_uri,
            };
            format!("{}{uri}?sptoken={token}", self.base_url)
        });
        let account = notice.account;
        let mut ctx = tera::Context::new();
        ctx.insert("app_name", &self.application);
        ctx.insert("subject", subject);
        let greeting = account
            .given_name
            .as_deref()
            .filter(|n| !n.is_empty())
            .unwrap_or("there");
        ctx.insert("name", greeting);
        ctx.insert("email", &account.email);
        ctx.insert("link", &link);
        ctx.insert("ttl", &human_duration(notice.ttl_secs));
        let render = |file: String| {
            self.templates
                .render(&file, &ctx)
                .map_err(stormpath_client::Error::backend)
        };
        Ok(RenderedEmail {
            subject: format!("{subject} – {}", self.application),
            text: render(format!("email/{name}.txt"))?,
            html: render(format!("email/{name}.html"))?,
        })
    }
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
