//! Loading: defaults, files, environment variables; errors name the offending key.

use std::path::{Path, PathBuf};

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

/// Builds the configuration tree from the sources.
pub(crate) fn load(sources: &Sources) -> Result<Config, Error> {
    let mut tree = serde_json::to_value(Config::default()).map_err(|e| config_error("", e))?;
    let env = |name: &str| {
        if sources.env {
            std::env::var(name).ok()
        } else {
            None
        }
    };
    let explicit = env("STORMPATH_CONFIG_FILE").map(PathBuf::from);
    if sources.files && explicit.is_none() {
        let home = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".stormpath"));
        for dir in home.into_iter().chain([PathBuf::from(".")]) {
            merge_api_key_file(&mut tree, &dir.join("apiKey.properties"), false)?;
            for name in CONFIG_NAMES {
                let path = dir.join(name);
                if path.is_file() {
                    merge(&mut tree, read_file(&path)?);
                }
            }
        }
    }
    for path in explicit.iter().chain(&sources.extra_file) {
        merge(&mut tree, read_file(path)?);
    }
    if sources.env {
        apply_env(&mut tree, &mut Vec::new(), &|name| std::env::var(name).ok())?;
        for (name, key) in ENV_ALIASES {
            if let Ok(value) = std::env::var(name) {
                set_path(&mut tree, key, Value::String(value));
            }
        }
    }
    for key in ["client.apiKey.file", "apiKey.file"] {
        if let Some(Value::String(file)) = get_path(&tree, key).cloned() {
            merge_api_key_file(&mut tree, Path::new(&file), true)?;
        }
    }
    deserialize(tree)
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

fn read_file(path: &Path) -> Result<Value, Error> {
    let shown = path.display().to_string();
    let value: Value = config::Config::builder()
        .add_source(config::File::from(path).required(true))
        .build()
        .and_then(config::Config::try_deserialize)
        .map_err(|e| config_error(&shown, e))?;
    // A file may wrap the tree in a `stormpath:` key.
    Ok(match value {
        Value::Object(mut map) if map.len() == 1 && map.contains_key("stormpath") => {
            map.remove("stormpath").unwrap_or_default()
        }
        other => other,
    })
}

/// Reads an `apiKey.properties` file into `client.apiKey` (and the legacy `apiKey`).
fn merge_api_key_file(tree: &mut Value, path: &Path, required: bool) -> Result<(), Error> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(_) if !required => return Ok(()),
        Err(e) => return Err(config_error(&path.display().to_string(), e)),
    };
    let key = stormpath_client::credentials::parse_api_key_properties(&text)
        .map_err(|e| config_error(&path.display().to_string(), e))?;
    for prefix in ["client.apiKey", "apiKey"] {
        set_path(tree, &format!("{prefix}.id"), Value::String(key.id.clone()));
        set_path(
            tree,
            &format!("{prefix}.secret"),
            Value::String(key.secret.clone()),
        );
    }
    Ok(())
}

/// Deep-merges `overlay` into `base`: objects merge key by key, anything else replaces.
pub(crate) fn merge(base: &mut Value, overlay: Value) {
    match (base, overlay) {
        (Value::Object(base), Value::Object(overlay)) => {
            for (key, value) in overlay {
                merge(base.entry(key).or_insert(Value::Null), value);
            }
        }
        (base, overlay) => *base = overlay,
    }
}

fn get_path<'a>(tree: &'a Value, key: &str) -> Option<&'a Value> {
    key.split('.').try_fold(tree, |node, part| node.get(part))
}

pub(crate) fn set_path(tree: &mut Value, key: &str, value: Value) {
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

/// Applies `STORMPATH_<PATH>` variables to every leaf of the tree, parsing each value as the
/// type of the default it replaces.
fn apply_env(
    node: &mut Value,
    path: &mut Vec<String>,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<(), Error> {
    if let Value::Object(map) = node {
        for (key, child) in map.iter_mut() {
            path.push(key.clone());
            apply_env(child, path, lookup)?;
            path.pop();
        }
        return Ok(());
    }
    let name = format!("STORMPATH_{}", path.join("_").to_uppercase());
    let Some(raw) = lookup(&name) else {
        return Ok(());
    };
    *node = parse_like(node, &raw).map_err(|message| Error::Config { key: name, message })?;
    Ok(())
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

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn env_names_flatten_camel_case_without_underscores() {
        let mut tree = serde_json::to_value(Config::default()).unwrap();
        let lookup = env_of(&[
            ("STORMPATH_WEB_REGISTER_AUTOLOGIN", "true"),
            ("STORMPATH_WEB_PRODUCES", "text/html"),
            ("STORMPATH_WEB_ACCESSTOKENCOOKIE_SECURE", "false"),
            ("STORMPATH_TOKENS_ACCESSTOKENTTL", "60"),
        ]);
        apply_env(&mut tree, &mut Vec::new(), &lookup).unwrap();
        let config = deserialize(tree).unwrap();
        assert!(config.web.register.auto_login);
        assert_eq!(config.web.produces, ["text/html"]);
        assert_eq!(config.web.access_token_cookie.secure, Some(false));
        assert_eq!(config.tokens.access_token_ttl, 60);
    }

    #[test]
    fn a_bad_env_value_names_the_variable() {
        let mut tree = serde_json::to_value(Config::default()).unwrap();
        let lookup = env_of(&[("STORMPATH_WEB_REGISTER_AUTOLOGIN", "maybe")]);
        let err = apply_env(&mut tree, &mut Vec::new(), &lookup).unwrap_err();
        assert!(
            err.to_string().contains("STORMPATH_WEB_REGISTER_AUTOLOGIN"),
            "{err}"
        );
    }

    #[test]
    fn a_bad_file_value_names_the_key() {
        let mut tree = serde_json::to_value(Config::default()).unwrap();
        merge(
            &mut tree,
            serde_json::json!({"web": {"login": {"enabled": "sometimes"}}}),
        );
        let err = deserialize(tree).unwrap_err();
        assert!(err.to_string().contains("web.login.enabled"), "{err}");
        let mut tree = serde_json::to_value(Config::default()).unwrap();
        merge(&mut tree, serde_json::json!({"web": {"lgoin": {}}}));
        let err = deserialize(tree).unwrap_err();
        assert!(err.to_string().contains("lgoin"), "{err}");
    }

    #[test]
    fn partial_field_overrides_keep_the_other_defaults() {
        let mut tree = serde_json::to_value(Config::default()).unwrap();
        merge(
            &mut tree,
            serde_json::json!({"web": {"register": {"form": {"fields": {"givenName": {"required": false}}}}}}),
        );
        let config = deserialize(tree).unwrap();
        let given = &config.web.register.form.fields["givenName"];
        assert_eq!(given["required"], Value::Bool(false));
        assert_eq!(given["label"], "First Name");
    }
}
