//! Stormpath API-key credentials and the `apiKey.properties` file format.

use std::fmt;

use crate::{Error, Invalid, InvalidKind, Result};

/// An API key pair: the id is public, the secret is not.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// The key id.
    pub id: String,
    /// The key secret.
    pub secret: String,
}

impl fmt::Debug for ApiKey {
    // The secret never reaches a log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiKey")
            .field("id", &self.id)
            .field("secret", &"***")
            .finish()
    }
}

/// Parses an `apiKey.properties` file (Java properties: `apiKey.id = …`, `apiKey.secret = …`;
/// `=` or `:` separators, `#` and `!` comments, surrounding spaces ignored).
///
/// # Errors
/// [`Error::Validation`] naming the missing key when either property is absent or empty.
///
/// # Examples
/// ```
/// let key = stormpath_client::credentials::parse_api_key_properties(
///     "apiKey.id = 144JVZINOF5EBNCMG9EXAMPLE\napiKey.secret: lWxOiKqKPNwJmSl+AEXAMPLE\n",
/// ).unwrap();
/// assert_eq!(key.id, "144JVZINOF5EBNCMG9EXAMPLE");
/// assert_eq!(key.secret, "lWxOiKqKPNwJmSl+AEXAMPLE");
/// ```
pub fn parse_api_key_properties(text: &str) -> Result<ApiKey> {
    let mut id = None;
    let mut secret = None;
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with('!') {
            continue;
        }
        let Some(split) = line.find(['=', ':']) else {
            continue;
        };
        let (key, value) = (line[..split].trim(), line[split + 1..].trim());
        match key {
            "apiKey.id" => id = Some(value.to_owned()),
            "apiKey.secret" => secret = Some(value.to_owned()),
            _ => {}
        }
    }
    let id = id.filter(|v| !v.is_empty());
    let secret = secret.filter(|v| !v.is_empty());
    match (id, secret) {
        (Some(id), Some(secret)) => Ok(ApiKey { id, secret }),
        (None, _) => Err(missing("apiKey.id")),
        (_, None) => Err(missing("apiKey.secret")),
    }
}

/// The error for a property missing from the file.
fn missing(property: &'static str) -> Error {
    Invalid::new(
        property,
        InvalidKind::Required,
        format!("{property} is missing from the API key file"),
    )
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_with_equals_signs_survives() {
        let key = parse_api_key_properties("# c\napiKey.id=a\napiKey.secret = b=c==\n").unwrap();
        assert_eq!(key.secret, "b=c==");
    }

    #[test]
    fn missing_secret_is_named() {
        let err = parse_api_key_properties("apiKey.id=a").unwrap_err();
        assert!(err.to_string().contains("apiKey.secret"));
    }

    #[test]
    fn debug_hides_secret() {
        let key = ApiKey {
            id: "i".into(),
            secret: "topsecret".into(),
        };
        assert!(!format!("{key:?}").contains("topsecret"));
    }
}
