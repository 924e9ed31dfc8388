//! Compact JWS with HS256 only: the one algorithm Stormpath used for its tokens.
//!
//! Written here rather than taken from a general JWT crate so that exactly one algorithm is
//! ever accepted (no `alg` negotiation, no `none`, no key confusion) and so that no RSA code
//! (RUSTSEC-2023-0071) is linked in for an algorithm we never use.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use sha2::Sha256;
use stormpath_client::TokenKind;

type HmacSha256 = Hmac<Sha256>;

/// The longest token accepted for parsing (a guard against oversized headers).
const MAX_TOKEN_LEN: usize = 4096;

#[derive(Serialize, Deserialize)]
struct Header<'a> {
    alg: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    typ: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kid: Option<&'a str>,
    stt: Option<TokenKind>,
}

/// Signs `claims` as an HS256 JWS whose header marks it as `kind`.
pub(crate) fn sign<C: Serialize>(
    claims: &C,
    kind: TokenKind,
    kid: Option<&str>,
    key: &[u8],
) -> String {
    let header = Header {
        alg: "HS256",
        typ: Some("JWT"),
        kid,
        stt: Some(kind),
    };
    // Serializing these plain structs cannot fail.
    let header = serde_json::to_vec(&header).unwrap_or_default();
    let claims = serde_json::to_vec(claims).unwrap_or_default();
    let mut out = String::with_capacity(256);
    URL_SAFE_NO_PAD.encode_string(header, &mut out);
    out.push('.');
    URL_SAFE_NO_PAD.encode_string(claims, &mut out);
    let signature = mac(key, out.as_bytes()).finalize().into_bytes();
    out.push('.');
    URL_SAFE_NO_PAD.encode_string(signature, &mut out);
    out
}

/// Verifies an HS256 JWS and returns its kind and claims. Expiry is the caller's to check.
///
/// Rejects anything but three segments, an `alg` other than exactly `HS256`, a signature that
/// does not match in constant time, and a header without a token kind.
pub(crate) fn verify<C: DeserializeOwned>(token: &str, key: &[u8]) -> Option<(TokenKind, C)> {
    if token.len() > MAX_TOKEN_LEN {
        return None;
    }
    let mut parts = token.split('.');
    let (header_b64, claims_b64, sig_b64) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || sig_b64.is_empty() {
        return None;
    }
    let signature = URL_SAFE_NO_PAD.decode(sig_b64).ok()?;
    let signed_len = header_b64.len() + 1 + claims_b64.len();
    mac(key, &token.as_bytes()[..signed_len])
        .verify_slice(&signature)
        .ok()?;
    let header_json = URL_SAFE_NO_PAD.decode(header_b64).ok()?;
    let header: Header<'_> = serde_json::from_slice(&header_json).ok()?;
    if header.alg != "HS256" {
        return None;
    }
    let claims = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims_b64).ok()?).ok()?;
    Some((header.stt?, claims))
}

fn mac(key: &[u8], data: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length.
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable_key());
    mac.update(data);
    mac
}

#[cold]
fn unreachable_key() -> HmacSha256 {
    // `new_from_slice` only fails for fixed-size keys; HMAC has none. Keep a defined value.
    <HmacSha256 as Mac>::new_from_slice(&[0u8; 32]).unwrap_or_else(|_| unreachable!())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    const KEY: &[u8] = b"a-very-secret-signing-key-of-32-bytes!";

    fn forge(header: &Value, claims: &Value, key: Option<&[u8]>) -> String {
        let h = URL_SAFE_NO_PAD.encode(header.to_string());
        let c = URL_SAFE_NO_PAD.encode(claims.to_string());
        let sig = key
            .map(|k| {
                URL_SAFE_NO_PAD.encode(
                    mac(k, format!("{h}.{c}").as_bytes())
                        .finalize()
                        .into_bytes(),
                )
            })
            .unwrap_or_default();
        format!("{h}.{c}.{sig}")
    }

    #[test]
    fn round_trip() {
        let token = sign(&json!({"sub": "x"}), TokenKind::Access, None, KEY);
        let (kind, claims): (_, Value) = verify(&token, KEY).unwrap();
        assert_eq!(kind, TokenKind::Access);
        assert_eq!(claims["sub"], "x");
    }

    #[test]
    fn rejects_alg_none_wrong_alg_wrong_key_and_tampering() {
        let claims = json!({"sub": "x"});
        let none = forge(&json!({"alg": "none", "stt": "access"}), &claims, None);
        assert!(verify::<Value>(&none, KEY).is_none());
        let hs512 = forge(
            &json!({"alg": "HS512", "stt": "access"}),
            &claims,
            Some(KEY),
        );
        assert!(verify::<Value>(&hs512, KEY).is_none());
        let other_key = forge(
            &json!({"alg": "HS256", "stt": "access"}),
            &claims,
            Some(b"other"),
        );
        assert!(verify::<Value>(&other_key, KEY).is_none());
        let good = sign(&claims, TokenKind::Access, None, KEY);
        let mut parts: Vec<_> = good.split('.').map(str::to_owned).collect();
        parts[1] = URL_SAFE_NO_PAD.encode(json!({"sub": "y"}).to_string());
        assert!(verify::<Value>(&parts.join("."), KEY).is_none());
        assert!(verify::<Value>(&format!("{good}.x"), KEY).is_none());
        assert!(verify::<Value>(good.rsplit_once('.').unwrap().0, KEY).is_none());
        assert!(verify::<Value>("", KEY).is_none());
    }

    #[test]
    fn rejects_missing_token_kind() {
        let t = forge(&json!({"alg": "HS256"}), &json!({}), Some(KEY));
        assert!(verify::<Value>(&t, KEY).is_none());
    }
}
