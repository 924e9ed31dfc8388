//! The `stormpath-server` command line: `init`, `serve` (and the management commands).

use std::{net::TcpListener, path::PathBuf, process::ExitCode};

use clap::{Args, Parser, Subcommand};

use crate::{Settings, SettingsError, settings::write_private};

/// A self-hostable Stormpath REST API server.
#[derive(Debug, Parser)]
#[command(name = "stormpath-server", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Creates the tenant, the administrators' directory, an application and the first admin
    /// API key (printed once and written to ./apiKey.properties, mode 0600).
    Init {
        #[command(flatten)]
        common: Common,
        /// The application to create, with its own directory.
        #[arg(long, default_value = "My Application")]
        application: String,
    },
    /// Serves the REST API.
    Serve {
        #[command(flatten)]
        common: Common,
        /// Where to listen.
        #[arg(long, env = "STORMPATH_LISTEN", default_value = "127.0.0.1:8080")]
        listen: String,
    },
}

#[derive(Debug, Args)]
struct Common {
    /// The database: sqlite://PATH (created on first use) or postgres://USER@HOST/DB.
    #[arg(
        long,
        env = "STORMPATH_DATABASE_URL",
        default_value = "sqlite://stormpath.db"
    )]
    database: String,
    /// The public URL clients reach the server at (hrefs begin with it, then /v1).
    #[arg(
        long,
        env = "STORMPATH_BASE_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    base_url: String,
    /// The file holding the key that seals API-key secrets (default: beside a SQLite file).
    #[arg(long, env = "STORMPATH_SERVER_KEY_FILE")]
    key_file: Option<PathBuf>,
    /// An SMTP URL for the emails (smtp://host:port).
    #[arg(long, env = "STORMPATH_SMTP_URL")]
    smtp_url: Option<String>,
    /// A directory to write the emails into as files.
    #[arg(long, env = "STORMPATH_MAIL_DIR")]
    mail_dir: Option<PathBuf>,
    /// The emails' sender.
    #[arg(
        long,
        env = "STORMPATH_MAIL_FROM",
        default_value = "no-reply@localhost"
    )]
    mail_from: String,
    /// Cheap password hashing, for test suites only.
    #[arg(long, hide = true, env = "STORMPATH_INSECURE_FAST_HASHING")]
    insecure_fast_hashing: bool,
}

impl Common {
    fn settings(&self) -> Settings {
        Settings {
            database_url: self.database.clone(),
            base_url: self.base_url.clone(),
            key_file: self.key_file.clone(),
            key: std::env::var("STORMPATH_SERVER_KEY").ok(),
            smtp_url: self.smtp_url.clone(),
            mail_dir: self.mail_dir.clone(),
            mail_from: self.mail_from.clone(),
            weak_hashing: self.insecure_fast_hashing,
        }
    }
}

/// Runs the command line; the process exit code.
#[must_use]
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
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

async fn run(cli: Cli) -> Result<(), SettingsError> {
    match cli.command {
        Command::Init {
            common,
            application,
        } => {
            let settings = common.settings();
            let properties = PathBuf::from("apiKey.properties");
            if properties.exists() {
                return Err(SettingsError::Invalid(
                    "./apiKey.properties exists already: move it away first".into(),
                ));
            }
            let done = crate::init(&settings, &application).await?;
            write_private(
                &properties,
                &format!(
                    "apiKey.id = {}\napiKey.secret = {}\n",
                    done.api_key.id, done.api_key.secret
                ),
            )?;
            println!("Initialized {}", settings.redacted_database_url());
            println!("  tenant:       {}", done.tenant_href);
            println!("  application:  {}", done.application_href);
            println!("  admin API key id:     {}", done.api_key.id);
            println!("  admin API key secret: {}", done.api_key.secret);
            println!("The key is shown once; it was written to ./apiKey.properties (mode 0600).");
            Ok(())
        }
        Command::Serve { common, listen } => {
            let settings = common.settings();
            let listener = TcpListener::bind(&listen)
                .map_err(|e| SettingsError::Invalid(format!("cannot listen on {listen}: {e}")))?;
            let store = crate::open_store(&settings).await?;
            let state = crate::state(store, &settings).await?;
            tracing::info!(listen = %listen, base = %settings.href_base(), "serving the Stormpath REST API");
            crate::serve(state, listener)
                .await
                .map_err(|e| SettingsError::Invalid(format!("server failed: {e}")))
        }
    }
}
