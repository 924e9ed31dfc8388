//! Opening the database: SQLite (created on first start) or PostgreSQL, with one set of
//! embedded migrations written in the SQL both engines accept.

use std::{
    path::{Path, PathBuf},
    str::FromStr,
    time::Duration,
};

use sqlx::{
    AnyPool, ConnectOptions, Connection, Executor,
    any::{AnyConnectOptions, AnyPoolOptions},
    migrate::Migrator,
};

use crate::{Error, Result};

/// The schema of both dialects (portable SQL: `TEXT`, `BIGINT`, `ON CONFLICT`).
static MIGRATIONS: Migrator = sqlx::migrate!("./migrations");

/// Which SQL engine a URL points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// An embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

impl Dialect {
    /// Picks the dialect from a database URL's scheme.
    ///
    /// # Errors
    /// [`Error::UnsupportedUrl`] for any other scheme.
    pub fn of(url: &str) -> Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Self::Postgres)
        } else {
            Err(Error::UnsupportedUrl(crate::util::redact_url(url)))
        }
    }
}

/// Checks a database URL without connecting: its scheme, its syntax and, for SQLite, that the
/// file's directory exists and the file can be written.
///
/// # Errors
/// [`Error::UnsupportedUrl`], [`Error::BadUrl`], [`Error::MissingDirectory`],
/// [`Error::ReadOnly`].
pub fn check_url(url: &str) -> Result<Dialect> {
    let dialect = Dialect::of(url)?;
    match dialect {
        Dialect::Sqlite => {
            sqlite_url(url)?;
        }
        Dialect::Postgres => {
            parse(url)?;
        }
    }
    Ok(dialect)
}

/// The file a `sqlite:` URL names (`None` for an in-memory database or another scheme).
#[must_use]
pub fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite:")?.trim_start_matches("//");
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

fn parse(url: &str) -> Result<AnyConnectOptions> {
    AnyConnectOptions::from_str(url).map_err(|e| Error::BadUrl {
        url: crate::util::redact_url(url),
        reason: match e {
            sqlx::Error::Configuration(e) => e.to_string(),
            other => other.to_string(),
        },
    })
}

/// How long opening the database waits.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Waits {
    /// SQLite: how long a statement waits for another process's write lock (sqlx's default,
    /// 5 s, when `None`).
    pub(crate) busy: Option<Duration>,
    /// How long the first connection may take; its failure is reported as is instead of
    /// being retried until the pool gives up (30 s).
    pub(crate) connect: Option<Duration>,
}

/// Opens (creating if needed) and migrates the database at `url`.
pub(crate) async fn open(
    url: &str,
    max_connections: u32,
    waits: Waits,
) -> Result<(AnyPool, Dialect)> {
    sqlx::any::install_default_drivers();
    let dialect = Dialect::of(url)?;
    let url = match dialect {
        Dialect::Sqlite => sqlite_url(url)?,
        Dialect::Postgres => url.to_owned(),
    };
    let options = parse(&url)?;
    let connect = |source| Error::Connect {
        url: crate::util::redact_url(&url),
        source,
    };
    if let Some(limit) = waits.connect {
        // One attempt, so that a refused connection or a bad password is told at once.
        let first = tokio::time::timeout(limit, options.connect())
            .await
            .map_err(|_| {
                connect(sqlx::Error::Io(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("no answer within {} s", limit.as_secs_f32()),
                )))
            })?
            .map_err(connect)?;
        let _ = first.close().await;
    }
    let mut pool = AnyPoolOptions::new().max_connections(max_connections);
    if let Some(limit) = waits.connect {
        pool = pool.acquire_timeout(limit);
    }
    if let (Dialect::Sqlite, Some(busy)) = (dialect, waits.busy) {
        let ms = busy.as_millis().min(i32::MAX as u128);
        pool = pool.after_connect(move |conn, _| {
            Box::pin(async move {
                conn.execute(format!("PRAGMA busy_timeout = {ms}").as_str())
                    .await
                    .map(|_| ())
            })
        });
    }
    if dialect == Dialect::Sqlite && url.contains("mode=memory") {
        // An in-memory database lives only while a connection to it is open: keep one.
        pool = pool
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None);
    }
    let pool = pool.connect_with(options).await.map_err(connect)?;
    if dialect == Dialect::Sqlite {
        // WAL lets readers run beside the writer; it is a property of the file.
        sqlx::query("PRAGMA journal_mode = WAL")
            .execute(&pool)
            .await?;
    }
    MIGRATIONS.run(&pool).await?;
    crate::fixups::run(&pool, dialect).await?;
    Ok((pool, dialect))
}

