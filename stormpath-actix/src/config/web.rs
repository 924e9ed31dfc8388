//! The `stormpath.web` tree of the spec (§3), typed, with the spec's defaults.

use serde::{Deserialize, Serialize};
use serde_json::Map;

/// An ordered map of form fields by input name.
pub type Fields = serde_json::Map<String, serde_json::Value>;

/// `stormpath.web`: every route, cookie and form of the integration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct WebConfig {
    /// Cookie path fallback.
    pub base_path: Option<String>,
    /// Parent domain (subdomain multi-tenancy).
    pub domain_name: Option<String>,
    /// The public base URL of the site (`scheme://host[:port]`), used in emailed links.
    /// Never taken from the request.
    pub base_url: String,
    /// Largest request body accepted by the integration's routes, in bytes (default 64 KiB).
    pub max_body_size: usize,
    /// Directory of templates that override the built-in ones (by view name).
    pub templates_dir: Option<String>,
    /// Multi-tenancy (not supported yet; must stay disabled).
    pub multi_tenancy: MultiTenancyConfig,
    /// `/oauth/token`.
    pub oauth2: OAuth2Config,
    /// The access-token cookie.
    pub access_token_cookie: CookieConfig,
    /// The refresh-token cookie.
    pub refresh_token_cookie: CookieConfig,
    /// What the integration may render, in order of preference.
    pub produces: Vec<String>,
    /// `/register`.
    pub register: RegisterConfig,
    /// `/verify`.
    pub verify_email: VerifyEmailConfig,
    /// `/login`.
    pub login: LoginConfig,
    /// `/logout`.
    pub logout: LogoutConfig,
    /// Organization selection (multi-tenancy).
    pub organization_select: serde_json::Value,
    /// `/forgot`.
    pub forgot_password: ForgotPasswordConfig,
    /// `/change`.
    pub change_password: ChangePasswordConfig,
    /// ID Site (not supported; must stay disabled).
    pub id_site: serde_json::Value,
    /// `/stormpathCallback`.
    pub callback: serde_json::Value,
    /// Social providers by id (`web.social.<providerId>`): the presets `google`, `github`,
    /// `facebook`, `linkedin`, `microsoft`, or any OpenID Connect issuer. Typed and checked at
    /// startup (see the README's "Social login").
    pub social: serde_json::Value,
    /// `/me`.
    pub me: MeConfig,
    /// The logged-in user's password-change page (`/settings`; not in the original spec).
    pub settings: SettingsConfig,
    /// The logged-in user's API keys (`/me/api-keys`; JSON only).
    pub api_keys: ApiKeysConfig,
    /// The OpenAPI document of the JSON API (`/openapi.json`; off by default).
    pub openapi: OpenApiConfig,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            base_path: None,
            domain_name: None,
            base_url: "http://localhost:8080".into(),
            max_body_size: 64 * 1024,
            templates_dir: None,
            multi_tenancy: MultiTenancyConfig::default(),
            oauth2: OAuth2Config::default(),
            access_token_cookie: CookieConfig::named("access_token"),
            refresh_token_cookie: CookieConfig::named("refresh_token"),
            produces: vec!["application/json".into(), "text/html".into()],
            register: RegisterConfig::default(),
            verify_email: VerifyEmailConfig::default(),
            login: LoginConfig::default(),
            logout: LogoutConfig::default(),
            organization_select: serde_json::json!({
                "view": "organization-select",
                "form": {"fields": {"organizationNameKey": {
                    "label": "Enter your organization name to continue",
                    "placeholder": "e.g. my-company"
                }}}
            }),
            forgot_password: ForgotPasswordConfig::default(),
            change_password: ChangePasswordConfig::default(),
            id_site: serde_json::json!({
                "enabled": false, "loginUri": "", "forgotUri": "/#/forgot", "registerUri": "/#/register"
            }),
            callback: serde_json::json!({"enabled": true, "uri": "/stormpathCallback"}),
            // Every preset has `enabled`, `clientId` and `clientSecret` leaves, so that
            // `STORMPATH_WEB_SOCIAL_<ID>_CLIENTSECRET` & co. set them (secrets from the
            // environment). LinkedIn's legacy scopes are retired: its OpenID Connect ones.
            social: serde_json::json!({
                "facebook": {"enabled": false, "uri": "/callbacks/facebook", "scope": "email",
                             "clientId": null, "clientSecret": null},
                "github": {"enabled": false, "uri": "/callbacks/github", "scope": "user:email",
                           "clientId": null, "clientSecret": null},
                "google": {"enabled": false, "uri": "/callbacks/google", "scope": "email profile",
                           "clientId": null, "clientSecret": null},
                "linkedin": {"enabled": false, "uri": "/callbacks/linkedin",
                             "scope": "openid profile email", "clientId": null, "clientSecret": null},
                "microsoft": {"enabled": false, "uri": "/callbacks/microsoft",
                              "scope": "openid email profile", "clientId": null,
                              "clientSecret": null, "issuer": null}
            }),
            me: MeConfig::default(),
            settings: SettingsConfig::default(),
            api_keys: ApiKeysConfig::default(),
            openapi: OpenApiConfig::default(),
        }
    }
}

