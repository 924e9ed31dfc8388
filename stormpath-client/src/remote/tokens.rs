//! Tokens on the client side: the `stormpath_token` JWT this back end mints to have the
//! server issue tokens (rest-api §6.8), and what local verification of the server's access
//! tokens needs: the verified-token cache and the set of tokens revoked through this back end.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use time::OffsetDateTime;

use super::cache::TtlCache;
use crate::{AccessClaims, Error, Result, TokenGrant, TokenKind};

/// The longest token accepted for parsing (a guard against oversized headers).
pub(crate) const MAX_TOKEN_LEN: usize = 4096;
/// The header member naming the token kind ("Stormpath token type").
const KIND_HEADER: &str = "stt";
/// How long a minted `stormpath_token` is valid: the SDK's 60 seconds.
const STORMPATH_TOKEN_TTL: i64 = 60;

/// The claims of a `stormpath_token` grant (rest-api §6.8; sdk-compat §6).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct StormpathTokenClaims {
    /// The account href.
    pub(crate) sub: String,
    /// The application href.
    pub(crate) iss: String,
    /// The tenant API key id.
    pub(crate) aud: String,
    /// Always `AUTHENTICATED`.
    pub(crate) status: String,
    /// Issued at, in seconds with milliseconds (a float, as express-stormpath sent it).
    pub(crate) iat: f64,
    /// Expires at, in whole seconds.
    pub(crate) exp: i64,
    /// A UUID v4.
    pub(crate) jti: String,
    /// `client_credentials` to ask for an access token only (our server's extension).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub(crate) grant_type: Option<String>,
}

/// Mints the JWT of a `stormpath_token` grant: HS256 with the tenant key secret, header
/// `{"typ":"JWT","alg":"HS256"}` (no `kid`), valid for 60 seconds.
pub(crate) fn mint_stormpath_token(
    key: &EncodingKey,
    key_id: &str,
    account_href: &str,
    application_href: &str,
    grant: TokenGrant,
    now: OffsetDateTime,
) -> Result<String> {
    let millis = now.unix_timestamp_nanos() / 1_000_000;
    let claims = StormpathTokenClaims {
        sub: account_href.to_owned(),
        iss: application_href.to_owned(),
        aud: key_id.to_owned(),
        status: "AUTHENTICATED".to_owned(),
        // Milliseconds as a float of seconds: exact to the millisecond for any real date.
        #[allow(clippy::cast_precision_loss)]
        iat: millis as f64 / 1000.0,
        exp: now.unix_timestamp() + STORMPATH_TOKEN_TTL,
        jti: uuid::Uuid::new_v4().to_string(),
        grant_type: match grant {
            TokenGrant::Password => None,
            TokenGrant::ClientCredentials => Some("client_credentials".to_owned()),
        },
    };
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, key).map_err(Error::backend)
}

/// A token's header, read without checking anything.
pub(crate) struct Peek {
    /// The key it names.
    pub(crate) kid: Option<String>,
    /// Its kind (`stt`).
    pub(crate) kind: Option<TokenKind>,
}

/// Reads a token's header, or `None` for something that is no JWS (or too long to be ours).
pub(crate) fn peek(token: &str) -> Option<Peek> {
    if token.len() > MAX_TOKEN_LEN {
        return None;
    }
    let header = jsonwebtoken::decode_header(token).ok()?;
    let kind = header.extras.get::<TokenKind>(KIND_HEADER).ok().flatten();
    Some(Peek {
        kid: header.kid,
        kind,
    })
}

/// What a token must satisfy: `HS256`, issued by `issuer`, and unexpired (with no leeway)
/// when `live`; no audience expectations.
pub(crate) fn validation(issuer: &str, live: bool) -> Validation {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = 0;
    validation.validate_aud = false;
    validation.validate_exp = live;
    validation.set_issuer(&[issuer]);
    validation.set_required_spec_claims(&["exp", "iss"]);
    validation
}

/// A token's claims, if its signature verifies with `key` under `validation`.
pub(crate) fn decode<C: DeserializeOwned>(
    token: &str,
    key: &DecodingKey,
    validation: &Validation,
) -> Option<C> {
    if token.len() > MAX_TOKEN_LEN {
        return None;
    }
    jsonwebtoken::decode::<C>(token, key, validation)
        .ok()
        .map(|data| data.claims)
}

