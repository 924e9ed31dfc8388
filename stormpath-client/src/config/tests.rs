use std::path::Path;

use tempfile::TempDir;

use super::*;

/// A home directory and a working directory, both empty, and an empty environment.
struct Dirs {
    home: TempDir,
    cwd: TempDir,
}

impl Dirs {
    fn new() -> Self {
        Self {
            home: tempfile::tempdir().unwrap(),
            cwd: tempfile::tempdir().unwrap(),
        }
    }

    fn home_file(&self, name: &str, text: &str) -> PathBuf {
        let dir = self.home.path().join(".stormpath");
        std::fs::create_dir_all(&dir).unwrap();
        write(&dir.join(name), text)
    }

    fn cwd_file(&self, name: &str, text: &str) -> PathBuf {
        write(&self.cwd.path().join(name), text)
    }

    fn load(&self, env: &[(&str, &str)]) -> Result<ClientConfig> {
        ConfigLoader::new()
            .home_dir(self.home.path())
            .working_dir(self.cwd.path())
            .env(env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())))
            .load()
    }
}

fn write(path: &Path, text: &str) -> PathBuf {
    std::fs::write(path, text).unwrap();
    path.to_owned()
}

fn key(id: &str, secret: &str) -> Option<ApiKey> {
    Some(ApiKey {
        id: id.into(),
        secret: secret.into(),
    })
}

fn properties(id: &str, secret: &str) -> String {
    format!("apiKey.id = {id}\napiKey.secret = {secret}\n")
}

#[test]
fn nothing_configured_loads_nothing() {
    assert_eq!(Dirs::new().load(&[]).unwrap(), ClientConfig::default());
}

#[test]
fn the_home_key_file_is_read() {
    let dirs = Dirs::new();
    dirs.home_file("apiKey.properties", &properties("HOMEID", "home+secret="));
    assert_eq!(
        dirs.load(&[]).unwrap().api_key,
        key("HOMEID", "home+secret=")
    );
}

#[test]
fn home_yaml_overrides_home_json_which_overrides_the_home_key_file() {
    let dirs = Dirs::new();
    dirs.home_file("apiKey.properties", &properties("PROPS", "props"));
    dirs.home_file(
        "stormpath.json",
        r#"{"client": {"apiKey": {"secret": "json"}, "baseUrl": "http://json/v1"},
            "application": {"name": "Json App"}, "web": {"login": {"enabled": true}}}"#,
    );
    dirs.home_file(
        "stormpath.yml",
        "client:\n  baseUrl: http://127.0.0.1:8080/v1/\n  cacheManager: { defaultTtl: 300 }\n",
    );
    let config = dirs.load(&[]).unwrap();
    assert_eq!(config.api_key, key("PROPS", "json"));
    assert_eq!(config.base_url.as_deref(), Some("http://127.0.0.1:8080/v1"));
    assert_eq!(config.application_name.as_deref(), Some("Json App"));
}

#[test]
fn the_working_directory_key_file_is_read_only_without_a_key() {
    let dirs = Dirs::new();
    dirs.cwd_file("apiKey.properties", &properties("CWD", "cwd"));
    assert_eq!(dirs.load(&[]).unwrap().api_key, key("CWD", "cwd"));

    dirs.home_file(
        "stormpath.yml",
        "client:\n  apiKey:\n    id: YML\n    secret: yml\n",
    );
    assert_eq!(dirs.load(&[]).unwrap().api_key, key("YML", "yml"));

    // A half key from home does not stop the working directory's file.
    dirs.home_file("stormpath.yml", "client:\n  apiKey:\n    id: YML\n");
    assert_eq!(dirs.load(&[]).unwrap().api_key, key("CWD", "cwd"));
}

#[test]
fn working_directory_files_override_home_files() {
    let dirs = Dirs::new();
    dirs.home_file(
        "stormpath.yml",
        "client:\n  apiKey: { id: HOME, secret: home }\n  baseUrl: http://home/v1\n",
    );
    dirs.cwd_file(
        "stormpath.json",
        r#"{"client": {"baseUrl": "http://json/v1"}}"#,
    );
    dirs.cwd_file(
        "stormpath.yml",
        "client:\n  apiKey:\n    secret: cwd\napplication:\n  href: http://cwd/v1/applications/abc\n",
    );
    let config = dirs.load(&[]).unwrap();
    assert_eq!(config.api_key, key("HOME", "cwd"));
    assert_eq!(config.base_url.as_deref(), Some("http://json/v1"));
    assert_eq!(
        config.application_href.as_deref(),
        Some("http://cwd/v1/applications/abc")
    );
}

