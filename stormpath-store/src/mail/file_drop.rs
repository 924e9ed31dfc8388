//! The development transport: one `.eml` file per message, appearing atomically (spec §10.4).

use std::fs::{self, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use time::OffsetDateTime;
use time::macros::format_description;

/// Writes `message` (a complete RFC 822 message) to `<dir>/<timestamp>-<random>.eml` through
/// `<dir>/.<name>.tmp` and a rename, so a reader never sees a partial file. Returns the path.
pub(super) async fn write(dir: PathBuf, message: Vec<u8>) -> io::Result<PathBuf> {
    tokio::task::spawn_blocking(move || write_blocking(&dir, &message))
        .await
        .map_err(io::Error::other)?
}

fn write_blocking(dir: &Path, message: &[u8]) -> io::Result<PathBuf> {
    // The directory may have been removed since `Mailer::new` (a test or an operator tidying up).
    fs::create_dir_all(dir)?;
    let stamp = OffsetDateTime::now_utc()
        .format(format_description!(
            "[year][month][day]T[hour][minute][second].[subsecond digits:6]Z"
        ))
        .map_err(io::Error::other)?;
    let name = format!("{stamp}-{:016x}.eml", rand::random::<u64>());
    let tmp = dir.join(format!(".{name}.tmp"));
    let path = dir.join(&name);
    let written = write_new(&tmp, message).and_then(|()| fs::rename(&tmp, &path));
    if let Err(e) = written {
        // Best effort: a leftover temporary file is harmless to readers (hidden, not `.eml`).
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(path)
}

fn write_new(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    // Messages carry live reset tokens: readable by the owner only.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}
