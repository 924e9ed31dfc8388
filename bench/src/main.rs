//! The benchmark server: the integration's hot paths next to their baselines, in one process,
//! so that `bench/run.sh` can load each with wrk side by side.
//!
//! * `GET /bare`: a bare Actix handler (the baseline of an authenticated request);
//! * `GET /authed`: the same handler behind `#[login_required]`, taking `CurrentUser` (the
//!   README's protected handler);
//! * `GET /current`: the same handler taking `CurrentUser` only;
//! * the plugin's routes, `POST /login` among them (lookup, argon2id verify, tokens, cookies).
//!
//! The baseline of a login is not here: it is the `raw-ceiling` binary, argon2id verifies with
//! the same parameters on every core and nothing else (no HTTP, no blocking pool).
//!
//! `PORT` (default 18080) and the plugin's variables (`SECRET_KEY`, `STORMPATH_DATABASE_URL`,
//! …) configure it.

use actix_web::{App, HttpServer, get};
use stormpath::CurrentUser;

#[get("/bare")]
async fn bare() -> &'static str {
    "ok"
}

#[get("/authed")]
#[stormpath::login_required]
async fn authed(_user: CurrentUser) -> &'static str {
    "ok"
}

#[get("/current")]
async fn current(_user: CurrentUser) -> &'static str {
    "ok"
}

#[actix_web::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(18_080);
    let sp = stormpath::Stormpath::builder()
        .application("Bench")
        .build()
        .await?;
    HttpServer::new(move || {
        App::new()
            .configure(sp.configure())
            .service(bare)
            .service(authed)
            .service(current)
    })
    .bind(("127.0.0.1", port))?
    .run()
    .await?;
    Ok(())
}
