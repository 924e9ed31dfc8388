//! An OpenAPI 3 document of the plugin's JSON API, built from the configuration the feature
//! routes are bound from (the same `enabled` switches and URIs), and served at
//! `web.openapi.uri` when `web.openapi.enabled` (default off). For fuzzers (schemathesis in
//! CI) and client generators; only the JSON side of each route is described.

use actix_web::{HttpResponse, http::Method, web::ServiceConfig};
use serde_json::{Map, Value, json};

use crate::{Stormpath, negotiate, routes::bind};

/// Binds the document's route when enabled.
pub(crate) fn configure(cfg: &mut ServiceConfig, sp: &Stormpath) {
    let openapi = &sp.settings().config.web.openapi;
    if openapi.enabled {
        bind(cfg, &openapi.uri, Method::GET, negotiate::guard, serve);
    }
}

async fn serve(sp: Stormpath) -> HttpResponse {
    HttpResponse::Ok().json(document(&sp))
}

/// `{status, message}` (spec §2.5).
fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    })
}

fn account_response() -> Value {
    json!({
        "description": "The account.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AccountReply"}}}
    })
}

fn empty_response() -> Value {
    json!({"description": "Done (empty body)."})
}

fn form_view_response() -> Value {
    json!({
        "description": "The form's JSON view model.",
        "content": {"application/json": {"schema": {"type": "object"}}}
    })
}

/// A JSON request body with these string members (`required` among them).
fn json_body(properties: &[&str], required: &[&str], extra: Option<(&str, Value)>) -> Value {
    let mut props: Map<String, Value> = properties
        .iter()
        .map(|p| ((*p).to_owned(), json!({"type": "string"})))
        .collect();
    if let Some((name, schema)) = extra {
        props.insert(name.to_owned(), schema);
    }
    json!({
        "required": true,
        "content": {"application/json": {"schema": {
            "type": "object",
            "properties": props,
            "required": required,
        }}}
    })
}

/// The `{id}` path parameter of a key or a session (ids are URL-safe tokens).
fn id_path() -> Value {
    json!([{"name": "id", "in": "path", "required": true,
            "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"}}])
}

fn sptoken_query(required: bool) -> Value {
    json!([{"name": "sptoken", "in": "query", "required": required, "schema": {"type": "string"}}])
}

