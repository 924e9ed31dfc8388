//! The sources of configuration: settings with their origin, and the files that hold them.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;
use yaml_rust2::{Yaml, YamlLoader};

use crate::credentials::parse_api_key_properties;
use crate::{Error, Invalid, InvalidKind, Result};

/// One setting's value and the source it came from (for error messages).
#[derive(Clone)]
pub(super) struct Sourced {
    /// The value.
    pub(super) value: String,
    /// "the file …" or "the environment variable …".
    pub(super) source: String,
}

impl Sourced {
    /// A value from `source`.
    pub(super) fn new(value: String, source: &str) -> Self {
        Self {
            value,
            source: source.to_owned(),
        }
    }
}

/// The settings one source gives (or, merged, all sources so far).
#[derive(Default)]
pub(super) struct Settings {
    /// `client.baseUrl`.
    pub(super) base_url: Option<Sourced>,
    /// `application.href`.
    pub(super) app_href: Option<Sourced>,
    /// `application.name`.
    pub(super) app_name: Option<Sourced>,
    /// `client.apiKey.id`.
    pub(super) client_id: Option<Sourced>,
    /// `client.apiKey.secret`.
    pub(super) client_secret: Option<Sourced>,
    /// `client.apiKey.file`.
    pub(super) client_file: Option<Sourced>,
    /// Top-level `apiKey.id`.
    pub(super) legacy_id: Option<Sourced>,
    /// Top-level `apiKey.secret`.
    pub(super) legacy_secret: Option<Sourced>,
    /// Top-level `apiKey.file`.
    pub(super) legacy_file: Option<Sourced>,
}

/// Names a field of [`Settings`].
#[derive(Clone, Copy)]
pub(super) enum Slot {
    /// `client.baseUrl`.
    BaseUrl,
    /// `application.href`.
    AppHref,
    /// `application.name`.
    AppName,
    /// `client.apiKey.id`.
    ClientId,
    /// `client.apiKey.secret`.
    ClientSecret,
    /// `client.apiKey.file`.
    ClientFile,
    /// `apiKey.id`.
    LegacyId,
    /// `apiKey.secret`.
    LegacySecret,
    /// `apiKey.file`.
    LegacyFile,
}

impl Settings {
    /// Sets one value (empty values are ignored).
    pub(super) fn set(&mut self, slot: Slot, value: String, source: &str) {
        if value.is_empty() {
            return;
        }
        let field = match slot {
            Slot::BaseUrl => &mut self.base_url,
            Slot::AppHref => &mut self.app_href,
            Slot::AppName => &mut self.app_name,
            Slot::ClientId => &mut self.client_id,
            Slot::ClientSecret => &mut self.client_secret,
            Slot::ClientFile => &mut self.client_file,
            Slot::LegacyId => &mut self.legacy_id,
            Slot::LegacySecret => &mut self.legacy_secret,
            Slot::LegacyFile => &mut self.legacy_file,
        };
        *field = Some(Sourced::new(value, source));
    }

    /// Overlays a later source. The application's href and name go together.
    pub(super) fn overlay(&mut self, later: Settings) {
        /// Keeps `earlier` unless `later` has a value.
        fn over(earlier: &mut Option<Sourced>, later: Option<Sourced>) {
            if later.is_some() {
                *earlier = later;
            }
        }
        if later.app_href.is_some() || later.app_name.is_some() {
            self.app_href = later.app_href;
            self.app_name = later.app_name;
        }
        over(&mut self.base_url, later.base_url);
        over(&mut self.client_id, later.client_id);
        over(&mut self.client_secret, later.client_secret);
        over(&mut self.client_file, later.client_file);
        over(&mut self.legacy_id, later.legacy_id);
        over(&mut self.legacy_secret, later.legacy_secret);
        over(&mut self.legacy_file, later.legacy_file);
    }
}

/// The shape of `stormpath.json` / `stormpath.yml`, as far as the client reads it.
#[derive(Deserialize, Default)]
#[serde(default)]
struct FileConfig {
    /// `client.*`.
    client: Option<ClientSection>,
    /// `application.*`.
    application: Option<ApplicationSection>,
    /// The legacy top-level `apiKey.*`.
    #[serde(rename = "apiKey")]
    api_key: Option<KeySection>,
}

/// `client.*`.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ClientSection {
    /// `client.apiKey.*`.
    #[serde(rename = "apiKey")]
    api_key: Option<KeySection>,
    /// `client.baseUrl`.
    #[serde(rename = "baseUrl")]
    base_url: Option<String>,
}

/// `apiKey.*`.
#[derive(Deserialize, Default)]
#[serde(default)]
struct KeySection {
    /// The key id.
    id: Option<String>,
    /// The key secret.
    secret: Option<String>,
    /// A properties file holding both.
    file: Option<String>,
}

/// `application.*`.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ApplicationSection {
    /// The application href.
    href: Option<String>,
    /// The application name.
    name: Option<String>,
}

