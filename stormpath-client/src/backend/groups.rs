//! Groups and memberships.

use std::sync::Arc;

use async_trait::async_trait;

use crate::{AccountId, Group, Result};

/// The directory's groups and who belongs to them.
#[async_trait]
pub trait Groups: Send + Sync {
    /// The groups the account belongs to.
    async fn groups(&self, id: &AccountId) -> Result<Vec<Group>>;

    /// The names of the enabled groups the account belongs to: what authorization checks
    /// (`#[groups_required]`), answered from memory where the back end can.
    async fn group_names(&self, id: &AccountId) -> Result<Arc<[String]>>;

    /// Creates a group (or returns the existing one of that name).
    async fn ensure_group(&self, name: &str, description: Option<&str>) -> Result<Group>;

    /// Adds an account to a group by group name; adding twice is not an error.
    ///
    /// # Errors
    /// [`Error::NotFound`](crate::Error::NotFound) when the account or group does not exist.
    async fn add_to_group(&self, id: &AccountId, group: &str) -> Result<()>;

    /// Removes an account from a group by name; removing a non-member is not an error.
    async fn remove_from_group(&self, id: &AccountId, group: &str) -> Result<()>;
}
