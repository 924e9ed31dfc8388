//! The configuration resolved for request time: validated once, typed, nothing looked up by
//! string while serving.

use serde::Serialize;

use super::{Config, web::FormConfig};
use crate::{
    Error,
    custom_data::{self, CustomField, Schema},
    negotiate::Format,
};

/// The minimum `SECRET_KEY` length, in bytes (256 bits).
pub(crate) const MIN_SECRET_LEN: usize = 32;

/// One form field as the view model and the templates show it (spec §10.1 shape).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FieldSpec {
    pub(crate) label: String,
    pub(crate) name: String,
    pub(crate) placeholder: String,
    pub(crate) required: bool,
    #[serde(rename = "type")]
    pub(crate) kind: String,
    #[serde(skip)]
    pub(crate) visible: bool,
    /// The typed field a [`CustomData`](crate::CustomData) type declared under this name; `None`
    /// for fields of the configuration, whose values are taken as they come.
    #[serde(skip)]
    pub(crate) custom: Option<CustomField>,
}

/// Everything the handlers read at request time.
#[derive(Debug)]
#[cfg_attr(
    not(feature = "embedded"),
    allow(dead_code, reason = "the signing key is the embedded store's")
)]
pub(crate) struct Settings {
    pub(crate) config: Config,
    pub(crate) secret: Vec<u8>,
    /// The token signing key: the API key secret when one is configured (as Stormpath
    /// signed with it), else `SECRET_KEY`.
    pub(crate) signing_key: Vec<u8>,
    /// The `kid` of signed tokens (the API key id).
    pub(crate) key_id: Option<String>,
    pub(crate) produces: Vec<Format>,
    /// Enabled login fields, in order.
    pub(crate) login_fields: Vec<FieldSpec>,
    /// Enabled registration fields, in order (visible or not).
    pub(crate) register_fields: Vec<FieldSpec>,
    /// The custom-data types whose fields are on the registration form.
    pub(crate) schemas: Vec<Schema>,
    pub(crate) verify_email: bool,
    pub(crate) forgot_password: bool,
    pub(crate) change_password: bool,
    pub(crate) application: String,
    /// `security.trustedProxies`, parsed.
    pub(crate) trusted_proxies: crate::client_ip::TrustedProxies,
}

/// Registration fields stored on the account itself (everything else goes to custom data).
pub(crate) const CORE_FIELDS: &[&str] = &[
    "username",
    "email",
    "password",
    "givenName",
    "middleName",
    "surname",
    "confirmPassword",
];

impl Settings {
    #[cfg(test)]
    pub(crate) fn resolve(config: Config) -> Result<Self, Error> {
        Self::resolve_with(config, false, Vec::new())
    }

