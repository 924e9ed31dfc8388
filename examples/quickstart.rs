//! The Flask-Stormpath quickstart, in Rust: registration, login and logout in one line.
//!
//! ```text
//! SECRET_KEY=$(head -c 32 /dev/urandom | base64) cargo run --example quickstart
//! ```
//!
//! Then open <http://127.0.0.1:8080>, create an account, and visit the dashboard. Accounts live
//! in `stormpath.db`, created on first start. `PORT` picks another port.

use actix_web::{App, HttpResponse, HttpServer, Responder, get};
use stormpath::CurrentUser;

/// The home page: greets the logged-in user, or links to registration and login.
#[get("/")]
async fn home(user: Option<CurrentUser>) -> HttpResponse {
    let body = match user {
        Some(user) => format!(
            "<h1>Welcome back, {name}!</h1>\
             <p><a href=\"/dashboard\">Go to your dashboard</a></p>\
             <form method=\"post\" action=\"/logout\"><button type=\"submit\">Log out</button></form>",
            name = escape(&user.full_name),
        ),
        None => "<h1>Welcome!</h1>\
                 <p><a href=\"/register\">Create an account</a> or <a href=\"/login\">log in</a>.</p>"
            .to_owned(),
    };
    page("Home", &body)
}

/// Only for logged-in users: anyone else is sent to the login page and brought back here.
#[get("/dashboard")]
#[stormpath::login_required]
async fn dashboard(user: CurrentUser) -> impl Responder {
    let body = format!(
        "<h1>Dashboard</h1><p>Hello {given}! You are logged in as {email}.</p>\
         <p><a href=\"/\">Home</a></p>\
         <form method=\"post\" action=\"/logout\"><button type=\"submit\">Log out</button></form>",
        given = escape(user.given_name()),
        email = escape(&user.email),
    );
    page("Dashboard", &body)
}

fn page(title: &str, body: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>body{{font:1rem/1.5 system-ui,sans-serif;max-width:40rem;\
         margin:3rem auto;padding:0 1rem}}</style></head><body>{body}</body></html>"
        ))
}

/// HTML-escapes text from the user.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
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
        .unwrap_or(8080);
    let server = HttpServer::new(|| {
        App::new()
            // The security headers (CSP, nosniff, HSTS over HTTPS…) on the app's own pages.
            .wrap(stormpath::security_headers())
            // Outermost: a panic anywhere below is a generic 500, and the worker goes on.
            .wrap(stormpath::catch_panics())
            .configure(stormpath::init)
            .service(home)
            .service(dashboard)
    })
    .bind(("127.0.0.1", port))?;
    println!("Quickstart running at http://127.0.0.1:{port}");
    server.run().await
}
