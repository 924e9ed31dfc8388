//! Typed custom data (`#[derive(CustomData)]`): derived registration fields through the HTML
//! form and JSON, their validation, and typed reads and writes on `CurrentUser`.

use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use stormpath::{CurrentUser, CustomData, CustomField, Error, ValueType};
use stormpath_testkit::postgres::PgDatabase;

use crate::support::*;

/// The issue's profile, plus a number, a hidden field and two counters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, stormpath::CustomData)]
struct Profile {
    #[stormpath(label = "Favorite color", placeholder = "e.g. blue", required)]
    favorite_color: String,
    #[stormpath(label = "Newsletter", input = "checkbox")]
    newsletter: bool,
    #[stormpath(label = "Shoe size")]
    shoe_size: Option<u8>,
    #[stormpath(hidden)]
    referrer: Option<String>,
    #[stormpath(skip)]
    plan: Option<String>,
    #[stormpath(skip)]
    #[serde(default)]
    visits: u32,
    #[stormpath(skip)]
    #[serde(default)]
    clicks: u32,
}

#[get("/profile")]
#[stormpath::login_required]
async fn show_profile(user: CurrentUser) -> Result<web::Json<Profile>, Error> {
    Ok(web::Json(user.custom_data::<Profile>().await?))
}

/// The typed error, matched by a handler that wants to answer it its own way.
#[get("/profile/check")]
#[stormpath::login_required]
async fn check_profile(user: CurrentUser) -> Result<String, Error> {
    match user.custom_data::<Profile>().await {
        Ok(p) => Ok(format!("ok {}", p.favorite_color)),
        Err(Error::CustomDataMismatch { field, .. }) => Ok(format!("stale {field:?}")),
        Err(other) => Err(other),
    }
}

#[post("/profile/unsubscribe")]
#[stormpath::login_required]
async fn unsubscribe_profile(user: CurrentUser) -> Result<web::Json<Profile>, Error> {
    let updated = user
        .update_custom_data(|p: &mut Profile| p.newsletter = false)
        .await?;
    Ok(web::Json(updated))
}

