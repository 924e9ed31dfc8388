//! Throw-away PostgreSQL databases for the suites that test the PostgreSQL code paths.
//!
//! These tests run only when `STORMPATH_TEST_POSTGRES` names a server's maintenance database,
//! e.g. `postgres://postgres@127.0.0.1:5432/postgres` (a role that may create databases). Without
//! it they return early, and the first of them says so once on the terminal, so that
//! `cargo test --workspace` passes on a machine with no PostgreSQL installed. With it, a server
//! that does not answer fails the test: a skipped test must never pass for a run one.

use std::io::Write;
use std::sync::Once;

use sqlx::{Connection, Executor, postgres::PgConnection};

/// The variable that turns the PostgreSQL tests on.
pub const ENV: &str = "STORMPATH_TEST_POSTGRES";

/// The maintenance-database URL from [`ENV`], or `None` (and the one-time notice) when unset.
#[must_use]
pub fn admin_url() -> Option<String> {
    static NOTICE: Once = Once::new();
    match std::env::var(ENV) {
        Ok(url) if !url.trim().is_empty() => Some(url.trim().to_owned()),
        _ => {
            NOTICE.call_once(|| {
                if !first_in_this_run() {
                    return;
                }
                // Straight to the terminal: the test harness captures `eprintln!` of passing
                // tests, and this line is meant to be seen.
                let _ = writeln!(
                    std::io::stderr(),
                    "note: PostgreSQL tests skipped; set {ENV}=postgres://postgres@127.0.0.1:5432/postgres to run them"
                );
            });
            None
        }
    }
}

/// Whether no other test binary of this `cargo test` run (the same parent process) has said
/// it yet: the notice is given once per run, not once per suite.
#[cfg(unix)]
fn first_in_this_run() -> bool {
    let marker = std::env::temp_dir().join(format!(
        "stormpath-postgres-skipped-{}",
        std::os::unix::process::parent_id()
    ));
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(marker)
        .is_ok()
}

/// Elsewhere each suite says it.
#[cfg(not(unix))]
fn first_in_this_run() -> bool {
    true
}

/// A new, empty database `<prefix>_<random>` on the configured server, dropped (with `FORCE`,
/// ending the connections pools still hold) when the value goes.
pub struct PgDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl PgDatabase {
    /// Creates the database, or returns `None` when PostgreSQL tests are off (see the module
    /// docs).
    ///
    /// # Panics
    /// When the tests are on but the server refuses the connection or the `CREATE DATABASE`.
    pub async fn create(prefix: &str) -> Option<Self> {
        let admin_url = admin_url()?;
        let name = format!("{prefix}_{:016x}", random_u64());
        let mut admin = PgConnection::connect(&admin_url)
            .await
            .unwrap_or_else(|err| panic!("{ENV}: cannot connect to PostgreSQL: {err}"));
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .unwrap_or_else(|err| panic!("{ENV}: cannot create a test database: {err}"));
        admin.close().await.ok();
        let url = match admin_url.rsplit_once('/') {
            Some((server, _)) => format!("{server}/{name}"),
            None => panic!("{ENV} must end in /DATABASE, e.g. …:5432/postgres"),
        };
        Some(Self {
            admin_url,
            name,
            url,
        })
    }

    /// The URL of the new database.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        let admin_url = self.admin_url.clone();
        // Drop may run inside a test's runtime, which cannot be blocked on: clean up on a
        // thread with a runtime of its own.
        let cleanup = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                if let Ok(mut admin) = PgConnection::connect(&admin_url).await {
                    if let Err(err) = admin.execute(sql.as_str()).await {
                        eprintln!("could not drop a test database: {err}");
                    }
                    admin.close().await.ok();
                }
            });
        });
        let _ = cleanup.join();
    }
}

/// A random number for database names (no `rand` dependency for one call).
fn random_u64() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now())
}
