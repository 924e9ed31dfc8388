//! `stormpath-server accounts list|create|disable|enable|delete|add-to-group`.

use std::io::Read;

use clap::{Subcommand, ValueEnum};
use stormpath_client::{AccountId, AccountStatus, AccountUpdate, NewAccount, prelude::*};
use stormpath_store::admin::{
    ADMINISTRATORS, AccountRecord, AccountsOf, Filter, Pattern,
    cli::{self, Within},
};

use super::{
    manage::{Context, Format, Paging, Place, Scope, print, print_json},
    table::{self, Table},
};
use crate::{
    SettingsError,
    api::{accounts::account_json, groups::membership_json},
};

/// The variable `accounts create` reads the password from when it is not piped in.
const PASSWORD_ENV: &str = "STORMPATH_ACCOUNT_PASSWORD";

#[derive(Debug, Subcommand)]
pub(super) enum Action {
    /// Lists accounts: of the tenant, of an application's directories, or of one directory.
    List {
        #[command(flatten)]
        place: Place,
        #[command(flatten)]
        paging: Paging,
        /// Only emails matching PATTERN (case-insensitive; `x*` starts with, `*x` ends with,
        /// `*x*` contains).
        #[arg(long, value_name = "PATTERN")]
        email: Option<String>,
        /// Only usernames matching PATTERN.
        #[arg(long, value_name = "PATTERN")]
        username: Option<String>,
        /// Only accounts with TEXT in a name, the username or the email (the REST API's `q`).
        #[arg(long, value_name = "TEXT")]
        name: Option<String>,
        /// Only accounts with this status.
        #[arg(long)]
        status: Option<Status>,
        #[command(flatten)]
        format: Format,
    },
    /// Creates an account in an application's default account store or in a directory.
    ///
    /// The password is read from standard input with --password-stdin (its first line), else
    /// taken from --password (which other users can see in `ps`), else from
    /// STORMPATH_ACCOUNT_PASSWORD.
    Create {
        #[command(flatten)]
        place: Place,
        /// The email address.
        #[arg(long)]
        email: String,
        /// The username [default: the email].
        #[arg(long)]
        username: Option<String>,
        /// First name.
        #[arg(long, value_name = "NAME")]
        given_name: Option<String>,
        /// Middle name.
        #[arg(long, value_name = "NAME")]
        middle_name: Option<String>,
        /// Last name.
        #[arg(long, value_name = "NAME")]
        surname: Option<String>,
        /// The status [default: enabled]; `unverified` sends the verification email.
        #[arg(long)]
        status: Option<Status>,
        /// Reads the password from standard input (its first line).
        #[arg(long)]
        password_stdin: bool,
        /// The password. Visible to other users in `ps` and kept in shell history: prefer
        /// --password-stdin or STORMPATH_ACCOUNT_PASSWORD.
        #[arg(long, value_name = "PASSWORD")]
        password: Option<String>,
        #[command(flatten)]
        format: Format,
    },
    /// Disables an account: it cannot log in, and its tokens are revoked.
    Disable {
        /// The account: email, username, id or href.
        account: String,
        #[command(flatten)]
        place: Place,
        #[command(flatten)]
        format: Format,
    },
    /// Enables an account.
    Enable {
        /// The account: email, username, id or href.
        account: String,
        #[command(flatten)]
        place: Place,
        #[command(flatten)]
        format: Format,
    },
    /// Deletes an account with its memberships, API keys and tokens.
    Delete {
        /// The account: email, username, id or href.
        account: String,
        #[command(flatten)]
        place: Place,
    },
    /// Adds an account to a group of its directory.
    AddToGroup {
        /// The account: email, username, id or href.
        account: String,
        /// The group of the account's directory: name, id or href.
        group: String,
        #[command(flatten)]
        place: Place,
        #[command(flatten)]
        format: Format,
    },
}

/// An account status.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(super) enum Status {
    Enabled,
    Disabled,
    Unverified,
}

impl Status {
    fn account_status(self) -> AccountStatus {
        match self {
            Self::Enabled => AccountStatus::Enabled,
            Self::Disabled => AccountStatus::Disabled,
            Self::Unverified => AccountStatus::Unverified,
        }
    }
}

fn text(attr: &str, pattern: &str) -> Filter {
    Filter::Text {
        attr: attr.into(),
        pattern: Pattern::parse(pattern),
    }
}