/// `web.multiTenancy`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct MultiTenancyConfig {
    /// Whether organizations are resolved from the subdomain.
    pub enabled: bool,
    /// Only `subdomain` exists.
    pub strategy: String,
}

impl Default for MultiTenancyConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            strategy: "subdomain".into(),
        }
    }
}

/// `web.oauth2`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct OAuth2Config {
    /// Whether `/oauth/token` is bound.
    pub enabled: bool,
    /// Its path.
    pub uri: String,
    /// The client-credentials grant.
    #[serde(rename = "client_credentials")]
    pub client_credentials: ClientCredentialsConfig,
    /// The password (and refresh-token) grant.
    pub password: PasswordGrantConfig,
}

impl Default for OAuth2Config {
    fn default() -> Self {
        Self {
            enabled: true,
            uri: "/oauth/token".into(),
            client_credentials: ClientCredentialsConfig::default(),
            password: PasswordGrantConfig::default(),
        }
    }
}

/// `web.oauth2.client_credentials`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct ClientCredentialsConfig {
    /// Whether the grant is accepted.
    pub enabled: bool,
    /// `{ttl}`: the access token's lifetime (the store's access-token TTL applies).
    pub access_token: serde_json::Value,
}

impl Default for ClientCredentialsConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            access_token: serde_json::json!({"ttl": 3600}),
        }
    }
}

/// `web.oauth2.password`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct PasswordGrantConfig {
    /// Whether the password and refresh-token grants are accepted.
    pub enabled: bool,
    /// `local` or `stormpath` (both check the local store here).
    pub validation_strategy: String,
}

impl Default for PasswordGrantConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            validation_strategy: "local".into(),
        }
    }
}

/// `web.accessTokenCookie` / `web.refreshTokenCookie`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct CookieConfig {
    /// Cookie name.
    pub name: String,
    /// `HttpOnly` (default true).
    pub http_only: bool,
    /// `Secure`: `null` follows the request scheme.
    pub secure: Option<bool>,
    /// `Path`: `null` falls back to `basePath`, then `/`.
    pub path: Option<String>,
    /// `Domain`: `null` omits it.
    pub domain: Option<String>,
}

impl CookieConfig {
    fn named(name: &str) -> Self {
        Self {
            name: name.into(),
            http_only: true,
            secure: None,
            path: None,
            domain: None,
        }
    }
}

/// One input of a form (`form.fields.<name>`), spec §5.1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct FieldConfig {
    /// Accept the value on POST; `null` means "the directory decides".
    pub enabled: Option<bool>,
    /// Render it (enabled + invisible = accepted but not shown).
    pub visible: bool,
    /// Label text.
    pub label: String,
    /// Placeholder text.
    pub placeholder: String,
    /// Required; `null` means "the directory decides".
    pub required: Option<bool>,
    /// The input's `type`.
    #[serde(rename = "type")]
    pub kind: String,
}

