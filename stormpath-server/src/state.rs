//! What every request shares: the store, the public href base and the tenant.

use stormpath_store::{Store, admin::Tenant};

/// The server's shared state.
pub struct State {
    /// The account store (acting for no application in particular; handlers scope it with
    /// [`Store::for_application`]).
    pub store: Store,
    /// `{public base URL}/v1`, the prefix of every href.
    pub base: String,
    /// The tenant.
    pub tenant: Tenant,
    /// The id of the `Stormpath Administrators` directory, whose accounts' keys are tenant
    /// keys (recognised by this id, not by the directory's name).
    pub admin_directory_id: String,
    /// SAuthc1 nonces seen recently (replays are refused).
    pub(crate) nonces: quick_cache::sync::Cache<String, ()>,
}

impl State {
    /// `{base}/{collection}/{id}`.
    #[must_use]
    pub fn href(&self, collection: &str, id: &str) -> String {
        format!("{}/{collection}/{id}", self.base)
    }

    /// The id at the end of one of our hrefs of `collection` (`None` for anything else).
    #[must_use]
    pub fn id_of<'a>(&self, collection: &str, href: &'a str) -> Option<&'a str> {
        let rest = href.strip_prefix(self.base.as_str())?;
        let id = rest
            .strip_prefix('/')?
            .strip_prefix(collection)?
            .strip_prefix('/')?;
        (!id.is_empty() && !id.contains('/')).then_some(id)
    }

    /// The tenant's href.
    #[must_use]
    pub fn tenant_href(&self) -> String {
        self.href("tenants", &self.tenant.meta.id)
    }
}
