//! JWTs as the REST server reads them: a compact JWS split into its decoded parts (the token
//! resources' `expandedJwt`), and HS256 verification with a given secret (tokens signed with
//! any admin key of the tenant, `stormpath_token` grants). The claims are the caller's to
//! check: the server answers each failed check with its own error code.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};

/// The longest token accepted for parsing (a guard against oversized input).
pub const MAX_JWT_LEN: usize = 8192;

/// A compact JWS, decoded without any check.
#[derive(Clone, PartialEq)]
pub struct JwtParts {
    /// The protected header.
    pub header: Map<String, Value>,
    /// The claims.
    pub claims: Map<String, Value>,
    /// The signature segment, as it appears (base64url).
    pub signature: String,
}

impl std::fmt::Debug for JwtParts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtParts")
            .field("header", &self.header)
            .field("claims", &self.claims)
            .finish_non_exhaustive()
    }
}

impl JwtParts {
    /// A string member of the header.
    #[must_use]
    pub fn header_str(&self, name: &str) -> Option<&str> {
        self.header.get(name).and_then(Value::as_str)
    }

    /// A string claim.
    #[must_use]
    pub fn claim_str(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }

    /// A numeric claim in seconds (integer or float, as `iat` of a `stormpath_token` is).
    #[must_use]
    pub fn claim_secs(&self, name: &str) -> Option<f64> {
        self.claims.get(name).and_then(Value::as_f64)
    }
}

/// Splits and decodes a compact JWS: `None` unless it has three segments, a base64url JSON
/// object in each of the first two, and is at most [`MAX_JWT_LEN`] bytes.
#[must_use]
pub fn parse(token: &str) -> Option<JwtParts> {
    if token.len() > MAX_JWT_LEN {
        return None;
    }
    let mut parts = token.split('.');
    let (header, claims, signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let object = |segment: &str| -> Option<Map<String, Value>> {
        match serde_json::from_slice(&URL_SAFE_NO_PAD.decode(segment).ok()?).ok()? {
            Value::Object(map) => Some(map),
            _ => None,
        }
    };
    Some(JwtParts {
        header: object(header)?,
        claims: object(claims)?,
        signature: signature.to_owned(),
    })
}

/// Whether `token` is an `HS256` JWS (no other algorithm) whose signature verifies with
/// `secret` (constant-time HMAC check). Claims are not checked.
#[must_use]
pub fn verify_hs256(token: &str, secret: &[u8]) -> bool {
    if token.len() > MAX_JWT_LEN || secret.is_empty() {
        return false;
    }
    stormpath_client::jws::install();
    let mut validation = Validation::new(Algorithm::HS256);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let Ok(key) = DecodingKey::from_secret(secret) else {
        return false;
    };
    jsonwebtoken::decode::<Value>(token, &key, &validation).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{EncodingKey, Header};

    #[test]
    fn parses_and_verifies_hs256_only() {
        stormpath_client::jws::install();
        let claims = serde_json::json!({"sub": "s", "iat": 1.5, "exp": 10});
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(b"secret").unwrap(),
        )
        .unwrap();
        let parts = parse(&token).unwrap();
        assert_eq!(parts.header_str("alg"), Some("HS256"));
        assert_eq!(parts.claim_secs("iat"), Some(1.5));
        assert_eq!(parts.claim_str("sub"), Some("s"));
        assert!(verify_hs256(&token, b"secret"));
        assert!(!verify_hs256(&token, b"other"));
        assert!(!verify_hs256(&format!("{token}x"), b"secret"));
        assert!(parse("a.b").is_none());
        assert!(parse("not.a.jwt").is_none());
        // An unsigned token is refused whatever its claims.
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#),
            URL_SAFE_NO_PAD.encode(br#"{"sub":"s"}"#)
        );
        assert!(parse(&none).is_some());
        assert!(!verify_hs256(&none, b"secret"));
    }
}
