//! Loading: the layers of the module docs, in the `config` crate's builder — defaults, files,
//! the environment, then the API key file a layer names — and one deserialization whose errors
//! name the offending key.

use std::path::PathBuf;

use config::{ConfigError, Source};
use serde_json::{Map, Value};

use super::{Config, ENV_ALIASES};
use crate::Error;

const CONFIG_NAMES: &[&str] = &[
    "stormpath.yml",
    "stormpath.yaml",
    "stormpath.toml",
    "stormpath.json",
];

/// Where configuration may come from; tests turn the ambient sources off.
#[derive(Debug, Clone)]
pub(crate) struct Sources {
    pub(crate) files: bool,
    pub(crate) env: bool,
    pub(crate) extra_file: Option<PathBuf>,
}

/// Builds the configuration from the sources.
pub(crate) fn load(sources: &Sources) -> Result<Config, Error> {
    let defaults = serde_json::to_value(Config::default()).map_err(|e| config_error("", e))?;
    let env = if sources.env {
        Env::from_process(&defaults)
    } else {
        Env::default()
    };
    let mut builder = config::Config::builder().add_source(Tree(defaults));
    let explicit = env.var("STORMPATH_CONFIG_FILE").map(PathBuf::from);
    if sources.files && explicit.is_none() {
        let home = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".stormpath"));
        for dir in home.into_iter().chain([PathBuf::from(".")]) {
            builder = builder.add_source(FileLayer::optional(
                FileKind::ApiKey,
                dir.join("apiKey.properties"),
            ));
            for name in CONFIG_NAMES {
                builder =
                    builder.add_source(FileLayer::optional(FileKind::Settings, dir.join(name)));
            }
        }
    }
    for path in explicit.iter().chain(&sources.extra_file) {
        builder = builder.add_source(FileLayer::required(FileKind::Settings, path.clone()));
    }
    builder = builder.add_source(env);
    // A layer may name an API key file: it is read last, over everything else.
    let tree = into_tree(builder.build_cloned())?;
    for key in ["client.apiKey.file", "apiKey.file"] {
        if let Some(Value::String(file)) = get_path(&tree, key) {
            builder =
                builder.add_source(FileLayer::required(FileKind::ApiKey, PathBuf::from(file)));
        }
    }
    deserialize(into_tree(builder.build())?)
}

/// The merged tree of a builder's layers, or the error of the layer at fault.
fn into_tree(built: Result<config::Config, ConfigError>) -> Result<Value, Error> {
    built
        .and_then(config::Config::try_deserialize)
        .map_err(|err| match err {
            ConfigError::Foreign(cause) => match cause.downcast::<Keyed>() {
                Ok(keyed) => Error::Config {
                    key: keyed.key,
                    message: keyed.message,
                },
                Err(cause) => config_error("", cause),
            },
            other => config_error("", other),
        })
}

/// A layer's error, naming the key, variable or file at fault.
#[derive(Debug, thiserror::Error)]
#[error("{key}: {message}")]
struct Keyed {
    key: String,
    message: String,
}

impl Keyed {
    fn error(key: impl Into<String>, message: impl std::fmt::Display) -> ConfigError {
        ConfigError::Foreign(Box::new(Self {
            key: key.into(),
            message: message.to_string(),
        }))
    }
}

/// Deserializes the merged tree; an error names the key it is about.
pub(crate) fn deserialize(tree: Value) -> Result<Config, Error> {
    serde_path_to_error::deserialize(tree).map_err(|e| {
        let key = e.path().to_string();
        config_error(&key, e.into_inner())
    })
}

fn config_error(key: &str, err: impl std::fmt::Display) -> Error {
    let key = if key.is_empty() || key == "." {
        "stormpath".to_owned()
    } else {
        key.to_owned()
    };
    Error::Config {
        key,
        message: err.to_string(),
    }
}

/// A layer given as a JSON tree (the defaults, an API key file, the environment's values).
#[derive(Debug, Clone)]
struct Tree(Value);

impl Source for Tree {
    fn clone_into_box(&self) -> Box<dyn Source + Send + Sync> {
        Box::new(self.clone())
    }

    fn collect(&self) -> Result<config::Map<String, config::Value>, ConfigError> {
        match to_config(self.0.clone()).kind {
            config::ValueKind::Table(table) => Ok(table),
            _ => Ok(config::Map::new()),
        }
    }
}

/// A JSON value as the `config` crate's.
fn to_config(value: Value) -> config::Value {
    use config::ValueKind as Kind;
    let kind = match value {
        Value::Null => Kind::Nil,
        Value::Bool(b) => Kind::Boolean(b),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Kind::I64(i),
            (None, Some(u)) => Kind::U64(u),
            _ => Kind::Float(n.as_f64().unwrap_or_default()),
        },
        Value::String(s) => Kind::String(s),
        Value::Array(items) => Kind::Array(items.into_iter().map(to_config).collect()),
        Value::Object(map) => Kind::Table(
            map.into_iter()
                .map(|(key, value)| (key, to_config(value)))
                .collect(),
        ),
    };
    config::Value::new(None, kind)
}

