//! Outgoing mail: password-reset and verification messages (spec §10.4, §10.6).
//!
//! A [`Mailer`] has one of three transports, chosen once by [`Mailer::new`]:
//!
//! * **SMTP** (production), configured with a lettre connection URL: `smtp://host:25`,
//!   `smtp://user:pass@host:587?tls=required` (STARTTLS required), `smtps://user:pass@host:465`
//!   (implicit TLS). TLS is rustls with the Mozilla roots (`webpki-roots`).
//! * **File drop** (development and the TCK): each message is written to `<dir>` as one complete
//!   RFC 822 `.eml` file, which appears atomically (written under a hidden temporary name, then
//!   renamed), as §10.4 requires.
//! * **Log only**: nothing is sent; one `info` line names the recipient and the subject.
//!
//! Every message is `multipart/alternative` (text/plain and text/html, UTF-8) with `From`, `To`,
//! `Subject`, `Date` and `Message-ID`. Addresses go through lettre's RFC 5322 mailbox parser and
//! control characters are refused, so a `\r\nBcc:` smuggled into an address or a subject is an
//! error, never an extra header or recipient (security INJ-3). Bodies carry tokens, so they are
//! never logged nor printed by `Debug` (security LOG-2). Each part is sent `7bit` (`8bit` for
//! UTF-8 in files) whenever its lines fit, so the reset link reads the same in the raw message;
//! only over-long lines (or UTF-8 over SMTP) fall back to quoted-printable or base64.
//!
//! ```no_run
//! # async fn demo() -> Result<(), stormpath_store::mail::MailError> {
//! use stormpath_store::mail::{Email, Mailer};
//!
//! let mailer = Mailer::new(None, Some(std::path::Path::new("target/mail")), "App <app@example.com>")?;
//! mailer
//!     .send(&Email {
//!         to: "ada@example.com".into(),
//!         subject: "Reset your password".into(),
//!         text: "https://app.example.com/change?sptoken=abc".into(),
//!         html: r#"<a href="https://app.example.com/change?sptoken=abc">Reset</a>"#.into(),
//!     })
//!     .await?;
//! # Ok(()) }
//! ```

mod file_drop;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use lettre::message::header::ContentTransferEncoding;
use lettre::message::{Body, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use stormpath_client::{EmailKind, EmailTemplates, Notice, RenderedEmail};

/// Timeout of each SMTP step (connect, each command, the data transfer).
pub const SMTP_COMMAND_TIMEOUT: Duration = Duration::from_secs(10);

/// Bound on a whole SMTP delivery, whatever the server does.
pub const SMTP_SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// What went wrong building or sending a message. Messages are safe to log: they hold no
/// credentials, bodies or tokens.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MailError {
    /// An address (sender or recipient) or a header value (the subject) is malformed, holds
    /// control characters or more than one mailbox: a header-injection attempt or a typo.
    #[error("invalid address or header: {0}")]
    InvalidAddress(String),
    /// The transport configuration is unusable (for example an SMTP URL lettre cannot parse).
    #[error("invalid mail configuration: {0}")]
    InvalidConfig(String),
    /// The SMTP server could not be reached, refused the message or timed out.
    #[error("mail transport failed: {0}")]
    Transport(String),
    /// Creating the drop directory or writing a message file failed.
    #[error("could not write the mail file")]
    Io(#[from] std::io::Error),
}

/// One message to send: the recipient, the subject and the two renderings of the body.
///
/// `Debug` shows the recipient and the subject only: bodies hold reset and verification tokens.
#[derive(Clone, PartialEq, Eq)]
pub struct Email {
    /// The recipient: `ada@example.com` or `Ada Lovelace <ada@example.com>`; exactly one mailbox.
    pub to: String,
    /// The subject, any Unicode text without control characters.
    pub subject: String,
    /// The text/plain alternative.
    pub text: String,
    /// The text/html alternative (links go in an `<a href>`, spec §10.4).
    pub html: String,
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Email")
            .field("to", &self.to)
            .field("subject", &self.subject)
            .field("text", &format_args!("<{} bytes>", self.text.len()))
            .field("html", &format_args!("<{} bytes>", self.html.len()))
            .finish()
    }
}

/// Sends [`Email`]s over the transport chosen at construction. Cloning is cheap (an `Arc`).
#[derive(Clone)]
pub struct Mailer {
    inner: Arc<Inner>,
}

