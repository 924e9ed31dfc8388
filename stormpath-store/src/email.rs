//! Email syntax checks and the canonical form used for uniqueness and lookup: the client
//! crate's, so that every back end (and the remote one, before it sends) words them alike.

pub use stormpath_client::email_address::{MAX_EMAIL_LEN, canonical, validate};
