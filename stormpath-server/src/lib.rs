//! `stormpath-server`: a self-hostable server speaking the Stormpath REST API v1 over the
//! `stormpath-store` account store (SQLite by default, PostgreSQL by URL), so that many
//! applications — ours through `stormpath-client`'s remote backend, or the old Stormpath SDKs
//! — share one user directory.
//!
//! * [`cli`]: the one binary: `init`, `serve` and the management commands.
//! * [`Settings`]: where the database, the sealing key and the public URL come from.
//! * [`init`] creates the tenant, the `Stormpath Administrators` directory, an application
//!   and the first admin API key; [`serve`] runs the API.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod api;
mod body;
mod caller;
pub mod cli;
mod duration;
mod error;
mod mail;
mod params;
mod request_id;
mod scope;
mod settings;
mod shape;
mod state;

use std::{net::TcpListener, sync::Arc, time::Duration};

use actix_web::{
    App, HttpRequest, HttpResponse, HttpServer, ResponseError, middleware::from_fn, web,
};
use stormpath_client::{AccountStatus, NewAccount, prelude::*};
use stormpath_store::{Store, admin::ADMINISTRATORS};

pub(crate) use error::ApiError;
pub use settings::{Settings, SettingsError};
pub use state::State;

/// The application every tenant has: the admin console's, mapped to the administrators.
pub const CONSOLE_APPLICATION: &str = "Stormpath";

/// What [`init`] made.
#[derive(Clone)]
pub struct Initialized {
    /// The first admin API key (the secret is shown once).
    pub api_key: stormpath_client::credentials::ApiKey,
    /// The application created for the user.
    pub application_href: String,
    /// The tenant's href.
    pub tenant_href: String,
}

impl std::fmt::Debug for Initialized {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Initialized")
            .field("api_key", &self.api_key)
            .field("application_href", &self.application_href)
            .finish_non_exhaustive()
    }
}

/// Opens the store the settings name (creating and migrating the database as needed).
///
/// # Errors
/// A bad database URL, an unreachable or locked database, a missing or bad sealing key.
pub async fn open_store(settings: &Settings) -> Result<Store, SettingsError> {
    let key = settings.sealing_key()?;
    open_store_with(settings, Some(&key)).await
}

/// Opens the store of a database that [`init`] has initialised, for `serve` and the
/// management commands: checks the URLs first, and never creates a SQLite file.
///
/// # Errors
/// [`SettingsError::NotInitialized`] (no file, or no tenant administrator), and those of
/// [`open_store`].
pub async fn open_initialized(settings: &Settings) -> Result<Store, SettingsError> {
    settings.check()?;
    if let Some(file) = stormpath_store::sqlite_file(&settings.database_url)
        && !file.exists()
    {
        return Err(SettingsError::NotInitialized {
            database: settings.redacted_database_url(),
        });
    }
    // Without its key, the database is still looked at, so that an uninitialised one is
    // named as such rather than by the missing key.
    let key = settings.sealing_key();
    let store = open_store_with(settings, key.as_deref().ok()).await?;
    if !is_initialized(settings, &store).await? {
        return Err(SettingsError::NotInitialized {
            database: settings.redacted_database_url(),
        });
    }
    key?;
    Ok(store)
}

/// Opens an existing database whether or not [`init`] made it (the embedded plugin's own
/// `stormpath.db` too), for `import` and `export`: checks the URLs first and never creates a
/// SQLite file. The sealing key is used when there is one; none is needed.
///
/// Opening it adds the admin console's application and directory when they are missing
/// (as every handle of the server does); the plugin's own application is untouched.
///
/// # Errors
/// [`SettingsError::NotInitialized`] for a SQLite file that does not exist, and those of
/// [`open_store`].
pub async fn open_existing(settings: &Settings) -> Result<Store, SettingsError> {
    settings.check()?;
    if let Some(file) = stormpath_store::sqlite_file(&settings.database_url)
        && !file.exists()
    {
        return Err(SettingsError::NotInitialized {
            database: settings.redacted_database_url(),
        });
    }
    let key = settings.sealing_key().ok();
    open_store_with(settings, key.as_deref()).await
}

