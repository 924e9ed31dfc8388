//! The emails the server sends (rest-api.md §5.4 email templates, §6.6, §6.7): one template
//! per kind, with Stormpath's macros (`$!{url}`, `$!{sptoken}`, `$!{account.givenName}`…),
//! rendered per directory because the link base URL (`defaultModel.linkBaseUrl`) is the
//! directory's. The store issues the tokens and sends through its [`Mailer`]; these templates
//! only word the messages.
//!
//! [`Mailer`]: stormpath_store::mail::Mailer

use std::sync::Arc;

use stormpath_client::{Account, EmailKind, EmailTemplates, Notice, RenderedEmail};
use stormpath_store::admin::Directory;

/// Where reset links point when the directory sets no `linkBaseUrl`: express-stormpath's (and
/// the stormpath-actix plugin's) change-password page on its default local address.
pub(crate) const DEFAULT_RESET_LINK: &str = "http://localhost:3000/change";
/// Where verification links point by default: the `/verify` page likewise.
pub(crate) const DEFAULT_VERIFICATION_LINK: &str = "http://localhost:3000/verify";

/// The email templates the server knows, by what they are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Template {
    /// The password-reset link (`passwordPolicy.resetEmailTemplates`).
    Reset,
    /// The email-verification link (`accountCreationPolicy.verificationEmailTemplates`).
    Verification,
}

impl Template {
    /// The letter that tells the template apart in its id (`{directoryId}{letter}`).
    pub(crate) fn letter(self) -> char {
        match self {
            Self::Reset => 'R',
            Self::Verification => 'V',
        }
    }

    /// The template a `{directoryId}{letter}` id names, and the directory id.
    pub(crate) fn parse_id(id: &str) -> Option<(Self, &str)> {
        [Self::Reset, Self::Verification]
            .into_iter()
            .find_map(|t| Some((t, id.strip_suffix(t.letter())?)))
            .filter(|(_, directory)| !directory.is_empty())
    }

    /// Its display name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Reset => "Default Password Reset Email Template",
            Self::Verification => "Default Verification Email Template",
        }
    }

    /// Subject, plain text and HTML, with macros.
    pub(crate) fn text(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Self::Reset => (RESET_SUBJECT, RESET_TEXT, RESET_HTML),
            Self::Verification => (VERIFY_SUBJECT, VERIFY_TEXT, VERIFY_HTML),
        }
    }

    /// The directory's link base URL for this template (`None`: the default).
    pub(crate) fn configured_link(self, directory: &Directory) -> Option<&str> {
        match self {
            Self::Reset => directory.policies.reset_link_base_url.as_deref(),
            Self::Verification => directory.policies.verification_link_base_url.as_deref(),
        }
    }

    /// The link base URL in force for this directory.
    pub(crate) fn link(self, directory: &Directory) -> String {
        self.configured_link(directory)
            .unwrap_or(match self {
                Self::Reset => DEFAULT_RESET_LINK,
                Self::Verification => DEFAULT_VERIFICATION_LINK,
            })
            .to_owned()
    }
}

const RESET_SUBJECT: &str = "Reset your password";
const RESET_TEXT: &str = "Hello $!{account.givenName},\n\n\
We received a request to reset the password of the account $!{account.email}.\n\n\
To choose a new password, open this link:\n\
$!{url}\n\n\
The link works once and expires in $!{expirationWindow} hours. If you did not ask for this, \
you can ignore this email: your password stays as it is.\n";
const RESET_HTML: &str = "<p>Hello $!{account.givenName},</p>\n\
<p>We received a request to reset the password of the account $!{account.email}.</p>\n\
<p><a href=\"$!{url}\">Choose a new password</a></p>\n\
<p>The link works once and expires in $!{expirationWindow} hours. If you did not ask for this, \
you can ignore this email: your password stays as it is.</p>\n";

const VERIFY_SUBJECT: &str = "Verify your email address";
const VERIFY_TEXT: &str = "Hello $!{account.givenName},\n\n\
Please verify the email address of your new account, $!{account.email}, by opening this link:\n\
$!{url}\n\n\
If you did not create an account, you can ignore this email.\n";
const VERIFY_HTML: &str = "<p>Hello $!{account.givenName},</p>\n\
<p>Please verify the email address of your new account, $!{account.email}.</p>\n\
<p><a href=\"$!{url}\">Verify my email address</a></p>\n\
<p>If you did not create an account, you can ignore this email.</p>\n";

const CHANGED_SUBJECT: &str = "Your password was changed";
const CHANGED_TEXT: &str = "Hello $!{account.givenName},\n\n\
The password of your account $!{account.email} was just changed. If this was not you, reset \
your password now.\n";
const CHANGED_HTML: &str = "<p>Hello $!{account.givenName},</p>\n\
<p>The password of your account $!{account.email} was just changed. If this was not you, \
reset your password now.</p>\n";

/// The server's templates for one directory: its link base URLs.
#[derive(Debug, Clone)]
pub(crate) struct DirectoryEmails {
    reset_link: String,
    verification_link: String,
}

impl DirectoryEmails {
    /// The templates of `directory`.
    pub(crate) fn of(directory: &Directory) -> Arc<dyn EmailTemplates> {
        Arc::new(Self {
            reset_link: Template::Reset.link(directory),
            verification_link: Template::Verification.link(directory),
        })
    }
}