pub(super) async fn run(cx: &Context, action: Action) -> Result<(), SettingsError> {
    match action {
        Action::List {
            place,
            paging,
            email,
            username,
            name,
            status,
            format,
        } => {
            let scope = cx.scope(&place).await?;
            let mut filters = Vec::new();
            filters.extend(email.as_deref().map(|p| text("email", p)));
            filters.extend(username.as_deref().map(|p| text("username", p)));
            filters.extend(name.map(Filter::Any));
            filters.extend(status.map(|s| Filter::Text {
                attr: "status".into(),
                pattern: Pattern::Exact(s.account_status().as_str().into()),
            }));
            let list = paging.query(filters);
            let page = cx
                .store()
                .list_accounts(scope.accounts(), &list)
                .await
                .map_err(|e| cx.fail(e))?;
            if format.json {
                let items = page
                    .items
                    .iter()
                    .map(|a| account_json(&cx.state, a))
                    .collect();
                let href = scope.href(&cx.state, "accounts");
                return print_json(&crate::shape::collection(&href, &list, page.size, items));
            }
            let dirs = cx
                .directory_names(page.items.iter().map(|a| a.directory_id.as_str()))
                .await;
            let mut t = Table::new(&["EMAIL", "NAME", "STATUS", "DIRECTORY", "CREATED", "ID"]);
            for r in &page.items {
                let a = &r.account;
                t.row(vec![
                    a.email.clone(),
                    table::or_dash(Some(a.full_name.as_str())),
                    a.status.as_str().into(),
                    dirs.get(&r.directory_id).cloned().unwrap_or_default(),
                    table::when(a.created_at),
                    a.id.as_str().into(),
                ]);
            }
            print(&format!(
                "{}{}\n",
                t.render(),
                table::total(
                    page.size,
                    list.offset,
                    page.items.len(),
                    "account",
                    "accounts"
                )
            ))
        }
        Action::Create {
            place,
            email,
            username,
            given_name,
            middle_name,
            surname,
            status,
            password_stdin,
            password,
            format,
        } => {
            let password = read_password(password_stdin, password)?;
            let new = NewAccount {
                email,
                password,
                username,
                given_name,
                middle_name,
                surname,
                status: status.map(Status::account_status),
                ..NewAccount::default()
            };
            let record = create(cx, &place, new).await?;
            if format.json {
                return print_json(&account_json(&cx.state, &record));
            }
            print(&format!(
                "Created account {} ({}) in directory \"{}\"\n  href:   {}\n  status: {}\n",
                record.account.email,
                record.account.id.as_str(),
                cx.directory_name(&record.directory_id).await,
                cx.state.href("accounts", record.account.id.as_str()),
                record.account.status.as_str(),
            ))
        }
        Action::Disable {
            account,
            place,
            format,
        } => set_status(cx, &account, &place, AccountStatus::Disabled, &format).await,
        Action::Enable {
            account,
            place,
            format,
        } => set_status(cx, &account, &place, AccountStatus::Enabled, &format).await,
        Action::Delete { account, place } => {
            let scope = cx.scope(&place).await?;
            let record = cx.account(&scope, &account).await?;
            refuse_last_admin(cx, &record, "deleted").await?;
            cx.store()
                .delete_account(&record.account.id)
                .await
                .map_err(|e| cx.fail(e))?;
            print(&format!(
                "Deleted account {} ({}).\n",
                record.account.email,
                record.account.id.as_str()
            ))
        }
        Action::AddToGroup {
            account,
            group,
            place,
            format,
        } => {
            let scope = cx.scope(&place).await?;
            let record = cx.account(&scope, &account).await?;
            let dir = cx.directory(&record.directory_id).await?;
            let groups = cli::groups_named(
                cx.store(),
                Within::Directory(&dir.meta.id),
                super::groups::id_of(&group),
            )
            .await
            .map_err(|e| cx.fail(e))?;
            let Some(g) = groups.into_iter().next() else {
                return Err(SettingsError::Init(format!(
                    "no group \"{group}\" in directory \"{}\" (the account's)",
                    dir.name
                )));
            };
            let membership = cx
                .store()
                .create_membership(record.account.id.as_str(), &g.meta.id)
                .await
                .map_err(|e| cx.fail(e))?;
            if format.json {
                return print_json(&membership_json(&cx.state, &membership));
            }
            print(&format!(
                "Added {} to group \"{}\" of directory \"{}\".\n",
                record.account.email, g.name, dir.name
            ))
        }
    }
}

