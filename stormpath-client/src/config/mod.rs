//! Stormpath client configuration: where the API key, the base URL and the application come
//! from (sdk-compat.md §2).
//!
//! [`ConfigLoader::load`] reads, in this order, each later source overriding the earlier ones:
//!
//! 1. `~/.stormpath/apiKey.properties`, `~/.stormpath/stormpath.json`, `~/.stormpath/stormpath.yml`;
//! 2. `./apiKey.properties` (only when no key id and secret are set yet), `./stormpath.json`,
//!    `./stormpath.yml`;
//! 3. the environment: `STORMPATH_CLIENT_APIKEY_ID` / `_SECRET` / `_FILE`,
//!    `STORMPATH_CLIENT_BASEURL`, `STORMPATH_APPLICATION_HREF`, `STORMPATH_APPLICATION_NAME`,
//!    and Flask-Stormpath's `STORMPATH_API_KEY_ID` / `_SECRET` / `_FILE` and
//!    `STORMPATH_APPLICATION` (an href when it contains `/applications/`, else a name);
//! 4. the key file named by `client.apiKey.file` (it must exist), then the legacy top-level
//!    `apiKey.file` and `apiKey.id` / `apiKey.secret` (`STORMPATH_API_KEY_*`), which win over
//!    `client.apiKey`, as in the Node SDK's loader.
//!
//! The JSON and YAML files use the keys `client.apiKey.{id,secret,file}`, `client.baseUrl`,
//! `application.{href,name}` and the legacy `apiKey.{id,secret,file}`; other keys (`web.*`,
//! cache options) are ignored. Empty values, in files or the environment, count as unset. The
//! application is one setting: a source that names it (by href or name) replaces both the
//! href and the name of earlier sources. Key file paths may start with `~/`; relative ones are
//! taken from the working directory.
//!
//! # Examples
//! ```
//! use stormpath_client::config::ConfigLoader;
//!
//! let home = tempfile::tempdir().unwrap();
//! let config = ConfigLoader::new()
//!     .home_dir(home.path())
//!     .working_dir(home.path())
//!     .env([
//!         ("STORMPATH_CLIENT_APIKEY_ID".to_owned(), "2ZFMV4WVVCVG35XATIEXAMPLE".to_owned()),
//!         ("STORMPATH_CLIENT_APIKEY_SECRET".to_owned(), "secret".to_owned()),
//!         ("STORMPATH_CLIENT_BASEURL".to_owned(), "http://127.0.0.1:8080/v1/".to_owned()),
//!         ("STORMPATH_APPLICATION".to_owned(), "My App".to_owned()),
//!     ])
//!     .load()
//!     .unwrap();
//! assert_eq!(config.base_url.as_deref(), Some("http://127.0.0.1:8080/v1"));
//! assert_eq!(config.api_key.unwrap().id, "2ZFMV4WVVCVG35XATIEXAMPLE");
//! assert_eq!(config.application_name.as_deref(), Some("My App"));
//! ```

mod sources;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;

use crate::credentials::{ApiKey, parse_api_key_properties};
use crate::{Error, Invalid, InvalidKind, Result};

use sources::{
    Settings, Slot, Sourced, in_file, read_json, read_optional, read_properties, read_yaml,
};

/// The resolved client configuration.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ClientConfig {
    /// The REST API's base URL including `/v1`, without a trailing `/`
    /// (e.g. `http://127.0.0.1:8080/v1`).
    pub base_url: Option<String>,
    /// The tenant API key the client authenticates with.
    pub api_key: Option<ApiKey>,
    /// The application's href (it contains `/applications/`); preferred over the name.
    pub application_href: Option<String>,
    /// The application's name, for looking it up when no href is given.
    pub application_name: Option<String>,
}

impl fmt::Debug for ClientConfig {
    // `ApiKey`'s own Debug hides the secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key)
            .field("application_href", &self.application_href)
            .field("application_name", &self.application_name)
            .finish()
    }
}

impl ClientConfig {
    /// Overlays `later` on `self`: each setting `later` has replaces this one's. The
    /// application is one setting: when `later` has an href or a name, both come from it.
    ///
    /// # Examples
    /// ```
    /// use stormpath_client::config::ClientConfig;
    /// let files = ClientConfig {
    ///     base_url: Some("http://a/v1".into()),
    ///     application_href: Some("http://a/v1/applications/x".into()),
    ///     ..ClientConfig::default()
    /// };
    /// let code = ClientConfig { application_name: Some("App".into()), ..ClientConfig::default() };
    /// let merged = files.merge(code);
    /// assert_eq!(merged.base_url.as_deref(), Some("http://a/v1"));
    /// assert_eq!((merged.application_href, merged.application_name.as_deref()), (None, Some("App")));
    /// ```
    #[must_use]
    pub fn merge(self, later: ClientConfig) -> ClientConfig {
        let (application_href, application_name) =
            if later.application_href.is_some() || later.application_name.is_some() {
                (later.application_href, later.application_name)
            } else {
                (self.application_href, self.application_name)
            };
        ClientConfig {
            base_url: later.base_url.or(self.base_url),
            api_key: later.api_key.or(self.api_key),
            application_href,
            application_name,
        }
    }
}

