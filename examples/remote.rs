//! One user directory for many apps: this app keeps no accounts of its own; they live on a
//! `stormpath-server`, which any number of apps (and the old Stormpath SDKs) share.
//!
//! ```text
//! # 1. The server (SQLite, nothing else to install); `init` prints the application href and
//! #    writes the admin API key to ./apiKey.properties.
//! cargo run -p stormpath-server -- init
//! cargo run -p stormpath-server -- serve &
//!
//! # 2. Two apps on it (two shells), told where the server is and which key to use:
//! export STORMPATH_CLIENT_BASEURL=http://127.0.0.1:8080/v1
//! export STORMPATH_CLIENT_APIKEY_FILE=$PWD/apiKey.properties
//! export STORMPATH_APPLICATION_HREF=<the application href init printed>
//! export SECRET_KEY=$(head -c 32 /dev/urandom | base64)
//! PORT=3000 APP_TITLE=Shop cargo run --example remote
//! PORT=3001 APP_TITLE=Forum cargo run --example remote
//! ```
//!
//! Register on <http://127.0.0.1:3000>, then log in on <http://127.0.0.1:3001> with the same
//! email and password: one account, known to both. Both apps verify their users' access
//! tokens locally (no call to the server on an authenticated request); logins, registrations,
//! resets and logouts go to the server.

use actix_web::{App, HttpResponse, HttpServer, get, web};
use stormpath::CurrentUser;

/// This app's name, shown on its pages.
struct Title(String);

#[get("/")]
async fn home(title: web::Data<Title>, user: Option<CurrentUser>) -> HttpResponse {
    let who = match &user {
        Some(user) => format!(
            "<p>Signed in as <strong>{}</strong> (account {}).</p>\
             <form method=\"post\" action=\"/logout\"><button>Log out</button></form>",
            escape(&user.email),
            escape(&user.account().href),
        ),
        None => "<p><a href=\"/register\">Create an account</a> or \
                 <a href=\"/login\">log in</a>.</p>"
            .to_owned(),
    };
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
             <title>{t}</title></head><body><h1>{t}</h1>{who}</body></html>",
            t = escape(&title.0),
        ))
}

/// HTML-escapes text.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000);
    let title = web::Data::new(Title(
        std::env::var("APP_TITLE").unwrap_or_else(|_| "My App".into()),
    ));
    // `client.baseUrl` and the API key (from the environment above) select the remote back
    // end; everything else is the same one line as in the quickstart.
    let sp = stormpath::Stormpath::builder()
        .web(move |web| web.base_url = format!("http://127.0.0.1:{port}"))
        .build()
        .await
        .map_err(std::io::Error::other)?;
    println!("{} running at http://127.0.0.1:{port}", title.0);
    HttpServer::new(move || {
        App::new()
            // The security headers (CSP, nosniff, HSTS over HTTPS…) on the app's own pages.
            .wrap(stormpath::security_headers())
            // Outermost: a panic anywhere below is a generic 500, and the worker goes on.
            .wrap(stormpath::catch_panics())
            .app_data(title.clone())
            .configure(sp.configure())
            .service(home)
    })
    .bind(("127.0.0.1", port))?
    .run()
    .await
}
