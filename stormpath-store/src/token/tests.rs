use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use ring::hmac;
use serde_json::{Value, json};

use super::*;

const KEY: &[u8] = &[7; 32];

fn tokens() -> Tokens {
    tokens_with(KeySet::new(KEY, None, &[]).unwrap())
}

fn tokens_with(keys: KeySet) -> Tokens {
    Tokens::new(keys, "iss".into(), (3600, 86_400), Arc::default())
}

fn segment(token: &str, index: usize) -> Value {
    let part = token.split('.').nth(index).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

/// A compact JWS with any header and claims, signed HS256 with `key` (unsigned without one).
fn forge(header: &Value, claims: &Value, key: Option<&[u8]>) -> String {
    let signed = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature = key
        .map(|k| {
            let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, k), signed.as_bytes());
            URL_SAFE_NO_PAD.encode(tag.as_ref())
        })
        .unwrap_or_default();
    format!("{signed}.{signature}")
}

fn live_claims() -> Value {
    let now = util::now_secs();
    json!({"jti": "j", "iat": now, "exp": now + 60, "iss": "iss", "sub": "s"})
}

#[test]
fn access_and_refresh_are_not_interchangeable() {
    let t = tokens();
    let (access, _) = t.mint_access("sub", None, None).unwrap();
    let (refresh, _) = t.mint_refresh("sub").unwrap();
    assert!(t.verify_access(&access).is_some());
    assert!(t.verify_refresh(&refresh).is_some());
    assert!(t.verify_access(&refresh).is_none());
    assert!(t.verify_refresh(&access).is_none());
}

#[test]
fn each_token_has_its_own_jti() {
    let t = tokens();
    let (a, ca) = t.mint_access("sub", None, None).unwrap();
    let (b, cb) = t.mint_access("sub", None, None).unwrap();
    assert_ne!(a, b);
    assert_ne!(ca.jti, cb.jti);
}

#[test]
fn revoking_a_refresh_token_kills_its_access_tokens() {
    let t = tokens();
    let (refresh, rc) = t.mint_refresh("sub").unwrap();
    let (access, _) = t.mint_access("sub", Some(&rc.jti), None).unwrap();
    t.revoked.mark([(rc.jti.clone(), rc.exp)]);
    assert!(t.verify_refresh(&refresh).is_none());
    assert!(t.verify_access(&access).is_none());
}

#[test]
fn expired_tokens_fail() {
    let t = Tokens::new(
        KeySet::new(KEY, None, &[]).unwrap(),
        "iss".into(),
        (-1, -1),
        Arc::default(),
    );
    let (access, _) = t.mint_access("sub", None, None).unwrap();
    assert!(t.verify_access(&access).is_none());
    // A token expiring this very second is expired too (no leeway).
    let now = Tokens::new(
        KeySet::new(KEY, None, &[]).unwrap(),
        "iss".into(),
        (0, 0),
        Arc::default(),
    );
    let (access, _) = now.mint_access("sub", None, None).unwrap();
    let (refresh, _) = now.mint_refresh("sub").unwrap();
    assert!(now.verify_access(&access).is_none());
    assert!(now.verify_refresh(&refresh).is_none());
}

#[test]
fn header_names_the_algorithm_type_key_and_kind() {
    let t = tokens_with(KeySet::new(KEY, Some("key-1".into()), &[]).unwrap());
    let (access, _) = t.mint_access("sub", None, None).unwrap();
    let (refresh, _) = t.mint_refresh("sub").unwrap();
    let header = segment(&access, 0);
    assert_eq!(
        header,
        json!({"alg": "HS256", "typ": "JWT", "kid": "key-1", "stt": "access"})
    );
    assert_eq!(segment(&refresh, 0)["stt"], "refresh");
    assert_eq!(segment(&access, 1)["iss"], "iss");
    // Without a configured kid, one derived from the key.
    let (access, _) = tokens().mint_access("sub", None, None).unwrap();
    assert_eq!(segment(&access, 0)["kid"], json!(keys::derived_kid(KEY)));
}

#[test]
fn hand_made_tokens_verify_only_when_exactly_right() {
    let t = tokens();
    let header = json!({"alg": "HS256", "typ": "JWT", "stt": "access"});
    // No kid: the current key.
    assert!(
        t.verify_access(&forge(&header, &live_claims(), Some(KEY)))
            .is_some()
    );
    let mut with_kid = header.clone();
    with_kid["kid"] = json!(keys::derived_kid(KEY));
    assert!(
        t.verify_access(&forge(&with_kid, &live_claims(), Some(KEY)))
            .is_some()
    );
}