/// What a file layer holds.
#[derive(Debug, Clone, Copy)]
enum FileKind {
    /// A configuration file (YAML, TOML or JSON by its extension), parsed by the `config`
    /// crate. It may wrap everything in a top-level `stormpath:` key.
    Settings,
    /// An `apiKey.properties` file, read into `client.apiKey` (and the legacy `apiKey`).
    ApiKey,
}

/// A file layer; an optional one is skipped when the file is not there.
#[derive(Debug, Clone)]
struct FileLayer {
    kind: FileKind,
    path: PathBuf,
    required: bool,
}

impl FileLayer {
    fn optional(kind: FileKind, path: PathBuf) -> Self {
        Self {
            kind,
            path,
            required: false,
        }
    }

    fn required(kind: FileKind, path: PathBuf) -> Self {
        Self {
            kind,
            path,
            required: true,
        }
    }

    /// An error about this file.
    fn error(&self, message: impl std::fmt::Display) -> ConfigError {
        Keyed::error(self.path.display().to_string(), message)
    }

    fn settings(&self) -> Result<config::Map<String, config::Value>, ConfigError> {
        let mut map = config::File::from(self.path.as_path())
            .required(true)
            .collect()
            .map_err(|e| self.error(e))?;
        if map.len() == 1
            && let Some(inner) = map.shift_remove("stormpath")
        {
            return match inner.kind {
                config::ValueKind::Table(table) => Ok(table),
                kind => Ok(config::Map::from_iter([(
                    "stormpath".to_owned(),
                    config::Value::new(None, kind),
                )])),
            };
        }
        Ok(map)
    }

    fn api_key(&self) -> Result<config::Map<String, config::Value>, ConfigError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(_) if !self.required => return Ok(config::Map::new()),
            Err(e) => return Err(self.error(e)),
        };
        let key = stormpath_client::credentials::parse_api_key_properties(&text)
            .map_err(|e| self.error(e))?;
        let mut tree = Value::Object(Map::new());
        for prefix in ["client.apiKey", "apiKey"] {
            set_path(
                &mut tree,
                &format!("{prefix}.id"),
                Value::String(key.id.clone()),
            );
            set_path(
                &mut tree,
                &format!("{prefix}.secret"),
                Value::String(key.secret.clone()),
            );
        }
        Tree(tree).collect()
    }
}

impl Source for FileLayer {
    fn clone_into_box(&self) -> Box<dyn Source + Send + Sync> {
        Box::new(self.clone())
    }

    fn collect(&self) -> Result<config::Map<String, config::Value>, ConfigError> {
        if !self.required && !self.path.is_file() {
            return Ok(config::Map::new());
        }
        match self.kind {
            FileKind::Settings => self.settings(),
            FileKind::ApiKey => self.api_key(),
        }
    }
}

/// The environment: `STORMPATH_<PATH>` for every leaf of the defaults (each value parsed as the
/// type of the default it replaces), then the aliases of [`ENV_ALIASES`].
#[derive(Debug, Clone, Default)]
struct Env {
    /// The leaves of the defaults, by variable name: (key path, default).
    leaves: Vec<(String, Vec<String>, Value)>,
    /// The variables this layer reads, as they were when it was made.
    vars: Vec<(String, String)>,
}

impl Env {
    /// The process environment, for the leaves of `defaults`.
    fn from_process(defaults: &Value) -> Self {
        let vars = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .filter(|(k, _)| {
                k.starts_with("STORMPATH_") || ENV_ALIASES.iter().any(|(name, _)| name == k)
            })
            .collect();
        Self::new(defaults, vars)
    }

    fn new(defaults: &Value, vars: Vec<(String, String)>) -> Self {
        let mut leaves = Vec::new();
        collect_leaves(defaults, &mut Vec::new(), &mut leaves);
        Self { leaves, vars }
    }

    fn var(&self, name: &str) -> Option<&str> {
        self.vars
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn collect_leaves(
    node: &Value,
    path: &mut Vec<String>,
    out: &mut Vec<(String, Vec<String>, Value)>,
) {
    if let Value::Object(map) = node {
        for (key, child) in map {
            path.push(key.clone());
            collect_leaves(child, path, out);
            path.pop();
        }
        return;
    }
    let name = format!("STORMPATH_{}", path.join("_").to_uppercase());
    out.push((name, path.clone(), node.clone()));
}

impl Source for Env {
    fn clone_into_box(&self) -> Box<dyn Source + Send + Sync> {
        Box::new(self.clone())
    }

    fn collect(&self) -> Result<config::Map<String, config::Value>, ConfigError> {
        let mut tree = Value::Object(Map::new());
        for (name, path, default) in &self.leaves {
            if let Some(raw) = self.var(name) {
                let value = parse_like(default, raw).map_err(|m| Keyed::error(name, m))?;
                set_path(&mut tree, &path.join("."), value);
            }
        }
        for (name, key) in ENV_ALIASES {
            if let Some(value) = self.var(name) {
                set_path(&mut tree, key, Value::String(value.to_owned()));
            }
        }
        Tree(tree).collect()
    }
}

fn get_path<'a>(tree: &'a Value, key: &str) -> Option<&'a Value> {
    key.split('.').try_fold(tree, |node, part| node.get(part))
}