/// Loads a [`ClientConfig`] from files and the environment. The home directory, the working
/// directory and the environment can be replaced (for tests, or to confine a service).
#[derive(Clone)]
#[must_use]
pub struct ConfigLoader {
    /// The directory holding `.stormpath/`; `None` when there is no home.
    home: Option<PathBuf>,
    /// Where `./apiKey.properties` and `./stormpath.yml` are looked for.
    working_dir: PathBuf,
    /// The environment; `None` reads the process's.
    env: Option<HashMap<String, String>>,
}

impl fmt::Debug for ConfigLoader {
    // The environment holds secrets: only its size is shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigLoader")
            .field("home", &self.home)
            .field("working_dir", &self.working_dir)
            .field("env", &self.env.as_ref().map(HashMap::len))
            .finish()
    }
}

impl Default for ConfigLoader {
    fn default() -> Self {
        Self::new()
    }
}

impl ConfigLoader {
    /// A loader for the real home directory (`$HOME`, or `%USERPROFILE%` on Windows), the
    /// process's working directory and environment.
    pub fn new() -> Self {
        let home = std::env::var_os("HOME")
            .or_else(|| std::env::var_os("USERPROFILE"))
            .filter(|home| !home.is_empty())
            .map(PathBuf::from);
        Self {
            home,
            working_dir: std::env::current_dir().unwrap_or_default(),
            env: None,
        }
    }