struct Inner {
    from: Mailbox,
    transport: Transport,
}

enum Transport {
    Smtp {
        client: AsyncSmtpTransport<Tokio1Executor>,
        /// The URL with its password replaced by `***`, for logs and `Debug`.
        redacted_url: String,
    },
    Dir(PathBuf),
    Log,
}

/// The store's own email text, for a store used without the web plugin: plain words and the
/// bare one-time code (there is no page to link to). The plugin supplies its templates instead.
#[derive(Debug, Clone)]
pub struct PlainEmailTemplates {
    /// The application's name, for the subject lines.
    pub application: String,
}

impl EmailTemplates for PlainEmailTemplates {
    fn render(&self, notice: &Notice<'_>) -> stormpath_client::Result<RenderedEmail> {
        let (subject, lead) = match notice.kind {
            EmailKind::PasswordReset => (
                "Reset your password",
                "Use this code to choose a new password:",
            ),
            EmailKind::EmailVerification => (
                "Verify your email address",
                "Use this code to verify your email address:",
            ),
            EmailKind::ApiKeyCreated => (
                "A new API key was created",
                "A new API key was just created for your account. If this was not you, reset your password now.",
            ),
            _ => (
                "Your password was changed",
                "The password of your account was just changed. If this was not you, reset it now.",
            ),
        };
        let text = match notice.token {
            Some(token) => format!("{lead}\n\n{token}\n"),
            None => format!("{lead}\n"),
        };
        let html = format!("<p>{}</p>", text.trim().replace('\n', "<br>"));
        Ok(RenderedEmail {
            subject: format!("{subject} – {}", self.application),
            text,
            html,
        })
    }
}

impl fmt::Debug for Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Mailer");
        s.field("from", &self.inner.from.to_string());
        match &self.inner.transport {
            Transport::Smtp { redacted_url, .. } => s.field("smtp", redacted_url),
            Transport::Dir(dir) => s.field("dir", dir),
            Transport::Log => s.field("transport", &"log-only"),
        };
        s.finish()
    }
}

impl Mailer {
    /// Builds a mailer sending as `from` (`app@example.com` or `App <app@example.com>`) over SMTP
    /// when `smtp_url` is given, else into the directory `dir` (created if missing), else to the
    /// log only.
    ///
    /// No connection is opened here: an unreachable SMTP server shows up at the first
    /// [`send`](Self::send).
    ///
    /// # Errors
    ///
    /// [`MailError::InvalidAddress`] when `from` is not one valid mailbox,
    /// [`MailError::InvalidConfig`] when lettre refuses `smtp_url` (unknown scheme or `tls`
    /// value, no host), [`MailError::Io`] when `dir` cannot be created.
    pub fn new(smtp_url: Option<&str>, dir: Option<&Path>, from: &str) -> Result<Self, MailError> {
        let from = parse_mailbox(from, "sender")?;
        let transport = if let Some(url) = smtp_url {
            let redacted_url = crate::util::redact_url(url);
            let client = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                .map_err(|e| MailError::InvalidConfig(format!("SMTP URL {redacted_url}: {e}")))?
                .timeout(Some(SMTP_COMMAND_TIMEOUT))
                .build();
            tracing::info!(smtp = %redacted_url, "mail transport: SMTP");
            Transport::Smtp {
                client,
                redacted_url,
            }
        } else if let Some(dir) = dir {
            std::fs::create_dir_all(dir)?;
            tracing::info!(dir = %dir.display(), "mail transport: file drop");
            Transport::Dir(dir.to_owned())
        } else {
            tracing::info!("mail transport: none configured, mails are logged, not sent");
            Transport::Log
        };
        Ok(Self {
            inner: Arc::new(Inner { from, transport }),
        })
    }

    /// The sender's display name (if any) and address.
    #[must_use]
    pub fn sender(&self) -> (Option<String>, String) {
        let from = &self.inner.from;
        (from.name.clone(), from.email.to_string())
    }

