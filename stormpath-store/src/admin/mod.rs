//! The tenant's resources as the REST server and the admin CLI see them: applications,
//! directories and their policies, account store mappings, accounts, groups and memberships,
//! custom data, and collection queries with the REST API's paging, search and sort (spec §3).
//! The [`Backend`](stormpath_client::Backend) parts stay the way the web plugin and the server
//! share account logic; this module is the rest of the directory model.

mod accounts;
pub mod cli;
mod custom_data;
pub mod export;
mod flows;
mod groups;
pub mod import;
pub mod jwt;
mod keys;
pub mod query;
mod structure;
mod tokens;

pub use accounts::{AccountChanges, AccountRecord, AccountsOf};
pub use custom_data::{CustomDataDoc, CustomDataOwner};
pub use groups::{GroupRecord, GroupsOf, MembershipRecord, MembershipsOf};
pub use keys::ApiKeyRecord;
pub use query::{Filter, ListQuery, Page, Pattern};
pub use structure::{
    ADMINISTRATORS, Application, Directory, Mapping, Meta, OAuthPolicy, Patch, Policies, Tenant,
};
pub use tokens::TokenRecord;
