//! Redis for the scale-out suites: the shared server named by `STORMPATH_TEST_REDIS`, and
//! [`RedisServer`], a private `redis-server` process a test may stop and start again.
//!
//! These tests run only when `STORMPATH_TEST_REDIS` is set (e.g. `redis://127.0.0.1:6379`);
//! without it they return early and the first says so once, like the PostgreSQL tests.

use std::{
    io::Write,
    net::TcpStream,
    process::{Child, Command, Stdio},
    sync::Once,
    time::{Duration, Instant},
};

/// The variable that turns the Redis tests on.
pub const ENV: &str = "STORMPATH_TEST_REDIS";

/// The Redis URL from [`ENV`], or `None` (and a one-time notice) when unset.
#[must_use]
pub fn url() -> Option<String> {
    static NOTICE: Once = Once::new();
    match std::env::var(ENV) {
        Ok(url) if !url.trim().is_empty() => Some(url.trim().to_owned()),
        _ => {
            NOTICE.call_once(|| {
                let _ = writeln!(
                    std::io::stderr(),
                    "note: Redis tests skipped; set {ENV}=redis://127.0.0.1:6379 to run them"
                );
            });
            None
        }
    }
}

/// A private `redis-server` on a free port of 127.0.0.1 (no persistence), stopped when dropped.
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
}

impl RedisServer {
    /// Starts one (needs `redis-server` on the `PATH`).
    ///
    /// # Panics
    /// When it cannot be started or does not answer within 10 s.
    #[must_use]
    pub fn start() -> Self {
        let mut server = Self {
            child: None,
            port: crate::rest_server::free_port(),
        };
        server.start_again();
        server
    }

    /// `redis://127.0.0.1:PORT`.
    #[must_use]
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// The port it listens on.
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Makes the server stop answering anyone for `seconds` (`DEBUG SLEEP`), as an overloaded
    /// or half-dead Redis would; returns at once.
    ///
    /// # Panics
    /// When the command cannot be sent.
    pub fn stall(&self, seconds: u32) {
        let mut conn =
            TcpStream::connect(("127.0.0.1", self.port)).expect("connect to redis-server");
        conn.write_all(format!("DEBUG SLEEP {seconds}\r\n").as_bytes())
            .expect("send DEBUG SLEEP");
        // The connection is kept open by the server's own sleep; dropping ours is fine.
    }

    /// Kills the server (as a crash would: no goodbye to its clients).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port, empty.
    ///
    /// # Panics
    /// As [`start`](Self::start).
    pub fn start_again(&mut self) {
        self.kill();
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--save", "", "--appendonly", "no"])
            // For `stall` (Redis 7 refuses DEBUG unless enabled).
            .args(["--enable-debug-command", "yes"])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start redis-server (install Debian's redis-server package)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}
