//! `stormpath-server applications list|create|disable|enable|delete`.

use clap::{Subcommand, ValueEnum};
use stormpath_store::admin::{Application, Filter, Patch, Pattern};

use super::{
    manage::{Context, Format, Paging, print, print_json},
    table::{self, Table},
};
use crate::{CONSOLE_APPLICATION, SettingsError, api::structure::application_json, shape};

#[derive(Debug, Subcommand)]
pub(super) enum Action {
    /// Lists the applications.
    List {
        #[command(flatten)]
        paging: Paging,
        /// Only names matching PATTERN (case-insensitive; `x*` starts with, `*x` ends with,
        /// `*x*` contains).
        #[arg(long, value_name = "PATTERN")]
        name: Option<String>,
        /// Only applications with this status.
        #[arg(long)]
        status: Option<Status>,
        #[command(flatten)]
        format: Format,
    },
    /// Creates an application with a directory as its default account and group store.
    Create {
        /// Its name (unique in the tenant).
        name: String,
        /// A description.
        #[arg(long)]
        description: Option<String>,
        /// The directory to map: an existing one (name, id or href) is shared with the
        /// other applications mapping it, another name creates it [default: a new directory
        /// "NAME Directory"].
        #[arg(long, value_name = "DIR", conflicts_with = "no_directory")]
        directory: Option<String>,
        /// Maps no directory (accounts cannot be created through the application then).
        #[arg(long)]
        no_directory: bool,
        #[command(flatten)]
        format: Format,
    },
    /// Disables an application: its logins and tokens are refused.
    Disable {
        /// The application: name, id or href.
        application: String,
        #[command(flatten)]
        format: Format,
    },
    /// Enables an application.
    Enable {
        /// The application: name, id or href.
        application: String,
        #[command(flatten)]
        format: Format,
    },
    /// Deletes an application and its mappings (the directories and their accounts stay).
    Delete {
        /// The application: name, id or href.
        application: String,
    },
}

/// `ENABLED` or `DISABLED`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(super) enum Status {
    Enabled,
    Disabled,
}

impl Status {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Enabled => "ENABLED",
            Self::Disabled => "DISABLED",
        }
    }

    /// The `status` filter.
    pub(super) fn filter(self) -> Filter {
        Filter::Text {
            attr: "status".into(),
            pattern: Pattern::Exact(self.as_str().into()),
        }
    }
}

/// A `name` filter.
pub(super) fn name_filter(pattern: &str) -> Filter {
    Filter::Text {
        attr: "name".into(),
        pattern: Pattern::parse(pattern),
    }
}

pub(super) async fn run(cx: &Context, action: Action) -> Result<(), SettingsError> {
    match action {
        Action::List {
            paging,
            name,
            status,
            format,
        } => {
            let mut filters = Vec::new();
            filters.extend(name.as_deref().map(name_filter));
            filters.extend(status.map(Status::filter));
            let list = paging.query(filters);
            let page = cx
                .store()
                .list_applications(&list)
                .await
                .map_err(|e| cx.fail(e))?;
            if format.json {
                let items = page
                    .items
                    .iter()
                    .map(|a| application_json(&cx.state, a))
                    .collect();
                let href = format!("{}/applications", cx.state.tenant_href());
                return print_json(&shape::collection(&href, &list, page.size, items));
            }
            let mut t = Table::new(&["NAME", "STATUS", "DEFAULT STORE", "CREATED", "ID"]);
            for app in &page.items {
                t.row(vec![
                    app.name.clone(),
                    app.status.clone(),
                    default_store(cx, app).await,
                    table::when(app.meta.created_at),
                    app.meta.id.clone(),
                ]);
            }
            print(&format!(
                "{}{}\n",
                t.render(),
                table::total(
                    page.size,
                    list.offset,
                    page.items.len(),
                    "application",
                    "applications"
                )
            ))
        }
        Action::Create {
            name,
            description,
            directory,
            no_directory,
            format,
        } => {
            let app = create(cx, &name, description.as_deref(), directory, no_directory).await?;
            if format.json {
                return print_json(&application_json(&cx.state, &app));
            }
            print(&format!(
                "Created application \"{}\" ({})\n  href:          {}\n  default store: {}\n",
                app.name,
                app.meta.id,
                cx.state.href("applications", &app.meta.id),
                default_store(cx, &app).await,
            ))
        }
        Action::Disable {
            application,
            format,
        } => set_status(cx, &application, Status::Disabled, format).await,
        Action::Enable {
            application,
            format,
        } => set_status(cx, &application, Status::Enabled, format).await,
        Action::Delete { application } => {
            let app = cx.application(&application).await?;
            refuse_console(&app, "deleted")?;
            cx.store()
                .delete_application(&app.meta.id)
                .await
                .map_err(|e| cx.fail(e))?;
            print(&format!(
                "Deleted application \"{}\" ({}); its directories stay.\n",
                app.name, app.meta.id
            ))
        }
    }
}

