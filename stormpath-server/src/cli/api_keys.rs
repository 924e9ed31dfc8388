//! `stormpath-server api-keys list|create|disable|enable|delete`.

use clap::Subcommand;
use serde_json::{Map, Value, json};
use stormpath_client::{AccountId, prelude::*};
use stormpath_store::admin::{
    ADMINISTRATORS, AccountRecord, AccountsOf, ApiKeyRecord, Filter, ListQuery, Pattern, cli,
};

use super::{
    applications::{Status, name_filter},
    manage::{Context, Format, Paging, Place, print, print_json},
    table::{self, Table},
};
use crate::{
    SettingsError,
    shape::{collection, link},
    state::State,
};

#[derive(Debug, Subcommand)]
pub(super) enum Action {
    /// Lists API keys (never their secrets): of one account, or of the accounts of the
    /// tenant, an application's directories or a directory.
    List {
        /// Only this account's keys: email, username, id or href.
        #[arg(long)]
        account: Option<String>,
        #[command(flatten)]
        place: Place,
        #[command(flatten)]
        paging: Paging,
        /// Only key names matching PATTERN.
        #[arg(long, value_name = "PATTERN")]
        name: Option<String>,
        /// Only keys with this status.
        #[arg(long)]
        status: Option<Status>,
        #[command(flatten)]
        format: Format,
    },
    /// Creates an API key and prints its secret, once. Without --account, the key is the
    /// tenant administrator's: an admin key for the REST API.
    Create {
        /// The owner: email, username, id or href [default: the tenant administrator]. An
        /// account of the `Stormpath Administrators` directory owns an admin key.
        #[arg(long)]
        account: Option<String>,
        #[command(flatten)]
        place: Place,
        /// A name for the key.
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        format: Format,
    },
    /// Disables an API key: it no longer authenticates.
    Disable {
        /// The key id (or its href).
        key: String,
        #[command(flatten)]
        format: Format,
    },
    /// Enables an API key.
    Enable {
        /// The key id (or its href).
        key: String,
        #[command(flatten)]
        format: Format,
    },
    /// Deletes an API key.
    Delete {
        /// The key id (or its href).
        key: String,
    },
}

/// The key id in an href, or the value itself.
fn key_id(value: &str) -> &str {
    match value.rfind("/apiKeys/") {
        Some(at) => value[at + "/apiKeys/".len()..].trim_end_matches('/'),
        None => value,
    }
}

/// The REST API's API key (spec §5.8); the secret only when it is being handed out.
fn key_json(state: &State, key: &ApiKeyRecord, secret: Option<&str>) -> Value {
    let mut map = Map::new();
    map.insert("href".into(), json!(state.href("apiKeys", &key.key_id)));
    map.insert("id".into(), json!(key.key_id));
    if let Some(secret) = secret {
        map.insert("secret".into(), json!(secret));
    }
    map.insert("status".into(), json!(key.status));
    map.insert("name".into(), json!(key.name));
    map.insert("description".into(), json!(key.description));
    map.insert(
        "account".into(),
        link(state.href("accounts", &key.account_id)),
    );
    map.insert("tenant".into(), link(state.tenant_href()));
    Value::Object(map)
}