/// A form: its fields and their order.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct FormConfig {
    /// Fields by input name.
    pub fields: Fields,
    /// Render order; enabled fields not listed follow in configuration order.
    pub field_order: Vec<String>,
}

fn field(
    enabled: Option<bool>,
    label: &str,
    required: Option<bool>,
    kind: &str,
) -> serde_json::Value {
    field_with_placeholder(enabled, label, label, required, kind)
}

fn field_with_placeholder(
    enabled: Option<bool>,
    label: &str,
    placeholder: &str,
    required: Option<bool>,
    kind: &str,
) -> serde_json::Value {
    serde_json::json!({
        "enabled": enabled, "visible": true, "label": label, "placeholder": placeholder,
        "required": required, "type": kind
    })
}

fn fields(entries: Vec<(&str, serde_json::Value)>) -> Fields {
    entries
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect::<Map<_, _>>()
}

fn order(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

/// `web.register`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct RegisterConfig {
    /// Whether `/register` is bound.
    pub enabled: bool,
    /// Its path.
    pub uri: String,
    /// Where to go after registering (with `autoLogin`).
    pub next_uri: String,
    /// Log the new account in at once.
    pub auto_login: bool,
    /// Template name.
    pub view: String,
    /// The form.
    pub form: FormConfig,
}

impl Default for RegisterConfig {
    fn default() -> Self {
        let org =
            field_with_placeholder(None, "Organization", "e.g. my-company", Some(true), "text");
        Self {
            enabled: true,
            uri: "/register".into(),
            next_uri: "/".into(),
            auto_login: false,
            view: "register".into(),
            form: FormConfig {
                fields: fields(vec![
                    ("organizationNameKey", org),
                    ("givenName", field(Some(true), "First Name", None, "text")),
                    (
                        "middleName",
                        field(Some(false), "Middle Name", None, "text"),
                    ),
                    ("surname", field(Some(true), "Last Name", None, "text")),
                    ("username", field(Some(false), "Username", None, "text")),
                    ("email", field(Some(true), "Email", None, "email")),
                    (
                        "password",
                        field(Some(true), "Password", Some(true), "password"),
                    ),
                    (
                        "confirmPassword",
                        field(Some(false), "Confirm Password", Some(true), "password"),
                    ),
                ]),
                field_order: order(&[
                    "organizationNameKey",
                    "username",
                    "givenName",
                    "middleName",
                    "surname",
                    "email",
                    "password",
                    "confirmPassword",
                ]),
            },
        }
    }
}

/// `web.verifyEmail`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct VerifyEmailConfig {
    /// `null` = off (spec §2.1, a decision of the port).
    pub enabled: Option<bool>,
    /// Its path.
    pub uri: String,
    /// Where to go after verifying.
    pub next_uri: String,
    /// Template name.
    pub view: String,
}

impl Default for VerifyEmailConfig {
    fn default() -> Self {
        Self {
            enabled: None,
            uri: "/verify".into(),
            next_uri: "/login?status=verified".into(),
            view: "verify".into(),
        }
    }
}

/// `web.login`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct LoginConfig {
    /// Whether `/login` is bound.
    pub enabled: bool,
    /// Its path.
    pub uri: String,
    /// Where to go after logging in.
    pub next_uri: String,
    /// Template name.
    pub view: String,
    /// The form.
    pub form: FormConfig,
}

