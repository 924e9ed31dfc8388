//! `stormpath-server import` and `export`: accounts in and out of one directory as JSON lines
//! (or CSV in), through the store's engine (`stormpath_store::admin::import` / `export`).
//! They work on any database the store can open — the embedded plugin's own `stormpath.db`
//! too, initialised or not, with or without a server running on it.

use std::{
    fs::File,
    io::{BufReader, BufWriter, IsTerminal},
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;
use stormpath_store::{
    Store,
    admin::{
        Directory, ListQuery,
        import::{self, DEFAULT_BATCH, ImportOptions, ImportSummary, MAX_BATCH},
    },
};

use super::manage::{print, print_json};
use crate::{CONSOLE_APPLICATION, Settings, SettingsError};

/// How long an import waits for a running server's write lock on a SQLite file.
pub(super) const BUSY_TIMEOUT: Duration = Duration::from_secs(30);
/// How many rejected lines the text summary lists (`--json` lists them all).
const SHOWN_REJECTIONS: usize = 20;

/// `--directory` / `--application`: where the accounts go (or come from).
#[derive(Debug, Args)]
pub(super) struct Target {
    /// The directory (name, id or href).
    #[arg(long, value_name = "DIR", conflicts_with = "application")]
    directory: Option<String>,
    /// The application (name, id or href) whose default account store is the directory
    /// [default: the one application besides the admin console's].
    #[arg(long, value_name = "APP")]
    application: Option<String>,
}

/// The import file's format.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(super) enum FileFormat {
    /// One JSON object per line (what `export` writes).
    Jsonl,
    /// A header row naming the columns; `customData` JSON in its cell, `groups` `;`-separated.
    Csv,
}

/// `stormpath-server import`.
#[derive(Debug, Args)]
pub(super) struct ImportArgs {
    /// The file: JSON lines, or CSV with a header row.
    file: PathBuf,
    #[command(flatten)]
    target: Target,
    /// The file's format [default: csv for a name ending in .csv, else jsonl].
    #[arg(long, value_enum)]
    format: Option<FileFormat>,
    /// Records per transaction.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_BATCH as u64,
          value_parser = clap::value_parser!(u64).range(1..=MAX_BATCH as u64))]
    batch: u64,
    /// Prints the summary as JSON, with every rejected line.
    #[arg(long)]
    json: bool,
}

