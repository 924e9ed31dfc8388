//! The config file and the precedence of settings: flag, then environment variable (clap
//! reads both), then the file, then the default.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::Global;
use crate::{Settings, SettingsError};

/// What a config file may hold (snake_case or kebab-case keys; unknown keys are refused so
/// that a misspelt one is not silently ignored).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileConfig {
    pub(super) database: Option<String>,
    #[serde(alias = "base-url")]
    pub(super) base_url: Option<String>,
    pub(super) listen: Option<String>,
    #[serde(alias = "key-file")]
    pub(super) key_file: Option<PathBuf>,
    #[serde(alias = "smtp-url")]
    pub(super) smtp_url: Option<String>,
    #[serde(alias = "mail-dir")]
    pub(super) mail_dir: Option<PathBuf>,
    #[serde(alias = "mail-from")]
    pub(super) mail_from: Option<String>,
    #[serde(alias = "redis-url")]
    pub(super) redis_url: Option<String>,
    #[serde(alias = "password-blocklist")]
    pub(super) password_blocklist: Option<bool>,
}

impl FileConfig {
    /// Reads the file, when one is named.
    pub(super) fn load(path: Option<&Path>) -> Result<Self, SettingsError> {
        let Some(path) = path else {
            return Ok(Self::default());
        };
        let bad = |reason: String| {
            SettingsError::Invalid(format!("config file {}: {reason}", path.display()))
        };
        if !path.is_file() {
            return Err(bad("no such file".into()));
        }
        let known = path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
            ["toml", "yaml", "yml", "json"]
                .iter()
                .any(|k| k.eq_ignore_ascii_case(e))
        });
        if !known {
            return Err(bad(
                "its name must end in .toml, .yaml, .yml or .json (the format)".into(),
            ));
        }
        ::config::Config::builder()
            .add_source(::config::File::from(path))
            .build()
            .and_then(::config::Config::try_deserialize::<Self>)
            .map_err(|e| bad(e.to_string()))
    }
}

/// The settings: flag or variable, else the file, else the default.
pub(super) fn settings(global: &Global, file: &FileConfig) -> Settings {
    let defaults = Settings::default();
    let pick = |flag: &Option<String>, file: &Option<String>, default: String| {
        flag.clone().or_else(|| file.clone()).unwrap_or(default)
    };
    Settings {
        database_url: pick(&global.database, &file.database, defaults.database_url),
        base_url: pick(&global.base_url, &file.base_url, defaults.base_url),
        key_file: global.key_file.clone().or_else(|| file.key_file.clone()),
        key: std::env::var("STORMPATH_SERVER_KEY").ok(),
        smtp_url: global.smtp_url.clone().or_else(|| file.smtp_url.clone()),
        mail_dir: global.mail_dir.clone().or_else(|| file.mail_dir.clone()),
        mail_from: pick(&global.mail_from, &file.mail_from, defaults.mail_from),
        weak_hashing: global.insecure_fast_hashing,
        password_blocklist: !global.no_password_blocklist
            && file
                .password_blocklist
                .unwrap_or(defaults.password_blocklist),
        busy_timeout: None,
        connect_timeout: None,
        redis_url: global.redis_url.clone().or_else(|| file.redis_url.clone()),
    }
}
