//! Reading records: JSON lines or CSV, one record at a time, each with its line number; a
//! record that cannot be read (broken JSON, invalid UTF-8, too long) is a rejection of that
//! record only.

use std::io::BufRead;

use serde::Deserialize;
use serde_json::Value;

use super::{MAX_LINE_LEN, Rejected};

/// The file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line (the export format).
    JsonLines,
    /// A header row naming the same columns; `customData` a JSON object in its cell,
    /// `groups` separated by `;`.
    Csv,
}

/// One record as the file gives it (the fields of the JSON-lines format).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct RecordIn {
    pub(super) email: String,
    pub(super) password_hash: Option<String>,
    pub(super) password: Option<String>,
    pub(super) username: Option<String>,
    pub(super) given_name: Option<String>,
    pub(super) middle_name: Option<String>,
    pub(super) surname: Option<String>,
    pub(super) status: Option<String>,
    pub(super) custom_data: Option<Value>,
    pub(super) groups: Option<Vec<String>>,
    pub(super) created_at: Option<String>,
}

/// A record read, or why it could not be.
pub(super) type Read = Result<(u64, RecordIn), Rejected>;

/// The CSV columns, in the JSON-lines names.
const COLUMNS: &[&str] = &[
    "email",
    "passwordHash",
    "password",
    "username",
    "givenName",
    "middleName",
    "surname",
    "status",
    "customData",
    "groups",
    "createdAt",
];

/// The records of a file, in order.
pub(super) struct Records<R> {
    inner: Inner<R>,
    done: bool,
}

enum Inner<R> {
    Lines {
        input: R,
        line: u64,
        bytes: u64,
        buf: Vec<u8>,
    },
    Csv {
        reader: csv::Reader<R>,
        /// The column index of each known field, by `COLUMNS` position.
        columns: Vec<Option<usize>>,
        record: csv::ByteRecord,
    },
}

impl<R: BufRead> Records<R> {
    pub(super) fn new(input: R, format: Format) -> crate::Result<Self> {
        let inner = match format {
            Format::JsonLines => Inner::Lines {
                input,
                line: 0,
                bytes: 0,
                buf: Vec::new(),
            },
            Format::Csv => {
                let mut reader = csv::ReaderBuilder::new()
                    .flexible(true)
                    .has_headers(true)
                    .from_reader(input);
                let headers = match reader.byte_headers() {
                    Ok(h) => h.clone(),
                    Err(e) => return Err(crate::Error::Import(format!("CSV header: {e}"))),
                };
                let mut columns = vec![None; COLUMNS.len()];
                for (at, name) in headers.iter().enumerate() {
                    let name = String::from_utf8_lossy(name);
                    let name = name.trim().trim_start_matches('\u{feff}');
                    if name.is_empty() && headers.len() == 1 {
                        break;
                    }
                    let Some(known) = COLUMNS.iter().position(|c| c.eq_ignore_ascii_case(name))
                    else {
                        return Err(crate::Error::Import(format!(
                            "unknown CSV column \"{name}\" (known: {})",
                            COLUMNS.join(", ")
                        )));
                    };
                    columns[known] = Some(at);
                }
                let empty = headers.is_empty() || (headers.len() == 1 && headers[0].is_empty());
                if columns[0].is_none() && !empty {
                    return Err(crate::Error::Import(
                        "the CSV header has no \"email\" column".into(),
                    ));
                }
                Inner::Csv {
                    reader,
                    columns,
                    record: csv::ByteRecord::new(),
                }
            }
        };
        Ok(Self { inner, done: false })
    }

    /// Whether the end of the file was reached.
    pub(super) fn done(&self) -> bool {
        self.done
    }

    /// How far into the file reading got, in bytes.
    pub(super) fn bytes_read(&self) -> u64 {
        match &self.inner {
            Inner::Lines { bytes, .. } => *bytes,
            Inner::Csv { reader, .. } => reader.position().byte(),
        }
    }

    /// The next record (`None` at the end of the file).
    ///
    /// # Errors
    /// The file cannot be read.
    pub(super) fn next_record(&mut self) -> crate::Result<Option<Read>> {
        if self.done {
            return Ok(None);
        }
        let next = match &mut self.inner {
            Inner::Lines {
                input,
                line,
                bytes,
                buf,
            } => next_line(input, line, bytes, buf).map_err(|e| e.to_string()),
            Inner::Csv {
                reader,
                columns,
                record,
            } => next_csv(reader, columns, record).map_err(|e| e.to_string()),
        };
        match next {
            Ok(None) => {
                self.done = true;
                Ok(None)
            }
            Ok(some) => Ok(some),
            Err(e) => Err(crate::Error::Import(format!("reading the file: {e}"))),
        }
    }
}

