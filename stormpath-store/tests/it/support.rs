//! The test harness: fresh databases, fast stores, and helpers that read the database directly.

use std::path::PathBuf;

use sqlx::Row;
use stormpath_client::{Account, AccountId, Backend, NewAccount};
use stormpath_store::{HashParams, Store, StoreBuilder};
use stormpath_testkit::postgres::PgDatabase;
use tempfile::TempDir;

/// The signing key of the stores under test (any 32+ bytes).
pub(crate) const KEY: &str = "integration-test-signing-key-0123456789abcdef";
/// A different valid key, for tokens that must not verify.
pub(crate) const OTHER_KEY: &str = "a-different-signing-key-for-forged-tokens-0123";
/// A password that meets Stormpath's default policy.
pub(crate) const PASSWORD: &str = "Analytical1";

/// A fresh, empty database that is removed when dropped.
pub(crate) struct TestDb {
    url: String,
    kind: Kind,
}

enum Kind {
    /// A file in a temporary directory (the directory goes with the value).
    Sqlite { dir: TempDir },
    /// A database `sp_test_<random>` on the configured server, dropped with the value.
    Postgres { _db: PgDatabase },
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

    /// A new database on the PostgreSQL server named by `STORMPATH_TEST_POSTGRES`, or `None`
    /// when the PostgreSQL tests are off.
    pub(crate) async fn postgres() -> Option<Self> {
        let db = PgDatabase::create("sp_test").await?;
        Some(Self {
            url: db.url().to_owned(),
            kind: Kind::Postgres { _db: db },
        })
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