/// The password: piped in, from the command line, or from the environment.
fn read_password(stdin: bool, flag: Option<String>) -> Result<String, SettingsError> {
    if stdin {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|source| SettingsError::Io {
                path: "stdin".into(),
                source,
            })?;
        let line = text.lines().next().unwrap_or_default().to_owned();
        if line.is_empty() {
            return Err(SettingsError::Invalid(
                "--password-stdin: standard input holds no password".into(),
            ));
        }
        return Ok(line);
    }
    if let Some(password) = flag.filter(|p| !p.is_empty()) {
        return Ok(password);
    }
    std::env::var(PASSWORD_ENV)
        .ok()
        .filter(|p| !p.is_empty())
        .ok_or_else(|| {
            SettingsError::Invalid(format!(
                "the account needs a password: pipe it in with --password-stdin, or set \
             {PASSWORD_ENV} (--password also works, but other users can see it in `ps`)"
            ))
        })
}

/// Creates the account through the store's own checks (strength, uniqueness, hashing), in
/// the application's default account store or in the directory.
async fn create(
    cx: &Context,
    place: &Place,
    new: NewAccount,
) -> Result<AccountRecord, SettingsError> {
    let fail = |e| cx.fail(e);
    let scoped = match cx.scope(place).await? {
        Scope::Application(app) => {
            if app.default_account_store_mapping.is_none() {
                return Err(SettingsError::Init(format!(
                    "application \"{}\" has no default account store: map a directory, or \
                     use --directory",
                    app.name
                )));
            }
            let key: [u8; 32] = rand::random();
            cx.store()
                .for_application(&app.meta.id, "admin-cli", &key)
                .await
                .map_err(fail)?
        }
        Scope::Directory(dir) => cx.store().for_directory(&dir.meta.id).await.map_err(fail)?,
        Scope::Tenant => {
            return Err(SettingsError::Invalid(
                "say where the account goes: --application APP (its default account store) or \
                 --directory DIR"
                    .into(),
            ));
        }
    };
    let account = scoped.create_account(new).await.map_err(fail)?;
    cx.store()
        .account_record(account.id.as_str())
        .await
        .map_err(fail)?
        .ok_or_else(|| SettingsError::Init("the new account vanished".into()))
}

async fn set_status(
    cx: &Context,
    account: &str,
    place: &Place,
    status: AccountStatus,
    format: &Format,
) -> Result<(), SettingsError> {
    let scope = cx.scope(place).await?;
    let record = cx.account(&scope, account).await?;
    if status != AccountStatus::Enabled {
        refuse_last_admin(cx, &record, "disabled").await?;
    }
    let mut update = AccountUpdate::default();
    update.status = Some(status);
    let id = AccountId(record.account.id.as_str().to_owned());
    cx.store()
        .update_account(&id, update)
        .await
        .map_err(|e| cx.fail(e))?;
    let record = cx
        .store()
        .account_record(id.as_str())
        .await
        .map_err(|e| cx.fail(e))?
        .ok_or_else(|| SettingsError::Init("the account vanished".into()))?;
    if format.json {
        return print_json(&account_json(&cx.state, &record));
    }
    let done = if status == AccountStatus::Enabled {
        "Enabled"
    } else {
        "Disabled"
    };
    print(&format!(
        "{done} account {} ({}).\n",
        record.account.email,
        id.as_str()
    ))
}

/// The last enabled administrator stays: without one the REST API accepts no API key, and the
/// database would count as uninitialised.
async fn refuse_last_admin(
    cx: &Context,
    record: &AccountRecord,
    what: &str,
) -> Result<(), SettingsError> {
    let dir = cx.directory(&record.directory_id).await?;
    if dir.name != ADMINISTRATORS || record.account.status != AccountStatus::Enabled {
        return Ok(());
    }
    let enabled = cx
        .store()
        .list_accounts(
            AccountsOf::Directory(&dir.meta.id),
            &stormpath_store::admin::ListQuery {
                offset: 0,
                limit: 1,
                filters: vec![Filter::Text {
                    attr: "status".into(),
                    pattern: Pattern::Exact("ENABLED".into()),
                }],
                order: Vec::new(),
            },
        )
        .await
        .map_err(|e| cx.fail(e))?;
    if enabled.size <= 1 {
        return Err(SettingsError::Init(format!(
            "{} is the last enabled tenant administrator; it cannot be {what} (create another \
             with `accounts create --directory \"{ADMINISTRATORS}\"` first)",
            record.account.email
        )));
    }
    Ok(())
}