fn next_line<R: BufRead>(
    input: &mut R,
    line: &mut u64,
    bytes: &mut u64,
    buf: &mut Vec<u8>,
) -> std::io::Result<Option<Read>> {
    loop {
        buf.clear();
        let (consumed, too_long) = read_bounded_line(input, buf)?;
        if consumed == 0 {
            return Ok(None);
        }
        *line += 1;
        *bytes += consumed;
        let at = *line;
        let reject = |reason: String| Ok(Some(Err(Rejected { line: at, reason })));
        if too_long {
            return reject(format!("line longer than {MAX_LINE_LEN} bytes"));
        }
        let Ok(text) = std::str::from_utf8(buf) else {
            return reject("invalid UTF-8".into());
        };
        let text = text.trim_start_matches('\u{feff}').trim();
        if text.is_empty() {
            continue;
        }
        return match serde_json::from_str::<RecordIn>(text) {
            Ok(record) => Ok(Some(Ok((at, record)))),
            Err(e) => reject(format!("not a valid record: {e}")),
        };
    }
}

/// Reads up to and including the next `\n`, keeping at most [`MAX_LINE_LEN`] bytes of it
/// (the rest is skipped, so one huge line cannot take the memory); the bytes consumed and
/// whether the line was cut.
fn read_bounded_line<R: BufRead>(input: &mut R, buf: &mut Vec<u8>) -> std::io::Result<(u64, bool)> {
    let mut consumed = 0u64;
    let mut too_long = false;
    loop {
        let available = match input.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok((consumed, too_long));
        }
        let (chunk, found) = match available.iter().position(|&b| b == b'\n') {
            Some(at) => (&available[..=at], true),
            None => (available, false),
        };
        let room = MAX_LINE_LEN.saturating_sub(buf.len());
        if chunk.len() > room {
            too_long = true;
        }
        buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
        let used = chunk.len();
        consumed += used as u64;
        input.consume(used);
        if found {
            return Ok((consumed, too_long));
        }
    }
}

fn next_csv<R: std::io::Read>(
    reader: &mut csv::Reader<R>,
    columns: &[Option<usize>],
    record: &mut csv::ByteRecord,
) -> Result<Option<Read>, csv::Error> {
    loop {
        let line = reader.position().line();
        match reader.read_byte_record(record) {
            Ok(false) => return Ok(None),
            Ok(true) => {}
            Err(e) if e.is_io_error() => return Err(e),
            Err(e) => {
                let at = e.position().map_or(line, csv::Position::line);
                return Ok(Some(Err(Rejected {
                    line: at,
                    reason: format!("not a valid CSV record: {e}"),
                })));
            }
        }
        let at = record.position().map_or(line, csv::Position::line);
        if record.iter().all(<[u8]>::is_empty) {
            continue;
        }
        if record.as_slice().len() > MAX_LINE_LEN {
            return Ok(Some(Err(Rejected {
                line: at,
                reason: format!("record longer than {MAX_LINE_LEN} bytes"),
            })));
        }
        return Ok(Some(csv_record(at, columns, record)));
    }
}

fn csv_record(line: u64, columns: &[Option<usize>], record: &csv::ByteRecord) -> Read {
    let reject = |reason: String| Err(Rejected { line, reason });
    let mut cells: Vec<Option<String>> = Vec::with_capacity(COLUMNS.len());
    for column in columns {
        let cell = column.and_then(|at| record.get(at)).unwrap_or_default();
        let Ok(text) = std::str::from_utf8(cell) else {
            return reject("invalid UTF-8".into());
        };
        let text = text.trim();
        cells.push((!text.is_empty()).then(|| text.to_owned()));
    }
    let mut take = |i: usize| cells.get_mut(i).and_then(Option::take);
    let custom_data = match take(8) {
        Some(text) => match serde_json::from_str::<Value>(&text) {
            Ok(value) => Some(value),
            Err(e) => return reject(format!("customData is not JSON: {e}")),
        },
        None => None,
    };
    let groups = take(9).map(|text| {
        text.split(';')
            .map(str::trim)
            .filter(|g| !g.is_empty())
            .map(str::to_owned)
            .collect()
    });
    Ok((
        line,
        RecordIn {
            email: take(0).unwrap_or_default(),
            password_hash: take(1),
            password: take(2),
            username: take(3),
            given_name: take(4),
            middle_name: take(5),
            surname: take(6),
            status: take(7),
            custom_data,
            groups,
            created_at: take(10),
        },
    ))
}
