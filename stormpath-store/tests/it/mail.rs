//! Outgoing mail over real transports: SMTP into [`SmtpSink`] on 127.0.0.1, files in a temporary
//! directory, and the log-only fallback (spec §10.4; security INJ-3, LOG-2).

use std::io;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mailparse::{MailHeaderMap, ParsedMail};
use stormpath_store::mail::{Email, MailError, Mailer};

use stormpath_testkit::SmtpSink;

const FROM: &str = "Stormpath <noreply@example.com>";
const TOKEN: &str = "Canary-T0ken_abc-123";

fn reset_email(to: &str) -> Email {
    let link = format!("http://localhost:3000/change?sptoken={TOKEN}");
    Email {
        to: to.to_owned(),
        subject: "Reset your password".to_owned(),
        text: format!("Reset your password: {link}\n"),
        html: format!("<p>Hello,</p>\n<p><a href=\"{link}\">Reset your password</a></p>\n"),
    }
}

/// The token of the first `<a>` whose `href` contains `sptoken`, cut as the TCK does.
fn sptoken_in_html(html: &str) -> Option<&str> {
    html.split("<a ").skip(1).find_map(|tag| {
        let tag = &tag[..tag.find('>')?];
        let href = tag.split("href=\"").nth(1)?.split('"').next()?;
        href.split_once("sptoken=").map(|(_, token)| token)
    })
}

/// The text/plain and text/html parts of a multipart/alternative message, decoded.
fn alternatives(mail: &ParsedMail<'_>) -> (String, String) {
    assert_eq!(mail.ctype.mimetype, "multipart/alternative");
    assert_eq!(mail.subparts.len(), 2, "exactly two alternatives");
    let (plain, html) = (&mail.subparts[0], &mail.subparts[1]);
    assert_eq!(plain.ctype.mimetype, "text/plain");
    assert_eq!(html.ctype.mimetype, "text/html");
    assert_eq!(plain.ctype.charset.to_ascii_lowercase(), "utf-8");
    assert_eq!(html.ctype.charset.to_ascii_lowercase(), "utf-8");
    (plain.get_body().unwrap(), html.get_body().unwrap())
}

fn assert_standard_headers(mail: &ParsedMail<'_>) {
    let headers = mail.get_headers();
    for name in [
        "From",
        "To",
        "Subject",
        "Date",
        "Message-ID",
        "MIME-Version",
    ] {
        assert_eq!(headers.get_all_values(name).len(), 1, "one {name} header");
    }
    assert_eq!(headers.get_first_value("From").unwrap(), FROM);
    let date = headers.get_first_value("Date").unwrap();
    mailparse::dateparse(&date).expect("an RFC 5322 date");
    let id = headers.get_first_value("Message-ID").unwrap();
    assert!(id.starts_with('<') && id.ends_with("@example.com>"), "{id}");
    assert!(headers.get_first_value("Bcc").is_none());
}

fn eml_files(dir: &Path) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries
        .into_iter()
        .partition(|p| p.extension().is_some_and(|e| e == "eml"))
}

fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
    // dropped here: nothing listens on the port any more
}

#[tokio::test]
async fn smtp_delivers_a_multipart_alternative_message_to_the_envelope_recipient() {
    let sink = SmtpSink::start();
    let mailer = Mailer::new(Some(&sink.url()), None, FROM).unwrap();

    let mut email = reset_email("ada@example.com");
    email.text.push_str(".a line that starts with a dot\n");
    mailer.send(&email).await.unwrap();

    let received = sink.wait_for(1, Duration::from_secs(5));
    assert_eq!(received.len(), 1);
    let message = &received[0];
    assert_eq!(message.mail_from, "noreply@example.com");
    assert_eq!(message.rcpt_to, ["ada@example.com"]);

    let mail = mailparse::parse_mail(message.data.as_bytes()).unwrap();
    assert_standard_headers(&mail);
    let headers = mail.get_headers();
    assert_eq!(headers.get_first_value("To").unwrap(), "ada@example.com");
    assert_eq!(
        headers.get_first_value("Subject").unwrap(),
        "Reset your password"
    );
    let (plain, html) = alternatives(&mail);
    assert!(
        plain.contains(&format!("/change?sptoken={TOKEN}")),
        "{plain}"
    );
    assert!(
        plain.contains("\n.a line that starts with a dot"),
        "dot-stuffing: {plain}"
    );
    assert_eq!(sptoken_in_html(&html), Some(TOKEN), "{html}");
    // ASCII with lines under 998 octets goes out as 7bit: the raw message shows the link as is.
    assert_eq!(
        sptoken_in_html(&message.data),
        Some(TOKEN),
        "{}",
        message.data
    );
}