impl FileConfig {
    /// The settings this file gives.
    fn into_settings(self, source: &str) -> Settings {
        let mut settings = Settings::default();
        let mut set = |slot, value: Option<String>| {
            if let Some(value) = value {
                settings.set(slot, value, source);
            }
        };
        if let Some(client) = self.client {
            set(Slot::BaseUrl, client.base_url);
            if let Some(key) = client.api_key {
                set(Slot::ClientId, key.id);
                set(Slot::ClientSecret, key.secret);
                set(Slot::ClientFile, key.file);
            }
        }
        if let Some(app) = self.application {
            set(Slot::AppHref, app.href);
            set(Slot::AppName, app.name);
        }
        if let Some(key) = self.api_key {
            set(Slot::LegacyId, key.id);
            set(Slot::LegacySecret, key.secret);
            set(Slot::LegacyFile, key.file);
        }
        settings
    }
}

/// Reads a file, `None` when it does not exist.
pub(super) fn read_optional(path: &Path) -> Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(Error::backend(ReadError {
            path: path.to_owned(),
            source,
        })),
    }
}

/// An `apiKey.properties` file's settings for `client.apiKey` (none when it does not exist).
pub(super) fn read_properties(path: &Path) -> Result<Settings> {
    let Some(text) = read_optional(path)? else {
        return Ok(Settings::default());
    };
    let key = parse_api_key_properties(&text).map_err(|err| in_file(err, path))?;
    let source = format!("the file {}", path.display());
    let mut settings = Settings::default();
    settings.set(Slot::ClientId, key.id, &source);
    settings.set(Slot::ClientSecret, key.secret, &source);
    Ok(settings)
}

/// A `stormpath.json` file's settings (none when it does not exist).
pub(super) fn read_json(path: &Path) -> Result<Settings> {
    let Some(text) = read_optional(path)? else {
        return Ok(Settings::default());
    };
    let value: Value = serde_json::from_str(&text).map_err(|err| malformed(path, &err))?;
    file_settings(value, path)
}

/// A `stormpath.yml` file's settings (none when it does not exist).
pub(super) fn read_yaml(path: &Path) -> Result<Settings> {
    let Some(text) = read_optional(path)? else {
        return Ok(Settings::default());
    };
    let docs = YamlLoader::load_from_str(&text).map_err(|err| malformed(path, &err))?;
    let value = match docs.into_iter().next() {
        Some(doc) => yaml_to_json(doc, 0).map_err(|why| malformed(path, &why))?,
        None => Value::Null,
    };
    file_settings(value, path)
}

/// Turns a parsed JSON or YAML document into settings; an empty document gives none.
fn file_settings(value: Value, path: &Path) -> Result<Settings> {
    if value.is_null() {
        return Ok(Settings::default());
    }
    if !value.is_object() {
        return Err(malformed(path, &"the top level is not a mapping"));
    }
    let config: FileConfig = serde_path_to_error::deserialize(value).map_err(|err| {
        let key = err.path().to_string();
        Error::from(Invalid::new(
            key.clone(),
            InvalidKind::Format,
            format!("{key} in {} is malformed: {}", path.display(), err.inner()),
        ))
    })?;
    Ok(config.into_settings(&format!("the file {}", path.display())))
}

/// How deep a YAML document may nest (the keys read are two levels down).
const MAX_YAML_DEPTH: usize = 64;

/// A YAML node as JSON: scalars keep their type, mapping keys become strings.
fn yaml_to_json(node: Yaml, depth: usize) -> std::result::Result<Value, String> {
    if depth > MAX_YAML_DEPTH {
        return Err("it is nested too deeply".to_owned());
    }
    Ok(match node {
        Yaml::Null => Value::Null,
        Yaml::Boolean(b) => Value::Bool(b),
        Yaml::Integer(i) => Value::from(i),
        Yaml::Real(text) => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or(Value::String(text), Value::Number),
        Yaml::String(s) => Value::String(s),
        Yaml::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|item| yaml_to_json(item, depth + 1))
                .collect::<std::result::Result<_, _>>()?,
        ),
        Yaml::Hash(hash) => {
            let mut map = serde_json::Map::new();
            for (key, value) in hash {
                let key = match key {
                    Yaml::String(s) | Yaml::Real(s) => s,
                    Yaml::Integer(i) => i.to_string(),
                    Yaml::Boolean(b) => b.to_string(),
                    _ => return Err("a mapping key is not a scalar".to_owned()),
                };
                map.insert(key, yaml_to_json(value, depth + 1)?);
            }
            Value::Object(map)
        }
        Yaml::Alias(_) | Yaml::BadValue => return Err("it has an unresolved value".to_owned()),
    })
}

/// The error for a file that does not parse.
fn malformed(path: &Path, why: &dyn fmt::Display) -> Error {
    Invalid::general(
        InvalidKind::Format,
        format!("The file {} is malformed: {why}", path.display()),
    )
    .into()
}

/// Names the file in a key-file parse error.
pub(super) fn in_file(err: Error, path: &Path) -> Error {
    match err {
        Error::Validation(invalid) => Invalid {
            message: format!("{} (in the file {})", invalid.message, path.display()),
            ..invalid
        }
        .into(),
        other => other,
    }
}

/// A file that exists but cannot be read.
#[derive(Debug)]
struct ReadError {
    /// The file.
    path: PathBuf,
    /// Why.
    source: io::Error,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot read {}", self.path.display())
    }
}

impl std::error::Error for ReadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}