pub(super) async fn run(cx: &Context, action: Action) -> Result<(), SettingsError> {
    match action {
        Action::List {
            account,
            place,
            paging,
            name,
            status,
            format,
        } => {
            let scope = cx.scope(&place).await?;
            let owner = match &account {
                Some(a) => Some(cx.account(&scope, a).await?),
                None => None,
            };
            let mut filters = Vec::new();
            filters.extend(name.as_deref().map(name_filter));
            filters.extend(status.map(Status::filter));
            let list = paging.query(filters);
            let page = cli::api_keys(
                cx.store(),
                scope.within(),
                owner.as_ref().map(|o| o.account.id.as_str()),
                &list,
            )
            .await
            .map_err(|e| cx.fail(e))?;
            if format.json {
                let items = page
                    .items
                    .iter()
                    .map(|k| key_json(&cx.state, &k.key, None))
                    .collect();
                let href = match &owner {
                    Some(o) => format!(
                        "{}/apiKeys",
                        cx.state.href("accounts", o.account.id.as_str())
                    ),
                    None => scope.href(&cx.state, "apiKeys"),
                };
                return print_json(&collection(&href, &list, page.size, items));
            }
            let mut t = Table::new(&["ID", "ACCOUNT", "DIRECTORY", "STATUS", "NAME", "CREATED"]);
            for k in &page.items {
                t.row(vec![
                    k.key.key_id.clone(),
                    k.account_email.clone(),
                    k.key.directory_name.clone(),
                    k.key.status.clone(),
                    table::or_dash(k.key.name.as_deref()),
                    table::when(k.key.created_at),
                ]);
            }
            print(&format!(
                "{}{}\n",
                t.render(),
                table::total(
                    page.size,
                    list.offset,
                    page.items.len(),
                    "API key",
                    "API keys"
                )
            ))
        }
        Action::Create {
            account,
            place,
            name,
            format,
        } => {
            let owner = match &account {
                Some(a) => cx.account(&cx.scope(&place).await?, a).await?,
                None => administrator(cx).await?,
            };
            let made = cx
                .store()
                .create_api_key(
                    &AccountId(owner.account.id.as_str().to_owned()),
                    name.as_deref(),
                )
                .await
                .map_err(|e| cx.fail(e))?;
            let record = cx
                .store()
                .api_key_record(&made.info.id)
                .await
                .map_err(|e| cx.fail(e))?
                .ok_or_else(|| SettingsError::Init("the new API key vanished".into()))?;
            if format.json {
                return print_json(&key_json(&cx.state, &record, Some(&made.secret)));
            }
            let kind = if record.directory_name == ADMINISTRATORS {
                "an admin key for the REST API"
            } else {
                "an account key"
            };
            print(&format!(
                "Created API key {} for {} (directory \"{}\": {kind})\n  id:     {}\n  \
                 secret: {}\nThe secret is shown once.\n",
                record.key_id,
                owner.account.email,
                record.directory_name,
                record.key_id,
                made.secret,
            ))
        }
        Action::Disable { key, format } => set_status(cx, &key, Status::Disabled, &format).await,
        Action::Enable { key, format } => set_status(cx, &key, Status::Enabled, &format).await,
        Action::Delete { key } => {
            let id = key_id(&key);
            cx.store()
                .delete_api_key_by_id(id)
                .await
                .map_err(|e| not_found(cx, e, id))?;
            print(&format!("Deleted API key {id}.\n"))
        }
    }
}

fn not_found(cx: &Context, err: stormpath_client::Error, id: &str) -> SettingsError {
    match err {
        stormpath_client::Error::NotFound => SettingsError::Init(format!("no API key \"{id}\"")),
        other => cx.fail(other),
    }
}

async fn set_status(
    cx: &Context,
    key: &str,
    status: Status,
    format: &Format,
) -> Result<(), SettingsError> {
    let id = key_id(key);
    let record = cx
        .store()
        .update_api_key(id, Some(status.as_str()), None, None)
        .await
        .map_err(|e| not_found(cx, e, id))?;
    if format.json {
        return print_json(&key_json(&cx.state, &record, None));
    }
    let done = match status {
        Status::Enabled => "Enabled",
        Status::Disabled => "Disabled",
    };
    print(&format!("{done} API key {}.\n", record.key_id))
}

/// The tenant administrator: the oldest enabled account of the administrators' directory.
async fn administrator(cx: &Context) -> Result<AccountRecord, SettingsError> {
    let admins = cx.directory(ADMINISTRATORS).await?;
    let list = ListQuery {
        offset: 0,
        limit: 1,
        filters: vec![Filter::Text {
            attr: "status".into(),
            pattern: Pattern::Exact("ENABLED".into()),
        }],
        order: Vec::new(),
    };
    cx.store()
        .list_accounts(AccountsOf::Directory(&admins.meta.id), &list)
        .await
        .map_err(|e| cx.fail(e))?
        .items
        .into_iter()
        .next()
        .ok_or_else(|| {
            SettingsError::Init(format!(
                "the \"{ADMINISTRATORS}\" directory has no enabled account: name the owner with \
                 --account"
            ))
        })
}