fn set_path(tree: &mut Value, key: &str, value: Value) {
    let mut node = tree;
    for part in key.split('.') {
        if !node.is_object() {
            *node = Value::Object(Map::new());
        }
        let Value::Object(map) = node else { return };
        node = map.entry(part.to_owned()).or_insert(Value::Null);
    }
    *node = value;
}

fn parse_like(default: &Value, raw: &str) -> Result<Value, String> {
    let trimmed = raw.trim();
    match default {
        Value::Bool(_) => match trimmed.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(Value::Bool(true)),
            "false" | "0" | "no" | "off" => Ok(Value::Bool(false)),
            _ => Err(format!("expected true or false, got `{raw}`")),
        },
        Value::Number(_) => serde_json::from_str::<serde_json::Number>(trimmed)
            .map(Value::Number)
            .map_err(|_| format!("expected a number, got `{raw}`")),
        Value::Array(_) if trimmed.starts_with('[') => {
            serde_json::from_str(trimmed).map_err(|e| format!("expected a JSON array: {e}"))
        }
        Value::Array(_) => Ok(Value::Array(
            trimmed
                .split(',')
                .map(|s| Value::String(s.trim().to_owned()))
                .collect(),
        )),
        Value::String(_) => Ok(Value::String(raw.to_owned())),
        _ => Ok(match trimmed {
            "null" => Value::Null,
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::String(raw.to_owned()),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Value {
        serde_json::to_value(Config::default()).unwrap()
    }

    /// The defaults with `layer` over them.
    fn layered(layer: impl Source + Send + Sync + 'static) -> Result<Config, Error> {
        let builder = config::Config::builder()
            .add_source(Tree(defaults()))
            .add_source(layer);
        deserialize(into_tree(builder.build())?)
    }

    fn env_of(pairs: &[(&str, &str)]) -> Env {
        let vars = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Env::new(&defaults(), vars)
    }

    #[test]
    fn env_names_flatten_camel_case_without_underscores() {
        let config = layered(env_of(&[
            ("STORMPATH_WEB_REGISTER_AUTOLOGIN", "true"),
            ("STORMPATH_WEB_PRODUCES", "text/html"),
            ("STORMPATH_WEB_ACCESSTOKENCOOKIE_SECURE", "false"),
            ("STORMPATH_TOKENS_ACCESSTOKENTTL", "60"),
            ("STORMPATH_APPLICATION_NAME", "dronewars"),
        ]))
        .unwrap();
        assert!(config.web.register.auto_login);
        assert_eq!(config.web.produces, ["text/html"]);
        assert_eq!(config.web.access_token_cookie.secure, Some(false));
        assert_eq!(config.tokens.access_token_ttl, 60);
    }

    #[test]
    fn a_bad_env_value_names_the_variable() {
        let err = layered(env_of(&[("STORMPATH_WEB_REGISTER_AUTOLOGIN", "maybe")])).unwrap_err();
        assert!(
            matches!(&err, Error::Config { key, .. } if key == "STORMPATH_WEB_REGISTER_AUTOLOGIN"),
            "{err}"
        );
    }

    #[test]
    fn a_bad_file_value_names_the_key() {
        let err = layered(Tree(
            serde_json::json!({"web": {"login": {"enabled": "sometimes"}}}),
        ))
        .unwrap_err();
        assert!(err.to_string().contains("web.login.enabled"), "{err}");
        let err = layered(Tree(serde_json::json!({"web": {"lgoin": {}}}))).unwrap_err();
        assert!(err.to_string().contains("lgoin"), "{err}");
    }

    #[test]
    fn partial_field_overrides_keep_the_other_defaults() {
        let config = layered(Tree(
            serde_json::json!({"web": {"register": {"form": {"fields": {"givenName": {"required": false}}}}}}),
        ))
        .unwrap();
        let given = &config.web.register.form.fields["givenName"];
        assert_eq!(given["required"], Value::Bool(false));
        assert_eq!(given["label"], "First Name");
    }

    #[test]
    fn a_file_may_wrap_everything_in_stormpath() {
        let dir = tempfile_dir();
        let path = dir.join("stormpath.json");
        std::fs::write(
            &path,
            r#"{"stormpath": {"web": {"logout": {"nextUri": "/bye"}}}}"#,
        )
        .unwrap();
        let config = layered(FileLayer::required(FileKind::Settings, path)).unwrap();
        assert_eq!(config.web.logout.next_uri, "/bye");
    }

    fn tempfile_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("stormpath-load-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