/// Adds `operation` under `method` of `path`.
fn add(paths: &mut Map<String, Value>, path: &str, method: &str, operation: Value) {
    let item = paths
        .entry(path.to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(item) = item {
        item.insert(method.to_owned(), operation);
    }
}

/// The document for `sp`'s configuration: one path per bound JSON route.
pub(crate) fn document(sp: &Stormpath) -> Value {
    let settings = sp.settings();
    let web = &settings.config.web;
    let mut paths = Map::new();
    let responses = |pairs: &[(&str, Value)]| -> Value {
        Value::Object(
            pairs
                .iter()
                .map(|(code, v)| ((*code).to_owned(), v.clone()))
                .collect(),
        )
    };
    if web.login.enabled {
        add(
            &mut paths,
            &web.login.uri,
            "get",
            json!({
                "summary": "The login form's view model.",
                "responses": responses(&[("200", form_view_response())]),
            }),
        );
        add(
            &mut paths,
            &web.login.uri,
            "post",
            json!({
                "summary": "Log in: sets the token cookies.",
                "requestBody": json_body(&["login", "password"], &["login", "password"], None),
                "responses": responses(&[
                    ("200", account_response()),
                    ("400", error_response("Missing fields or invalid credentials.")),
                    ("413", error_response("The body is too large.")),
                    ("429", error_response("Too many attempts.")),
                ]),
            }),
        );
    }
    if web.register.enabled {
        add(
            &mut paths,
            &web.register.uri,
            "get",
            json!({
                "summary": "The registration form's view model.",
                "responses": responses(&[("200", form_view_response())]),
            }),
        );
        add(
            &mut paths,
            &web.register.uri,
            "post",
            json!({
                "summary": "Create an account.",
                "requestBody": json_body(
                    &["email", "password", "givenName", "surname", "username", "middleName"],
                    &["email", "password"],
                    Some(("customData", json!({"type": "object"}))),
                ),
                "responses": responses(&[
                    ("200", account_response()),
                    ("400", error_response("Invalid fields.")),
                    ("409", error_response("The account exists.")),
                    ("413", error_response("The body is too large.")),
                    ("429", error_response("Too many attempts.")),
                ]),
            }),
        );
    }
    if web.logout.enabled {
        add(
            &mut paths,
            &web.logout.uri,
            "post",
            json!({
                "summary": "Log out: revokes the tokens and deletes the cookies.",
                "responses": responses(&[("200", empty_response())]),
            }),
        );
    }
    if settings.forgot_password {
        add(
            &mut paths,
            &web.forgot_password.uri,
            "post",
            json!({
                "summary": "Mail a password-reset link (the same answer for unknown addresses).",
                "requestBody": json_body(&["email"], &["email"], None),
                "responses": responses(&[
                    ("200", empty_response()),
                    ("400", error_response("No email.")),
                    ("429", error_response("Too many requests.")),
                ]),
            }),
        );
    }
    if settings.change_password {
        add(
            &mut paths,
            &web.change_password.uri,
            "get",
            json!({
                "summary": "Check a password-reset token.",
                "parameters": sptoken_query(true),
                "responses": responses(&[
                    ("200", empty_response()),
                    ("400", error_response("No token.")),
                    ("404", error_response("Unknown or expired token.")),
                ]),
            }),
        );
        add(
            &mut paths,
            &web.change_password.uri,
            "post",
            json!({
                "summary": "Set a new password with a reset token.",
                "requestBody": json_body(&["sptoken", "password"], &["sptoken", "password"], None),
                "responses": responses(&[
                    ("200", empty_response()),
                    ("400", error_response("Missing fields or a weak password.")),
                    ("404", error_response("Unknown or expired token.")),
                ]),
            }),
        );
    }
    if settings.verify_email {
        add(
            &mut paths,
            &web.verify_email.uri,
            "get",
            json!({
                "summary": "Verify an email address with its token.",
                "parameters": sptoken_query(true),
                "responses": responses(&[
                    ("200", empty_response()),
                    ("400", error_response("No token.")),
                    ("404", error_response("Unknown or expired token.")),
                ]),
            }),
        );
        add(
            &mut paths,
            &web.verify_email.uri,
            "post",
            json!({
                "summary": "Send the verification mail again (the same answer for any address).",
                "requestBody": json_body(&["email", "login"], &[], None),
                "responses": responses(&[
                    ("200", empty_response()),
                    ("400", error_response("No email.")),
                ]),
            }),
        );
    }
    let secured = json!([{"bearer": []}, {"basic": []}, {"cookie": []}]);
    let unauthorized = json!({"description": "Not logged in."});
    if web.me.enabled {
        add(
            &mut paths,
            &web.me.uri,
            "get",
            json!({
                "summary": "The logged-in account.",
                "security": secured,
                "responses": responses(&[("200", account_response()), ("401", unauthorized.clone())]),
            }),
        );
    }
    if web.me.enabled {
        let me = web.me.uri.trim_end_matches('/');
        let sessions = format!("{me}/sessions");
        add(
            &mut paths,
            &sessions,
            "get",
            json!({
                "summary": "One's live sessions (one per password login), newest first.",
                "security": secured,
                "responses": responses(&[
                    ("200", json!({"description": "`size` and `items`.", "content": {"application/json": {"schema": {"type": "object"}}}})),
                    ("401", unauthorized.clone()),
                ]),
            }),
        );
        add(
            &mut paths,
            &sessions,
            "delete",
            json!({
                "summary": "Log out everywhere (this session too; its cookies are cleared).",
                "security": secured,
                "responses": responses(&[("204", empty_response()), ("401", unauthorized.clone())]),
            }),
        );
        add(
            &mut paths,
            &format!("{sessions}/{{id}}"),
            "delete",
            json!({
                "summary": "End one of one's sessions.",
                "security": secured,
                "parameters": id_path(),
                "responses": responses(&[
                    ("204", empty_response()),
                    ("401", unauthorized.clone()),
                    ("404", error_response("No such session of this account.")),
                ]),
            }),
        );
        if !sp.social().is_empty() {
            add(
                &mut paths,
                &format!("{me}/providers/{{providerId}}"),
                "delete",
                json!({
                    "summary": "Unlink a provider, unless it is the account's last way to log in.",
                    "security": secured,
                    "parameters": [{"name": "providerId", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "responses": responses(&[
                        ("204", empty_response()),
                        ("400", error_response("The last way to log in.")),
                        ("401", unauthorized.clone()),
                        ("404", error_response("No sign-in with that provider.")),
                    ]),
                }),
            );
        }
    }
    if web.settings.enabled {
        add(
            &mut paths,
            &web.settings.uri,
            "post",
            json!({
                "summary": "Change one's password (the current one is required).",
                "security": secured,
                "requestBody": json_body(
                    &["currentPassword", "password", "confirmPassword"],
                    &["currentPassword", "password"],
                    None,
                ),
                "responses": responses(&[
                    ("200", account_response()),
                    ("400", error_response("Wrong current password or a weak new one.")),
                    ("401", unauthorized.clone()),
                    ("429", error_response("Too many attempts.")),
                ]),
            }),
        );
    }
    if web.api_keys.enabled {
        let keys = &web.api_keys.uri;
        add(
            &mut paths,
            keys,
            "get",
            json!({
                "summary": "One's API keys (never their secrets).",
                "security": secured,
                "responses": responses(&[
                    ("200", json!({"description": "The keys.", "content": {"application/json": {"schema": {"type": "object"}}}})),
                    ("401", unauthorized.clone()),
                ]),
            }),
        );
        add(
            &mut paths,
            keys,
            "post",
            json!({
                "summary": "Create an API key: its secret is shown once.",
                "security": secured,
                "requestBody": json_body(&["name"], &[], None),
                "responses": responses(&[
                    ("201", json!({"description": "The key with its secret.", "content": {"application/json": {"schema": {"type": "object"}}}})),
                    ("400", error_response("Invalid fields.")),
                    ("401", unauthorized.clone()),
                    ("403", error_response("A recent password entry is needed.")),
                ]),
            }),
        );
        add(
            &mut paths,
            &format!("{keys}/{{id}}"),
            "delete",
            json!({
                "summary": "Revoke one of one's API keys.",
                "security": secured,
                "parameters": id_path(),
                "responses": responses(&[
                    ("204", empty_response()),
                    ("401", unauthorized.clone()),
                    ("404", error_response("No such key of this account.")),
                ]),
            }),
        );
    }
    if web.oauth2.enabled {
        add(
            &mut paths,
            &web.oauth2.uri,
            "post",
            json!({
                "summary": "OAuth 2 token endpoint (password, refresh_token, client_credentials).",
                "requestBody": {
                    "required": true,
                    "content": {"application/x-www-form-urlencoded": {"schema": {
                        "type": "object",
                        "properties": {
                            "grant_type": {"type": "string", "enum": ["password", "refresh_token", "client_credentials"]},
                            "username": {"type": "string"},
                            "password": {"type": "string"},
                            "refresh_token": {"type": "string"},
                        },
                        "required": ["grant_type"],
                    }}},
                },
                "responses": responses(&[
                    ("200", json!({"description": "The tokens.", "content": {"application/json": {"schema": {"type": "object"}}}})),
                    ("400", json!({"description": "`{error, message}` (RFC 6749 §5.2)."})),
                    ("401", json!({"description": "Invalid client credentials."})),
                    ("429", json!({"description": "Too many attempts."})),
                ]),
            }),
        );
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": format!("{} (stormpath-actix)", settings.application),
            "version": env!("CARGO_PKG_VERSION"),
        },
        "paths": paths,
        "components": {
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": {"status": {"type": "integer"}, "message": {"type": "string"}},
                    "required": ["status", "message"],
                },
                "AccountReply": {
                    "type": "object",
                    "properties": {"account": {"type": "object"}},
                    "required": ["account"],
                },
            },
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "basic": {"type": "http", "scheme": "basic"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": web.access_token_cookie.name},
            },
        },
    })
}