/// `stormpath-server export`.
#[derive(Debug, Args)]
pub(super) struct ExportArgs {
    #[command(flatten)]
    target: Target,
    /// The file to write [default: standard output].
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

/// Runs `import`: the summary on stdout; an error (exit status 1) when a line was rejected
/// or the import stopped before the end.
pub(super) async fn run_import(settings: &Settings, args: ImportArgs) -> Result<(), SettingsError> {
    let io = |source| SettingsError::Io {
        path: args.file.clone(),
        source,
    };
    let file = File::open(&args.file).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    let store = crate::open_existing(settings).await?;
    let directory = directory(&store, settings, &args.target).await?;
    let format = match args.format {
        Some(FileFormat::Csv) => import::Format::Csv,
        Some(FileFormat::Jsonl) => import::Format::JsonLines,
        None if has_extension(&args.file, "csv") => import::Format::Csv,
        None => import::Format::JsonLines,
    };
    let options = ImportOptions {
        format,
        batch: usize::try_from(args.batch).unwrap_or(DEFAULT_BATCH),
        ..ImportOptions::new(&directory.meta.id)
    };
    let bar = progress_bar(size);
    let started = Instant::now();
    let summary = import::import(
        &store,
        BufReader::with_capacity(1 << 20, file),
        &options,
        |s| {
            bar.set_position(s.bytes_read);
            let secs = started.elapsed().as_secs_f64().max(0.001);
            bar.set_message(format!(
                "{} records ({:.0}/s) · {} imported · {} duplicates · {} rejected",
                s.records,
                s.records as f64 / secs,
                s.imported,
                s.duplicates,
                s.rejected.len()
            ));
        },
    )
    .await
    .map_err(|e| settings.opening_error(e))?;
    bar.finish_and_clear();
    let elapsed = started.elapsed();
    if args.json {
        print_json(&summary_json(&args.file, &directory, &summary, elapsed))?;
    } else {
        print(&summary_text(&args.file, &directory, &summary, elapsed))?;
    }
    if let Some(why) = summary.interrupted {
        return Err(SettingsError::Init(format!("the import stopped: {why}")));
    }
    match summary.rejected.len() {
        0 => Ok(()),
        n => Err(SettingsError::Init(format!(
            "{n} line{} rejected (the others were imported; fix those lines and run the \
             import again: what is in already is skipped)",
            if n == 1 { " was" } else { "s were" }
        ))),
    }
}

/// Runs `export`: JSON lines to the file or stdout; the count on stderr.
pub(super) async fn run_export(settings: &Settings, args: ExportArgs) -> Result<(), SettingsError> {
    let store = crate::open_existing(settings).await?;
    let directory = directory(&store, settings, &args.target).await?;
    let written = match &args.output {
        Some(path) => {
            let file = File::create(path).map_err(|source| SettingsError::Io {
                path: path.clone(),
                source,
            })?;
            stormpath_store::admin::export::export(&store, &directory.meta.id, BufWriter::new(file))
                .await
        }
        None => {
            stormpath_store::admin::export::export(
                &store,
                &directory.meta.id,
                BufWriter::new(std::io::stdout().lock()),
            )
            .await
        }
    }
    .map_err(|e| settings.opening_error(e))?;
    eprintln!(
        "Exported {written} account{} of directory \"{}\"{}.",
        if written == 1 { "" } else { "s" },
        directory.name,
        args.output
            .as_ref()
            .map(|p| format!(" to {}", p.display()))
            .unwrap_or_default()
    );
    Ok(())
}

fn has_extension(path: &Path, ext: &str) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

/// A bar on stderr with bytes, rate and ETA; hidden when stderr is not a terminal.
fn progress_bar(size: u64) -> ProgressBar {
    let target = if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(Some(size), target);
    if let Ok(style) = ProgressStyle::with_template(
        "{bar:30} {bytes}/{total_bytes} {bytes_per_sec} ETA {eta} · {msg}",
    ) {
        bar.set_style(style);
    }
    bar
}

/// The directory `--directory` or `--application` names, or the default account store of
/// the one application besides the admin console's.
async fn directory(
    store: &Store,
    settings: &Settings,
    target: &Target,
) -> Result<Directory, SettingsError> {
    let fail = |e| settings.query_error(e);
    let not_found = |what: String| SettingsError::Init(what);
    if let Some(value) = &target.directory {
        let id = id_in(value, "directories");
        if let Some(d) = store.directory_by_id(id).await.map_err(fail)? {
            return Ok(d);
        }
        return store
            .directory_by_name(value)
            .await
            .map_err(fail)?
            .ok_or_else(|| not_found(format!("no directory \"{value}\"")));
    }
    let application = match &target.application {
        Some(value) => {
            let id = id_in(value, "applications");
            match store.application_by_id(id).await.map_err(fail)? {
                Some(app) => app,
                None => store
                    .application_by_name(value)
                    .await
                    .map_err(fail)?
                    .ok_or_else(|| not_found(format!("no application \"{value}\"")))?,
            }
        }
        None => {
            let list = ListQuery {
                offset: 0,
                limit: 100,
                ..ListQuery::default()
            };
            let apps: Vec<_> = store
                .list_applications(&list)
                .await
                .map_err(fail)?
                .items
                .into_iter()
                .filter(|a| a.name != CONSOLE_APPLICATION)
                .collect();
            match apps.len() {
                1 => apps
                    .into_iter()
                    .next()
                    .ok_or_else(|| not_found(String::new()))?,
                0 => {
                    return Err(not_found(
                        "the database has no application besides the admin console's: name \
                         the directory with --directory"
                            .into(),
                    ));
                }
                n => {
                    let names: Vec<String> =
                        apps.iter().map(|a| format!("\"{}\"", a.name)).collect();
                    return Err(not_found(format!(
                        "the database has {n} applications ({}): choose one with \
                         --application, or the directory with --directory",
                        names.join(", ")
                    )));
                }
            }
        }
    };
    let mapping = match &application.default_account_store_mapping {
        Some(id) => store.mapping_by_id(id).await.map_err(fail)?,
        None => None,
    };
    let Some(mapping) = mapping else {
        return Err(not_found(format!(
            "application \"{}\" has no default account store: name the directory with \
             --directory",
            application.name
        )));
    };
    store
        .directory_by_id(&mapping.directory_id)
        .await
        .map_err(fail)?
        .ok_or_else(|| not_found(format!("no directory {}", mapping.directory_id)))
}

/// The id in an href of `collection`, or the value itself.
fn id_in<'a>(value: &'a str, collection: &str) -> &'a str {
    let marker = format!("/{collection}/");
    match value.rfind(&marker) {
        Some(at) => value[at + marker.len()..].trim_end_matches('/'),
        None => value,
    }
}

fn summary_text(
    file: &Path,
    directory: &Directory,
    summary: &ImportSummary,
    elapsed: Duration,
) -> String {
    let secs = elapsed.as_secs_f64();
    if summary.records == 0 && summary.rejected.is_empty() {
        return format!("Nothing to import: {} holds no records.\n", file.display());
    }
    let mut out = format!(
        "Imported {} into directory \"{}\" in {:.1} s ({:.0} records/s):\n  \
         records:    {}\n  imported:   {}\n  duplicates: {} (skipped: already in the \
         directory or earlier in the file)\n  rejected:   {}\n",
        file.display(),
        directory.name,
        secs,
        summary.records as f64 / secs.max(0.001),
        summary.records,
        summary.imported,
        summary.duplicates,
        summary.rejected.len(),
    );
    for r in summary.rejected.iter().take(SHOWN_REJECTIONS) {
        out.push_str(&format!("    line {}: {}\n", r.line, r.reason));
    }
    if summary.rejected.len() > SHOWN_REJECTIONS {
        out.push_str(&format!(
            "    … and {} more (--json lists them all)\n",
            summary.rejected.len() - SHOWN_REJECTIONS
        ));
    }
    out
}

fn summary_json(
    file: &Path,
    directory: &Directory,
    summary: &ImportSummary,
    elapsed: Duration,
) -> serde_json::Value {
    json!({
        "file": file.display().to_string(),
        "directory": { "id": directory.meta.id, "name": directory.name },
        "records": summary.records,
        "imported": summary.imported,
        "duplicates": summary.duplicates,
        "rejected": summary.rejected.len(),
        "rejectedLines": summary.rejected.iter()
            .map(|r| json!({ "line": r.line, "reason": r.reason }))
            .collect::<Vec<_>>(),
        "interrupted": summary.interrupted,
        "seconds": elapsed.as_secs_f64(),
    })
}