#[test]
fn environment_variables_override_files() {
    let dirs = Dirs::new();
    dirs.cwd_file(
        "stormpath.yml",
        "client:\n  apiKey: { id: YML, secret: yml }\n  baseUrl: http://yml/v1\n\
         application: { href: 'http://yml/v1/applications/x' }\n",
    );
    let config = dirs
        .load(&[
            ("STORMPATH_CLIENT_APIKEY_ID", "ENVID"),
            ("STORMPATH_CLIENT_APIKEY_SECRET", "env"),
            ("STORMPATH_CLIENT_BASEURL", "https://api.example.com/v1"),
            ("STORMPATH_APPLICATION_NAME", "Env App"),
            ("UNRELATED", "x"),
        ])
        .unwrap();
    assert_eq!(config.api_key, key("ENVID", "env"));
    assert_eq!(
        config.base_url.as_deref(),
        Some("https://api.example.com/v1")
    );
    // The name replaces the file's href: the application is one setting.
    assert_eq!(config.application_href, None);
    assert_eq!(config.application_name.as_deref(), Some("Env App"));

    let config = dirs
        .load(&[("STORMPATH_APPLICATION_HREF", "http://env/v1/applications/y")])
        .unwrap();
    assert_eq!(
        config.application_href.as_deref(),
        Some("http://env/v1/applications/y")
    );
}

#[test]
fn flask_stormpath_variables_work() {
    let dirs = Dirs::new();
    let config = dirs
        .load(&[
            ("STORMPATH_API_KEY_ID", "FLASKID"),
            ("STORMPATH_API_KEY_SECRET", "flask"),
            ("STORMPATH_APPLICATION", "Flask App"),
        ])
        .unwrap();
    assert_eq!(config.api_key, key("FLASKID", "flask"));
    assert_eq!(config.application_name.as_deref(), Some("Flask App"));
    assert_eq!(config.application_href, None);

    std::fs::create_dir(dirs.cwd.path().join("keys")).unwrap();
    dirs.cwd_file("keys/flask.properties", &properties("FILEID", "file"));
    let config = dirs
        .load(&[
            ("STORMPATH_API_KEY_FILE", "keys/flask.properties"),
            ("STORMPATH_APPLICATION", "http://h/v1/applications/abc"),
        ])
        .unwrap();
    assert_eq!(config.api_key, key("FILEID", "file"));
    assert_eq!(
        config.application_href.as_deref(),
        Some("http://h/v1/applications/abc")
    );
    assert_eq!(config.application_name, None);

    // The specific variables win over STORMPATH_APPLICATION.
    let config = dirs
        .load(&[
            ("STORMPATH_APPLICATION", "Flask App"),
            ("STORMPATH_APPLICATION_NAME", "Specific"),
        ])
        .unwrap();
    assert_eq!(config.application_name.as_deref(), Some("Specific"));
}

#[test]
fn the_named_key_file_wins_over_ids_and_secrets() {
    let dirs = Dirs::new();
    let file = dirs.home_file("named.properties", &properties("NAMED", "named"));
    dirs.cwd_file(
        "stormpath.yml",
        "client:\n  apiKey:\n    file: ~/.stormpath/named.properties\n",
    );
    let env = [
        ("STORMPATH_CLIENT_APIKEY_ID", "ENVID"),
        ("STORMPATH_CLIENT_APIKEY_SECRET", "env"),
    ];
    assert_eq!(dirs.load(&env).unwrap().api_key, key("NAMED", "named"));

    let absolute = file.to_str().unwrap();
    let config = dirs
        .load(&[("STORMPATH_CLIENT_APIKEY_FILE", absolute)])
        .unwrap();
    assert_eq!(config.api_key, key("NAMED", "named"));
}

