//! The emails a back end sends on its own, and how an application supplies their text.
//!
//! A back end that runs in process (the embedded store) renders each message through an
//! [`EmailTemplates`] the application gives it — the web plugin passes its overridable
//! templates and its public base URL — and sends it with its own transport. A remote back end
//! (a Stormpath-compatible server) renders and sends with the server's templates instead.

use crate::{Account, Result};

/// Which email is being sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EmailKind {
    /// A password-reset link (the token goes in the link).
    PasswordReset,
    /// An email-verification link (the token goes in the link).
    EmailVerification,
    /// A notice that the account's password was changed (no token).
    PasswordChanged,
    /// A notice that a new API key was created for the account (no token, no secret).
    ApiKeyCreated,
}

/// One email to render: its kind, its recipient, and the one-time token its link carries.
#[derive(Clone, Copy)]
pub struct Notice<'a> {
    /// Which email.
    pub kind: EmailKind,
    /// The recipient (the email goes to `account.email`).
    pub account: &'a Account,
    /// The one-time token for the link, for the kinds that have one. A secret: never log it.
    pub token: Option<&'a str>,
    /// How long the token stays valid, in seconds (0 when there is none).
    pub ttl_secs: u64,
}

impl std::fmt::Debug for Notice<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notice")
            .field("kind", &self.kind)
            .field("account", &self.account.href)
            .field("token", &self.token.map(|_| "***"))
            .field("ttl_secs", &self.ttl_secs)
            .finish()
    }
}

/// A rendered email, ready for a transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedEmail {
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// The HTML body.
    pub html: String,
}

/// Renders the emails a back end sends: the application's words, links and look.
pub trait EmailTemplates: Send + Sync + 'static {
    /// Renders `notice`.
    ///
    /// # Errors
    /// [`Error::Backend`](crate::Error::Backend) when a template is broken.
    fn render(&self, notice: &Notice<'_>) -> Result<RenderedEmail>;
}
