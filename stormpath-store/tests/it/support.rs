//! The test harness: fresh databases, fast stores, and helpers that read the database directly.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use sqlx::Row;
use stormpath_client::{
    AccessClaims, Account, AccountId, Authenticated, CustomData, EmailKind, EmailTemplates,
    NewAccount, Notice, RenderedEmail, VersionedCustomData, prelude::*,
};
use stormpath_store::{HashParams, Store, StoreBuilder};
use stormpath_testkit::postgres::PgDatabase;
use tempfile::TempDir;

/// The signing key of the stores under test (any 32+ bytes).
pub(crate) const KEY: &str = "integration-test-signing-key-0123456789abcdef";
/// A different valid key, for tokens that must not verify.
pub(crate) const OTHER_KEY: &str = "a-different-signing-key-for-forged-tokens-0123";
/// A password that meets Stormpath's default policy.
pub(crate) const PASSWORD: &str = "W4lrus-J1g";

/// A fresh, empty database that is removed when dropped.
pub(crate) struct TestDb {
    url: String,
    kind: Kind,
    outbox: Outbox,
}

/// One rendered email: its kind, its recipient and its token.
type Sent = (EmailKind, String, Option<String>);

/// The emails the stores under test rendered: the store mails one-time tokens itself, so tests
/// read them here, as a user would read their inbox.
#[derive(Clone, Default)]
pub(crate) struct Outbox {
    sent: Arc<Mutex<Vec<Sent>>>,
}

impl Outbox {
    /// The token of the last email sent to `email`.
    pub(crate) fn token_for(&self, email: &str) -> String {
        self.sent
            .lock()
            .unwrap()
            .iter()
            .rev()
            .find(|(_, to, _)| to == email)
            .and_then(|(_, _, token)| token.clone())
            .unwrap_or_else(|| panic!("no email with a token was sent to {email}"))
    }

    /// What was sent, in order: kind and recipient.
    pub(crate) fn sent(&self) -> Vec<(EmailKind, String)> {
        self.sent
            .lock()
            .unwrap()
            .iter()
            .map(|(kind, to, _)| (*kind, to.clone()))
            .collect()
    }
}

impl EmailTemplates for Outbox {
    fn render(&self, notice: &Notice<'_>) -> stormpath_client::Result<RenderedEmail> {
        self.sent.lock().unwrap().push((
            notice.kind,
            notice.account.email.clone(),
            notice.token.map(str::to_owned),
        ));
        Ok(RenderedEmail {
            subject: format!("{:?}", notice.kind),
            text: notice.token.unwrap_or_default().to_owned(),
            html: String::new(),
        })
    }
}

/// The custom-data operations the tests use, over the Backend's compare-and-swap.
pub(crate) trait CustomDataExt {
    /// `stormpath_client::merge_custom_data`.
    async fn merge_custom_data(
        &self,
        id: &AccountId,
        patch: CustomData,
    ) -> stormpath_client::Result<CustomData>;
    /// Replaces the whole document.
    async fn replace_custom_data(
        &self,
        id: &AccountId,
        data: CustomData,
    ) -> stormpath_client::Result<()>;
    /// The document and its version.
    async fn custom_data_versioned(
        &self,
        id: &AccountId,
    ) -> stormpath_client::Result<(CustomData, i64)>;
}

impl CustomDataExt for Store {
    async fn merge_custom_data(
        &self,
        id: &AccountId,
        patch: CustomData,
    ) -> stormpath_client::Result<CustomData> {
        stormpath_client::merge_custom_data(self, id, patch).await
    }

    async fn replace_custom_data(
        &self,
        id: &AccountId,
        data: CustomData,
    ) -> stormpath_client::Result<()> {
        stormpath_client::update_custom_data(self, id, |doc| {
            doc.clone_from(&data);
            Ok::<_, stormpath_client::Error>(())
        })
        .await
    }

    async fn custom_data_versioned(
        &self,
        id: &AccountId,
    ) -> stormpath_client::Result<(CustomData, i64)> {
        let VersionedCustomData { data, version } = self.custom_data(id).await?;
        Ok((data, version))
    }
}

/// The access-token claims of a session that has them.
pub(crate) trait ClaimsExt {
    /// The claims; panics for an API-key session.
    fn claims(&self) -> &AccessClaims;
}

impl ClaimsExt for Authenticated {
    fn claims(&self) -> &AccessClaims {
        self.claims.as_deref().expect("an access token's claims")
    }
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
            outbox: Outbox::default(),
        }
    }

    /// A new database on the PostgreSQL server named by `STORMPATH_TEST_POSTGRES`, or `None`
    /// when the PostgreSQL tests are off.
    pub(crate) async fn postgres() -> Option<Self> {
        let db = PgDatabase::create("sp_test").await?;
        Some(Self {
            url: db.url().to_owned(),
            kind: Kind::Postgres { _db: db },
            outbox: Outbox::default(),
        })
    }

    /// The emails the stores on this database sent.
    pub(crate) fn outbox(&self) -> &Outbox {
        &self.outbox
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
            .email_templates(self.outbox.clone())
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
        .create_account(new_account(email))
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

/// The outbox rows, oldest first: class (`reset`, `verify`, `notice`) and state (`queued`,
/// `sent`, `failed`, `dropped`).
pub(crate) async fn outbox_rows(store: &Store) -> Vec<(String, String)> {
    sqlx::query("SELECT kind, state FROM mail_outbox ORDER BY created_at, id")
        .fetch_all(store.pool())
        .await
        .expect("read the outbox")
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect()
}

/// A mailer sending to `addr` over plain SMTP (a testkit sink, or a port where none listens).
pub(crate) fn smtp_mailer(addr: std::net::SocketAddr) -> stormpath_store::mail::Mailer {
    stormpath_store::mail::Mailer::new(Some(&format!("smtp://{addr}")), None, "app@example.com")
        .expect("an SMTP mailer")
}