#[tokio::test]
async fn file_drop_writes_one_complete_eml_file_and_leaves_no_temporary_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("mail").join("outbox"); // created on demand
    let mailer = Mailer::new(None, Some(&dir), FROM).unwrap();

    mailer.send(&reset_email("ada@example.com")).await.unwrap();

    let (eml, others) = eml_files(&dir);
    assert_eq!(eml.len(), 1, "{eml:?}");
    assert!(others.is_empty(), "leftover files: {others:?}");
    let name = eml[0].file_name().unwrap().to_str().unwrap();
    assert!(!name.starts_with('.'), "{name}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&eml[0]).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o077,
            0,
            "tokens must not be world-readable: {mode:o}"
        );
    }

    let raw = std::fs::read(&eml[0]).unwrap();
    let mail = mailparse::parse_mail(&raw).unwrap();
    assert_standard_headers(&mail);
    let headers = mail.get_headers();
    assert_eq!(headers.get_first_value("To").unwrap(), "ada@example.com");
    assert_eq!(
        headers.get_first_value("Subject").unwrap(),
        "Reset your password"
    );
    let (plain, html) = alternatives(&mail);
    assert!(plain.contains(TOKEN));
    assert_eq!(sptoken_in_html(&html), Some(TOKEN));
}

#[tokio::test]
async fn file_drop_keeps_utf8_links_verbatim_and_encodes_over_long_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let mailer = Mailer::new(None, Some(tmp.path()), FROM).unwrap();
    let take_the_only_file = || {
        let (eml, _) = eml_files(tmp.path());
        assert_eq!(eml.len(), 1);
        let raw = std::fs::read(&eml[0]).unwrap();
        std::fs::remove_file(&eml[0]).unwrap();
        String::from_utf8(raw).unwrap()
    };

    // Non-ASCII: 8bit in a file, so the raw text still holds the link as written.
    let mut email = reset_email("ada@example.com");
    email.html = format!("<p>Grüße, Zoë {}</p>\n{}", "~".repeat(100), email.html);
    mailer.send(&email).await.unwrap();
    let raw = take_the_only_file();
    assert!(raw.contains("Content-Transfer-Encoding: 8bit"), "{raw}");
    assert_eq!(sptoken_in_html(&raw), Some(TOKEN), "{raw}");
    let mail = mailparse::parse_mail(raw.as_bytes()).unwrap();
    let (_, html) = alternatives(&mail);
    assert!(html.starts_with("<p>Grüße, Zoë ~~~"), "{html}");

    // A line over RFC 5322's 998 octets cannot go verbatim; a MIME reader still gets the link.
    let mut email = reset_email("ada@example.com");
    email.html = format!("<p>{}</p>\n{}", "y".repeat(1200), email.html);
    mailer.send(&email).await.unwrap();
    let raw = take_the_only_file();
    let mail = mailparse::parse_mail(raw.as_bytes()).unwrap();
    let encoding = mail.subparts[1]
        .get_headers()
        .get_first_value("Content-Transfer-Encoding")
        .unwrap();
    assert!(
        ["quoted-printable", "base64"].contains(&encoding.as_str()),
        "{encoding}"
    );
    let (_, html) = alternatives(&mail);
    assert_eq!(sptoken_in_html(&html), Some(TOKEN), "{html}");
}

