//! The layers `load` stacks in the `config` crate's builder: a JSON tree (the defaults), the
//! configuration and API key files, and the `STORMPATH_*` environment. Each error names the
//! key, variable or file at fault.

use std::path::PathBuf;

use config::{ConfigError, Source};
use serde_json::{Map, Value};

use super::ENV_ALIASES;

/// A layer's error, naming the key, variable or file at fault.
#[derive(Debug, thiserror::Error)]
#[error("{key}: {message}")]
pub(super) struct Keyed {
    pub(super) key: String,
    pub(super) message: String,
}

impl Keyed {
    pub(super) fn error(key: impl Into<String>, message: impl std::fmt::Display) -> ConfigError {
        ConfigError::Foreign(Box::new(Self {
            key: key.into(),
            message: message.to_string(),
        }))
    }
}

/// A layer given as a JSON tree (the defaults, an API key file, the environment's values).
#[derive(Debug, Clone)]
pub(super) struct Tree(pub(super) Value);

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
pub(super) enum FileKind {
    /// A configuration file (YAML, TOML or JSON by its extension), parsed by the `config`
    /// crate. It may wrap everything in a top-level `stormpath:` key.
    Settings,
    /// An `apiKey.properties` file, read into `client.apiKey` (and the legacy `apiKey`).
    ApiKey,
}

/// A file layer; an optional one is skipped when the file is not there.
#[derive(Debug, Clone)]
pub(super) struct FileLayer {
    kind: FileKind,
    path: PathBuf,
    required: bool,
}

impl FileLayer {
    pub(super) fn optional(kind: FileKind, path: PathBuf) -> Self {
        Self {
            kind,
            path,
            required: false,
        }
    }

    pub(super) fn required(kind: FileKind, path: PathBuf) -> Self {
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
pub(super) struct Env {
    /// The leaves of the defaults, by variable name: (key path, default).
    leaves: Vec<(String, Vec<String>, Value)>,
    /// The variables this layer reads, as they were when it was made.
    vars: Vec<(String, String)>,
}

impl Env {
    /// The process environment, for the leaves of `defaults`.
    pub(super) fn from_process(defaults: &Value) -> Self {
        let vars = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .filter(|(k, _)| {
                k.starts_with("STORMPATH_") || ENV_ALIASES.iter().any(|(name, _)| name == k)
            })
            .collect();
        Self::new(defaults, vars)
    }

    pub(super) fn new(defaults: &Value, vars: Vec<(String, String)>) -> Self {
        let mut leaves = Vec::new();
        collect_leaves(defaults, &mut Vec::new(), &mut leaves);
        Self { leaves, vars }
    }

    pub(super) fn var(&self, name: &str) -> Option<&str> {
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
                // Flask-Stormpath's `STORMPATH_APPLICATION` takes a name or an href.
                let key = match *name {
                    "STORMPATH_APPLICATION" if is_href(value) => "application.href",
                    _ => key,
                };
                set_path(&mut tree, key, Value::String(value.to_owned()));
            }
        }
        Tree(tree).collect()
    }
}

/// Whether a setting that takes a name or an href holds an href.
fn is_href(value: &str) -> bool {
    let value = value.trim_start().to_ascii_lowercase();
    value.starts_with("http://") || value.starts_with("https://")
}

pub(super) fn get_path<'a>(tree: &'a Value, key: &str) -> Option<&'a Value> {
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
