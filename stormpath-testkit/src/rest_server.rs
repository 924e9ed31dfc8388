//! A real `stormpath-server` process for the integration suites: `init` in a fresh temporary
//! directory, then `serve` on a free port of 127.0.0.1, killed when the value is dropped.
//!
//! The binary is the workspace's own `target/<profile>/stormpath-server` (built by
//! `cargo test --workspace`; built on demand with `cargo build -p stormpath-server` when a
//! single crate's tests run). With `STORMPATH_TEST_POSTGRES` set,
//! [`RestServer::start_postgres`] serves a throw-away PostgreSQL database instead of SQLite.

use std::{
    net::{TcpListener, TcpStream},
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use crate::postgres::PgDatabase;

/// A running server; see the module docs.
pub struct RestServer {
    child: Child,
    /// `http://127.0.0.1:PORT` (hrefs are `{base}/v1/…`).
    pub base_url: String,
    /// The admin API key id `init` made.
    pub key_id: String,
    /// Its secret.
    pub key_secret: String,
    /// The application `init` made (`My Application`).
    pub application_href: String,
    /// The database URL.
    pub database_url: String,
    /// The temporary directory (database, key file, `apiKey.properties`, mail drop `mail/`).
    pub dir: tempfile::TempDir,
    _pg: Option<PgDatabase>,
}

/// The path of the `stormpath-server` binary: `STORMPATH_SERVER_BIN` when set, else the one
/// next to the running test's executable.
///
/// # Panics
/// When it does not exist and cannot be built.
#[must_use]
pub fn binary() -> PathBuf {
    if let Some(bin) = std::env::var_os("STORMPATH_SERVER_BIN") {
        return PathBuf::from(bin);
    }
    crate::build::fresh(
        &crate::build::profile_dir().join("stormpath-server"),
        &["-p", "stormpath-server", "--bin", "stormpath-server"],
        &[
            "stormpath-server/src",
            "stormpath-store/src",
            "stormpath-store/migrations",
            "stormpath-client/src",
        ],
    )
}

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl RestServer {
    /// Starts a server on a new SQLite database.
    ///
    /// # Panics
    /// When the server cannot be initialised or does not come up within 20 s.
    #[must_use]
    pub fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}/stormpath.db", dir.path().display());
        Self::launch(dir, url, None, &[])
    }

    /// Starts a server with extra `serve`/`init` environment variables (e.g.
    /// `STORMPATH_SERVER_SMTP_URL`).
    ///
    /// # Panics
    /// As [`start`](Self::start).
    #[must_use]
    pub fn start_with_env(env: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}/stormpath.db", dir.path().display());
        Self::launch(dir, url, None, env)
    }

    /// Starts a server on a throw-away PostgreSQL database, or `None` when the PostgreSQL
    /// tests are off.
    ///
    /// # Panics
    /// As [`start`](Self::start).
    pub async fn start_postgres() -> Option<Self> {
        let pg = PgDatabase::create("sp_server").await?;
        let dir = tempfile::tempdir().expect("temp dir");
        let url = pg.url().to_owned();
        Some(Self::launch(dir, url, Some(pg), &[]))
    }

    fn launch(
        dir: tempfile::TempDir,
        database_url: String,
        pg: Option<PgDatabase>,
        env: &[(&str, &str)],
    ) -> Self {
        let port = free_port();
        let base_url = format!("http://127.0.0.1:{port}");
        std::fs::create_dir_all(dir.path().join("mail")).expect("mail dir");
        let command = |sub: &str| command(sub, dir.path(), &database_url, &base_url, env);
        let out = command("init").output().expect("run stormpath-server init");
        assert!(
            out.status.success(),
            "stormpath-server init failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        let field = |label: &str| {
            stdout
                .lines()
                .find_map(|l| l.trim().strip_prefix(label).map(|v| v.trim().to_owned()))
                .unwrap_or_else(|| panic!("init printed no {label}: {stdout}"))
        };
        let key_id = field("admin API key id:");
        let key_secret = field("admin API key secret:");
        let application_href = field("application:");
        let child = serve(command("serve"), port);
        Self {
            child,
            base_url,
            key_id,
            key_secret,
            application_href,
            database_url,
            dir,
            _pg: pg,
        }
    }

    /// Another `serve` process on the same database and keys, on a port of its own: what
    /// several servers behind one load balancer are, so its hrefs are this server's (one
    /// public base URL), whichever process answers. Works on SQLite and PostgreSQL alike.
    /// Killed when dropped.
    ///
    /// # Panics
    /// As [`start`](Self::start).
    #[must_use]
    pub fn another_process(&self) -> RestProcess {
        let port = free_port();
        let base_url = format!("http://127.0.0.1:{port}");
        let command = command(
            "serve",
            self.dir.path(),
            &self.database_url,
            &self.base_url,
            &[],
        );
        RestProcess {
            child: serve(command, port),
            base_url,
        }
    }

    /// `{base_url}/v1`.
    #[must_use]
    pub fn api(&self) -> String {
        format!("{}/v1", self.base_url)
    }

    /// The mails the server dropped so far (file name, contents), oldest first.
    #[must_use]
    pub fn mails(&self) -> Vec<(String, String)> {
        // The server delivers from its outbox in the background (within a second of the
        // request): wait until the drop directory has stopped changing.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let mut seen = self.mails_now();
        let mut quiet = 0;
        while quiet < 5 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(250));
            let now = self.mails_now();
            if now == seen {
                quiet += 1;
            } else {
                quiet = 0;
                seen = now;
            }
        }
        seen
    }

    /// The `.eml` files in the drop directory right now.
    fn mails_now(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = std::fs::read_dir(self.dir.path().join("mail"))
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .filter_map(|e| {
                        let name = e.file_name().to_string_lossy().into_owned();
                        let text = std::fs::read_to_string(e.path()).ok()?;
                        Some((name, text))
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.sort();
        out
    }
}

impl Drop for RestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A second `serve` process of a [`RestServer`] ([`RestServer::another_process`]).
pub struct RestProcess {
    child: Child,
    /// `http://127.0.0.1:PORT`: where this process listens (its hrefs are the first
    /// server's).
    pub base_url: String,
}

impl RestProcess {
    /// `{base_url}/v1`.
    #[must_use]
    pub fn api(&self) -> String {
        format!("{}/v1", self.base_url)
    }
}

impl Drop for RestProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `stormpath-server` command (`init` or `serve`) in `dir`, on `database_url`, its hrefs
/// under `base_url`, mails dropped in `dir/mail`, fast hashing.
fn command(
    sub: &str,
    dir: &std::path::Path,
    database_url: &str,
    base_url: &str,
    env: &[(&str, &str)],
) -> Command {
    let mut c = Command::new(binary());
    c.arg(sub)
        .current_dir(dir)
        .env("STORMPATH_SERVER_DATABASE_URL", database_url)
        .env("STORMPATH_SERVER_BASE_URL", base_url)
        .env("STORMPATH_SERVER_MAIL_DIR", dir.join("mail"))
        .env("STORMPATH_SERVER_INSECURE_FAST_HASHING", "true")
        .env("RUST_LOG", "error")
        .env_remove("STORMPATH_SERVER_KEY");
    for (k, v) in env {
        c.env(k, v);
    }
    c
}

/// Spawns `serve` listening on `port` and waits until it accepts connections.
fn serve(mut command: Command, port: u16) -> Child {
    let child = command
        .env("STORMPATH_SERVER_LISTEN", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn stormpath-server serve");
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "stormpath-server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}