#[test]
fn legacy_top_level_keys_win_over_client_keys() {
    // sdk-compat.md §2.1 step 8.
    let dirs = Dirs::new();
    dirs.home_file("stormpath.yml", "apiKey:\n  id: LEGACY\n  secret: legacy\n");
    let config = dirs
        .load(&[
            ("STORMPATH_CLIENT_APIKEY_ID", "ENVID"),
            ("STORMPATH_CLIENT_APIKEY_SECRET", "env"),
        ])
        .unwrap();
    assert_eq!(config.api_key, key("LEGACY", "legacy"));

    dirs.cwd_file("legacy.properties", &properties("LFILE", "lfile"));
    dirs.home_file(
        "stormpath.yml",
        "apiKey:\n  file: legacy.properties\n  secret: over\n",
    );
    assert_eq!(dirs.load(&[]).unwrap().api_key, key("LFILE", "over"));
}

#[test]
fn empty_values_count_as_unset() {
    let dirs = Dirs::new();
    dirs.cwd_file(
        "stormpath.yml",
        "client:\n  apiKey: { id: YML, secret: yml, file: '' }\n  baseUrl: http://yml/v1\n\
         application: { href: null, name: Yml }\n",
    );
    let config = dirs
        .load(&[
            ("STORMPATH_CLIENT_BASEURL", ""),
            ("STORMPATH_API_KEY_FILE", ""),
            ("STORMPATH_APPLICATION", ""),
        ])
        .unwrap();
    assert_eq!(config.api_key, key("YML", "yml"));
    assert_eq!(config.base_url.as_deref(), Some("http://yml/v1"));
    assert_eq!(config.application_name.as_deref(), Some("Yml"));
    // Empty documents are empty configurations.
    dirs.cwd_file("stormpath.yml", "# nothing yet\n");
    dirs.cwd_file("stormpath.json", "null");
    assert_eq!(dirs.load(&[]).unwrap(), ClientConfig::default());
}

/// The error's text, checking that it is a validation error.
fn validation(err: &Error) -> String {
    assert!(matches!(err, Error::Validation(_)), "{err:?}");
    err.to_string()
}

#[test]
fn a_named_key_file_that_does_not_exist_is_an_error_naming_it() {
    let dirs = Dirs::new();
    let err = dirs
        .load(&[(
            "STORMPATH_CLIENT_APIKEY_FILE",
            "/nonexistent/apiKey.properties",
        )])
        .unwrap_err();
    assert_eq!(err.field(), Some("client.apiKey.file"));
    let text = validation(&err);
    assert!(text.contains("/nonexistent/apiKey.properties"), "{text}");
    assert!(text.contains("STORMPATH_CLIENT_APIKEY_FILE"), "{text}");

    let err = dirs
        .load(&[("STORMPATH_API_KEY_FILE", "missing.properties")])
        .unwrap_err();
    assert_eq!(err.field(), Some("apiKey.file"));
    assert!(validation(&err).contains("missing.properties"));
}

#[test]
fn malformed_files_are_errors_naming_them() {
    for (name, text) in [
        ("stormpath.yml", "client: [unclosed\n"),
        ("stormpath.yml", "- a list\n- at the top\n"),
        ("stormpath.yml", "client:\n  apiKey: {id: a, id: b}\n"),
        ("stormpath.json", "{\"client\": "),
        ("stormpath.json", "[1, 2]"),
        ("apiKey.properties", "apiKey.id = only\n"),
    ] {
        let dirs = Dirs::new();
        let path = dirs.home_file(name, text);
        let err = dirs.load(&[]).unwrap_err();
        let message = validation(&err);
        assert!(
            message.contains(&path.display().to_string()),
            "{name}: {message}"
        );
    }
}

