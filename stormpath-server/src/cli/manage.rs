//! What the management commands share: the open store, the arguments that choose where to
//! look (`--application`, `--directory`), paging and output, and finding resources by name,
//! email, id or href.

use std::{collections::HashMap, io::Write, sync::Arc};

use clap::Args;
use serde_json::Value;
use stormpath_store::{
    Store,
    admin::{
        AccountRecord, AccountsOf, Application, Directory, GroupsOf, ListQuery,
        cli::{self, Within},
    },
};

use crate::{Settings, SettingsError, State};

/// An open, initialised database and the server's view of it (hrefs, JSON shapes).
pub(super) struct Context {
    pub(super) settings: Settings,
    pub(super) state: Arc<State>,
}

/// `--application` or `--directory`: where to look, or where to create.
#[derive(Debug, Args)]
pub(super) struct Place {
    /// The application (name, id or href): the directories mapped to it; new accounts and
    /// groups go to its default account / group store.
    #[arg(long, value_name = "APP", conflicts_with = "directory")]
    pub(super) application: Option<String>,
    /// The directory (name, id or href).
    #[arg(long, value_name = "DIR")]
    pub(super) directory: Option<String>,
}

/// `--offset` and `--limit`.
#[derive(Debug, Args)]
pub(super) struct Paging {
    /// How many items to skip.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(i64).range(0..))]
    pub(super) offset: i64,
    /// How many items to show (1-100).
    #[arg(long, default_value_t = 25, value_parser = clap::value_parser!(i64).range(1..=100))]
    pub(super) limit: i64,
}

impl Paging {
    /// A query for this page, with filters.
    pub(super) fn query(&self, filters: Vec<stormpath_store::admin::Filter>) -> ListQuery {
        ListQuery {
            offset: self.offset,
            limit: self.limit,
            filters,
            order: Vec::new(),
        }
    }
}

/// `--json`.
#[derive(Debug, Args)]
pub(super) struct Format {
    /// Prints the REST API's JSON (the resource, or a collection page) instead of text.
    #[arg(long)]
    pub(super) json: bool,
}

/// A resolved `--application` / `--directory` (or neither: the whole tenant).
pub(super) enum Scope {
    Tenant,
    Application(Application),
    Directory(Directory),
}

impl Scope {
    pub(super) fn within(&self) -> Within<'_> {
        match self {
            Self::Tenant => Within::Tenant,
            Self::Application(a) => Within::Application(&a.meta.id),
            Self::Directory(d) => Within::Directory(&d.meta.id),
        }
    }

    pub(super) fn accounts(&self) -> AccountsOf<'_> {
        match self {
            Self::Tenant => AccountsOf::Tenant,
            Self::Application(a) => AccountsOf::Application(&a.meta.id),
            Self::Directory(d) => AccountsOf::Directory(&d.meta.id),
        }
    }

    pub(super) fn groups(&self) -> GroupsOf<'_> {
        match self {
            Self::Tenant => GroupsOf::Tenant,
            Self::Application(a) => GroupsOf::Application(&a.meta.id),
            Self::Directory(d) => GroupsOf::Directory(&d.meta.id),
        }
    }

    /// The href of a collection of this scope (`{app}/accounts`, `{tenant}/groups`…).
    pub(super) fn href(&self, state: &State, sub: &str) -> String {
        match self {
            Self::Tenant => format!("{}/{sub}", state.tenant_href()),
            Self::Application(a) => format!("{}/{sub}", state.href("applications", &a.meta.id)),
            Self::Directory(d) => format!("{}/{sub}", state.href("directories", &d.meta.id)),
        }
    }

    /// `the tenant`, `application "X"`, `directory "Y"`.
    pub(super) fn describe(&self) -> String {
        match self {
            Self::Tenant => "the tenant".into(),
            Self::Application(a) => format!("application \"{}\"", a.name),
            Self::Directory(d) => format!("directory \"{}\"", d.name),
        }
    }
}

/// The id in an href of `collection`, or the value itself.
fn id_in<'a>(value: &'a str, collection: &str) -> &'a str {
    let marker = format!("/{collection}/");
    match value.rfind(&marker) {
        Some(at) => value[at + marker.len()..].trim_end_matches('/'),
        None => value,
    }
}

