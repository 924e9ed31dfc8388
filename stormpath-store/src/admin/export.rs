//! Exporting a directory's accounts as JSON lines (`stormpath-server export`), in the format
//! [`import`](super::import) reads: password hashes as stored, custom data, group names,
//! creation time. Streamed by pages in creation order, so any number of accounts takes
//! little memory.

use std::{collections::HashMap, io::Write};

use serde_json::{Map, Value};
use sqlx::Row;
use time::format_description::well_known::Rfc3339;

use crate::{Store, util};

/// Accounts read per query.
const PAGE: i64 = 1000;

/// Writes every account of a directory to `out`, one JSON object per line; how many.
///
/// # Errors
/// [`crate::Error::Import`] for an unknown directory or a failed write;
/// [`crate::Error::Database`] for a failed query.
pub async fn export(store: &Store, directory_id: &str, mut out: impl Write) -> crate::Result<u64> {
    if store
        .directory_by_id(directory_id)
        .await
        .map_err(|e| crate::Error::Import(e.to_string()))?
        .is_none()
    {
        return Err(crate::Error::Import(format!("no directory {directory_id}")));
    }
    let pool = &store.inner.pool;
    let mut written = 0u64;
    let mut after: (i64, String) = (i64::MIN, String::new());
    loop {
        let rows = sqlx::query(
            "SELECT id, email, username, given_name, middle_name, surname, status, \
             password_hash, custom_data, created_at FROM accounts WHERE directory_id = $1 \
             AND (created_at > $2 OR (created_at = $2 AND id > $3)) \
             ORDER BY created_at, id LIMIT $4",
        )
        .bind(directory_id)
        .bind(after.0)
        .bind(&after.1)
        .bind(PAGE)
        .fetch_all(pool)
        .await?;
        let Some(last) = rows.last() else { break };
        after = (last.try_get(9)?, last.try_get(0)?);
        let ids: Vec<String> = rows
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?;
        let groups = group_names(store, &ids).await?;
        for row in &rows {
            let id: String = row.try_get(0)?;
            let line = record(row, groups.get(&id))?;
            writeln!(out, "{line}").map_err(|e| crate::Error::Import(format!("writing: {e}")))?;
            written += 1;
        }
        if rows.len() < usize::try_from(PAGE).unwrap_or(usize::MAX) {
            break;
        }
    }
    out.flush()
        .map_err(|e| crate::Error::Import(format!("writing: {e}")))?;
    Ok(written)
}

/// The group names of these accounts, by account id (sorted by name).
async fn group_names(store: &Store, ids: &[String]) -> crate::Result<HashMap<String, Vec<String>>> {
    let list = (1..=ids.len())
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT m.account_id, g.name FROM group_memberships m \
         JOIN account_groups g ON g.id = m.group_id \
         WHERE m.account_id IN ({list}) ORDER BY g.name"
    );
    let mut query = sqlx::query(&sql);
    for id in ids {
        query = query.bind(id);
    }
    let mut names: HashMap<String, Vec<String>> = HashMap::new();
    for row in query.fetch_all(&store.inner.pool).await? {
        names
            .entry(row.try_get(0)?)
            .or_default()
            .push(row.try_get(1)?);
    }
    Ok(names)
}

fn record(row: &sqlx::any::AnyRow, groups: Option<&Vec<String>>) -> crate::Result<Value> {
    let mut out = Map::new();
    let text = |i: usize| row.try_get::<String, _>(i);
    let optional = |i: usize| row.try_get::<Option<String>, _>(i);
    let email = text(1)?;
    let username = text(2)?;
    let hash = text(7)?;
    out.insert("email".into(), Value::String(email.clone()));
    if !hash.is_empty() {
        out.insert("passwordHash".into(), Value::String(hash));
    }
    if username != email {
        out.insert("username".into(), Value::String(username));
    }
    for (key, at) in [("givenName", 3), ("middleName", 4), ("surname", 5)] {
        if let Some(value) = optional(at)? {
            out.insert(key.into(), Value::String(value));
        }
    }
    out.insert("status".into(), Value::String(text(6)?));
    let custom: Map<String, Value> = serde_json::from_str(&text(8)?).unwrap_or_default();
    if !custom.is_empty() {
        out.insert("customData".into(), Value::Object(custom));
    }
    if let Some(groups) = groups {
        out.insert(
            "groups".into(),
            Value::Array(groups.iter().cloned().map(Value::String).collect()),
        );
    }
    let created = util::from_ms(row.try_get(9)?)
        .format(&Rfc3339)
        .unwrap_or_default();
    out.insert("createdAt".into(), Value::String(created));
    Ok(Value::Object(out))
}