/// The `jti` and `exp` of any token.
#[derive(Debug, Deserialize)]
pub(crate) struct Ids {
    pub(crate) jti: String,
    pub(crate) exp: i64,
}

/// A verified access token: its full text and claims.
pub(crate) struct Verified {
    text: Box<str>,
    pub(crate) claims: Arc<AccessClaims>,
}

/// Access tokens verified (and confirmed by the server when they had to be), keyed by their
/// signature segment; the whole text is compared on a hit. An entry is served until the
/// token's `exp`, until the changes feed says its account changed, or (on a server without
/// the feed) until its confirmation lapses.
pub(crate) struct VerifiedTokens {
    cache: TtlCache<Arc<Verified>>,
}

impl VerifiedTokens {
    pub(crate) fn new(capacity: usize, ttl: Duration) -> Self {
        Self {
            cache: TtlCache::new(capacity, ttl),
        }
    }

    /// The claims of `token` if it was verified before and its entry still holds.
    pub(crate) fn get(&self, token: &str) -> Option<Arc<AccessClaims>> {
        let hit = self.cache.get(signature(token))?;
        (*hit.text == *token).then(|| Arc::clone(&hit.claims))
    }

    /// Remembers a verified token for `window` at most, and never past its `exp`.
    pub(crate) fn insert(&self, token: &str, claims: Arc<AccessClaims>, window: Duration) {
        let Some(until) = until_exp(claims.exp) else {
            return;
        };
        let deadline = Instant::now() + std::cmp::min(window, until);
        let verified = Verified {
            text: token.into(),
            claims,
        };
        self.cache
            .insert_until(signature(token), Arc::new(verified), deadline);
    }

    /// Forgets a token.
    pub(crate) fn remove(&self, token: &str) {
        self.cache.remove(signature(token));
    }

    /// Forgets every token of the account `sub`: the next use verifies it again.
    pub(crate) fn forget_subject(&self, sub: &str) {
        self.cache.retain(|v| v.claims.sub != sub);
    }

    /// Forgets every token.
    pub(crate) fn clear(&self) {
        self.cache.clear();
    }
}

/// The time left until `exp` (seconds since the epoch), or `None` once it has passed.
pub(crate) fn until_exp(exp: i64) -> Option<Duration> {
    let left = exp - now_secs();
    (left > 0).then(|| Duration::from_secs(left.unsigned_abs()))
}

/// Seconds since the Unix epoch.
pub(crate) fn now_secs() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// The signature segment of a compact JWS (the whole text when it has no dot).
fn signature(token: &str) -> &str {
    token.rsplit('.').next().unwrap_or(token)
}

/// A budget of events per period (a fixed window): what bounds the lookups that requests can
/// cause on their own.
pub(crate) struct Budget {
    limit: u32,
    period: Duration,
    window: std::sync::Mutex<(Instant, u32)>,
}

impl Budget {
    pub(crate) fn new(limit: u32, period: Duration) -> Self {
        Self {
            limit,
            period,
            window: std::sync::Mutex::new((Instant::now(), 0)),
        }
    }

    /// Whether one more event fits in the current window (and counts it if so).
    pub(crate) fn admit(&self) -> bool {
        let Ok(mut window) = self.window.lock() else {
            return false;
        };
        let now = Instant::now();
        if now.duration_since(window.0) >= self.period {
            *window = (now, 0);
        }
        if window.1 >= self.limit {
            return false;
        }
        window.1 += 1;
        true
    }
}

/// `jti`s revoked through this back end (or found revoked by the server), each until its
/// token expires: such a token is refused at once, without a network call.
#[derive(Default)]
pub(crate) struct Revoked {
    jtis: RwLock<RevokedIds>,
    /// Accounts (by href) whose tokens issued before a time (seconds) are void: a password
    /// change or reset, a disabled account, "log out everywhere" through this back end.
    subjects: RwLock<HashMap<String, i64>>,
}

