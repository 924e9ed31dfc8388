//! `stormpath-server groups list|create|delete`.

use clap::Subcommand;
use stormpath_store::admin::cli;

use super::{
    applications::{Status, name_filter},
    manage::{Context, Format, Paging, Place, Scope, print, print_json},
    table::{self, Table},
};
use crate::{SettingsError, api::groups::group_json, shape::collection};

#[derive(Debug, Subcommand)]
pub(super) enum Action {
    /// Lists groups: of the tenant, of an application's directories, or of one directory.
    List {
        #[command(flatten)]
        place: Place,
        #[command(flatten)]
        paging: Paging,
        /// Only names matching PATTERN (case-insensitive; `x*` starts with, `*x` ends with,
        /// `*x*` contains).
        #[arg(long, value_name = "PATTERN")]
        name: Option<String>,
        /// Only groups with this status.
        #[arg(long)]
        status: Option<Status>,
        #[command(flatten)]
        format: Format,
    },
    /// Creates a group in a directory, or in an application's default group store.
    Create {
        /// Its name (unique in its directory).
        name: String,
        #[command(flatten)]
        place: Place,
        /// A description.
        #[arg(long)]
        description: Option<String>,
        #[command(flatten)]
        format: Format,
    },
    /// Deletes a group and its memberships (the accounts stay).
    Delete {
        /// The group: name, id or href.
        group: String,
        #[command(flatten)]
        place: Place,
    },
}

/// The id in a group href, or the value itself (a name or an id).
pub(super) fn id_of(value: &str) -> &str {
    match value.rfind("/groups/") {
        Some(at) => value[at + "/groups/".len()..].trim_end_matches('/'),
        None => value,
    }
}

pub(super) async fn run(cx: &Context, action: Action) -> Result<(), SettingsError> {
    match action {
        Action::List {
            place,
            paging,
            name,
            status,
            format,
        } => {
            let scope = cx.scope(&place).await?;
            let mut filters = Vec::new();
            filters.extend(name.as_deref().map(name_filter));
            filters.extend(status.map(Status::filter));
            let list = paging.query(filters);
            let page = cx
                .store()
                .list_groups(scope.groups(), &list)
                .await
                .map_err(|e| cx.fail(e))?;
            if format.json {
                let items = page
                    .items
                    .iter()
                    .map(|g| group_json(&cx.state, g))
                    .collect();
                let href = scope.href(&cx.state, "groups");
                return print_json(&collection(&href, &list, page.size, items));
            }
            let dirs = cx
                .directory_names(page.items.iter().map(|g| g.directory_id.as_str()))
                .await;
            let mut t = Table::new(&[
                "NAME",
                "STATUS",
                "DIRECTORY",
                "DESCRIPTION",
                "CREATED",
                "ID",
            ]);
            for g in &page.items {
                t.row(vec![
                    g.name.clone(),
                    g.status.clone(),
                    dirs.get(&g.directory_id).cloned().unwrap_or_default(),
                    table::or_dash(g.description.as_deref()),
                    table::when(g.meta.created_at),
                    g.meta.id.clone(),
                ]);
            }
            print(&format!(
                "{}{}\n",
                t.render(),
                table::total(page.size, list.offset, page.items.len(), "group", "groups")
            ))
        }
        Action::Create {
            name,
            place,
            description,
            format,
        } => {
            let directory_id = match cx.scope(&place).await? {
                Scope::Directory(d) => d.meta.id,
                Scope::Application(app) => {
                    let mapping = match &app.default_group_store_mapping {
                        Some(m) => cx.store().mapping_by_id(m).await.map_err(|e| cx.fail(e))?,
                        None => None,
                    };
                    mapping
                        .ok_or_else(|| {
                            SettingsError::Init(format!(
                                "application \"{}\" has no default group store: use --directory",
                                app.name
                            ))
                        })?
                        .directory_id
                }
                Scope::Tenant => {
                    return Err(SettingsError::Invalid(
                        "say where the group goes: --application APP (its default group \
                         store) or --directory DIR"
                            .into(),
                    ));
                }
            };
            let g = cx
                .store()
                .create_group(&directory_id, &name, description.as_deref(), None)
                .await
                .map_err(|e| cx.fail(e))?;
            if format.json {
                return print_json(&group_json(&cx.state, &g));
            }
            print(&format!(
                "Created group \"{}\" ({}) in directory \"{}\"\n  href: {}\n",
                g.name,
                g.meta.id,
                cx.directory_name(&g.directory_id).await,
                cx.state.href("groups", &g.meta.id),
            ))
        }
        Action::Delete { group, place } => {
            let scope = cx.scope(&place).await?;
            let found = cli::groups_named(cx.store(), scope.within(), id_of(&group))
                .await
                .map_err(|e| cx.fail(e))?;
            let g = match found.as_slice() {
                [] => {
                    return Err(SettingsError::Init(format!(
                        "no group \"{group}\" in {}",
                        scope.describe()
                    )));
                }
                [one] => one,
                several => {
                    let mut names = Vec::new();
                    for g in several {
                        names.push(format!("\"{}\"", cx.directory_name(&g.directory_id).await));
                    }
                    return Err(SettingsError::Init(format!(
                        "\"{group}\" names {} groups (in directories {}): choose one with \
                         --directory",
                        several.len(),
                        names.join(", ")
                    )));
                }
            };
            cx.store()
                .delete_group(&g.meta.id)
                .await
                .map_err(|e| cx.fail(e))?;
            print(&format!("Deleted group \"{}\" ({}).\n", g.name, g.meta.id))
        }
    }
}
