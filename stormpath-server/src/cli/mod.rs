//! The `stormpath-server` command line: `init`, `serve`, and the management commands
//! (`applications`, `accounts`, `groups`, `api-keys`), which work on the database directly —
//! no running server is needed — and `import` / `export` of accounts (JSON lines, CSV).
//!
//! Every setting comes, most important first, from its flag, its environment variable, the
//! config file (`--config FILE` or `STORMPATH_SERVER_CONFIG`: TOML, YAML or JSON, by
//! extension) or its default:
//!
//! | flag | variable | config key | default |
//! |------|----------|------------|---------|
//! | `--database` | `STORMPATH_SERVER_DATABASE_URL` | `database` | `sqlite://stormpath.db` |
//! | `--base-url` | `STORMPATH_SERVER_BASE_URL` | `base_url` | `http://127.0.0.1:8080` |
//! | `--listen` (serve) | `STORMPATH_SERVER_LISTEN` | `listen` | `127.0.0.1:8080` |
//! | `--insecure-http` (serve) | `STORMPATH_SERVER_INSECURE_HTTP` | — | off: off loopback, the base URL must be `https://` |
//! | `--key-file` | `STORMPATH_SERVER_KEY_FILE` | `key_file` | beside a SQLite file |
//! | `--smtp-url` | `STORMPATH_SERVER_SMTP_URL` | `smtp_url` | none |
//! | `--mail-dir` | `STORMPATH_SERVER_MAIL_DIR` | `mail_dir` | none |
//! | `--mail-from` | `STORMPATH_SERVER_MAIL_FROM` | `mail_from` | `no-reply@localhost` |
//! | `--redis-url` | `STORMPATH_SERVER_REDIS_URL` | `redis_url` | none |
//!
//! Errors are printed in plain words on stderr with exit status 1 (2 for a command line clap
//! refuses).

use std::{io::Write, net::TcpListener, path::PathBuf, process::ExitCode, time::Duration};

use clap::{Args, Parser, Subcommand};
use serde_json::json;

use crate::{Settings, SettingsError, settings::open_private};

mod accounts;
mod api_keys;
mod applications;
mod config;
mod groups;
mod manage;
mod table;
mod transfer;

/// How long a command waits for another process's lock on a SQLite database.
const BUSY_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a command waits for the database server to answer.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A self-hostable Stormpath REST API server and its admin tool.
#[derive(Debug, Parser)]
#[command(name = "stormpath-server", version, about, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

/// Settings every command takes (see the module docs for their sources).
#[derive(Debug, Args)]
#[command(next_help_heading = "Settings (any command)")]
struct Global {
    /// A config file (TOML, YAML or JSON by its extension) with any of the settings below.
    #[arg(
        long,
        short = 'c',
        global = true,
        env = "STORMPATH_SERVER_CONFIG",
        value_name = "FILE"
    )]
    config: Option<PathBuf>,
    /// The database: sqlite://PATH or postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE
    /// [default: sqlite://stormpath.db]
    #[arg(
        long,
        global = true,
        env = "STORMPATH_SERVER_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    database: Option<String>,
    /// The public URL clients reach the server at; hrefs begin with it, then /v1
    /// [default: http://127.0.0.1:8080]
    #[arg(
        long,
        global = true,
        env = "STORMPATH_SERVER_BASE_URL",
        value_name = "URL"
    )]
    base_url: Option<String>,
    /// The file holding the key that seals API-key secrets [default: beside a SQLite file,
    /// else ./stormpath-server.key]
    #[arg(
        long,
        global = true,
        env = "STORMPATH_SERVER_KEY_FILE",
        value_name = "FILE"
    )]
    key_file: Option<PathBuf>,
    /// An SMTP URL for the emails (smtp://HOST:PORT, smtps://USER:PASSWORD@HOST).
    #[arg(
        long,
        global = true,
        env = "STORMPATH_SERVER_SMTP_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    smtp_url: Option<String>,
    /// A directory to write the emails into as files.
    #[arg(
        long,
        global = true,
        env = "STORMPATH_SERVER_MAIL_DIR",
        value_name = "DIR"
    )]
    mail_dir: Option<PathBuf>,
    /// The emails' sender [default: no-reply@localhost].
    #[arg(
        long,
        global = true,
        env = "STORMPATH_SERVER_MAIL_FROM",
        value_name = "ADDRESS"
    )]
    mail_from: Option<String>,
    /// A Redis server shared with the apps (redis://[:PASSWORD@]HOST:PORT): throttle counters
    /// and revoked token ids live there, and changes are announced over its pub/sub.
    #[arg(
        long,
        global = true,
        env = "STORMPATH_SERVER_REDIS_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    redis_url: Option<String>,
    /// Accept common and breached passwords, predictable patterns and passwords built from
    /// the account's own words (the blocklist is on by default).
    #[arg(long, global = true, env = "STORMPATH_SERVER_NO_PASSWORD_BLOCKLIST")]
    no_password_blocklist: bool,
    /// Cheap password hashing, for test suites only.
    #[arg(
        long,
        global = true,
        hide = true,
        env = "STORMPATH_SERVER_INSECURE_FAST_HASHING"
    )]
    insecure_fast_hashing: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Creates the tenant, the `Stormpath Administrators` directory with the tenant
    /// administrator, an application with its own directory, and the first admin API key
    /// (printed once and written to ./apiKey.properties, mode 0600).
    Init {
        /// The application to create, with a directory `NAME Directory` as its default
        /// account and group store.
        #[arg(long, default_value = "My Application", value_name = "NAME")]
        application: String,
        /// Prints the result as JSON (the key included) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Serves the REST API.
    Serve {
        /// Where to listen, HOST:PORT [default: 127.0.0.1:8080].
        #[arg(long, env = "STORMPATH_SERVER_LISTEN", value_name = "HOST:PORT")]
        listen: Option<String>,
        /// Serves on a non-loopback address although the base URL is `http://`: callers'
        /// API keys (HTTP Basic) and the users' passwords would cross the network in clear.
        /// Put TLS in front and give an `https://` base URL instead.
        #[arg(long, env = "STORMPATH_SERVER_INSECURE_HTTP")]
        insecure_http: bool,
    },
    /// Lists, creates, disables, enables and deletes applications.
    #[command(subcommand)]
    Applications(applications::Action),
    /// Lists, creates, disables, enables and deletes accounts, and adds them to groups.
    #[command(subcommand)]
    Accounts(accounts::Action),
    /// Lists, creates and deletes groups.
    #[command(subcommand)]
    Groups(groups::Action),
    /// Lists, creates, disables, enables and deletes API keys (admin keys belong to the
    /// accounts of the `Stormpath Administrators` directory).
    #[command(subcommand, name = "api-keys")]
    ApiKeys(api_keys::Action),
    /// Imports accounts from JSON lines or CSV into a directory, keeping their password
    /// hashes (bcrypt, argon2, scrypt, PBKDF2-SHA256, Django, $stormpath2$; upgraded to
    /// argon2id at each account's first login). Works on the embedded plugin's database
    /// too, with or without a server running. Idempotent: emails already there are skipped.
    /// Exit status 1 when a line was rejected or the import stopped early.
    Import(transfer::ImportArgs),
    /// Exports a directory's accounts as JSON lines (the format `import` reads).
    Export(transfer::ExportArgs),
}