impl Default for LoginConfig {
    fn default() -> Self {
        let org =
            field_with_placeholder(None, "Organization", "e.g. my-company", Some(true), "text");
        Self {
            enabled: true,
            uri: "/login".into(),
            next_uri: "/".into(),
            view: "login".into(),
            form: FormConfig {
                fields: fields(vec![
                    ("organizationNameKey", org),
                    (
                        "login",
                        field(Some(true), "Username or Email", Some(true), "text"),
                    ),
                    (
                        "password",
                        field(Some(true), "Password", Some(true), "password"),
                    ),
                ]),
                field_order: order(&["organizationNameKey", "login", "password"]),
            },
        }
    }
}

/// `web.logout`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct LogoutConfig {
    /// Whether `/logout` is bound.
    pub enabled: bool,
    /// Its path.
    pub uri: String,
    /// Where to go after logging out.
    pub next_uri: String,
}

impl Default for LogoutConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            uri: "/logout".into(),
            next_uri: "/".into(),
        }
    }
}

/// `web.forgotPassword`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct ForgotPasswordConfig {
    /// `null` = on (spec §2.1, a decision of the port).
    pub enabled: Option<bool>,
    /// Its path.
    pub uri: String,
    /// Template name.
    pub view: String,
    /// Where to go after asking for a reset.
    pub next_uri: String,
}

impl Default for ForgotPasswordConfig {
    fn default() -> Self {
        Self {
            enabled: None,
            uri: "/forgot".into(),
            view: "forgot-password".into(),
            next_uri: "/login?status=forgot".into(),
        }
    }
}

/// `web.changePassword`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct ChangePasswordConfig {
    /// `null` = on (spec §2.1, a decision of the port).
    pub enabled: Option<bool>,
    /// Log in after a successful reset.
    pub auto_login: bool,
    /// Its path.
    pub uri: String,
    /// Where to go after the reset.
    pub next_uri: String,
    /// Template name.
    pub view: String,
    /// Where an invalid token sends the browser.
    pub error_uri: String,
}

impl Default for ChangePasswordConfig {
    fn default() -> Self {
        Self {
            enabled: None,
            auto_login: false,
            uri: "/change".into(),
            next_uri: "/login?status=reset".into(),
            view: "change-password".into(),
            error_uri: "/forgot?status=invalid_sptoken".into(),
        }
    }
}

/// `web.me`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct MeConfig {
    /// Whether `/me` is bound.
    pub enabled: bool,
    /// Its path.
    pub uri: String,
    /// Linked resources to include.
    pub expand: serde_json::Map<String, serde_json::Value>,
}

impl Default for MeConfig {
    fn default() -> Self {
        let expand = [
            "apiKeys",
            "applications",
            "customData",
            "directory",
            "groupMemberships",
            "groups",
            "providerData",
            "tenant",
        ]
        .into_iter()
        .map(|k| (k.to_owned(), serde_json::Value::Bool(false)))
        .collect();
        Self {
            enabled: true,
            uri: "/me".into(),
            expand,
        }
    }
}

/// `web.settings`: change the password while logged in.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct SettingsConfig {
    /// Whether the page is bound.
    pub enabled: bool,
    /// Its path.
    pub uri: String,
    /// Where to go after a change.
    pub next_uri: String,
    /// Template name.
    pub view: String,
}

impl Default for SettingsConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            uri: "/settings".into(),
            next_uri: "/settings?status=changed".into(),
            view: "settings".into(),
        }
    }
}

/// `web.apiKeys`: list, create and revoke one's own API keys.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct ApiKeysConfig {
    /// Whether the routes are bound.
    pub enabled: bool,
    /// The collection path; one key is `{uri}/{id}`.
    pub uri: String,
}

impl Default for ApiKeysConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            uri: "/me/api-keys".into(),
        }
    }
}

/// `web.openapi`: the OpenAPI 3 document of the plugin's JSON API, for fuzzers and client
/// generators.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct OpenApiConfig {
    /// Whether the document is served (default false: it describes the API to anyone).
    pub enabled: bool,
    /// Its path.
    pub uri: String,
}

impl Default for OpenApiConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            uri: "/openapi.json".into(),
        }
    }
}