/// Checks a SQLite URL's file before opening it, so that a missing directory or a read-only
/// file is reported in plain words, and adds `mode=rwc` so the file is created on first start.
fn sqlite_url(url: &str) -> Result<String> {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() || path == ":memory:" {
        // The `Any` driver parses the URL again for every pooled connection, and sqlx gives
        // each parse of `:memory:` a database of its own: name one database for the pool.
        return Ok(format!(
            "sqlite:file:stormpath-memory-{}?mode=memory&cache=shared",
            crate::util::new_id()
        ));
    }
    let file = PathBuf::from(path);
    check_writable(&file)?;
    let mode = if query.contains("mode=") {
        String::new()
    } else {
        "mode=rwc".to_owned()
    };
    let query = [query, &mode]
        .into_iter()
        .filter(|q| !q.is_empty())
        .collect::<Vec<_>>()
        .join("&");
    Ok(format!("sqlite://{path}?{query}"))
}

fn check_writable(file: &Path) -> Result<()> {
    let dir = match file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(Error::MissingDirectory(file.to_path_buf()));
    }
    let read_only = match std::fs::metadata(file) {
        Ok(meta) => meta.permissions().readonly() || !writable(file, false),
        Err(_) => !writable(&dir, true),
    };
    if read_only {
        Err(Error::ReadOnly(file.to_path_buf()))
    } else {
        Ok(())
    }
}

/// Whether we may write `path`: open the file for appending, or create and remove a probe in
/// the directory. Asking the OS is the only answer that holds for every user (root included).
fn writable(path: &Path, is_dir: bool) -> bool {
    if is_dir {
        let probe = path.join(format!(".stormpath-probe-{}", std::process::id()));
        let ok = std::fs::File::create(&probe).is_ok();
        let _ = std::fs::remove_file(&probe);
        ok
    } else {
        std::fs::OpenOptions::new().append(true).open(path).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dialects() {
        assert_eq!(Dialect::of("sqlite://x.db").unwrap(), Dialect::Sqlite);
        assert_eq!(Dialect::of("postgres://u@h/db").unwrap(), Dialect::Postgres);
        assert!(Dialect::of("mysql://x").is_err());
    }

    #[test]
    fn each_in_memory_url_names_one_shared_database() {
        let a = sqlite_url("sqlite::memory:").unwrap();
        let b = sqlite_url("sqlite://:memory:").unwrap();
        assert!(a.starts_with("sqlite:file:stormpath-memory-"), "{a}");
        assert!(a.ends_with("?mode=memory&cache=shared"), "{a}");
        assert_ne!(a, b);
    }

    #[test]
    fn urls_are_checked_without_connecting() {
        assert_eq!(check_url("sqlite::memory:").unwrap(), Dialect::Sqlite);
        assert_eq!(
            check_url("postgres://u:p@127.0.0.1:1/db").unwrap(),
            Dialect::Postgres
        );
        let err = check_url("postgres://u:secret@host:port/db").unwrap_err();
        assert_eq!(
            err.to_string(),
            "malformed database URL `postgres://u:***@host:port/db`: invalid port number"
        );
        assert!(matches!(
            check_url("sqlite:///nonexistent-dir-xyz/a.db"),
            Err(Error::MissingDirectory(_))
        ));
        assert!(matches!(
            check_url("mysql://x"),
            Err(Error::UnsupportedUrl(_))
        ));
    }

    #[test]
    fn sqlite_files() {
        assert_eq!(
            sqlite_file("sqlite://a/b.db?mode=rwc"),
            Some(PathBuf::from("a/b.db"))
        );
        assert_eq!(
            sqlite_file("sqlite:///tmp/b.db"),
            Some(PathBuf::from("/tmp/b.db"))
        );
        assert_eq!(sqlite_file("sqlite:b.db"), Some(PathBuf::from("b.db")));
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://h/db"), None);
    }

    #[test]
    fn missing_directory_is_named() {
        let err = sqlite_url("sqlite:///nonexistent-dir-xyz/app.db").unwrap_err();
        assert!(matches!(err, Error::MissingDirectory(_)), "{err}");
    }
}