/// `{base}?sptoken=TOKEN` (or `&sptoken=` when the base has a query already).
fn link(base: &str, token: &str) -> String {
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}sptoken={token}")
}

fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Replaces the macros of `template`; `html` escapes the values.
fn expand(template: &str, values: &[(&str, &str)], html: bool) -> String {
    let mut out = template.to_owned();
    for (name, value) in values {
        let value = if html {
            escape_html(value)
        } else {
            (*value).to_owned()
        };
        out = out.replace(&format!("$!{{{name}}}"), &value);
    }
    out
}

impl EmailTemplates for DirectoryEmails {
    fn render(&self, notice: &Notice<'_>) -> stormpath_client::Result<RenderedEmail> {
        let token = notice.token.unwrap_or_default();
        let (subject, text, html, url) = match notice.kind {
            EmailKind::PasswordReset => (
                RESET_SUBJECT,
                RESET_TEXT,
                RESET_HTML,
                link(&self.reset_link, token),
            ),
            EmailKind::EmailVerification => (
                VERIFY_SUBJECT,
                VERIFY_TEXT,
                VERIFY_HTML,
                link(&self.verification_link, token),
            ),
            _ => (CHANGED_SUBJECT, CHANGED_TEXT, CHANGED_HTML, String::new()),
        };
        let account = notice.account;
        let hours = (notice.ttl_secs / 3600).max(1).to_string();
        let given = account.given_name.as_deref().unwrap_or(&account.username);
        let values = [
            ("url", url.as_str()),
            ("sptoken", token),
            ("account.givenName", given),
            ("account.email", account.email.as_str()),
            ("account.username", account.username.as_str()),
            ("expirationWindow", hours.as_str()),
        ];
        Ok(RenderedEmail {
            subject: subject.to_owned(),
            text: expand(text, &values, false),
            html: expand(html, &values, true),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_ids_name_their_directory_and_kind() {
        assert_eq!(Template::parse_id("abcR"), Some((Template::Reset, "abc")));
        assert_eq!(
            Template::parse_id("abcV"),
            Some((Template::Verification, "abc"))
        );
        assert_eq!(Template::parse_id("abcX"), None);
        assert_eq!(Template::parse_id("R"), None);
        assert_eq!(Template::parse_id(""), None);
    }

    #[test]
    fn links_keep_an_existing_query() {
        assert_eq!(link("https://a.b/c", "T"), "https://a.b/c?sptoken=T");
        assert_eq!(
            link("https://a.b/c?x=1", "T"),
            "https://a.b/c?x=1&sptoken=T"
        );
    }

    #[test]
    fn html_values_are_escaped() {
        let out = expand(
            "<a href=\"$!{url}\">$!{url}</a>",
            &[("url", "a?b=1&c=<2>")],
            true,
        );
        assert_eq!(
            out,
            "<a href=\"a?b=1&amp;c=&lt;2&gt;\">a?b=1&amp;c=&lt;2&gt;</a>"
        );
    }
}

const WELCOME_SUBJECT: &str = "Welcome";
const WELCOME_TEXT: &str = "Hello $!{account.givenName},\n\n\
Your account $!{account.email} is ready. Welcome!\n";
const WELCOME_HTML: &str = "<p>Hello $!{account.givenName},</p>\n\
<p>Your account $!{account.email} is ready. Welcome!</p>\n";

const VERIFIED_SUBJECT: &str = "Your email address is verified";
const VERIFIED_TEXT: &str = "Hello $!{account.givenName},\n\n\
Your email address $!{account.email} is verified: your account is ready to use.\n";
const VERIFIED_HTML: &str = "<p>Hello $!{account.givenName},</p>\n\
<p>Your email address $!{account.email} is verified: your account is ready to use.</p>\n";

/// The account-creation policy's notices, which carry no link (spec §5.4:
/// `welcomeEmailStatus`, `verificationSuccessEmailStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Courtesy {
    /// A new account that can log in (at once, or once verified).
    Welcome,
    /// An address just verified.
    Verified,
}

/// Sends a courtesy notice to `account` through the store's transport. A notice that cannot
/// be sent is logged and changes nothing.
pub(crate) async fn send_courtesy(
    store: &stormpath_store::Store,
    account: &Account,
    kind: Courtesy,
) {
    let (subject, text, html) = match kind {
        Courtesy::Welcome => (WELCOME_SUBJECT, WELCOME_TEXT, WELCOME_HTML),
        Courtesy::Verified => (VERIFIED_SUBJECT, VERIFIED_TEXT, VERIFIED_HTML),
    };
    let given = account.given_name.as_deref().unwrap_or(&account.username);
    let values = [
        ("account.givenName", given),
        ("account.email", account.email.as_str()),
        ("account.username", account.username.as_str()),
    ];
    let email = stormpath_store::mail::Email {
        to: account.email.clone(),
        subject: subject.to_owned(),
        text: expand(text, &values, false),
        html: expand(html, &values, true),
    };
    if let Err(err) = store.mailer().send(&email).await {
        tracing::warn!(account = %account.href, error = %err, ?kind, "courtesy email not sent");
    }
}
