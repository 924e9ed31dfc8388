//! [`CustomDataStore`] over REST, on our server's compare-and-swap extension of rest-api §5.7:
//! `GET {acct}/customData` answers with `ETag: "<version>"`, and `PUT {acct}/customData` with
//! `If-Match: "<version>"` and the whole document replaces it (200 and the new ETag), or
//! answers 412 when the version has moved.

use async_trait::async_trait;
use serde_json::Value;

use super::{RemoteBackend, errors::protocol, wire};
use crate::{AccountId, CustomData, CustomDataStore, Error, Result, VersionedCustomData};

#[async_trait]
impl CustomDataStore for RemoteBackend {
    async fn custom_data(&self, id: &AccountId) -> Result<VersionedCustomData> {
        let href = self.account_href(id).ok_or(Error::NotFound)?;
        let http = self.http();
        let reply = http
            .send(http.get(&format!("{href}/customData"))?)
            .await?
            .ok()?;
        let version = reply.header("etag").and_then(parse_etag).ok_or_else(|| {
            protocol(
                "the server sent custom data without a numeric ETag: it does not support \
                 compare-and-swap of custom data",
            )
        })?;
        let data = wire::custom_data(reply.json()?)?;
        Ok(VersionedCustomData { data, version })
    }

    async fn swap_custom_data(
        &self,
        id: &AccountId,
        version: i64,
        data: CustomData,
    ) -> Result<bool> {
        let Some(href) = self.account_href(id) else {
            return Ok(false);
        };
        let http = self.http();
        let call = http
            .put(&format!("{href}/customData"))?
            .if_match(version)
            .json(&Value::Object(data))?;
        let reply = http.send(call).await?;
        match reply.status() {
            // Another writer came first, or the account is gone: nothing was written.
            412 | 404 => Ok(false),
            _ => reply.ok().map(|_| true),
        }
    }
}

/// The version an ETag carries: `"7"`, `W/"7"` or `7`.
fn parse_etag(etag: &str) -> Option<i64> {
    let etag = etag.trim();
    let etag = etag.strip_prefix("W/").unwrap_or(etag);
    etag.trim_matches('"').parse().ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn etags_carry_the_version() {
        assert_eq!(super::parse_etag("\"7\""), Some(7));
        assert_eq!(super::parse_etag("W/\"12\""), Some(12));
        assert_eq!(super::parse_etag("3"), Some(3));
        assert_eq!(super::parse_etag("\"abc\""), None);
    }
}