    /// Sends one message.
    ///
    /// # Errors
    ///
    /// [`MailError::InvalidAddress`] (nothing is sent) when `email.to` is not exactly one valid
    /// mailbox or `email.to` or `email.subject` holds a control character;
    /// [`MailError::Transport`] when the SMTP server is unreachable, refuses the message or takes
    /// longer than [`SMTP_SEND_TIMEOUT`]; [`MailError::Io`] when the file cannot be written.
    pub async fn send(&self, email: &Email) -> Result<(), MailError> {
        let to = parse_mailbox(&email.to, "recipient")?;
        if email.subject.chars().any(char::is_control) {
            return Err(MailError::InvalidAddress(
                "the subject contains a control character".into(),
            ));
        }
        let eight_bit = matches!(self.inner.transport, Transport::Dir(_));
        let message = build_message(&self.inner.from, to.clone(), email, eight_bit)?;
        let address = &to.email;
        match &self.inner.transport {
            Transport::Smtp { client, .. } => {
                let error = match tokio::time::timeout(SMTP_SEND_TIMEOUT, client.send(message))
                    .await
                {
                    Ok(Ok(_response)) => {
                        tracing::info!(to = %address, subject = ?email.subject, "mail sent over SMTP");
                        return Ok(());
                    }
                    Ok(Err(e)) => MailError::Transport(e.to_string()),
                    Err(_elapsed) => MailError::Transport(format!(
                        "no answer within {} s",
                        SMTP_SEND_TIMEOUT.as_secs()
                    )),
                };
                tracing::warn!(to = %address, %error, "mail not sent");
                Err(error)
            }
            Transport::Dir(dir) => {
                let path = file_drop::write(dir.clone(), message.formatted())
                    .await
                    .inspect_err(
                        |e| tracing::warn!(to = %address, error = %e, "mail not written"),
                    )?;
                tracing::info!(to = %address, path = %path.display(), "mail written to the drop directory");
                Ok(())
            }
            Transport::Log => {
                tracing::info!(
                    to = %address,
                    subject = ?email.subject,
                    "mail not sent: no mail transport is configured"
                );
                Ok(())
            }
        }
    }
}

/// Parses exactly one mailbox, refusing control characters outright (lettre's parser would
/// trim a trailing CR/LF; we want the attempt to fail loudly).
fn parse_mailbox(raw: &str, role: &str) -> Result<Mailbox, MailError> {
    if raw.chars().any(char::is_control) {
        return Err(MailError::InvalidAddress(format!(
            "the {role} address contains a control character"
        )));
    }
    raw.parse::<Mailbox>()
        .map_err(|e| MailError::InvalidAddress(format!("the {role} address: {e}")))
}

fn build_message(
    from: &Mailbox,
    to: Mailbox,
    email: &Email,
    eight_bit: bool,
) -> Result<Message, MailError> {
    // The right-hand side of a Message-ID should be a domain the sender controls.
    let message_id = format!("<{:032x}@{}>", rand::random::<u128>(), from.email.domain());
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(email.subject.as_str())
        .date_now()
        .message_id(Some(message_id))
        .multipart(
            MultiPart::alternative()
                .singlepart(SinglePart::plain(part_body(&email.text, eight_bit)))
                .singlepart(SinglePart::html(part_body(&email.html, eight_bit))),
        )
        .map_err(|e| MailError::InvalidAddress(e.to_string()))
}

/// RFC 5322 §2.1.1: a line holds at most 998 octets, CRLF excluded.
const MAX_LINE_LEN: usize = 998;

/// Encodes a body part so that links stay verbatim whenever the standards allow it: `7bit` for
/// ASCII, `8bit` for UTF-8 where the transport takes it (files; lettre does not negotiate SMTP's
/// `8BITMIME`), each only if every line fits in 998 octets. Otherwise lettre's choice
/// (quoted-printable or base64), which any MIME reader decodes.
///
/// lettre alone would pick quoted-printable for any line over 76 characters, which a reset link
/// usually is, turning `href="…?sptoken=abc"` into `href=3D"…?sptoken=3Dabc"` with soft line
/// breaks: correct MIME, but a tool scanning the raw `.eml` (§10.4) would read a wrong token.
fn part_body(content: &str, eight_bit: bool) -> Body {
    let crlf = content
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .replace('\n', "\r\n");
    let fits = !crlf.contains('\0') && crlf.split("\r\n").all(|line| line.len() <= MAX_LINE_LEN);
    let encoding = match (fits, crlf.is_ascii(), eight_bit) {
        (true, true, _) => ContentTransferEncoding::SevenBit,
        (true, false, true) => ContentTransferEncoding::EightBit,
        _ => return Body::new(content.to_owned()),
    };
    // Valid as announced: CRLF line ends only, no NUL, short lines, and ASCII unless 8bit.
    Body::dangerous_pre_encoded(crlf.into_bytes(), encoding)
}