impl Context {
    /// Opens the database of `settings`, which must be initialised.
    pub(super) async fn open(settings: Settings) -> Result<Self, SettingsError> {
        let store = crate::open_initialized(&settings).await?;
        let state = crate::state(store, &settings).await?;
        Ok(Self { settings, state })
    }

    pub(super) fn store(&self) -> &Store {
        &self.state.store
    }

    /// A failed query in the operator's words (a locked database is said so).
    pub(super) fn fail(&self, err: stormpath_client::Error) -> SettingsError {
        self.settings.query_error(err)
    }

    /// An application by id, href or exact name.
    pub(super) async fn application(&self, value: &str) -> Result<Application, SettingsError> {
        self.find_application(value)
            .await?
            .ok_or_else(|| SettingsError::Init(format!("no application \"{value}\"")))
    }

    /// An application by id, href or exact name, if there is one.
    pub(super) async fn find_application(
        &self,
        value: &str,
    ) -> Result<Option<Application>, SettingsError> {
        let store = self.store();
        let id = id_in(value, "applications");
        if let Some(app) = store
            .application_by_id(id)
            .await
            .map_err(|e| self.fail(e))?
        {
            return Ok(Some(app));
        }
        store
            .application_by_name(value)
            .await
            .map_err(|e| self.fail(e))
    }

    /// A directory by id, href or exact name.
    pub(super) async fn directory(&self, value: &str) -> Result<Directory, SettingsError> {
        self.find_directory(value)
            .await?
            .ok_or_else(|| SettingsError::Init(format!("no directory \"{value}\"")))
    }

    /// A directory by id, href or exact name, if there is one.
    pub(super) async fn find_directory(
        &self,
        value: &str,
    ) -> Result<Option<Directory>, SettingsError> {
        let store = self.store();
        let id = id_in(value, "directories");
        if let Some(dir) = store.directory_by_id(id).await.map_err(|e| self.fail(e))? {
            return Ok(Some(dir));
        }
        store
            .directory_by_name(value)
            .await
            .map_err(|e| self.fail(e))
    }

    /// Where `--application` / `--directory` point (the tenant when neither is given).
    pub(super) async fn scope(&self, place: &Place) -> Result<Scope, SettingsError> {
        Ok(match (&place.application, &place.directory) {
            (Some(app), _) => Scope::Application(self.application(app).await?),
            (None, Some(dir)) => Scope::Directory(self.directory(dir).await?),
            (None, None) => Scope::Tenant,
        })
    }

    /// The one account of `scope` with this email, username, id or href.
    pub(super) async fn account(
        &self,
        scope: &Scope,
        login: &str,
    ) -> Result<AccountRecord, SettingsError> {
        let found = cli::accounts_named(self.store(), scope.within(), id_in(login, "accounts"))
            .await
            .map_err(|e| self.fail(e))?;
        match found.len() {
            0 => Err(SettingsError::Init(format!(
                "no account \"{login}\" in {}",
                scope.describe()
            ))),
            1 => Ok(found
                .into_iter()
                .next()
                .ok_or_else(|| SettingsError::Init(format!("no account \"{login}\"")))?),
            n => {
                let mut names = Vec::new();
                for a in &found {
                    names.push(format!(
                        "\"{}\"",
                        self.directory_name(&a.directory_id).await
                    ));
                }
                Err(SettingsError::Init(format!(
                    "\"{login}\" names {n} accounts (in directories {}): choose one with \
                     --directory",
                    names.join(", ")
                )))
            }
        }
    }

    /// A directory's name (its id when it cannot be read).
    pub(super) async fn directory_name(&self, id: &str) -> String {
        match self.store().directory_by_id(id).await {
            Ok(Some(d)) => d.name,
            _ => id.to_owned(),
        }
    }

    /// The names of these directories, read once each.
    pub(super) async fn directory_names<'a>(
        &self,
        ids: impl IntoIterator<Item = &'a str>,
    ) -> HashMap<String, String> {
        let mut names = HashMap::new();
        for id in ids {
            if !names.contains_key(id) {
                names.insert(id.to_owned(), self.directory_name(id).await);
            }
        }
        names
    }
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
pub(super) fn print(text: &str) -> Result<(), SettingsError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(SettingsError::Io {
            path: "stdout".into(),
            source: e,
        }),
        _ => Ok(()),
    }
}

/// Prints a JSON document, pretty.
pub(super) fn print_json(value: &Value) -> Result<(), SettingsError> {
    print(&format!("{value:#}\n"))
}