    /// Uses `dir` as the home directory: the one holding `.stormpath/`.
    pub fn home_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.home = Some(dir.into());
        self
    }

    /// Uses `dir` as the working directory.
    pub fn working_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.working_dir = dir.into();
        self
    }

    /// Uses these variables instead of the process environment.
    pub fn env(mut self, vars: impl IntoIterator<Item = (String, String)>) -> Self {
        self.env = Some(vars.into_iter().collect());
        self
    }

    /// Reads every source in order (see the [module documentation](self)) and resolves them.
    ///
    /// Files that do not exist are skipped, except a key file named by `client.apiKey.file`,
    /// `apiKey.file` or their variables.
    ///
    /// # Errors
    /// * [`Error::Validation`], its message naming the file or variable: a named key file that
    ///   does not exist; a malformed `apiKey.properties`, JSON or YAML file (a value of the
    ///   wrong type has the key as its field); a key id without a secret or the reverse; an
    ///   application href without `/applications/` (field `application.href`); a base URL
    ///   that is not http(s) (field `client.baseUrl`); a variable that is not UTF-8.
    /// * [`Error::Backend`] naming the file when an existing file cannot be read.
    pub fn load(&self) -> Result<ClientConfig> {
        let mut settings = Settings::default();
        if let Some(home) = &self.home {
            let dir = home.join(".stormpath");
            settings.overlay(read_properties(&dir.join("apiKey.properties"))?);
            settings.overlay(read_json(&dir.join("stormpath.json"))?);
            settings.overlay(read_yaml(&dir.join("stormpath.yml"))?);
        }
        if settings.client_id.is_none() || settings.client_secret.is_none() {
            let path = self.working_dir.join("apiKey.properties");
            settings.overlay(read_properties(&path)?);
        }
        settings.overlay(read_json(&self.working_dir.join("stormpath.json"))?);
        settings.overlay(read_yaml(&self.working_dir.join("stormpath.yml"))?);
        settings.overlay(self.env_settings()?);
        self.resolve(settings)
    }

    /// The settings the environment variables give.
    fn env_settings(&self) -> Result<Settings> {
        let mut settings = Settings::default();
        let vars: [(&'static str, Slot); 9] = [
            ("STORMPATH_CLIENT_APIKEY_ID", Slot::ClientId),
            ("STORMPATH_CLIENT_APIKEY_SECRET", Slot::ClientSecret),
            ("STORMPATH_CLIENT_APIKEY_FILE", Slot::ClientFile),
            ("STORMPATH_API_KEY_ID", Slot::LegacyId),
            ("STORMPATH_API_KEY_SECRET", Slot::LegacySecret),
            ("STORMPATH_API_KEY_FILE", Slot::LegacyFile),
            ("STORMPATH_CLIENT_BASEURL", Slot::BaseUrl),
            ("STORMPATH_APPLICATION_HREF", Slot::AppHref),
            ("STORMPATH_APPLICATION_NAME", Slot::AppName),
        ];
        if let Some(app) = self.var("STORMPATH_APPLICATION")? {
            let slot = if app.contains("/applications/") {
                Slot::AppHref
            } else {
                Slot::AppName
            };
            settings.set(slot, app, "the environment variable STORMPATH_APPLICATION");
        }
        for (name, slot) in vars {
            if let Some(value) = self.var(name)? {
                settings.set(slot, value, &format!("the environment variable {name}"));
            }
        }
        Ok(settings)
    }

    /// One variable; `None` when unset or empty.
    fn var(&self, name: &'static str) -> Result<Option<String>> {
        let value = match &self.env {
            Some(env) => env.get(name).cloned(),
            None => match std::env::var(name) {
                Ok(value) => Some(value),
                Err(std::env::VarError::NotPresent) => None,
                Err(std::env::VarError::NotUnicode(_)) => {
                    return Err(Invalid::new(
                        name,
                        InvalidKind::Format,
                        format!("The environment variable {name} is not valid UTF-8."),
                    )
                    .into());
                }
            },
        };
        Ok(value.filter(|v| !v.is_empty()))
    }

    /// Loads the named key files, checks the values and builds the configuration.
    fn resolve(&self, settings: Settings) -> Result<ClientConfig> {
        let mut id = settings.client_id;
        let mut secret = settings.client_secret;
        // sdk-compat.md §2.1 steps 7 and 8: the key file, then the legacy top-level values.
        for (file, key) in [
            (settings.client_file, "client.apiKey.file"),
            (settings.legacy_file, "apiKey.file"),
        ] {
            if let Some(file) = file {
                let loaded = self.read_named_key_file(&file, key)?;
                id = Some(loaded.id);
                secret = Some(loaded.secret);
            }
        }
        if let Some(legacy) = settings.legacy_id {
            id = Some(legacy);
        }
        if let Some(legacy) = settings.legacy_secret {
            secret = Some(legacy);
        }
        let api_key = match (id, secret) {
            (Some(id), Some(secret)) => Some(ApiKey {
                id: id.value,
                secret: secret.value,
            }),
            (None, None) => None,
            (Some(id), None) => return Err(half_key("secret", "id", &id.source)),
            (None, Some(secret)) => return Err(half_key("id", "secret", &secret.source)),
        };

        let base_url = settings.base_url.map(check_base_url).transpose()?;
        let application_href = settings.app_href.map(check_href).transpose()?;
        Ok(ClientConfig {
            base_url,
            api_key,
            application_href,
            application_name: settings.app_name.map(|name| name.value),
        })
    }

    /// Reads the key file named by `key` (`client.apiKey.file` or `apiKey.file`), which must
    /// exist. The id and secret it holds are marked as coming from that file.
    fn read_named_key_file(&self, file: &Sourced, key: &'static str) -> Result<KeyFromFile> {
        let path = self.expand(&file.value);
        let text = read_optional(&path)?.ok_or_else(|| {
            Error::from(Invalid::new(
                key,
                InvalidKind::Other,
                format!(
                    "The API key file {} ({key}, from {}) does not exist.",
                    path.display(),
                    file.source
                ),
            ))
        })?;
        let parsed = parse_api_key_properties(&text).map_err(|err| in_file(err, &path))?;
        let source = format!("the file {}", path.display());
        Ok(KeyFromFile {
            id: Sourced::new(parsed.id, &source),
            secret: Sourced::new(parsed.secret, &source),
        })
    }

    /// A key file path: `~/` is the home directory, a relative path is taken from the
    /// working directory.
    fn expand(&self, path: &str) -> PathBuf {
        match (path.strip_prefix("~/"), &self.home) {
            (Some(rest), Some(home)) => home.join(rest),
            _ => self.working_dir.join(path),
        }
    }
}

/// The id and secret read from a named key file.
struct KeyFromFile {
    /// The key id.
    id: Sourced,
    /// The key secret.
    secret: Sourced,
}

/// The error for a key id without a secret or the reverse.
fn half_key(missing: &str, present: &str, source: &str) -> Error {
    Invalid::new(
        format!("client.apiKey.{missing}"),
        InvalidKind::Required,
        format!("The API key {present} is set (by {source}) but its {missing} is not."),
    )
    .into()
}

/// A base URL must be http(s); the trailing `/` is dropped.
fn check_base_url(url: Sourced) -> Result<String> {
    let value = url.value.trim();
    let lower = value.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("http://")
        .or_else(|| lower.strip_prefix("https://"));
    match rest {
        Some(rest) if !rest.trim_end_matches('/').is_empty() => {
            Ok(value.trim_end_matches('/').to_owned())
        }
        _ => Err(Invalid::new(
            "client.baseUrl",
            InvalidKind::Format,
            format!(
                "The base URL {value:?} (from {}) must be an http:// or https:// URL.",
                url.source
            ),
        )
        .into()),
    }
}

/// An application href must contain `/applications/` (sdk-compat.md §2.1 step 9).
fn check_href(href: Sourced) -> Result<String> {
    let value = href.value.trim();
    if value.contains("/applications/") {
        Ok(value.to_owned())
    } else {
        Err(Invalid::new(
            "application.href",
            InvalidKind::Format,
            format!(
                "The application href {value:?} (from {}) must contain /applications/.",
                href.source
            ),
        )
        .into())
    }
}
