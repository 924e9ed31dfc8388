//! Custom data: read with a version, written by compare-and-swap, and the one retry loop
//! that turns those two into an atomic update.

use async_trait::async_trait;

use crate::{AccountId, CustomData, Error, Result};

/// An account's custom data and the version it was read at.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionedCustomData {
    /// The JSON object.
    pub data: CustomData,
    /// An opaque number that changes on every write of the custom data: only compare it or
    /// hand it back to [`CustomDataStore::swap_custom_data`].
    pub version: i64,
}

/// Each account's JSON custom data.
#[async_trait]
pub trait CustomDataStore: Send + Sync {
    /// The account's custom data with its version.
    ///
    /// # Errors
    /// [`Error::NotFound`] when the account does not exist.
    async fn custom_data(&self, id: &AccountId) -> Result<VersionedCustomData>;

    /// Replaces the account's custom data with `data` only if it is still at `version`: a
    /// compare-and-swap. `Ok(true)` when written; `Ok(false)` when another writer came first
    /// (or the account is gone), in which case nothing was written. Members named
    /// `stormpathApiKey_<n>` are stored as given (only registration turns them into API keys).
    ///
    /// Use [`update_custom_data`] rather than calling this in a loop of your own.
    ///
    /// # Errors
    /// [`Error::Validation`] when `data` is larger than the store accepts (the embedded store:
    /// 64 KiB of JSON).
    async fn swap_custom_data(
        &self,
        id: &AccountId,
        version: i64,
        data: CustomData,
    ) -> Result<bool>;
}

/// How many times [`update_custom_data`] reads and tries again before other writers are
/// deemed to be starving it.
pub const MAX_CUSTOM_DATA_ATTEMPTS: usize = 32;

/// Changes an account's custom data atomically: reads it, runs `change` on it and writes it
/// back only if nobody wrote in between; otherwise starts over with the newer data. So
/// concurrent updates of different keys all survive, and `change` may run more than once:
/// keep it free of side effects. Returns what `change` returned the last time.
///
/// # Errors
/// What `change` fails with (nothing is written), the store's errors, and a back-end failure
/// when other writers won the race [`MAX_CUSTOM_DATA_ATTEMPTS`] times in a row.
///
/// # Examples
/// ```
/// # async fn demo(backend: &dyn stormpath_client::Backend, id: &stormpath_client::AccountId)
/// # -> stormpath_client::Result<()> {
/// use stormpath_client::update_custom_data;
///
/// update_custom_data(backend, id, |data| {
///     data.insert("theme".into(), "dark".into());
///     Ok::<_, stormpath_client::Error>(())
/// })
/// .await?;
/// # Ok(()) }
/// ```
pub async fn update_custom_data<B, T, E>(
    backend: &B,
    id: &AccountId,
    mut change: impl FnMut(&mut CustomData) -> Result<T, E>,
) -> Result<T, E>
where
    B: CustomDataStore + ?Sized,
    E: From<Error>,
{
    for _ in 0..MAX_CUSTOM_DATA_ATTEMPTS {
        let VersionedCustomData { mut data, version } = backend.custom_data(id).await?;
        let out = change(&mut data)?;
        if backend.swap_custom_data(id, version, data).await? {
            return Ok(out);
        }
        // Someone else wrote first: let them finish before reading again.
        tokio::task::yield_now().await;
    }
    Err(Error::backend(std::io::Error::other(
        "custom data kept changing; update abandoned",
    ))
    .into())
}

/// Merges `patch` into the account's custom data (top-level keys; a `null` value removes the
/// key), atomically with respect to concurrent updates of other keys; returns the result.
///
/// # Errors
/// As [`update_custom_data`].
pub async fn merge_custom_data<B>(
    backend: &B,
    id: &AccountId,
    patch: CustomData,
) -> Result<CustomData>
where
    B: CustomDataStore + ?Sized,
{
    update_custom_data(backend, id, |data| {
        for (key, value) in &patch {
            if value.is_null() {
                data.remove(key);
            } else {
                data.insert(key.clone(), value.clone());
            }
        }
        Ok(data.clone())
    })
    .await
}
