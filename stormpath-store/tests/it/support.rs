//! The test harness: fresh databases, fast stores, and helpers that read the database directly.

use std::path::PathBuf;

use sqlx::{Connection, Executor, Row, postgres::PgConnection};
use stormpath_client::{Account, AccountId, Backend, NewAccount};
use stormpath_store::{HashParams, Store, StoreBuilder};
use tempfile::TempDir;

/// The signing key of the stores under test (any 32+ bytes).
pub(crate) const KEY: &str = "integration-test-signing-key-0123456789abcdef";
/// A different valid key, for tokens that must not verify.
pub(crate) const OTHER_KEY: &str = "a-different-signing-key-for-forged-tokens-0123";
/// A password that meets Stormpath's default policy.
pub(crate) const PASSWORD: &str = "Analytical1";
/// The maintenance database of the local PostgreSQL; each test creates its own next to it.
const PG_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A fresh, empty database that is removed when dropped.
pub(crate) struct TestDb {
    url: String,
    kind: Kind,
}

enum Kind {
    /// A file in a temporary directory (the directory goes with the value).
    Sqlite { dir: TempDir },
    /// A database `sp_test_<random>` on the local server, dropped with the value.
    Postgres { name: String },
}

impl TestDb {
    /// A SQLite file (not created yet) in a new temporary directory.
    pub(crate) async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("create a temporary directory");
        let url = format!("sqlite://{}", dir.path().join("stormpath.db").display());
        Self {
            url,
            kind: Kind::Sqlite { dir },
        }
    }

    /// A new database on the local PostgreSQL.
    pub(crate) async fn postgres() -> Self {
        let name = format!("sp_test_{:016x}", rand::random::<u64>());
        let mut admin = PgConnection::connect(PG_ADMIN_URL)
            .await
            .expect("the local PostgreSQL (postgres@127.0.0.1:5432) must accept connections");
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .expect("create a test database");
        admin.close().await.ok();
        Self {
            url: format!("postgres://postgres@127.0.0.1:5432/{name}"),
            kind: Kind::Postgres { name },
        }
    }

    /// The database URL a store opens.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// The SQLite file, for the tests about files.
    pub(crate) fn sqlite_path(&self) -> Option<PathBuf> {
        match &self.kind {
            Kind::Sqlite { dir } => Some(dir.path().join("stormpath.db")),
            Kind::Postgres { .. } => None,
        }
    }

    /// A builder for this database with the test key and fast (insecure) hashing.
    pub(crate) fn builder(&self) -> StoreBuilder {
        Store::builder()
            .database_url(&self.url)
            .application("Integration Tests")
            .signing_key(KEY)
            .hashing(HashParams::INSECURE_FAST)
            .allow_weak_hashing(true)
    }

    /// A store on this database with the test defaults.
    pub(crate) async fn store(&self) -> Store {
        self.builder().build().await.expect("open the store")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Kind::Postgres { name } = &self.kind else {
            return;
        };
        // Drop runs inside the test's runtime, which cannot be blocked on: do the clean-up on
        // a thread of its own. FORCE ends the connections stores may still hold.
        let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        let cleanup = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                if let Ok(mut admin) = PgConnection::connect(PG_ADMIN_URL).await {
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

/// A new account with a valid password and the given email.
pub(crate) fn new_account(email: &str) -> NewAccount {
    NewAccount {
        email: email.into(),
        password: PASSWORD.into(),
        ..NewAccount::default()
    }
}

/// Registers an account with [`PASSWORD`].
pub(crate) async fn register(store: &Store, email: &str) -> Account {
    store
        .register(new_account(email))
        .await
        .unwrap_or_else(|err| panic!("register {email}: {err}"))
}

/// How many account rows have this canonical email key.
pub(crate) async fn accounts_with_email_key(store: &Store, key: &str) -> i64 {
    sqlx::query("SELECT COUNT(*) FROM accounts WHERE email_key = $1")
        .bind(key)
        .fetch_one(store.pool())
        .await
        .expect("count accounts")
        .get(0)
}

/// The PHC string stored for an account.
pub(crate) async fn password_hash(store: &Store, id: &AccountId) -> String {
    sqlx::query("SELECT password_hash FROM accounts WHERE id = $1")
        .bind(id.as_str())
        .fetch_one(store.pool())
        .await
        .expect("read the password hash")
        .get(0)
}