/// Runs the command line; the process exit code.
#[must_use]
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter(&cli))),
        )
        .with_writer(std::io::stderr)
        // Colours for a terminal only: a log file or a pipe gets plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The server logs its requests; the other commands only their warnings.
fn default_filter(cli: &Cli) -> &'static str {
    match cli.command {
        Command::Serve { .. } => "info",
        _ => "warn",
    }
}

async fn run(cli: Cli) -> Result<(), SettingsError> {
    let file = config::FileConfig::load(cli.global.config.as_deref())?;
    let mut settings = config::settings(&cli.global, &file);
    match cli.command {
        Command::Init { application, json } => {
            settings.busy_timeout = Some(BUSY_TIMEOUT);
            settings.connect_timeout = Some(CONNECT_TIMEOUT);
            init(&settings, &application, json).await
        }
        Command::Serve {
            listen,
            insecure_http,
        } => {
            settings.connect_timeout = Some(CONNECT_TIMEOUT * 2);
            let listen = listen
                .or(file.listen.clone())
                .unwrap_or_else(|| "127.0.0.1:8080".into());
            serve(&settings, &listen, insecure_http).await
        }
        Command::Applications(action) => {
            let cx = manage::Context::open(with_waits(settings)).await?;
            applications::run(&cx, action).await
        }
        Command::Accounts(action) => {
            let cx = manage::Context::open(with_waits(settings)).await?;
            accounts::run(&cx, action).await
        }
        Command::Groups(action) => {
            let cx = manage::Context::open(with_waits(settings)).await?;
            groups::run(&cx, action).await
        }
        Command::ApiKeys(action) => {
            let cx = manage::Context::open(with_waits(settings)).await?;
            api_keys::run(&cx, action).await
        }
        Command::Import(args) => {
            let mut settings = with_waits(settings);
            settings.busy_timeout = Some(transfer::BUSY_TIMEOUT);
            transfer::run_import(&settings, args).await
        }
        Command::Export(args) => {
            let mut settings = with_waits(settings);
            settings.busy_timeout = Some(transfer::BUSY_TIMEOUT);
            transfer::run_export(&settings, args).await
        }
    }
}

fn with_waits(mut settings: Settings) -> Settings {
    settings.busy_timeout = Some(BUSY_TIMEOUT);
    settings.connect_timeout = Some(CONNECT_TIMEOUT);
    settings
}