/// Revoked token ids, each until its expiry, and the size at which the expired ones are next
/// dropped: twice what was left after the last sweep (at least [`SWEEP_AT`]), so a set of many
/// live revocations is swept once per doubling, not on every insert.
#[derive(Default)]
struct RevokedIds {
    ids: HashMap<String, i64>,
    sweep_at: usize,
}

/// The smallest set that is swept of its expired ids.
const SWEEP_AT: usize = 4096;

/// How long an account's "tokens before" mark is kept: longer than any access token lives
/// (refresh tokens are checked by the server on every use).
const SUBJECT_MARK_SECS: i64 = 24 * 3600;

impl Revoked {
    /// Marks `jti` revoked until `exp`.
    pub(crate) fn insert(&self, jti: String, exp: i64) {
        let now = now_secs();
        if let Ok(mut jtis) = self.jtis.write() {
            jtis.ids.insert(jti, exp);
            if jtis.ids.len() > jtis.sweep_at.max(SWEEP_AT) {
                jtis.ids.retain(|_, exp| *exp > now);
                jtis.sweep_at = jtis.ids.len() * 2;
            }
        }
    }

    /// Voids the tokens of the account `sub` issued before `at` (seconds).
    pub(crate) fn revoke_subject(&self, sub: &str, at: i64) {
        if let Ok(mut subjects) = self.subjects.write() {
            subjects.insert(sub.to_owned(), at);
            if subjects.len() > 4096 {
                subjects.retain(|_, mark| *mark > at - SUBJECT_MARK_SECS);
            }
        }
    }

    /// Whether the access token, or the refresh token it was minted with, was revoked, or its
    /// account's tokens of that age were.
    pub(crate) fn refuses(&self, claims: &AccessClaims) -> bool {
        let voided = self.subjects.read().map_or(true, |s| {
            s.get(&claims.sub).is_some_and(|mark| claims.iat < *mark)
        });
        voided
            || self.jtis.read().map_or(true, |jtis| {
                jtis.ids.contains_key(&claims.jti)
                    || claims
                        .rti
                        .as_ref()
                        .is_some_and(|rti| jtis.ids.contains_key(rti))
            })
    }

