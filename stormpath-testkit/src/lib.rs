//! Test support shared by the workspace's integration suites: a tiny but real SMTP server
//! on `127.0.0.1:0` that keeps what it receives, and [`postgres::PgDatabase`], throw-away
//! databases for the PostgreSQL tests (which run only when `STORMPATH_TEST_POSTGRES` is set).
//!
//! It speaks just enough RFC 5321 for a client such as lettre: greeting, `EHLO`/`HELO`,
//! `MAIL FROM`, `RCPT TO`, `DATA` (with dot-unstuffing), `RSET`, `NOOP`, `QUIT`. Each
//! connection is served on its own thread; the accepting thread stops when the sink is dropped.
//! The SMTP sink depends on nothing but `std`.

#![allow(
    clippy::expect_used,
    reason = "test support: failing loudly is the point"
)]

pub mod app;
mod build;
pub mod oidc;
pub mod postgres;
pub mod redis;
pub mod rest_server;

use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// One message as the sink received it.
#[derive(Clone, Debug)]
pub struct Received {
    /// The envelope sender (`MAIL FROM:<…>`, without the angle brackets).
    pub mail_from: String,
    /// The envelope recipients (`RCPT TO:<…>`, without the angle brackets), in order.
    pub rcpt_to: Vec<String>,
    /// The message after dot-unstuffing, CRLF line ends kept, lossily decoded as UTF-8.
    pub data: String,
}

/// A running sink; see the module docs.
pub struct SmtpSink {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    stop: Arc<AtomicBool>,
}

impl SmtpSink {
    /// Binds `127.0.0.1:0` and starts accepting connections.
    pub fn start() -> Self {
        Self::start_on("127.0.0.1:0".parse().expect("an address"))
    }

    /// A free port on 127.0.0.1 where nothing listens yet: a mail server that is down, until
    /// [`start_on`](Self::start_on) brings a sink up there.
    pub fn down() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
        listener.local_addr().expect("its address")
    }

    /// Binds `addr` (a mail server coming back on the port it was down on) and starts
    /// accepting connections.
    pub fn start_on(addr: SocketAddr) -> Self {
        let listener = TcpListener::bind(addr).expect("bind the SMTP sink");
        let addr = listener.local_addr().expect("sink address");
        let received = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (store, stopped) = (Arc::clone(&received), Arc::clone(&stop));
        thread::spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let store = Arc::clone(&store);
                thread::spawn(move || {
                    // A client hanging up mid-session is its business, not a sink failure.
                    let _ = serve(stream, &store);
                });
            }
        });
        Self {
            addr,
            received,
            stop,
        }
    }

    /// The address the sink listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A lettre connection URL for the sink: plain SMTP, no TLS, no authentication.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Everything received so far.
    pub fn messages(&self) -> Vec<Received> {
        self.received.lock().expect("sink lock").clone()
    }

    /// Waits up to `timeout` for at least `n` messages, then returns all received so far.
    pub fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let deadline = Instant::now() + timeout;
        loop {
            let messages = self.messages();
            if messages.len() >= n || Instant::now() >= deadline {
                return messages;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl SmtpSink {
    /// [`wait_for`](Self::wait_for) for async tests: polls without blocking the runtime, so
    /// that tasks on the same runtime (a mail outbox's sender) keep running meanwhile.
    pub async fn wait_for_async(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let deadline = Instant::now() + timeout;
        loop {
            let messages = self.messages();
            if messages.len() >= n || Instant::now() >= deadline {
                return messages;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accepting thread so it sees the flag and ends.
        let _ = TcpStream::connect(self.addr);
    }
}

fn serve(stream: TcpStream, store: &Mutex<Vec<Received>>) -> io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut out = stream.try_clone()?;
    let mut input = BufReader::new(stream);
    let mut mail_from: Option<String> = None;
    let mut rcpt_to = Vec::new();
    out.write_all(b"220 sink.test ESMTP ready\r\n")?;
    loop {
        let Some(line) = read_line(&mut input)? else {
            return Ok(());
        };
        let upper = line.to_ascii_uppercase();
        let verb = upper.split(' ').next().unwrap_or_default();
        match verb {
            "EHLO" => out.write_all(b"250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")?,
            "HELO" => out.write_all(b"250 sink.test\r\n")?,
            "MAIL" if upper.starts_with("MAIL FROM:") => {
                mail_from = Some(path_of(&line["MAIL FROM:".len()..]));
                rcpt_to.clear();
                out.write_all(b"250 OK\r\n")?;
            }
            "RCPT" if upper.starts_with("RCPT TO:") => {
                if mail_from.is_none() {
                    out.write_all(b"503 MAIL first\r\n")?;
                } else {
                    rcpt_to.push(path_of(&line["RCPT TO:".len()..]));
                    out.write_all(b"250 OK\r\n")?;
                }
            }
            "DATA" => {
                let Some(from) = mail_from.take().filter(|_| !rcpt_to.is_empty()) else {
                    out.write_all(b"503 need MAIL and RCPT first\r\n")?;
                    continue;
                };
                out.write_all(b"354 end with <CRLF>.<CRLF>\r\n")?;
                let mut data = String::new();
                loop {
                    let Some(line) = read_line(&mut input)? else {
                        return Ok(()); // hung up mid-message: nothing is delivered
                    };
                    if line == "." {
                        break;
                    }
                    // RFC 5321 §4.5.2: a leading dot was doubled by the client.
                    data.push_str(line.strip_prefix('.').unwrap_or(&line));
                    data.push_str("\r\n");
                }
                store.lock().expect("sink lock").push(Received {
                    mail_from: from,
                    rcpt_to: std::mem::take(&mut rcpt_to),
                    data,
                });
                out.write_all(b"250 OK queued\r\n")?;
            }
            "RSET" => {
                mail_from = None;
                rcpt_to.clear();
                out.write_all(b"250 OK\r\n")?;
            }
            "NOOP" => out.write_all(b"250 OK\r\n")?,
            "QUIT" => {
                out.write_all(b"221 bye\r\n")?;
                return Ok(());
            }
            _ => out.write_all(b"502 command not implemented\r\n")?,
        }
    }
}

/// One line without its line end; `None` at end of stream.
fn read_line(input: &mut impl BufRead) -> io::Result<Option<String>> {
    let mut raw = Vec::new();
    if input.read_until(b'\n', &mut raw)? == 0 {
        return Ok(None);
    }
    if raw.last() == Some(&b'\n') {
        raw.pop();
        if raw.last() == Some(&b'\r') {
            raw.pop();
        }
    }
    Ok(Some(String::from_utf8_lossy(&raw).into_owned()))
}

/// `<ada@example.com> SIZE=42` → `ada@example.com`.
fn path_of(arg: &str) -> String {
    let arg = arg.trim_start();
    let path = arg.split(' ').next().unwrap_or_default();
    path.trim_start_matches('<')
        .trim_end_matches('>')
        .to_owned()
}
