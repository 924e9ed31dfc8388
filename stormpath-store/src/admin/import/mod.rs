//! Bulk import of accounts into one directory (`stormpath-server import`): JSON lines or CSV
//! (`read`), each record validated on its own (`prepare`), then written in batched
//! transactions (`write`).
//!
//! * Password hashes are kept as given (bcrypt, argon2, scrypt, PBKDF2-SHA256, Django,
//!   `$stormpath2$`: see the store's `password::legacy` module); a plain `password` is hashed
//!   with the store's argon2id (the slow path).
//! * Idempotent and resumable: an email already in the directory, or earlier in the file, is
//!   skipped as a duplicate (by the canonical email key the store uses), so running the same
//!   file again imports nothing new, and a run that stopped half-way is finished by running
//!   it again.
//! * One bad line never aborts the import nor half-writes anything: every record is
//!   validated before its batch's transaction; if the transaction still fails, the batch is
//!   retried line by line so the good lines of it are kept. A lost database connection is
//!   retried with backoff, then the import stops with [`ImportSummary::interrupted`] set.

mod prepare;
mod read;
mod write;

use std::{collections::HashSet, io::BufRead, time::Duration};

use crate::Store;

pub use read::Format;

/// The records written per transaction by default.
pub const DEFAULT_BATCH: usize = 500;
/// The largest batch accepted (keeps a multi-row statement under every engine's bind limit).
pub const MAX_BATCH: usize = 2000;
/// The longest line (or CSV record) accepted, in bytes.
pub const MAX_LINE_LEN: usize = 16 * 1024 * 1024;
/// How many times a batch is retried after a lost connection before the import stops.
const RETRIES: u32 = 5;

/// What to import, and where.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The directory (its id) the accounts go to.
    pub directory_id: String,
    /// JSON lines or CSV.
    pub format: Format,
    /// Records per transaction (1 to [`MAX_BATCH`]).
    pub batch: usize,
    /// The first retry's wait after a lost connection (doubled each time).
    pub backoff: Duration,
}

impl ImportOptions {
    /// JSON lines into `directory_id`, [`DEFAULT_BATCH`] records per transaction.
    #[must_use]
    pub fn new(directory_id: impl Into<String>) -> Self {
        Self {
            directory_id: directory_id.into(),
            format: Format::JsonLines,
            batch: DEFAULT_BATCH,
            backoff: Duration::from_millis(500),
        }
    }
}

/// A line that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// Its line number in the file (1-based; a CSV record's first line).
    pub line: u64,
    /// Why, in words.
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Clone, Default)]
pub struct ImportSummary {
    /// Records read (blank lines and the CSV header not counted).
    pub records: u64,
    /// Accounts created.
    pub imported: u64,
    /// Records skipped because their email is in the directory already, or earlier in the
    /// file.
    pub duplicates: u64,
    /// Records refused, in file order.
    pub rejected: Vec<Rejected>,
    /// Set when the import stopped before the end of the file (the database could not be
    /// reached after several retries): what happened and where. Running the same import
    /// again resumes it.
    pub interrupted: Option<String>,
    /// Bytes of the file read so far (for progress).
    pub bytes_read: u64,
}

/// Imports accounts from `input` into a directory, calling `progress` after each batch.
///
/// # Errors
/// [`crate::Error::Import`] when the file as a whole cannot be read (an I/O error, a CSV
/// header without an `email` column or with an unknown one) or the directory does not
/// exist. Everything about single records is in the summary.
pub async fn import(
    store: &Store,
    input: impl BufRead,
    options: &ImportOptions,
    mut progress: impl FnMut(&ImportSummary),
) -> crate::Result<ImportSummary> {
    let fail = |reason: String| crate::Error::Import(reason);
    if options.batch == 0 || options.batch > MAX_BATCH {
        return Err(fail(format!("the batch size must be 1 to {MAX_BATCH}")));
    }
    let directory = store
        .directory_by_id(&options.directory_id)
        .await
        .map_err(|e| fail(e.to_string()))?
        .ok_or_else(|| fail(format!("no directory {}", options.directory_id)))?;
    let mut records = read::Records::new(input, options.format)?;
    let mut summary = ImportSummary::default();
    let mut seen = Seen::default();
    let mut writer = write::Writer::new(store, &directory.meta.id, options);
    loop {
        let mut batch = Vec::with_capacity(options.batch);
        while batch.len() < options.batch {
            let Some(record) = records.next_record()? else {
                break;
            };
            summary.records += 1;
            match prepare::prepare(store, record).await {
                Ok(prepared) => match seen.admit(&prepared) {
                    Admit::New => batch.push(prepared),
                    Admit::Duplicate => summary.duplicates += 1,
                    Admit::Rejected(reason) => summary.rejected.push(Rejected {
                        line: prepared.line,
                        reason,
                    }),
                },
                Err(rejected) => summary.rejected.push(rejected),
            }
        }
        summary.bytes_read = records.bytes_read();
        if batch.is_empty() {
            if records.done() {
                break;
            }
            progress(&summary);
            continue;
        }
        let first_line = batch.first().map_or(0, |p| p.line);
        match writer.write(batch).await {
            Ok(outcome) => {
                summary.imported += outcome.imported;
                summary.duplicates += outcome.duplicates;
                summary.rejected.extend(outcome.rejected);
                summary.rejected.sort_by_key(|r| r.line);
            }
            Err(lost) => {
                summary.interrupted = Some(format!(
                    "the database could not be reached at line {first_line} ({lost}); \
                     nothing from line {first_line} on was imported: run the same import \
                     again to resume (what was imported is skipped as duplicates)"
                ));
                progress(&summary);
                return Ok(summary);
            }
        }
        progress(&summary);
        if records.done() {
            break;
        }
    }
    Ok(summary)
}

/// The canonical emails and usernames met earlier in the file.
#[derive(Default)]
struct Seen {
    emails: HashSet<String>,
    /// Usernames that differ from their account's email.
    usernames: HashSet<String>,
}

enum Admit {
    New,
    Duplicate,
    Rejected(String),
}

impl Seen {
    fn admit(&mut self, p: &prepare::Prepared) -> Admit {
        if self.emails.contains(&p.email_key) {
            return Admit::Duplicate;
        }
        if self.usernames.contains(&p.email_key) {
            return Admit::Rejected(format!(
                "the email is the username of an account earlier in the file ({})",
                p.email
            ));
        }
        let own_username = p.username_key != p.email_key;
        if own_username
            && (self.emails.contains(&p.username_key) || self.usernames.contains(&p.username_key))
        {
            return Admit::Rejected(format!(
                "username \"{}\" is taken by an account earlier in the file",
                p.username
            ));
        }
        self.emails.insert(p.email_key.clone());
        if own_username {
            self.usernames.insert(p.username_key.clone());
        }
        Admit::New
    }
}