async fn init(settings: &Settings, application: &str, json: bool) -> Result<(), SettingsError> {
    let properties = PathBuf::from("apiKey.properties");
    if properties.exists() {
        return Err(SettingsError::Invalid(
            "./apiKey.properties exists already: move it away first (init writes the new admin \
             key there)"
                .into(),
        ));
    }
    // The key file is created before anything is written to the database, so a directory
    // that cannot take it stops `init` with nothing done (the key is shown only once).
    let mut file = open_private(&properties).map_err(|err| {
        SettingsError::Invalid(format!(
            "cannot create ./apiKey.properties, where init writes the admin key ({err}): run \
             init in a directory you can write to; nothing was initialised"
        ))
    })?;
    let done = match crate::init(settings, application).await {
        Ok(done) => done,
        Err(err) => {
            // Best effort: an empty key file would only mislead.
            let _ = std::fs::remove_file(&properties);
            return Err(err);
        }
    };
    let saved = file.write_all(
        format!(
            "apiKey.id = {}\napiKey.secret = {}\n",
            done.api_key.id, done.api_key.secret
        )
        .as_bytes(),
    );
    let mut out = std::io::stdout().lock();
    let written = if json {
        writeln!(
            out,
            "{:#}",
            json!({
                "database": settings.redacted_database_url(),
                "tenant": { "href": done.tenant_href },
                "application": { "href": done.application_href },
                "apiKey": { "id": done.api_key.id, "secret": done.api_key.secret },
                "apiKeyFile": "apiKey.properties",
            })
        )
    } else {
        writeln!(
            out,
            "Initialized {}\n  tenant:       {}\n  application:  {}\n  admin API key id:     {}\n  \
             admin API key secret: {}\nThe key is shown once; it was written to \
             ./apiKey.properties (mode 0600).",
            settings.redacted_database_url(),
            done.tenant_href,
            done.application_href,
            done.api_key.id,
            done.api_key.secret,
        )
    };
    written.map_err(|source| SettingsError::Io {
        path: "stdout".into(),
        source,
    })?;
    saved.map_err(|source| {
        SettingsError::Invalid(format!(
            "the admin key could not be written to ./apiKey.properties ({source}): the key \
             printed above is its only copy (or create another with `stormpath-server \
             api-keys create`)"
        ))
    })
}

/// Whether serving on `listen` (HOST:PORT) with the public `base` URL would take API keys
/// over plain HTTP beyond this machine: an address that is not loopback behind an `http://`
/// base URL. An address that does not resolve is left to `bind` to report.
fn exposes_plain_http(listen: &str, base: &str) -> bool {
    use std::net::ToSocketAddrs;
    let local = listen
        .to_socket_addrs()
        .map_or(true, |mut addrs| addrs.all(|a| a.ip().is_loopback()));
    !local && !base.starts_with("https://")
}

async fn serve(
    settings: &Settings,
    listen: &str,
    insecure_http: bool,
) -> Result<(), SettingsError> {
    settings.check()?;
    // Tenant API keys travel in every request (HTTP Basic sends the secret itself): plain
    // HTTP is for this machine only, unless the operator says otherwise.
    if !insecure_http && exposes_plain_http(listen, &settings.href_base()) {
        return Err(SettingsError::Invalid(format!(
            "refusing to serve on {listen} over plain HTTP: API keys and passwords would cross \
             the network in clear. Put TLS in front and set --base-url https://…, or pass \
             --insecure-http"
        )));
    }
    let listener = TcpListener::bind(listen).map_err(|e| match e.kind() {
        std::io::ErrorKind::AddrInUse => SettingsError::PortInUse {
            listen: listen.to_owned(),
        },
        std::io::ErrorKind::InvalidInput => SettingsError::Invalid(format!(
            "malformed --listen `{listen}`: use HOST:PORT, e.g. 127.0.0.1:8080 ({e})"
        )),
        _ => SettingsError::Invalid(format!("cannot listen on {listen}: {e}")),
    })?;
    let store = crate::open_initialized(settings).await?;
    let state = crate::state(store, settings).await?;
    tracing::info!(listen = %listen, base = %settings.href_base(), "serving the Stormpath REST API");
    crate::serve(state, listener)
        .await
        .map_err(|e| SettingsError::Invalid(format!("server failed: {e}")))
}

#[cfg(test)]
mod tests {
    use super::exposes_plain_http;

    #[test]
    fn plain_http_is_for_loopback_only() {
        let http = "http://127.0.0.1:8080";
        for local in [
            "127.0.0.1:8080",
            "[::1]:8080",
            "localhost:8080",
            "127.0.0.2:1",
        ] {
            assert!(!exposes_plain_http(local, http), "{local}");
        }
        for open in ["0.0.0.0:8080", "[::]:8080", "192.0.2.7:8080"] {
            assert!(exposes_plain_http(open, http), "{open}");
            assert!(
                !exposes_plain_http(open, "https://users.example.com"),
                "{open}"
            );
        }
        assert!(!exposes_plain_http("no-port-here", http), "bind reports it");
    }
}