#[tokio::test]
async fn file_drop_gives_each_message_its_own_file() {
    let tmp = tempfile::tempdir().unwrap();
    let mailer = Mailer::new(None, Some(tmp.path()), FROM).unwrap();

    let sends = (0..5).map(|i| {
        let mailer = mailer.clone();
        async move {
            let email = reset_email(&format!("user{i}@example.com"));
            mailer.send(&email).await
        }
    });
    for result in futures_join_all(sends).await {
        result.unwrap();
    }

    let (eml, others) = eml_files(tmp.path());
    assert_eq!(eml.len(), 5);
    assert!(others.is_empty(), "{others:?}");
    let mut recipients: Vec<String> = eml
        .iter()
        .map(|path| {
            let raw = std::fs::read(path).unwrap();
            let mail = mailparse::parse_mail(&raw).unwrap();
            mail.get_headers().get_first_value("To").unwrap()
        })
        .collect();
    recipients.sort();
    let expected: Vec<String> = (0..5).map(|i| format!("user{i}@example.com")).collect();
    assert_eq!(recipients, expected);
}

/// Runs the futures concurrently on the current runtime (no `futures` dependency needed).
async fn futures_join_all<F>(futures: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut outputs = Vec::new();
    for handle in handles {
        outputs.push(handle.await.unwrap());
    }
    outputs
}

#[tokio::test]
async fn log_only_mode_accepts_the_message() {
    let mailer = Mailer::new(None, None, FROM).unwrap();
    mailer.send(&reset_email("ada@example.com")).await.unwrap();
    // Addresses are still checked without a transport.
    let err = mailer
        .send(&reset_email("not an address"))
        .await
        .unwrap_err();
    assert!(matches!(err, MailError::InvalidAddress(_)), "{err:?}");
}

#[tokio::test]
async fn an_unreachable_smtp_server_fails_quickly_with_a_transport_error() {
    let url = format!("smtp://mailer:s3cret-pw@127.0.0.1:{}", closed_port());
    let mailer = Mailer::new(Some(&url), None, FROM).unwrap();

    let started = Instant::now();
    let err = mailer
        .send(&reset_email("ada@example.com"))
        .await
        .unwrap_err();

    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(matches!(err, MailError::Transport(_)), "{err:?}");
    assert!(!err.to_string().contains("s3cret"), "{err}");
    assert!(!format!("{mailer:?}").contains("s3cret"), "{mailer:?}");
}

#[tokio::test]
async fn header_injection_in_an_address_or_subject_is_refused_and_nothing_is_sent() {
    let sink = SmtpSink::start();
    let mailer = Mailer::new(Some(&sink.url()), None, FROM).unwrap();

    for to in [
        "ada@example.com\r\nBcc: eve@example.com",
        "Ada <ada@example.com>\nBcc: eve@example.com",
        "ada@example.com\r\n",
        "ada@example.com, eve@example.com",
        "ada@example.com\r\n\r\nbody",
        "",
    ] {
        let err = mailer.send(&reset_email(to)).await.unwrap_err();
        assert!(
            matches!(err, MailError::InvalidAddress(_)),
            "{to:?}: {err:?}"
        );
        assert!(!err.to_string().contains("eve@"), "echoes the input: {err}");
    }
    let mut email = reset_email("ada@example.com");
    email.subject = "Hello\r\nBcc: eve@example.com".to_owned();
    let err = mailer.send(&email).await.unwrap_err();
    assert!(matches!(err, MailError::InvalidAddress(_)), "{err:?}");

    let err = Mailer::new(
        Some(&sink.url()),
        None,
        "noreply@example.com\r\nBcc: eve@example.com",
    )
    .unwrap_err();
    assert!(matches!(err, MailError::InvalidAddress(_)), "{err:?}");

    // A valid message afterwards is the only one the server ever sees.
    mailer.send(&reset_email("ada@example.com")).await.unwrap();
    let received = sink.wait_for(2, Duration::from_millis(500));
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].rcpt_to, ["ada@example.com"]);
    assert!(!received[0].data.to_ascii_lowercase().contains("bcc"));
}

