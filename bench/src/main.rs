//! The benchmark server: the integration's hot paths next to their baselines, in one process,
//! so that `bench/run.sh` can load each with wrk side by side.
//!
//! * `GET /bare`: a bare Actix handler (the baseline of an authenticated request);
//! * `GET /authed`: the same handler behind `#[login_required]`;
//! * `GET /current`: the same handler taking `CurrentUser`;
//! * `POST /login`: the integration's JSON login (lookup, argon2id verify, tokens, cookies);
//! * `POST /raw-verify`: one argon2id verify of the same parameters on the blocking pool (the
//!   baseline of a login).

use actix_web::{App, HttpResponse, HttpServer, get, post, web};
use argon2::{Argon2, PasswordHash, PasswordVerifier};
use stormpath::CurrentUser;

#[get("/bare")]
async fn bare() -> &'static str {
    "ok"
}

#[get("/authed")]
#[stormpath::login_required]
async fn authed() -> &'static str {
    "ok"
}

#[get("/current")]
async fn current(_user: CurrentUser) -> &'static str {
    "ok"
}

/// The raw cost of a login: verifying a password against an argon2id hash with the store's
/// parameters, on the blocking pool, with nothing else around it.
#[post("/raw-verify")]
async fn raw_verify(hash: web::Data<String>) -> HttpResponse {
    let hash = hash.get_ref().clone();
    let ok = web::block(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(b"Sup3rSecret!", &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false);
    if ok {
        HttpResponse::Ok().finish()
    } else {
        HttpResponse::InternalServerError().finish()
    }
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
    // The stored hash of the benchmark account, so both login paths verify the same hash.
    let hash = web::Data::new(std::env::var("BENCH_HASH").unwrap_or_default());
    HttpServer::new(move || {
        App::new()
            .configure(sp.configure())
            .app_data(hash.clone())
            .service(bare)
            .service(authed)
            .service(current)
            .service(raw_verify)
    })
    .bind(("127.0.0.1", port))?
    .run()
    .await?;
    Ok(())
}
