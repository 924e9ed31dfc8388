//! Loading: the layers of the module docs, in the `config` crate's builder — defaults, files,
//! the environment, then the API key file a layer names — and one deserialization whose errors
//! name the offending key.

use std::path::PathBuf;

use config::ConfigError;
use serde_json::Value;

use super::{
    Config,
    sources::{Env, FileKind, FileLayer, Keyed, Tree, get_path},
};
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
        let cwd = PathBuf::from(".");
        let home = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".stormpath"));
        // `./apiKey.properties` counts only when no earlier file set a key (sdk-compat §2.1
        // step 4): as the lowest file layer, a key from `~/.stormpath` covers it.
        let key_files = [&cwd].into_iter().chain(&home);
        for dir in key_files {
            builder = builder.add_source(FileLayer::optional(
                FileKind::ApiKey,
                dir.join("apiKey.properties"),
            ));
        }
        for dir in home.iter().chain([&cwd]) {
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

#[cfg(test)]
mod tests {
    use config::Source;

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
    fn flask_stormpath_application_takes_a_name_or_an_href() {
        let config = layered(env_of(&[("STORMPATH_APPLICATION", "dronewars")])).unwrap();
        assert_eq!(config.application.name.as_deref(), Some("dronewars"));
        assert_eq!(config.application.href, None);
        let href = "http://127.0.0.1:8080/v1/applications/abc";
        let config = layered(env_of(&[("STORMPATH_APPLICATION", href)])).unwrap();
        assert_eq!(config.application.href.as_deref(), Some(href));
        assert_eq!(config.application.name, None);
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