#[post("/profile/bump/{counter}")]
#[stormpath::login_required]
async fn bump_counter(
    user: CurrentUser,
    counter: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let visits = counter.as_str() == "visits";
    user.update_custom_data(|p: &mut Profile| {
        if visits {
            p.visits += 1;
        } else {
            p.clicks += 1;
        }
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[post("/profile/replace")]
#[stormpath::login_required]
async fn replace_profile(
    user: CurrentUser,
    body: web::Json<Profile>,
) -> Result<HttpResponse, Error> {
    user.replace_custom_data(&body.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[post("/profile/grow")]
#[stormpath::login_required]
async fn grow_profile(user: CurrentUser) -> Result<HttpResponse, Error> {
    user.update_custom_data(|p: &mut Profile| p.plan = Some("x".repeat(70 * 1024)))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(show_profile)
        .service(check_profile)
        .service(unsubscribe_profile)
        .service(bump_counter)
        .service(replace_profile)
        .service(grow_profile);
}

async fn spawn() -> TestApp {
    TestApp::spawn_with_routes(|b| b.custom_data::<Profile>(), routes).await
}

/// A valid JSON registration with the derived fields.
fn registration(email: &str) -> Value {
    json!({
        "givenName": "Ada", "surname": "Lovelace", "email": email, "password": PASSWORD,
        "favoriteColor": "blue", "newsletter": true, "shoeSize": 38,
    })
}

/// Registers through JSON and logs in (cookies in `app.client`).
async fn register_and_login(app: &TestApp, body: &Value) -> stormpath::Account {
    let res = app.post_json("/register", body).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let email = body["email"].as_str().unwrap();
    let res = app
        .post_json("/login", &json!({"login": email, "password": PASSWORD}))
        .await;
    assert_eq!(res.status(), 200);
    account(app, email).await
}

async fn account(app: &TestApp, email: &str) -> stormpath::Account {
    let found = app.sp.backend().account_by_email(email).await.unwrap();
    (*found.expect("the account exists")).clone()
}

async fn stored(app: &TestApp, email: &str) -> Value {
    let account = account(app, email).await;
    Value::Object(
        app.sp
            .backend()
            .custom_data(&account.id)
            .await
            .unwrap()
            .data,
    )
}

async fn nothing_registered(app: &TestApp, email: &str) {
    let found = app.sp.backend().account_by_email(email).await.unwrap();
    assert!(found.is_none(), "{email} must not be registered");
}

#[actix_web::test]
async fn json_view_model_lists_the_derived_fields_after_the_default_ones() {
    let app = spawn().await;
    let body: Value = app.get("/register", JSON).await.json().await.unwrap();
    let fields = body["form"]["fields"].as_array().unwrap();
    let names: Vec<&str> = fields.iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "givenName",
            "surname",
            "email",
            "password",
            "favoriteColor",
            "newsletter",
            "shoeSize"
        ],
        "hidden and skipped fields are not listed"
    );
    assert_eq!(
        fields[4],
        json!({"label": "Favorite color", "name": "favoriteColor", "placeholder": "e.g. blue",
               "required": true, "type": "text"})
    );
    assert_eq!(
        fields[5],
        json!({"label": "Newsletter", "name": "newsletter", "placeholder": "",
               "required": false, "type": "checkbox"})
    );
    assert_eq!(
        fields[6],
        json!({"label": "Shoe size", "name": "shoeSize", "placeholder": "Shoe size",
               "required": false, "type": "number"})
    );
}

#[actix_web::test]
async fn html_form_shows_the_derived_fields_after_the_default_ones() {
    let app = spawn().await;
    let page = app.get("/register", HTML).await.text().await.unwrap();
    let at = |needle: &str| {
        page.find(needle)
            .unwrap_or_else(|| panic!("missing {needle} in {page}"))
    };
    assert!(at(r#"name="password""#) < at(r#"name="favoriteColor""#));
    assert!(page.contains(r#"name="favoriteColor" type="text" placeholder="e.g. blue" required"#));
    assert!(at(r#"name="favoriteColor""#) < at(r#"name="newsletter" type="checkbox""#));
    assert!(at(r#"name="newsletter""#) < at(r#"name="shoeSize" type="number""#));
    assert!(page.contains(r#"<label for="sp-favoriteColor">Favorite color</label>"#));
    assert!(!page.contains(r#"id="sp-referrer""#), "hidden");
    assert!(!page.contains(r#"id="sp-plan""#), "skipped");
}

#[actix_web::test]
async fn html_registration_stores_typed_values_and_the_user_reads_them_typed() {
    let app = spawn().await;
    let email = email("html-typed");
    let res = app
        .post_form(
            "/register",
            "/register",
            &[
                ("givenName", "Ada"),
                ("surname", "Lovelace"),
                ("email", &email),
                ("password", PASSWORD),
                ("favoriteColor", "blue"),
                ("newsletter", "on"),
                ("shoeSize", "42"),
                ("referrer", "a friend"),
            ],
        )
        .await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], "/login?status=created");
    assert_eq!(
        stored(&app, &email).await,
        json!({"favoriteColor": "blue", "newsletter": true, "shoeSize": 42,
               "referrer": "a friend", "plan": null, "visits": 0, "clicks": 0}),
        "stored under the camelCase names, skipped fields with their defaults"
    );

    let res = app
        .post_json("/login", &json!({"login": email, "password": PASSWORD}))
        .await;
    assert_eq!(res.status(), 200);
    let profile: Profile = app.get("/profile", JSON).await.json().await.unwrap();
    assert_eq!(
        profile,
        Profile {
            favorite_color: "blue".into(),
            newsletter: true,
            shoe_size: Some(42),
            referrer: Some("a friend".into()),
            plan: None,
            visits: 0,
            clicks: 0,
        }
    );
}

#[actix_web::test]
async fn an_unticked_checkbox_is_false_and_empty_optional_fields_are_null() {
    let app = spawn().await;
    let email = email("html-empty");
    let res = app
        .post_form(
            "/register",
            "/register",
            &[
                ("givenName", "Ada"),
                ("surname", "Lovelace"),
                ("email", &email),
                ("password", PASSWORD),
                ("favoriteColor", "green"),
                ("shoeSize", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), 302);
    let data = stored(&app, &email).await;
    assert_eq!(data["newsletter"], false);
    assert_eq!(data["shoeSize"], Value::Null);
    assert_eq!(data["referrer"], Value::Null);
}

#[actix_web::test]
async fn json_registration_takes_derived_fields_at_the_root_or_in_custom_data() {
    let app = spawn().await;
    let root = email("json-root");
    let res = app.post_json("/register", &registration(&root)).await;
    assert_eq!(res.status(), 200);
    let data = stored(&app, &root).await;
    assert_eq!(data["favoriteColor"], "blue");
    assert_eq!(data["newsletter"], true);
    assert_eq!(data["shoeSize"], 38);

    // Inside customData, next to an API key member (which still becomes an API key).
    let nested = email("json-nested");
    let body = json!({
        "givenName": "Ada", "surname": "Lovelace", "email": nested, "password": PASSWORD,
        "customData": {"favoriteColor": "red", "newsletter": false, "stormpathApiKey_1": "kid:ksecret"},
    });
    assert_eq!(app.post_json("/register", &body).await.status(), 200);
    let data = stored(&app, &nested).await;
    assert_eq!(data["favoriteColor"], "red");
    assert_eq!(data["newsletter"], false);
    assert_eq!(data["shoeSize"], Value::Null);
    assert!(!data.as_object().unwrap().contains_key("stormpathApiKey_1"));
    let account = account(&app, &nested).await;
    assert_eq!(
        app.sp.backend().api_keys(&account.id).await.unwrap().len(),
        1
    );
}

#[actix_web::test]
async fn a_missing_required_field_is_named_by_its_label() {
    let app = spawn().await;
    let email = email("required");
    for missing in [Value::Null, json!(""), json!("   ")] {
        let mut body = registration(&email);
        body["favoriteColor"] = missing;
        assert_json_error(
            app.post_json("/register", &body).await,
            400,
            "Favorite color is required.",
        )
        .await;
    }
    let mut body = registration(&email);
    body.as_object_mut().unwrap().remove("favoriteColor");
    assert_json_error(
        app.post_json("/register", &body).await,
        400,
        "Favorite color is required.",
    )
    .await;
    nothing_registered(&app, &email).await;

    // HTML: the message in the error container and next to the field; values kept.
    let res = app
        .post_form(
            "/register",
            "/register",
            &[
                ("givenName", "Ada"),
                ("surname", "Lovelace"),
                ("email", &email),
                ("password", PASSWORD),
                ("shoeSize", "41"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(
        page.contains(r#"<div class="alert alert-danger""#),
        "{page}"
    );
    assert!(
        page.contains("<p>Favorite color is required.</p>"),
        "{page}"
    );
    assert!(
        page.contains(r#"id="sp-favoriteColor-error">Favorite color is required.</p>"#),
        "{page}"
    );
    assert!(page.contains(r#"name="shoeSize" type="number" placeholder="Shoe size" value="41""#));
    nothing_registered(&app, &email).await;
}

#[actix_web::test]
async fn wrong_json_types_are_400_with_a_message_per_field() {
    let app = spawn().await;
    let email = email("types");
    let cases = [
        (
            "newsletter",
            json!("yes"),
            "Newsletter must be true or false.",
        ),
        ("newsletter", json!(1), "Newsletter must be true or false."),
        (
            "favoriteColor",
            json!(["blue"]),
            "Favorite color must be a string.",
        ),
        (
            "favoriteColor",
            json!({"r": 1}),
            "Favorite color must be a string.",
        ),
        (
            "favoriteColor",
            json!(7),
            "Favorite color must be a string.",
        ),
        ("shoeSize", json!("42"), "Shoe size must be a whole number."),
        ("shoeSize", json!(4.5), "Shoe size must be a whole number."),
        (
            "shoeSize",
            json!(300),
            "Shoe size must be between 0 and 255.",
        ),
        (
            "shoeSize",
            json!(-1),
            "Shoe size must be between 0 and 255.",
        ),
        ("referrer", json!(true), "Referrer must be a string."),
    ];
    for (field, value, message) in cases {
        let mut body = registration(&email);
        body[field] = value.clone();
        assert_json_error(app.post_json("/register", &body).await, 400, message).await;
        // The same inside customData.
        let mut body = registration(&email);
        body.as_object_mut().unwrap().remove(field);
        body["customData"] = json!({ field: value });
        assert_json_error(app.post_json("/register", &body).await, 400, message).await;
    }
    nothing_registered(&app, &email).await;
}

#[actix_web::test]
async fn wrong_form_values_are_shown_next_to_their_fields() {
    let app = spawn().await;
    let email = email("form-types");
    let res = app
        .post_form(
            "/register",
            "/register",
            &[
                ("givenName", "Ada"),
                ("surname", "Lovelace"),
                ("email", &email),
                ("password", PASSWORD),
                ("favoriteColor", "blue"),
                ("newsletter", "maybe"),
                ("shoeSize", "forty"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("<p>Newsletter must be true or false.</p>"),
        "{page}"
    );
    assert!(page.contains(r#"id="sp-shoeSize-error">Shoe size must be a whole number.</p>"#));
    assert!(
        page.contains(r#"value="blue""#),
        "the valid value is put back: {page}"
    );
    nothing_registered(&app, &email).await;
}

#[actix_web::test]
async fn undeclared_and_skipped_fields_are_rejected() {
    let app = spawn().await;
    let email = email("undeclared");
    // `plan` is stored custom data, but never a registration field: it cannot be set here.
    for (key, value) in [
        ("plan", json!("premium")),
        ("visits", json!(1000)),
        ("favouriteColour", json!("blue")),
    ] {
        let mut body = registration(&email);
        body[key] = value.clone();
        assert_json_error(
            app.post_json("/register", &body).await,
            400,
            &format!("{key} is not a configured registration field."),
        )
        .await;
        let mut body = registration(&email);
        body["customData"] = json!({ key: value });
        assert_json_error(
            app.post_json("/register", &body).await,
            400,
            &format!("{key} is not a configured registration field."),
        )
        .await;
    }
    let res = app
        .post_form(
            "/register",
            "/register",
            &[
                ("givenName", "Ada"),
                ("surname", "Lovelace"),
                ("email", &email),
                ("password", PASSWORD),
                ("favoriteColor", "blue"),
                ("plan", "premium"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(page.contains("plan is not a configured registration field."));
    nothing_registered(&app, &email).await;
}

#[actix_web::test]
async fn oversized_values_are_rejected_cleanly() {
    let app = spawn().await;
    let email = email("oversized");
    let long = "x".repeat(CustomField::DEFAULT_MAX_LENGTH + 1);
    let mut body = registration(&email);
    body["favoriteColor"] = json!(long);
    assert_json_error(
        app.post_json("/register", &body).await,
        400,
        "Favorite color must be at most 1000 characters long.",
    )
    .await;
    // Far larger, still under the body limit.
    body["favoriteColor"] = json!("x".repeat(60 * 1024));
    assert_json_error(
        app.post_json("/register", &body).await,
        400,
        "Favorite color must be at most 1000 characters long.",
    )
    .await;
    // Exactly the limit, counted in characters (not bytes), is fine.
    let mut ok = registration(&email);
    ok["favoriteColor"] = json!("é".repeat(CustomField::DEFAULT_MAX_LENGTH));
    assert_eq!(app.post_json("/register", &ok).await.status(), 200);

    let other = self::email("oversized-form");
    let res = app
        .post_form(
            "/register",
            "/register",
            &[
                ("givenName", "Ada"),
                ("surname", "Lovelace"),
                ("email", &other),
                ("password", PASSWORD),
                ("favoriteColor", &long),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Favorite color must be at most 1000 characters long.")
    );
    nothing_registered(&app, &other).await;

    // Past the body limit: 413, never a 500.
    let mut huge = registration(&other);
    huge["favoriteColor"] = json!("x".repeat(70 * 1024));
    assert_eq!(app.post_json("/register", &huge).await.status(), 413);

    // Typed writes that would outgrow the store's limit: a 400, and nothing written. (On the
    // remote back end the limit is the server's: Stormpath's 10 MB.)
    if crate::support::remote() {
        return;
    }
    let user = self::email("grow");
    register_and_login(&app, &registration(&user)).await;
    let res = app
        .client
        .post(app.url("/profile/grow"))
        .header("Accept", JSON)
        .send()
        .await
        .unwrap();
    assert_json_error(res, 400, "Custom data must be at most 64 KiB.").await;
    assert_eq!(stored(&app, &user).await["plan"], Value::Null);
}

#[actix_web::test]
async fn typed_update_and_replace_keep_keys_the_type_does_not_declare() {
    let app = spawn().await;
    let email = email("update");
    let account = register_and_login(&app, &registration(&email)).await;
    stormpath_client::merge_custom_data(
        app.sp.backend().as_ref(),
        &account.id,
        json!({"theme": "dark"}).as_object().unwrap().clone(),
    )
    .await
    .unwrap();

    let res = app
        .client
        .post(app.url("/profile/unsubscribe"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let updated: Profile = res.json().await.unwrap();
    assert!(!updated.newsletter);
    assert_eq!(updated.favorite_color, "blue");
    let data = stored(&app, &email).await;
    assert_eq!(data["newsletter"], false);
    assert_eq!(data["theme"], "dark", "other keys survive a typed update");

    let replacement = Profile {
        favorite_color: "teal".into(),
        newsletter: true,
        shoe_size: None,
        referrer: None,
        plan: Some("pro".into()),
        visits: 7,
        clicks: 0,
    };
    let res = app
        .client
        .post(app.url("/profile/replace"))
        .json(&replacement)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let profile: Profile = app.get("/profile", JSON).await.json().await.unwrap();
    assert_eq!(profile, replacement);
    let data = stored(&app, &email).await;
    assert_eq!(data["theme"], "dark", "other keys survive a typed replace");
    assert_eq!(data["favoriteColor"], "teal");

    // The account the store caches was refreshed by the writes.
    let cached = app
        .sp
        .backend()
        .account(&account.id)
        .await
        .unwrap()
        .unwrap();
    assert!(cached.modified_at > account.modified_at);
}

/// Sixteen typed updates at once, half of one field and half of another, through the real
/// server: none may be lost.
async fn check_concurrent_updates(app: &TestApp) {
    let email = email("concurrent");
    register_and_login(app, &registration(&email)).await;
    let per_counter = 8;
    let requests = (0..per_counter)
        .flat_map(|_| ["visits", "clicks"])
        .map(|counter| {
            let req = app
                .client
                .post(app.url(&format!("/profile/bump/{counter}")))
                .header("Accept", JSON);
            actix_web::rt::spawn(async move { req.send().await.unwrap().status().as_u16() })
        })
        .collect::<Vec<_>>();
    for request in requests {
        assert_eq!(request.await.unwrap(), 204);
    }
    let profile: Profile = app.get("/profile", JSON).await.json().await.unwrap();
    assert_eq!(profile.visits, per_counter, "no lost update of visits");
    assert_eq!(profile.clicks, per_counter, "no lost update of clicks");
    assert_eq!(profile.favorite_color, "blue");
}

#[actix_web::test]
async fn concurrent_updates_of_different_fields_all_survive_on_sqlite() {
    check_concurrent_updates(&spawn().await).await;
}

#[actix_web::test]
async fn concurrent_updates_of_different_fields_all_survive_on_postgres() {
    let Some(db) = PgDatabase::create("sp_custom").await else {
        return;
    };
    let url = db.url().to_owned();
    let app = TestApp::spawn_with_routes(
        move |b| b.database_url(url).custom_data::<Profile>(),
        routes,
    )
    .await;
    check_concurrent_updates(&app).await;
    drop(app);
}

#[actix_web::test]
async fn an_old_record_that_no_longer_fits_is_a_409_naming_the_field() {
    let app = spawn().await;
    let email = email("stale");
    let account = register_and_login(&app, &registration(&email)).await;
    // As an older version of the app might have stored it.
    let old = json!({"favoriteColor": 42, "newsletter": "yes", "legacy": true});
    replace_custom_data(&app, &account.id, old.as_object().unwrap().clone()).await;

    assert_json_error(app.get("/profile", JSON).await, 409, "favoriteColor").await;
    let check = app.get("/profile/check", JSON).await;
    assert_eq!(check.status(), 200);
    assert_eq!(
        check.text().await.unwrap(),
        r#"stale Some("favoriteColor")"#
    );

    // An update does not run on data it cannot read, and writes nothing.
    let res = app
        .client
        .post(app.url("/profile/unsubscribe"))
        .header("Accept", JSON)
        .send()
        .await
        .unwrap();
    assert_json_error(res, 409, "favoriteColor").await;
    assert_eq!(stored(&app, &email).await, old);

    // A record missing a required field.
    replace_custom_data(
        &app,
        &account.id,
        json!({"legacy": true}).as_object().unwrap().clone(),
    )
    .await;
    assert_json_error(app.get("/profile", JSON).await, 409, "favorite_color").await;

    // Replacing does not read the old value, so it repairs the record.
    let fresh = Profile {
        favorite_color: "blue".into(),
        newsletter: false,
        shoe_size: None,
        referrer: None,
        plan: None,
        visits: 0,
        clicks: 0,
    };
    let res = app
        .client
        .post(app.url("/profile/replace"))
        .json(&fresh)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let profile: Profile = app.get("/profile", JSON).await.json().await.unwrap();
    assert_eq!(profile, fresh);
    assert_eq!(stored(&app, &email).await["legacy"], true);
}

fn color_field(label: &str) -> Value {
    json!({"enabled": true, "visible": true, "label": label, "placeholder": "e.g. blue",
           "required": true, "type": "text"})
}

#[actix_web::test]
async fn a_config_field_defined_differently_is_a_startup_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let err = builder(&dir)
        .web(|web| {
            web.register
                .form
                .fields
                .insert("favoriteColor".into(), color_field("Colour"));
        })
        .custom_data::<Profile>()
        .build()
        .await
        .unwrap_err();
    match &err {
        Error::Config { key, message } => {
            assert_eq!(key, "web.register.form.fields.favoriteColor");
            assert!(message.contains("conflicts"), "{message}");
            assert!(
                message.contains(r#"label: "Colour" there, "Favorite color" here"#),
                "{message}"
            );
        }
        other => panic!("expected a config error, got {other:?}"),
    }

    // The same definition in both places is no conflict.
    let dir = tempfile::tempdir().unwrap();
    builder(&dir)
        .web(|web| {
            web.register
                .form
                .fields
                .insert("favoriteColor".into(), color_field("Favorite color"));
        })
        .custom_data::<Profile>()
        .build()
        .await
        .expect("identical definitions agree");
}

#[actix_web::test]
async fn config_fields_keep_working_next_to_derived_ones_and_field_order_places_both() {
    let app = TestApp::spawn_with_routes(
        |b| {
            b.web(|web| {
                web.register.form.fields.insert(
                    "team".into(),
                    json!({"enabled": true, "visible": true, "label": "Team", "placeholder": "",
                           "required": false, "type": "text"}),
                );
                web.register.form.field_order = ["favoriteColor", "email", "password", "team"]
                    .map(String::from)
                    .to_vec();
            })
            .custom_data::<Profile>()
        },
        routes,
    )
    .await;
    let body: Value = app.get("/register", JSON).await.json().await.unwrap();
    let names: Vec<&str> = body["form"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "favoriteColor",
            "email",
            "password",
            "team",
            "givenName",
            "surname",
            "newsletter",
            "shoeSize"
        ]
    );
    let email = email("mixed");
    let mut body = registration(&email);
    body["team"] = json!(17);
    assert_eq!(app.post_json("/register", &body).await.status(), 200);
    let data = stored(&app, &email).await;
    assert_eq!(data["team"], 17, "config fields are stored as they come");
    assert_eq!(data["favoriteColor"], "blue");
}

/// A hand-written impl that breaks the rules the derive enforces at compile time.
#[derive(Serialize, Deserialize)]
struct Clashing {
    email: String,
}

impl CustomData for Clashing {
    fn fields() -> Vec<CustomField> {
        vec![CustomField::new("email", ValueType::Text)]
    }
}

/// Another type with a field of the same name as `Profile`'s, defined differently.
#[derive(Serialize, Deserialize)]
struct OtherColor {
    #[serde(rename = "favoriteColor")]
    color: Option<String>,
}

impl CustomData for OtherColor {
    fn fields() -> Vec<CustomField> {
        vec![CustomField::new("favoriteColor", ValueType::Text).optional()]
    }
}

#[actix_web::test]
async fn hand_written_impls_are_checked_at_startup() {
    let dir = tempfile::tempdir().unwrap();
    let err = builder(&dir)
        .custom_data::<Clashing>()
        .build()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Config { key, message }
            if key == "web.register.form.fields.email" && message.contains("core account field")),
        "{err}"
    );
    let dir = tempfile::tempdir().unwrap();
    let err = builder(&dir)
        .custom_data::<Profile>()
        .custom_data::<OtherColor>()
        .build()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Config { key, message }
            if key == "web.register.form.fields.favoriteColor" && message.contains("declares it too")),
        "{err}"
    );
    // The same type twice is one type.
    let dir = tempfile::tempdir().unwrap();
    builder(&dir)
        .custom_data::<Profile>()
        .custom_data::<Profile>()
        .build()
        .await
        .expect("registering a type twice is harmless");
}

/// A type with a check of its own, in serde.
#[derive(Serialize, Deserialize, stormpath::CustomData)]
struct Invite {
    #[stormpath(label = "Invitation code", required)]
    #[serde(deserialize_with = "lower_case")]
    invitation_code: String,
    /// A required checkbox must be ticked.
    #[stormpath(label = "Terms", required)]
    terms: bool,
}

fn lower_case<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let code = String::deserialize(d)?;
    if code.chars().any(char::is_uppercase) {
        return Err(serde::de::Error::custom("use lower case"));
    }
    Ok(code)
}

#[actix_web::test]
async fn what_the_type_itself_refuses_is_a_400_on_its_field() {
    let app = TestApp::spawn_with(|b| b.custom_data::<Invite>()).await;
    let email = email("invite");
    let mut body = json!({"givenName": "A", "surname": "B", "email": email, "password": PASSWORD,
                          "invitationCode": "abc", "terms": false});
    assert_json_error(
        app.post_json("/register", &body).await,
        400,
        "Terms is required.",
    )
    .await;
    body["terms"] = json!(true);
    body["invitationCode"] = json!("ABC");
    assert_json_error(
        app.post_json("/register", &body).await,
        400,
        "Invitation code is invalid: use lower case.",
    )
    .await;
    nothing_registered(&app, &email).await;
    body["invitationCode"] = json!("abc");
    assert_eq!(app.post_json("/register", &body).await.status(), 200);
    assert_eq!(
        stored(&app, &email).await,
        json!({"invitationCode": "abc", "terms": true})
    );
}

/// Overwrites an account's whole custom-data document, as another program might have.
async fn replace_custom_data(
    app: &TestApp,
    id: &stormpath_client::AccountId,
    data: serde_json::Map<String, Value>,
) {
    stormpath_client::update_custom_data(app.sp.backend().as_ref(), id, |doc| {
        doc.clone_from(&data);
        Ok::<_, stormpath_client::Error>(())
    })
    .await
    .unwrap();
}
