//! Authentication of every request with the tenant API key (rest-api §2): HTTP Basic or the
//! SAuthc1 digest, and the secret encryption of API-key reads (§5.8).

use base64::{Engine as _, engine::general_purpose::STANDARD};
use reqwest::{
    Method, Url,
    header::{AUTHORIZATION, HOST, HeaderName, HeaderValue},
};
use time::OffsetDateTime;

use super::errors::protocol;
use crate::{
    Result,
    credentials::ApiKey,
    sauthc1::{self, SignedRequest},
    secret_crypt::{EncryptionParams, decrypt_secret},
};

/// How requests to the server are authenticated with the tenant API key (rest-api §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AuthScheme {
    /// `Authorization: Basic base64(id:secret)`, what the Node SDK sends. The secret crosses
    /// the wire with every request: use it over HTTPS (or on the loopback) only.
    Basic,
    /// The SAuthc1 digest of the Java and Python SDKs (the default): every request is signed
    /// with the secret, a date and a nonce; the secret never crosses the wire.
    #[default]
    Sauthc1,
}

/// Signs requests with the tenant API key.
pub(crate) struct Signer {
    key: ApiKey,
    scheme: AuthScheme,
    /// The Basic `Authorization` value, computed once (marked sensitive: never logged).
    basic: HeaderValue,
}

impl Signer {
    pub(crate) fn new(key: ApiKey, scheme: AuthScheme) -> Result<Self> {
        let encoded = STANDARD.encode(format!("{}:{}", key.id, key.secret));
        let mut basic = HeaderValue::try_from(format!("Basic {encoded}"))
            .map_err(|_| protocol("the API key cannot be sent in an HTTP header"))?;
        basic.set_sensitive(true);
        Ok(Self { key, scheme, basic })
    }

    /// The headers that authenticate a request: `Authorization`, and for SAuthc1 the `Host`
    /// and `X-Stormpath-Date` it signs.
    pub(crate) fn headers(
        &self,
        method: &Method,
        url: &Url,
        body: &[u8],
    ) -> Result<Vec<(HeaderName, HeaderValue)>> {
        match self.scheme {
            AuthScheme::Basic => Ok(vec![(AUTHORIZATION, self.basic.clone())]),
            AuthScheme::Sauthc1 => {
                let host = host_header(url)?;
                let date = sauthc1::format_timestamp(OffsetDateTime::now_utc());
                let nonce = uuid::Uuid::new_v4().to_string();
                let signed = [
                    ("host", host.as_str()),
                    (sauthc1::DATE_HEADER, date.as_str()),
                ];
                // The path and query exactly as reqwest sends them (percent-encoded).
                let request = SignedRequest {
                    method: method.as_str(),
                    path: url.path(),
                    query: url.query().unwrap_or(""),
                    headers: &signed,
                    body,
                };
                let authorization = sauthc1::authorization(&self.key, &request, &[], &date, &nonce);
                let mut authorization = HeaderValue::try_from(authorization)
                    .map_err(|_| protocol("the SAuthc1 header is not a valid header value"))?;
                authorization.set_sensitive(true);
                let value = |v: String| {
                    HeaderValue::try_from(v).map_err(|_| protocol("a signed header is not valid"))
                };
                Ok(vec![
                    (HOST, value(host)?),
                    (HeaderName::from_static(sauthc1::DATE_HEADER), value(date)?),
                    (AUTHORIZATION, authorization),
                ])
            }
        }
    }
}