#[test]
fn other_algorithms_and_unsigned_tokens_are_refused() {
    let t = tokens();
    let claims = live_claims();
    for alg in [
        "none", "None", "HS512", "HS384", "RS256", "ES256", "hs256", "",
    ] {
        let header = json!({"alg": alg, "typ": "JWT", "stt": "access"});
        assert!(
            t.verify_access(&forge(&header, &claims, Some(KEY)))
                .is_none(),
            "{alg}"
        );
        assert!(
            t.verify_access(&forge(&header, &claims, None)).is_none(),
            "{alg}"
        );
    }
    let header = json!({"alg": "HS256", "stt": "access"});
    assert!(
        t.verify_access(&forge(&header, &claims, None)).is_none(),
        "empty signature"
    );
    assert!(
        t.verify_access(&forge(&header, &claims, Some(b"another key")))
            .is_none()
    );
}

#[test]
fn a_token_without_a_kind_or_with_another_issuer_is_refused() {
    let t = tokens();
    let no_kind = json!({"alg": "HS256"});
    assert!(
        t.verify_access(&forge(&no_kind, &live_claims(), Some(KEY)))
            .is_none()
    );
    let header = json!({"alg": "HS256", "stt": "access"});
    let mut foreign = live_claims();
    foreign["iss"] = json!("https://elsewhere.example/v1/applications/x");
    let forged = forge(&header, &foreign, Some(KEY));
    assert!(t.verify_access(&forged).is_none());
    assert!(t.identify(&forged).is_none());
    let mut no_iss = live_claims();
    no_iss.as_object_mut().unwrap().remove("iss");
    assert!(
        t.verify_access(&forge(&header, &no_iss, Some(KEY)))
            .is_none()
    );
}

#[test]
fn an_audience_is_not_required_nor_refused() {
    let t = tokens();
    let header = json!({"alg": "HS256", "stt": "access"});
    let mut claims = live_claims();
    claims["aud"] = json!("someone");
    assert!(
        t.verify_access(&forge(&header, &claims, Some(KEY)))
            .is_some()
    );
}

#[test]
fn an_unknown_kid_is_refused() {
    let t = tokens();
    let header = json!({"alg": "HS256", "kid": "nobody", "stt": "access"});
    assert!(
        t.verify_access(&forge(&header, &live_claims(), Some(KEY)))
            .is_none()
    );
}

#[test]
fn a_retired_key_verifies_until_it_is_dropped() {
    const OLD: &[u8] = &[1; 32];
    let before = tokens_with(KeySet::new(OLD, Some("k1".into()), &[]).unwrap());
    let (access, _) = before.mint_access("sub", None, None).unwrap();
    let (refresh, _) = before.mint_refresh("sub").unwrap();

    let rotated =
        tokens_with(KeySet::new(KEY, Some("k2".into()), &[("k1".into(), OLD.to_vec())]).unwrap());
    assert!(rotated.verify_access(&access).is_some());
    assert!(rotated.verify_refresh(&refresh).is_some());
    assert!(rotated.identify(&refresh).is_some());
    let (fresh, _) = rotated.mint_access("sub", None, None).unwrap();
    assert_eq!(segment(&fresh, 0)["kid"], "k2");
    assert!(
        before.verify_access(&fresh).is_none(),
        "k1 knows nothing of k2"
    );

    let dropped = tokens_with(KeySet::new(KEY, Some("k2".into()), &[]).unwrap());
    assert!(dropped.verify_access(&access).is_none());
    assert!(dropped.verify_refresh(&refresh).is_none());
    assert!(dropped.verify_access(&fresh).is_some());
}

#[test]
fn a_token_signed_with_a_retired_key_under_the_current_kid_is_refused() {
    // The kid picks the key: an old token relabelled with the current kid fails the HMAC.
    const OLD: &[u8] = &[1; 32];
    let t =
        tokens_with(KeySet::new(KEY, Some("k2".into()), &[("k1".into(), OLD.to_vec())]).unwrap());
    let header = json!({"alg": "HS256", "kid": "k2", "stt": "access"});
    assert!(
        t.verify_access(&forge(&header, &live_claims(), Some(OLD)))
            .is_none()
    );
}

#[test]
fn oversized_tokens_are_refused_before_parsing() {
    let t = tokens();
    let header = json!({"alg": "HS256", "stt": "access", "pad": "x".repeat(MAX_TOKEN_LEN)});
    assert!(
        t.verify_access(&forge(&header, &live_claims(), Some(KEY)))
            .is_none()
    );
}
