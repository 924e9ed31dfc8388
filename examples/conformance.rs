//! Every feature of the Stormpath web contract switched on, for black-box conformance runs.
//!
//! ```text
//! SECRET_KEY=… PORT=8080 STORMPATH_MAIL_DIR=/tmp/mail cargo run --example conformance
//! ```
//!
//! * `GET /` answers 200 (HTML); the contract's routes are all bound: `/register`, `/login`,
//!   `/logout`, `/forgot`, `/change`, `/me`, `/oauth/token`, `/settings`, `/me/api-keys`, and
//!   `/verify` when `STORMPATH_WEB_VERIFYEMAIL_ENABLED=true`.
//! * Listens on `127.0.0.1:$PORT` (default 8080); emailed links point there unless
//!   `STORMPATH_BASE_URL` says otherwise.
//! * `SECRET_KEY` (or `JWT_SIGNING_KEY`) signs the tokens with its raw bytes; a key shorter
//!   than 32 characters is accepted here, with a warning, because harnesses choose their own.
//! * Mail goes to `STORMPATH_SMTP_URL`, else one `.eml` file per message in
//!   `STORMPATH_MAIL_DIR`, else to the log.
//! * A fresh SQLite database per start, unless `STORMPATH_DATABASE_URL` is given; several
//!   instances on one PostgreSQL database (and `STORMPATH_REDIS_URL`, one Redis) behind one
//!   public `STORMPATH_BASE_URL` agree on sessions and groups within a second.
//! * `GET /openapi.json` is the OpenAPI 3 document of the JSON API (`web.openapi.enabled`).
//! * `GET /admins` answers 200 to a member of the `admins` group (`#[groups_required]`).
//! * API keys may be provisioned through registration custom data (`stormpathApiKey_<n>`, spec
//!   §4.3), and the per-address limits on registrations, reset mails and login failures across
//!   logins are raised for a conformance run's volume from one address (README, "Throttling").
//! * Every other `STORMPATH_*` variable of the configuration tree applies as usual.

use actix_web::{App, HttpResponse, HttpServer, get};
use stormpath::{CurrentUser, Stormpath, config::security::RuleConfig, groups_required};

#[get("/")]
async fn home() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Conformance</title></head>\
               <body><h1>stormpath-actix conformance app</h1></body></html>")
}

#[get("/admins")]
#[groups_required("admins")]
async fn admins(user: CurrentUser) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "admin": user.email }))
}

#[actix_web::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(8080);
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let mut builder = Stormpath::builder()
        .application("Conformance")
        .insecure_short_secret_key()
        .config(|c| {
            // The conformance kit provisions API keys through registration custom data (spec
            // §4.3), and sends hundreds of registrations and reset requests from one address
            // within minutes: limits for that, set here explicitly. Login failures keep the
            // shipped defaults (they count failures only, per login and per client).
            let security = &mut c.security;
            security.api_keys.from_custom_data = true;
            security.limits.register_per_ip = RuleConfig {
                limit: 1_000,
                window: 3_600,
            };
            security.limits.mail_per_ip = RuleConfig {
                limit: 300,
                window: 3_600,
            };
            security.limits.login_per_ip = RuleConfig {
                limit: 2_000,
                window: 900,
            };
        })
        // The JSON API's OpenAPI document, for the fuzzers (`.ci/run` runs schemathesis on it).
        .web(|web| web.openapi.enabled = true);
    if env("SECRET_KEY").is_none()
        && let Some(key) = env("JWT_SIGNING_KEY")
    {
        builder = builder.secret_key(key);
    }
    if env("STORMPATH_BASE_URL").is_none() {
        builder = builder.web(move |web| web.base_url = format!("http://127.0.0.1:{port}"));
    }
    if env("STORMPATH_DATABASE_URL").is_none() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_nanos();
        let file = std::env::temp_dir().join(format!(
            "stormpath-conformance-{}-{nanos}.db",
            std::process::id()
        ));
        builder = builder.database_url(format!("sqlite://{}", file.display()));
    }
    let sp = builder.build().await?;
    let server = HttpServer::new(move || {
        App::new()
            // The security headers (CSP, nosniff, HSTS over HTTPS…) on the app's own pages.
            .wrap(stormpath::security_headers())
            .configure(sp.configure())
            .service(home)
            .service(admins)
    })
    .bind(("127.0.0.1", port))?;
    println!("Conformance app running at http://127.0.0.1:{port}");
    server.run().await?;
    Ok(())
}