    /// Whether `jti` was revoked.
    pub(crate) fn contains(&self, jti: &str) -> bool {
        self.jtis
            .read()
            .map_or(true, |jtis| jtis.ids.contains_key(jti))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_revocations_are_never_dropped_and_expired_ones_are_swept_now_and_then() {
        let revoked = Revoked::default();
        let now = now_secs();
        for n in 0..3 * SWEEP_AT {
            revoked.insert(format!("live-{n}"), now + 600);
        }
        assert!((0..3 * SWEEP_AT).all(|n| revoked.contains(&format!("live-{n}"))));
        let swept_at = revoked.jtis.read().unwrap().sweep_at;
        assert!(
            swept_at >= 2 * SWEEP_AT,
            "the next sweep waits for the set to double"
        );
        for n in 0..swept_at {
            revoked.insert(format!("gone-{n}"), now - 1);
        }
        let left = revoked.jtis.read().unwrap().ids.len();
        assert!(
            left < 3 * SWEEP_AT + swept_at,
            "expired ids were swept: {left}"
        );
        assert!((0..3 * SWEEP_AT).all(|n| revoked.contains(&format!("live-{n}"))));
    }

    const SECRET: &[u8] = b"tenant-secret-of-the-api-key-0123456789";

    fn claims(exp: i64) -> Arc<AccessClaims> {
        Arc::new(AccessClaims {
            jti: "j".into(),
            iat: 0,
            exp,
            iss: "i".into(),
            sub: "s".into(),
            rti: Some("r".into()),
            scope: None,
            grant_type: None,
            auth_time: None,
        })
    }

    #[test]
    fn the_stormpath_token_carries_the_sdk_claims() {
        crate::jws::install();
        let key = EncodingKey::from_secret(SECRET).unwrap();
        let now = time::macros::datetime!(2024-05-01 12:00:00.123 UTC);
        let jwt = mint_stormpath_token(
            &key,
            "KEYID",
            "http://h/v1/accounts/a",
            "http://h/v1/applications/app",
            TokenGrant::Password,
            now,
        )
        .unwrap();
        let header = jsonwebtoken::decode_header(&jwt).unwrap();
        assert_eq!(header.alg, Algorithm::HS256);
        assert_eq!(header.typ.as_deref(), Some("JWT"));
        assert!(header.kid.is_none(), "no kid: the server uses aud");
        let mut check = validation("http://h/v1/applications/app", false);
        check.set_required_spec_claims(&["exp"]);
        let claims: serde_json::Value =
            decode(&jwt, &DecodingKey::from_secret(SECRET).unwrap(), &check).unwrap();
        assert_eq!(claims["sub"], "http://h/v1/accounts/a");
        assert_eq!(claims["aud"], "KEYID");
        assert_eq!(claims["status"], "AUTHENTICATED");
        assert_eq!(claims["iat"].as_f64(), Some(1_714_564_800.123));
        assert_eq!(claims["exp"].as_i64(), Some(1_714_564_860));
        let jti = claims["jti"].as_str().unwrap();
        assert_eq!(uuid::Uuid::parse_str(jti).unwrap().get_version_num(), 4);
        assert!(claims.get("grant_type").is_none());
        // Another secret does not verify it.
        assert!(
            decode::<serde_json::Value>(&jwt, &DecodingKey::from_secret(b"other").unwrap(), &check)
                .is_none()
        );
    }

    #[test]
    fn client_credentials_asks_for_an_access_token_only() {
        crate::jws::install();
        let key = EncodingKey::from_secret(SECRET).unwrap();
        let jwt = mint_stormpath_token(
            &key,
            "K",
            "s",
            "i",
            TokenGrant::ClientCredentials,
            OffsetDateTime::now_utc(),
        )
        .unwrap();
        let claims: StormpathTokenClaims = jsonwebtoken::decode(
            &jwt,
            &DecodingKey::from_secret(SECRET).unwrap(),
            &validation("i", true),
        )
        .unwrap()
        .claims;
        assert_eq!(claims.grant_type.as_deref(), Some("client_credentials"));
        let two = mint_stormpath_token(
            &key,
            "K",
            "s",
            "i",
            TokenGrant::Password,
            OffsetDateTime::now_utc(),
        )
        .unwrap();
        assert_ne!(jwt, two, "a fresh jti each time");
    }

    #[test]
    fn verified_tokens_need_the_whole_text_and_a_live_token() {
        let cache = VerifiedTokens::new(10, Duration::from_secs(30));
        cache.insert("h.c.sig", claims(now_secs() + 60), Duration::from_secs(30));
        assert!(cache.get("h.c.sig").is_some());
        assert!(cache.get("h.forged.sig").is_none());
        cache.insert("h.c.old", claims(now_secs() - 1), Duration::from_secs(30));
        assert!(
            cache.get("h.c.old").is_none(),
            "an expired token is not kept"
        );
        cache.remove("h.c.sig");
        assert!(cache.get("h.c.sig").is_none());
    }

    #[test]
    fn revoking_a_refresh_token_refuses_its_access_tokens() {
        let revoked = Revoked::default();
        let access = claims(now_secs() + 60);
        assert!(!revoked.refuses(&access));
        revoked.insert("r".into(), now_secs() + 60);
        assert!(revoked.refuses(&access));
        assert!(revoked.contains("r") && !revoked.contains("j"));
    }

    #[test]
    fn a_budget_admits_its_limit_per_period() {
        let budget = Budget::new(2, Duration::from_millis(50));
        assert!(budget.admit() && budget.admit());
        assert!(!budget.admit());
        std::thread::sleep(Duration::from_millis(60));
        assert!(budget.admit());
    }

    #[test]
    fn peek_reads_kid_and_kind() {
        crate::jws::install();
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some("K".into());
        header.extras.insert(KIND_HEADER, TokenKind::Refresh);
        let token = jsonwebtoken::encode(
            &header,
            &serde_json::json!({"jti": "j", "exp": 1}),
            &EncodingKey::from_secret(SECRET).unwrap(),
        )
        .unwrap();
        let peek = peek(&token).unwrap();
        assert_eq!(peek.kid.as_deref(), Some("K"));
        assert_eq!(peek.kind, Some(TokenKind::Refresh));
        assert!(super::peek("garbage").is_none());
    }
}