#[tokio::test]
async fn non_ascii_display_names_and_subjects_round_trip_as_encoded_words() {
    let sink = SmtpSink::start();
    let mailer = Mailer::new(Some(&sink.url()), None, FROM).unwrap();
    let subject = "Réinitialisez votre mot de passe — 🔑";
    let mut email = reset_email("Zoë Ünïcode <zoe@example.com>");
    email.subject = subject.to_owned();
    email.text = format!("Grüße, Zoë! {}", email.text);

    mailer.send(&email).await.unwrap();

    let received = sink.wait_for(1, Duration::from_secs(5));
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].rcpt_to, ["zoe@example.com"]);
    let raw = &received[0].data;
    let head = &raw[..raw.find("\r\n\r\n").unwrap()];
    assert!(head.is_ascii(), "headers must be 7-bit: {head}");
    assert!(head.contains("=?utf-8?"), "encoded words expected: {head}");

    let mail = mailparse::parse_mail(raw.as_bytes()).unwrap();
    let headers = mail.get_headers();
    assert_eq!(headers.get_first_value("Subject").unwrap(), subject);
    let to = mailparse::addrparse_header(headers.get_first_header("To").unwrap()).unwrap();
    let to = to.extract_single_info().unwrap();
    assert_eq!(to.display_name.as_deref(), Some("Zoë Ünïcode"));
    assert_eq!(to.addr, "zoe@example.com");
    let (plain, html) = alternatives(&mail);
    assert!(plain.starts_with("Grüße, Zoë! "), "{plain}");
    assert_eq!(sptoken_in_html(&html), Some(TOKEN));
}

#[tokio::test]
async fn an_unusable_smtp_url_is_a_config_error_without_the_password() {
    let err = Mailer::new(Some("ftp://mailer:s3cret-pw@example.com"), None, FROM).unwrap_err();
    assert!(matches!(err, MailError::InvalidConfig(_)), "{err:?}");
    assert!(!err.to_string().contains("s3cret"), "{err}");
    assert!(err.to_string().contains("mailer:***@"), "{err}");
    // TLS forms build (no connection is made until a send).
    for url in [
        "smtps://mailer:s3cret-pw@smtp.example.com:465",
        "smtp://smtp.example.com:587?tls=required",
    ] {
        let mailer = Mailer::new(Some(url), None, FROM).unwrap();
        assert!(!format!("{mailer:?}").contains("s3cret"), "{mailer:?}");
    }
}

#[test]
fn email_debug_hides_the_bodies() {
    let shown = format!("{:?}", reset_email("ada@example.com"));
    assert!(shown.contains("ada@example.com"), "{shown}");
    assert!(!shown.contains(TOKEN), "{shown}");
}

/// A `tracing` writer into a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

// current_thread: the subscriber set below is the thread's default for the whole test.
#[tokio::test(flavor = "current_thread")]
async fn logs_name_the_recipient_but_never_the_body_or_credentials() {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let sink = SmtpSink::start();
    let tmp = tempfile::tempdir().unwrap();
    let smtp_url = format!("smtp://mailer:s3cret-pw@{}", sink.addr());
    let mailers = [
        Mailer::new(None, None, FROM).unwrap(),
        Mailer::new(None, Some(tmp.path()), FROM).unwrap(),
        Mailer::new(Some(&smtp_url), None, FROM).unwrap(),
    ];
    for (i, mailer) in mailers.iter().enumerate() {
        let to = format!("user{i}@example.com");
        // The sink offers no AUTH, so lettre skips the credentials; a refusal is fine too.
        let _ = mailer.send(&reset_email(&to)).await;
        assert!(
            logs.text().contains(&to),
            "no line names {to}:\n{}",
            logs.text()
        );
    }

    let text = logs.text();
    assert!(text.contains("no mail transport is configured"), "{text}");
    assert!(
        text.contains(".eml"),
        "the drop line names the file: {text}"
    );
    assert!(!text.contains(TOKEN), "a token was logged:\n{text}");
    assert!(!text.contains("sptoken"), "a link was logged:\n{text}");
    assert!(!text.contains("s3cret"), "a password was logged:\n{text}");
}