#[test]
fn a_value_of_the_wrong_type_names_its_key_and_file() {
    let dirs = Dirs::new();
    let path = dirs.cwd_file("stormpath.yml", "client:\n  apiKey:\n    id: [1, 2]\n");
    let err = dirs.load(&[]).unwrap_err();
    assert_eq!(err.field(), Some("client.apiKey.id"));
    assert!(validation(&err).contains(&path.display().to_string()));

    let path = dirs.cwd_file("stormpath.json", r#"{"application": {"href": 7}}"#);
    let err = dirs.load(&[]).unwrap_err();
    assert_eq!(err.field(), Some("application.href"));
    assert!(validation(&err).contains(&path.display().to_string()));
}

#[test]
fn deeply_nested_yaml_is_an_error_not_a_crash() {
    let dirs = Dirs::new();
    let mut text = String::new();
    for depth in 0..200 {
        text.push_str(&" ".repeat(depth));
        text.push_str("a:\n");
    }
    dirs.cwd_file("stormpath.yml", &text);
    assert!(validation(&dirs.load(&[]).unwrap_err()).contains("nested too deeply"));
}

#[test]
fn half_a_key_is_an_error_naming_where_the_other_half_came_from() {
    let dirs = Dirs::new();
    let err = dirs
        .load(&[("STORMPATH_CLIENT_APIKEY_ID", "ID")])
        .unwrap_err();
    assert_eq!(err.field(), Some("client.apiKey.secret"));
    assert!(validation(&err).contains("STORMPATH_CLIENT_APIKEY_ID"));

    let path = dirs.cwd_file("stormpath.yml", "client:\n  apiKey:\n    secret: s\n");
    let err = dirs.load(&[]).unwrap_err();
    assert_eq!(err.field(), Some("client.apiKey.id"));
    assert!(validation(&err).contains(&path.display().to_string()));
}

#[test]
fn hrefs_and_base_urls_are_checked_naming_their_source() {
    let dirs = Dirs::new();
    let err = dirs
        .load(&[("STORMPATH_APPLICATION_HREF", "http://h/v1/apps/x")])
        .unwrap_err();
    assert_eq!(err.field(), Some("application.href"));
    assert!(validation(&err).contains("STORMPATH_APPLICATION_HREF"));

    for url in ["ftp://h/v1", "localhost:8080/v1", "http://", "https:///"] {
        let err = dirs.load(&[("STORMPATH_CLIENT_BASEURL", url)]).unwrap_err();
        assert_eq!(err.field(), Some("client.baseUrl"), "{url}");
        assert!(validation(&err).contains("STORMPATH_CLIENT_BASEURL"));
    }
    let path = dirs.cwd_file(
        "stormpath.yml",
        "client:\n  baseUrl: api.stormpath.com/v1\n",
    );
    let err = dirs.load(&[]).unwrap_err();
    assert!(validation(&err).contains(&path.display().to_string()));

    // Only the value that wins is checked.
    let config = dirs
        .load(&[("STORMPATH_CLIENT_BASEURL", "HTTPS://api.stormpath.com/v1//")])
        .unwrap();
    assert_eq!(
        config.base_url.as_deref(),
        Some("HTTPS://api.stormpath.com/v1")
    );
}

#[test]
fn merge_overlays_later_settings() {
    let files = ClientConfig {
        base_url: Some("http://a/v1".into()),
        api_key: key("A", "a"),
        application_href: Some("http://a/v1/applications/x".into()),
        application_name: Some("A".into()),
    };
    assert_eq!(
        files.clone().merge(ClientConfig::default()),
        files,
        "an empty later config changes nothing"
    );
    let merged = files.clone().merge(ClientConfig {
        api_key: key("B", "b"),
        application_href: Some("http://b/v1/applications/y".into()),
        ..ClientConfig::default()
    });
    assert_eq!(merged.base_url.as_deref(), Some("http://a/v1"));
    assert_eq!(merged.api_key, key("B", "b"));
    assert_eq!(
        merged.application_href.as_deref(),
        Some("http://b/v1/applications/y")
    );
    assert_eq!(merged.application_name, None);
}

#[test]
fn debug_output_hides_secrets() {
    let config = ClientConfig {
        api_key: key("ID", "topsecret"),
        ..ClientConfig::default()
    };
    assert!(!format!("{config:?}").contains("topsecret"));
    let loader = ConfigLoader::new().env([(
        "STORMPATH_CLIENT_APIKEY_SECRET".to_owned(),
        "topsecret".to_owned(),
    )]);
    assert!(!format!("{loader:?}").contains("topsecret"));
}