/// Whether the database has a tenant administrator (what [`init`] makes).
///
/// # Errors
/// A database failure.
pub async fn is_initialized(settings: &Settings, store: &Store) -> Result<bool, SettingsError> {
    let fail = |e| settings.query_error(e);
    let Some(admins) = store
        .directory_by_name(ADMINISTRATORS)
        .await
        .map_err(fail)?
    else {
        return Ok(false);
    };
    Ok(store.count_accounts(&admins.meta.id).await.map_err(fail)? > 0)
}

async fn open_store_with(settings: &Settings, key: Option<&[u8]>) -> Result<Store, SettingsError> {
    let mut builder = Store::builder()
        .database_url(&settings.database_url)
        .application(CONSOLE_APPLICATION)
        .directory(ADMINISTRATORS)
        .href_base(settings.href_base())
        // Every request reads accounts afresh: several servers may share one database.
        .cache_ttl(Duration::ZERO)
        // Spec §5.7: custom data documents up to 10 MB.
        .max_custom_data_len(api::MAX_CUSTOM_DATA)
        .signing_key(random_key())
        .password_blocklist(settings.password_blocklist)
        .mailer(settings.mailer()?)
        // The directories' workflow policies decide which notices go out.
        .mail_policy(stormpath_store::MailPolicy {
            security_notices: false,
            ..stormpath_store::MailPolicy::default()
        });
    if let Some(key) = key {
        builder = builder.sealing_key(key);
    }
    if let Some(wait) = settings.busy_timeout {
        builder = builder.busy_timeout(wait);
    }
    if let Some(wait) = settings.connect_timeout {
        builder = builder.connect_timeout(wait);
    }
    if let Some(url) = &settings.redis_url {
        builder = builder.redis_url(url);
    }
    if settings.weak_hashing {
        builder = builder
            .hashing(stormpath_store::HashParams {
                memory_kib: 64,
                iterations: 1,
                parallelism: 1,
            })
            .allow_weak_hashing(true);
    }
    builder.build().await.map_err(|e| settings.opening_error(e))
}

fn random_key() -> [u8; 32] {
    use rand::RngCore;
    let mut key = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    key
}

/// Creates the tenant, the `Stormpath Administrators` directory with an admin account and
/// its API key, and an application (`application_name`) with its own directory mapped as its
/// default account and group store.
///
/// The sealing key is read from its file, or made and written there (mode 0600) once the
/// database is known to be new.
///
/// # Errors
/// [`SettingsError::AlreadyInitialized`], or any failure of [`open_store`].
pub async fn init(
    settings: &Settings,
    application_name: &str,
) -> Result<Initialized, SettingsError> {
    settings.check()?;
    let fresh = settings.sealing_key_missing();
    let key = if fresh {
        Settings::new_sealing_key()
    } else {
        settings.sealing_key()?
    };
    let store = open_store_with(settings, Some(&key)).await?;
    if is_initialized(settings, &store).await? {
        return Err(SettingsError::AlreadyInitialized {
            database: settings.redacted_database_url(),
        });
    }
    if fresh {
        settings.write_sealing_key(&key)?;
    }
    let fail = |e| settings.query_error(e);
    let tenant = store.tenant("My Tenant").await.map_err(fail)?;
    let admin = store
        .create_account(NewAccount {
            email: format!("admin@{}.tenant.invalid", tenant.key),
            password: format!("Aa1{}", random_password()),
            given_name: Some("Tenant".into()),
            surname: Some("Administrator".into()),
            status: Some(AccountStatus::Enabled),
            ..NewAccount::default()
        })
        .await
        .map_err(fail)?;
    let key = store
        .create_api_key(&admin.id, Some("init"))
        .await
        .map_err(fail)?;
    let app = match store
        .application_by_name(application_name)
        .await
        .map_err(fail)?
    {
        Some(app) => app,
        None => {
            let app = store
                .create_application(application_name, None, None)
                .await
                .map_err(fail)?;
            let dir = store
                .create_directory(&format!("{application_name} Directory"), None, None)
                .await
                .map_err(fail)?;
            store
                .create_mapping(&app.meta.id, &dir.meta.id, Some(0), Some(true), Some(true))
                .await
                .map_err(fail)?;
            app
        }
    };
    let base = settings.href_base();
    Ok(Initialized {
        api_key: stormpath_client::credentials::ApiKey {
            id: key.info.id,
            secret: key.secret,
        },
        application_href: format!("{base}/applications/{}", app.meta.id),
        tenant_href: format!("{base}/tenants/{}", tenant.meta.id),
    })
}