/// The tenant's own application, which the server recreates on start, is left alone.
fn refuse_console(app: &Application, what: &str) -> Result<(), SettingsError> {
    if app.name == CONSOLE_APPLICATION {
        return Err(SettingsError::Init(format!(
            "the \"{CONSOLE_APPLICATION}\" application is the tenant's own (it maps the \
             administrators' directory); it cannot be {what}"
        )));
    }
    Ok(())
}

async fn create(
    cx: &Context,
    name: &str,
    description: Option<&str>,
    directory: Option<String>,
    no_directory: bool,
) -> Result<Application, SettingsError> {
    let store = cx.store();
    let fail = |e| cx.fail(e);
    // The directory is found (or its name checked) before anything is created.
    let existing = match &directory {
        Some(dir) => cx.find_directory(dir).await?,
        None => None,
    };
    let new_name = match (&directory, &existing, no_directory) {
        (_, _, true) | (_, Some(_), _) => None,
        (Some(dir), None, _) => Some(dir.clone()),
        (None, None, false) => Some(format!("{name} Directory")),
    };
    if let Some(dir) = &new_name
        && store.directory_by_name(dir).await.map_err(fail)?.is_some()
    {
        return Err(SettingsError::Init(format!(
            "a directory \"{dir}\" exists already: name it with --directory to share it, or \
             choose another name"
        )));
    }
    let app = store
        .create_application(name, description, None)
        .await
        .map_err(fail)?;
    let mapped = async {
        let dir = match (existing, new_name) {
            (Some(dir), _) => Some(dir),
            (None, Some(dir)) => Some(store.create_directory(&dir, None, None).await?),
            (None, None) => None,
        };
        if let Some(dir) = dir {
            store
                .create_mapping(&app.meta.id, &dir.meta.id, Some(0), Some(true), Some(true))
                .await?;
        }
        Ok::<_, stormpath_client::Error>(())
    }
    .await;
    if let Err(e) = mapped {
        // Nothing half made: the application goes again.
        let _ = store.delete_application(&app.meta.id).await;
        return Err(fail(e));
    }
    store
        .application_by_id(&app.meta.id)
        .await
        .map_err(fail)?
        .ok_or_else(|| SettingsError::Init(format!("application \"{name}\" vanished")))
}

async fn set_status(
    cx: &Context,
    application: &str,
    status: Status,
    format: Format,
) -> Result<(), SettingsError> {
    let app = cx.application(application).await?;
    if matches!(status, Status::Disabled) {
        refuse_console(&app, "disabled")?;
    }
    let patch = Patch {
        status: Some(status.as_str().into()),
        ..Patch::default()
    };
    let app = cx
        .store()
        .update_application(&app.meta.id, patch, None)
        .await
        .map_err(|e| cx.fail(e))?;
    if format.json {
        return print_json(&application_json(&cx.state, &app));
    }
    let done = match status {
        Status::Enabled => "Enabled",
        Status::Disabled => "Disabled",
    };
    print(&format!(
        "{done} application \"{}\" ({}).\n",
        app.name, app.meta.id
    ))
}

/// The name of an application's default account store, or `-`.
async fn default_store(cx: &Context, app: &Application) -> String {
    let Some(mapping) = &app.default_account_store_mapping else {
        return "-".into();
    };
    match cx.store().mapping_by_id(mapping).await {
        Ok(Some(m)) => cx.directory_name(&m.directory_id).await,
        _ => "-".into(),
    }
}