    /// `allow_short_secret`: accept a `SECRET_KEY` under 32 characters (conformance harnesses
    /// that dictate their own key); a warning is logged. `schemas`: the custom-data types whose
    /// fields join the registration form.
    pub(crate) fn resolve_with(
        config: Config,
        allow_short_secret: bool,
        schemas: Vec<Schema>,
    ) -> Result<Self, Error> {
        let secret = match &config.secret_key {
            Some(key) if key.0.len() >= MIN_SECRET_LEN => key.0.as_bytes().to_vec(),
            Some(key) if key.0.is_empty() => return Err(missing_secret()),
            Some(key) if allow_short_secret => {
                tracing::warn!(
                    "SECRET_KEY is shorter than {MIN_SECRET_LEN} characters: tokens are easier to forge"
                );
                key.0.as_bytes().to_vec()
            }
            Some(_) => {
                return Err(Error::Config {
                    key: "SECRET_KEY".into(),
                    message: format!(
                        "must be at least {MIN_SECRET_LEN} characters long (e.g. the output of `openssl rand -hex 32`)"
                    ),
                });
            }
            None => return Err(missing_secret()),
        };
        let web = &config.web;
        let produces = web
            .produces
            .iter()
            .map(|p| {
                Format::from_media_type(p).ok_or_else(|| Error::Config {
                    key: "web.produces".into(),
                    message: format!(
                        "`{p}` is not supported: use application/json and/or text/html"
                    ),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if produces.is_empty() {
            return Err(config_err(
                "web.produces",
                "must list at least one media type",
            ));
        }
        if web.multi_tenancy.enabled {
            return Err(config_err(
                "web.multiTenancy.enabled",
                "multi-tenancy is not supported yet",
            ));
        }
        if web
            .id_site
            .get("enabled")
            .and_then(serde_json::Value::as_bool)
            == Some(true)
        {
            return Err(config_err("web.idSite.enabled", "ID Site is not supported"));
        }
        if let Some(href) = &config.application.href
            && !href.contains("/applications/")
        {
            return Err(config_err(
                "application.href",
                "must contain /applications/",
            ));
        }
        for (key, value) in [
            ("web.login.uri", &web.login.uri),
            ("web.login.nextUri", &web.login.next_uri),
            ("web.register.uri", &web.register.uri),
            ("web.register.nextUri", &web.register.next_uri),
            ("web.logout.uri", &web.logout.uri),
            ("web.logout.nextUri", &web.logout.next_uri),
            ("web.me.uri", &web.me.uri),
            ("web.oauth2.uri", &web.oauth2.uri),
            ("web.forgotPassword.uri", &web.forgot_password.uri),
            ("web.forgotPassword.nextUri", &web.forgot_password.next_uri),
            ("web.changePassword.uri", &web.change_password.uri),
            ("web.changePassword.nextUri", &web.change_password.next_uri),
            (
                "web.changePassword.errorUri",
                &web.change_password.error_uri,
            ),
            ("web.verifyEmail.uri", &web.verify_email.uri),
            ("web.verifyEmail.nextUri", &web.verify_email.next_uri),
        ] {
            if !value.starts_with('/') || value.starts_with("//") {
                return Err(config_err(key, "must be a path starting with a single /"));
            }
        }
        if !(web.base_url.starts_with("http://") || web.base_url.starts_with("https://")) {
            return Err(config_err("web.baseUrl", "must be an absolute http(s) URL"));
        }
        let login_fields = fields(&web.login.form, "web.login.form", |_, _| false)?;
        // Derived fields join the configured ones (spec §5.2: after them unless `fieldOrder`
        // lists them), then get their types back by name.
        let mut register_form = web.register.form.clone();
        custom_data::merge_into(&mut register_form, &schemas)?;
        let mut register_fields = fields(&register_form, "web.register.form", |name, spec| {
            spec.required.unwrap_or(matches!(
                name,
                "givenName" | "surname" | "email" | "password"
            ))
        })?;
        for field in &mut register_fields {
            field.custom = schemas
                .iter()
                .flat_map(Schema::form_fields)
                .find(|f| f.name() == field.name)
                .cloned();
        }
        for name in ["email", "password"] {
            if !register_fields.iter().any(|f| f.name == name) {
                return Err(config_err(
                    &format!("web.register.form.fields.{name}.enabled"),
                    "email and password cannot be disabled",
                ));
            }
        }
        // The legacy top-level `apiKey` wins over `client.apiKey` (sdk-compat §2.1 step 8).
        let api_key = [&config.api_key, &config.client.api_key]
            .into_iter()
            .find_map(|k| Some((k.id.clone()?, k.secret.clone()?)))
            .filter(|(id, secret)| !id.is_empty() && !secret.0.is_empty());
        let (signing_key, key_id) = match api_key {
            Some((_, secret)) if secret.0.len() < MIN_SECRET_LEN => {
                return Err(config_err(
                    "client.apiKey.secret",
                    "must be at least 32 characters long",
                ));
            }
            Some((id, secret)) => (secret.0.into_bytes(), Some(id)),
            None => (secret.clone(), None),
        };
        let application = config
            .application
            .name
            .clone()
            .unwrap_or_else(|| "My Application".into());
        Ok(Self {
            verify_email: web.verify_email.enabled.unwrap_or(false),
            forgot_password: web.forgot_password.enabled.unwrap_or(true),
            change_password: web.change_password.enabled.unwrap_or(true),
            secret,
            signing_key,
            key_id,
            produces,
            login_fields,
            register_fields,
            schemas,
            application,
            trusted_proxies: crate::client_ip::TrustedProxies::parse(
                &config.security.trusted_proxies,
            )?,
            config,
        })
    }
}

fn missing_secret() -> Error {
    Error::Config {
        key: "SECRET_KEY".into(),
        message:
            "is not set: set the SECRET_KEY environment variable (or `secretKey` in stormpath.yml) \
                  to a random string of at least 32 characters"
                .into(),
    }
}

fn config_err(key: &str, message: &str) -> Error {
    Error::Config {
        key: key.into(),
        message: message.into(),
    }
}

/// Resolves a form's enabled fields in `fieldOrder` order, then the unlisted enabled ones in
/// configuration order (spec §5.2). `required: null` is decided by `default_required`.
fn fields(
    form: &FormConfig,
    key: &str,
    default_required: impl Fn(&str, &super::web::FieldConfig) -> bool,
) -> Result<Vec<FieldSpec>, Error> {
    let mut names: Vec<&String> = form
        .field_order
        .iter()
        .filter(|n| form.fields.contains_key(*n))
        .collect();
    for name in form.fields.keys() {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    let mut out = Vec::new();
    for name in names {
        let raw = form.fields.get(name).cloned().unwrap_or_default();
        let spec: super::web::FieldConfig =
            serde_json::from_value(raw).map_err(|e| Error::Config {
                key: format!("{key}.fields.{name}"),
                message: format!(
                    "{e} (a field needs enabled, visible, label, placeholder, required and type)"
                ),
            })?;
        // `enabled: null` (organizationNameKey) means "only with multi-tenancy", which is off.
        if spec.enabled != Some(true) {
            continue;
        }
        out.push(FieldSpec {
            required: spec
                .required
                .unwrap_or_else(|| default_required(name, &spec))
                || name == "password",
            label: spec.label,
            name: name.clone(),
            placeholder: spec.placeholder,
            kind: spec.kind,
            visible: spec.visible,
            custom: None,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;

    fn config() -> Config {
        Config {
            secret_key: Some(Secret("x".repeat(32))),
            ..Config::default()
        }
    }

    #[test]
    fn default_register_fields_are_the_four_required_ones() {
        let s = Settings::resolve(config()).unwrap();
        let names: Vec<_> = s.register_fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["givenName", "surname", "email", "password"]);
        assert!(s.register_fields.iter().all(|f| f.required));
        let login: Vec<_> = s.login_fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(login, ["login", "password"]);
    }

    #[test]
    fn missing_or_short_secret_names_the_key() {
        let err = Settings::resolve(Config::default()).unwrap_err();
        assert!(err.to_string().contains("SECRET_KEY"), "{err}");
        let short = Config {
            secret_key: Some(Secret("short".into())),
            ..Config::default()
        };
        assert!(
            Settings::resolve(short)
                .unwrap_err()
                .to_string()
                .contains("SECRET_KEY")
        );
    }

    #[test]
    fn unsupported_produces_is_rejected() {
        let mut c = config();
        c.web.produces = vec!["text/plain".into()];
        assert!(
            Settings::resolve(c)
                .unwrap_err()
                .to_string()
                .contains("web.produces")
        );
    }
}