fn random_password() -> String {
    use rand::{Rng, distributions::Alphanumeric};
    rand::rngs::OsRng
        .sample_iter(&Alphanumeric)
        .take(40)
        .map(char::from)
        .collect()
}

/// Builds the shared state over an open store.
///
/// # Errors
/// A database failure.
pub async fn state(store: Store, settings: &Settings) -> Result<Arc<State>, SettingsError> {
    let tenant = store
        .tenant("My Tenant")
        .await
        .map_err(|e| SettingsError::Init(e.to_string()))?;
    let admins = store
        .directory_by_name(ADMINISTRATORS)
        .await
        .map_err(|e| SettingsError::Init(e.to_string()))?
        .ok_or_else(|| SettingsError::Init(format!("no {ADMINISTRATORS} directory")))?;
    Ok(Arc::new(State {
        store,
        base: settings.href_base(),
        tenant,
        admin_directory_id: admins.meta.id,
        nonces: quick_cache::sync::Cache::new(100_000),
    }))
}

/// Adds the `/v1` API to an Actix app. Inside `/v1`, an unknown path is a 404 error
/// document and a known path asked with an unbound method is 405/1100 with `Allow`.
pub fn configure(state: Arc<State>) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.app_data(web::Data::from(state))
            .app_data(web::PayloadConfig::new(body::MAX_BODY))
            .service(
                web::scope("/v1")
                    .wrap(from_fn(caller::middleware))
                    .wrap(from_fn(request_id::middleware))
                    .configure(|cfg| {
                        let mut router = api::Router::new(cfg, "/v1");
                        api::configure(&mut router);
                        let table = router.finish();
                        cfg.default_service(web::to(move |req: HttpRequest| {
                            let table = Arc::clone(&table);
                            async move { table.refusal(&req) }
                        }));
                    }),
            );
    }
}

/// What every path outside `/v1` gets: the 404 error document, with its request id.
async fn outside_the_api() -> HttpResponse {
    request_id::answer(|| ApiError::not_found().error_response()).await
}

/// How long a client may take to send a request's head before it is answered 408 and
/// dropped: a slow-loris connection holds a worker's slot no longer than this.
const REQUEST_HEAD_TIMEOUT: Duration = Duration::from_secs(5);
/// How long an idle kept-alive connection stays open.
const KEEP_ALIVE: Duration = Duration::from_secs(5);
/// How long a connection being shut down may take to say goodbye.
const DISCONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// Open connections per worker beyond which new ones wait in the listen backlog.
const MAX_CONNECTIONS_PER_WORKER: usize = 10_000;

/// Serves the API on `listener` until the process is stopped, with explicit limits on slow and
/// idle clients (DOS-3).
///
/// # Errors
/// The server failing to start.
pub async fn serve(state: Arc<State>, listener: TcpListener) -> std::io::Result<()> {
    HttpServer::new(move || {
        App::new()
            .configure(configure(Arc::clone(&state)))
            .default_service(web::to(outside_the_api))
    })
    .client_request_timeout(REQUEST_HEAD_TIMEOUT)
    .keep_alive(KEEP_ALIVE)
    .client_disconnect_timeout(DISCONNECT_TIMEOUT)
    .max_connections(MAX_CONNECTIONS_PER_WORKER)
    .listen(listener)?
    .run()
    .await
}
