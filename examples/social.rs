//! Social login: "Continue with Google", "Continue with GitHub" and any OpenID Connect issuer
//! (Keycloak, Okta, Auth0, Entra, GitLab, your own), with the developer hooks.
//!
//! ```text
//! export SECRET_KEY=$(head -c 32 /dev/urandom | base64)
//! export STORMPATH_BASE_URL=http://127.0.0.1:8080          # the callbacks are under it
//! export STORMPATH_WEB_SOCIAL_GOOGLE_CLIENTID=…  STORMPATH_WEB_SOCIAL_GOOGLE_CLIENTSECRET=…
//! export STORMPATH_WEB_SOCIAL_GITHUB_CLIENTID=…  STORMPATH_WEB_SOCIAL_GITHUB_CLIENTSECRET=…
//! export SSO_ISSUER=https://sso.example.com/realms/main SSO_CLIENT_ID=… SSO_CLIENT_SECRET=…
//! cargo run --example social
//! ```
//!
//! Each provider is turned on only when its keys are in the environment. Register the
//! callbacks `$STORMPATH_BASE_URL/callbacks/google`, `/callbacks/github` and `/callbacks/sso`
//! with the providers (README, "Social login"). Then open <http://127.0.0.1:8080/login>.

use actix_web::{App, HttpResponse, HttpServer, Responder, get};
use serde_json::{Map, Value, json};
use stormpath::{
    CurrentUser, Stormpath,
    hooks::{After, LoginVia, Rejection},
};

#[get("/")]
async fn home(user: Option<CurrentUser>) -> HttpResponse {
    let body = match user {
        Some(user) => format!(
            "<p>Logged in as {}.</p><form method=\"post\" action=\"/logout\">\
             <button>Log out</button></form>",
            escape(&user.email)
        ),
        None => {
            "<p><a href=\"/login\">Log in</a> or <a href=\"/register\">create an account</a>.</p>"
                .to_owned()
        }
    };
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(body)
}

#[get("/dashboard")]
#[stormpath::login_required]
async fn dashboard(user: CurrentUser) -> impl Responder {
    format!("Hello {}!", user.email)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// `web.social`: the Google and GitHub presets when their keys are set (the keys themselves
/// are read from `STORMPATH_WEB_SOCIAL_<ID>_CLIENTID` / `_CLIENTSECRET`), and a generic issuer
/// from `SSO_ISSUER`, `SSO_CLIENT_ID`, `SSO_CLIENT_SECRET`.
fn providers() -> Value {
    let mut social = Map::new();
    for (id, var) in [
        ("google", "STORMPATH_WEB_SOCIAL_GOOGLE_CLIENTID"),
        ("github", "STORMPATH_WEB_SOCIAL_GITHUB_CLIENTID"),
    ] {
        if env(var).is_some() {
            social.insert(id.into(), json!({ "enabled": true }));
        }
    }
    if let (Some(issuer), Some(id), Some(secret)) = (
        env("SSO_ISSUER"),
        env("SSO_CLIENT_ID"),
        env("SSO_CLIENT_SECRET"),
    ) {
        social.insert(
            "sso".into(),
            json!({
                "enabled": true, "name": "Company SSO", "issuer": issuer,
                "clientId": id, "clientSecret": secret, "scope": "openid email profile"
            }),
        );
    }
    Value::Object(social)
}

#[actix_web::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let social = providers();
    let sp = Stormpath::builder()
        .web(move |w| {
            // Keep what the config files and environment say (the keys); turn the providers on.
            if !w.social.is_object() {
                w.social = json!({});
            }
            if let (Some(set), Value::Object(found)) = (w.social.as_object_mut(), social) {
                for (id, entry) in found {
                    match (set.get_mut(&id), entry) {
                        (Some(Value::Object(old)), Value::Object(new)) => old.extend(new),
                        (_, entry) => {
                            set.insert(id, entry);
                        }
                    }
                }
            }
        })
        // Only company addresses sign in with the company's SSO.
        .pre_login(|ctx| async move {
            let sso = LoginVia::Provider {
                provider_id: "sso".into(),
            };
            if ctx.via == sso && !ctx.login.ends_with("@example.com") {
                return Err(Rejection::new("Company SSO is for company addresses."));
            }
            Ok(ctx)
        })
        // Everyone who signs in through a browser lands on the dashboard.
        .post_login(|ctx| async move {
            tracing::info!(account = %ctx.account.href, via = ?ctx.via, "signed in");
            After::Redirect("/dashboard".into())
        })
        .build()
        .await?;
    let port: u16 = env("PORT").and_then(|p| p.parse().ok()).unwrap_or(8080);
    println!("Social login example at http://127.0.0.1:{port}/login");
    HttpServer::new(move || {
        App::new()
            .wrap(stormpath::security_headers())
            // Outermost: a panic anywhere below is a generic 500, and the worker goes on.
            .wrap(stormpath::catch_panics())
            .configure(sp.configure())
            .service(home)
            .service(dashboard)
    })
    .bind(("127.0.0.1", port))?
    .run()
    .await?;
    Ok(())
}
