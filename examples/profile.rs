//! Typed custom data: one struct gives the registration form extra fields, validates them, and
//! is how handlers read and update what each account stored.
//!
//! ```text
//! SECRET_KEY=$(head -c 32 /dev/urandom | base64) cargo run --example profile
//! ```
//!
//! Open <http://127.0.0.1:8080/register>: the form asks for a favorite color (required), the
//! newsletter (a checkbox) and a shoe size (optional, a number), after the usual fields. The
//! same fields are in the JSON view model (`curl -H 'Accept: application/json'
//! localhost:8080/register`) and are accepted as JSON:
//!
//! ```text
//! curl -H 'Content-Type: application/json' -d '{"email":"ada@example.com",
//!   "password":"Sup3rSecret!","givenName":"Ada","surname":"Lovelace",
//!   "favoriteColor":"blue","newsletter":true,"shoeSize":38}' localhost:8080/register
//! ```
//!
//! Then log in and visit `/profile`: it counts your visits and lets you switch the newsletter,
//! both typed updates of the stored data. `PORT` picks another port.

use actix_web::{App, HttpResponse, HttpServer, get, http::header, post};
use serde::{Deserialize, Serialize};
use stormpath::{CurrentUser, Stormpath};

/// What each account stores besides its core properties.
#[derive(Debug, Serialize, Deserialize, stormpath::CustomData)]
struct Profile {
    #[stormpath(label = "Favorite color", placeholder = "e.g. blue", required)]
    favorite_color: String,
    #[stormpath(label = "Send me the newsletter", input = "checkbox")]
    newsletter: bool,
    #[stormpath(label = "Shoe size (EU)")]
    shoe_size: Option<u8>,
    /// Kept by the app, never on the form (and refused if someone posts it).
    #[stormpath(skip)]
    #[serde(default)]
    visits: u32,
}

#[get("/")]
async fn home(user: Option<CurrentUser>) -> HttpResponse {
    let body = match user {
        Some(user) => format!(
            "<h1>Hello {}!</h1><p><a href=\"/profile\">Your profile</a></p>{LOGOUT}",
            escape(user.given_name())
        ),
        None => "<h1>Welcome!</h1><p><a href=\"/register\">Create an account</a> or \
                 <a href=\"/login\">log in</a>.</p>"
            .to_owned(),
    };
    page("Home", &body)
}

/// Reads and updates the typed data. An old record that no longer fits `Profile` is a 409
/// (`stormpath::Error::CustomDataMismatch`) rather than a panic.
#[get("/profile")]
#[stormpath::login_required]
async fn profile(user: CurrentUser) -> Result<HttpResponse, stormpath::Error> {
    // Atomic: two tabs loading the page at once both count.
    let p: Profile = user
        .update_custom_data(|p: &mut Profile| p.visits += 1)
        .await?;
    let shoe = p
        .shoe_size
        .map_or_else(|| "not given".to_owned(), |s| s.to_string());
    let (newsletter, action) = if p.newsletter {
        ("subscribed", "Unsubscribe")
    } else {
        ("not subscribed", "Subscribe")
    };
    // The access cookie is SameSite=Lax, so another site cannot post this form as the user.
    let body = format!(
        "<h1>Your profile</h1><ul><li>Favorite color: {color}</li><li>Shoe size: {shoe}</li>\
         <li>Newsletter: {newsletter}</li><li>Visits: {visits}</li></ul>\
         <form method=\"post\" action=\"/profile/newsletter\"><button type=\"submit\">{action}\
         </button></form><p><a href=\"/\">Home</a></p>{LOGOUT}",
        color = escape(&p.favorite_color),
        visits = p.visits,
    );
    Ok(page("Profile", &body))
}

#[post("/profile/newsletter")]
#[stormpath::login_required]
async fn toggle_newsletter(user: CurrentUser) -> Result<HttpResponse, stormpath::Error> {
    user.update_custom_data(|p: &mut Profile| p.newsletter = !p.newsletter)
        .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/profile"))
        .finish())
}

const LOGOUT: &str =
    "<form method=\"post\" action=\"/logout\"><button type=\"submit\">Log out</button></form>";

fn page(title: &str, body: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{title}</title><style>body{{font:1rem/1.5 system-ui,sans-serif;\
             max-width:40rem;margin:3rem auto;padding:0 1rem}}</style></head><body>{body}</body>\
             </html>"
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
    // The register form grows Profile's fields; a field that config files define differently
    // stops the start here, naming it.
    let sp = Stormpath::builder()
        .custom_data::<Profile>()
        .build()
        .await
        .map_err(std::io::Error::other)?;
    let server = HttpServer::new(move || {
        App::new()
            // The security headers (CSP, nosniff, HSTS over HTTPS…) on the app's own pages.
            .wrap(stormpath::security_headers())
            // Outermost: a panic anywhere below is a generic 500, and the worker goes on.
            .wrap(stormpath::catch_panics())
            .configure(sp.configure())
            .service(home)
            .service(profile)
            .service(toggle_newsletter)
    })
    .bind(("127.0.0.1", port))?;
    println!("Profile example running at http://127.0.0.1:{port}");
    server.run().await
}