/// The `Host` header of a URL: the host, plus `:port` when the port is not the scheme's
/// default (rest-api §2.2 step 1).
fn host_header(url: &Url) -> Result<String> {
    let host = url
        .host_str()
        .ok_or_else(|| protocol("the base URL has no host"))?;
    Ok(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}

/// One request's `encryptSecret` parameters (rest-api §5.8): API-key secrets come back
/// encrypted with the tenant key secret, never in plain text on the wire.
pub(crate) struct SecretCipher {
    params: EncryptionParams,
}

impl SecretCipher {
    /// Fresh parameters (a random salt) for one request.
    pub(crate) fn new() -> Self {
        Self {
            params: EncryptionParams::random(),
        }
    }

    /// The query parameters that ask for the encrypted secret.
    pub(crate) fn query(&self) -> Vec<(String, String)> {
        self.params
            .to_query()
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value))
            .collect()
    }

    /// The plain-text secret of an answer to a request that carried [`query`](Self::query).
    pub(crate) fn reveal(&self, secret: &str, tenant_secret: &str) -> Result<String> {
        decrypt_secret(secret, tenant_secret, &self.params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_header_keeps_only_a_non_default_port() {
        let url = Url::parse("http://127.0.0.1:8080/v1/accounts").unwrap();
        assert_eq!(host_header(&url).unwrap(), "127.0.0.1:8080");
        let url = Url::parse("https://api.stormpath.com/v1/").unwrap();
        assert_eq!(host_header(&url).unwrap(), "api.stormpath.com");
    }

    #[test]
    fn sauthc1_signs_host_and_date_and_verifies() {
        let key = ApiKey {
            id: "MyId".into(),
            secret: "Shush!".into(),
        };
        let signer = Signer::new(key, AuthScheme::Sauthc1).unwrap();
        let url = Url::parse("http://127.0.0.1:8080/v1/accounts/a%20b?q=x%2Fy&a=1").unwrap();
        let headers = signer.headers(&Method::POST, &url, b"{}").unwrap();
        let get = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.to_str().unwrap().to_owned())
                .unwrap()
        };
        assert_eq!(get("host"), "127.0.0.1:8080");
        let date = get("x-stormpath-date");
        let authorization = get("authorization");
        assert!(
            authorization.starts_with("SAuthc1 sauthc1Id=MyId/"),
            "{authorization}"
        );
        assert!(authorization.contains("sauthc1SignedHeaders=host;x-stormpath-date"));
        // What a server verifies: the request as it arrives.
        let parsed = sauthc1::Sauthc1Header::parse(&authorization).unwrap();
        let received = [
            ("Host", "127.0.0.1:8080"),
            ("X-Stormpath-Date", date.as_str()),
        ];
        let request = SignedRequest {
            method: "POST",
            path: "/v1/accounts/a%20b",
            query: "q=x%2Fy&a=1",
            headers: &received,
            body: b"{}",
        };
        assert!(sauthc1::verify(&parsed, "Shush!", &request));
        assert!(!sauthc1::verify(&parsed, "other", &request));
    }

    #[test]
    fn secrets_come_back_encrypted_and_are_revealed() {
        let cipher = SecretCipher::new();
        let query = cipher.query();
        assert!(query.contains(&("encryptSecret".to_owned(), "true".to_owned())));
        let pairs = query.iter().map(|(n, v)| (n.as_str(), v.as_str()));
        let params = EncryptionParams::from_query(pairs).unwrap().unwrap();
        let sealed = crate::secret_crypt::encrypt_secret("the-secret", "tenant", &params).unwrap();
        assert_eq!(cipher.reveal(&sealed, "tenant").unwrap(), "the-secret");
        assert!(cipher.reveal(&sealed, "wrong").is_err());
    }

    #[test]
    fn basic_is_the_key_pair_and_sensitive() {
        let signer = Signer::new(
            ApiKey {
                id: "id".into(),
                secret: "s3cr3t".into(),
            },
            AuthScheme::Basic,
        )
        .unwrap();
        let url = Url::parse("http://127.0.0.1/v1/").unwrap();
        let headers = signer.headers(&Method::GET, &url, b"").unwrap();
        let (name, value) = &headers[0];
        assert_eq!(name, AUTHORIZATION);
        assert_eq!(value, "Basic aWQ6czNjcjN0");
        assert!(value.is_sensitive());
    }
}
