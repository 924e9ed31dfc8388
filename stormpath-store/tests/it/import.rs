//! Bulk import and export (`admin::import`, `admin::export`): every password-hash format
//! verified at login and upgraded to the current argon2id, custom data and groups carried,
//! bad lines rejected by number without touching the others, idempotent re-runs, CSV, and
//! (PostgreSQL) connections killed mid-import.

use std::time::Duration;

use argon2::{
    Algorithm, Argon2, Params, Version,
    password_hash::{PasswordHasher, SaltString},
};
use base64::{Engine, engine::general_purpose::STANDARD};
use serde_json::{Value, json};
use sha2::Digest;
use sqlx::Row;
use stormpath_client::{Error, prelude::*};
use stormpath_store::{
    Store,
    admin::{
        export::export,
        import::{Format, ImportOptions, ImportSummary, import},
    },
};

use crate::support::{TestDb, password_hash, register};

on_both!(
    every_hash_format_logs_in_and_is_upgraded_to_argon2id,
    bad_lines_are_rejected_by_number_and_the_rest_imported,
    rerunning_an_import_adds_nothing,
    custom_data_and_groups_round_trip_through_export,
    csv_files_import_like_json_lines,
    an_empty_file_imports_nothing,
    a_batch_the_database_refuses_keeps_its_good_lines,
);

const SALT: &[u8] = b"0123456789abcdef";

/// One account per supported format, all with the password `pw-<format>`: (email, hash).
fn fixtures() -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut add = |name: &str, hash: String| {
        out.push((format!("{name}@import.test"), format!("pw-{name}"), hash));
    };
    let bcrypt = |pw: &str, v| {
        bcrypt::hash_with_result(pw, 4)
            .unwrap()
            .format_for_version(v)
    };
    add("bcrypt2a", bcrypt("pw-bcrypt2a", bcrypt::Version::TwoA));
    add("bcrypt2b", bcrypt("pw-bcrypt2b", bcrypt::Version::TwoB));
    add("bcrypt2y", bcrypt("pw-bcrypt2y", bcrypt::Version::TwoY));
    let salt = SaltString::encode_b64(SALT).unwrap();
    let argon = |alg, m| Argon2::new(alg, Version::V0x13, Params::new(m, 1, 1, None).unwrap());
    add(
        "argon2i",
        argon(Algorithm::Argon2i, 64)
            .hash_password(b"pw-argon2i", &salt)
            .unwrap()
            .to_string(),
    );
    add(
        "argon2idold",
        argon(Algorithm::Argon2id, 32)
            .hash_password(b"pw-argon2idold", &salt)
            .unwrap()
            .to_string(),
    );
    add(
        "scrypt",
        scrypt::Scrypt
            .hash_password_customized(
                b"pw-scrypt",
                None,
                None,
                scrypt::Params::new(4, 8, 1, 32).unwrap(),
                &salt,
            )
            .unwrap()
            .to_string(),
    );
    add(
        "pbkdf2",
        pbkdf2::Pbkdf2
            .hash_password_customized(
                b"pw-pbkdf2",
                None,
                None,
                pbkdf2::Params {
                    rounds: 1000,
                    output_length: 32,
                },
                &salt,
            )
            .unwrap()
            .to_string(),
    );
    let derive = |pw: &str, salt: &[u8], rounds| {
        let mut out = [0u8; 32];
        pbkdf2::pbkdf2_hmac::<sha2::Sha256>(pw.as_bytes(), salt, rounds, &mut out);
        out
    };
    // passlib: "adapted" base64 ('.' for '+', no padding) of the salt bytes and the hash.
    let ab64 = |b: &[u8]| {
        base64::engine::general_purpose::STANDARD_NO_PAD
            .encode(b)
            .replace('+', ".")
    };
    add(
        "passlib",
        format!(
            "$pbkdf2-sha256$1200${}${}",
            ab64(SALT),
            ab64(&derive("pw-passlib", SALT, 1200))
        ),
    );
    add(
        "django",
        format!(
            "pbkdf2_sha256$1000$djangosalt${}",
            STANDARD.encode(derive("pw-django", b"djangosalt", 1000))
        ),
    );
    // Stormpath's export format, by its definition (Shiro): SHA-256(salt ‖ password), then
    // SHA-256 of that, 3 digests in all.
    let mut d = sha2::Sha256::new()
        .chain_update(SALT)
        .chain_update(b"pw-stormpath2")
        .finalize();
    for _ in 1..3 {
        d = sha2::Sha256::digest(d);
    }
    add(
        "stormpath2",
        format!(
            "$stormpath2$SHA-256$3${}${}",
            STANDARD.encode(SALT),
            STANDARD.encode(d)
        ),
    );
    out
}

fn jsonl(records: &[Value]) -> Vec<u8> {
    records
        .iter()
        .map(|r| format!("{r}\n"))
        .collect::<String>()
        .into_bytes()
}

async fn run(store: &Store, data: &[u8], format: Format) -> ImportSummary {
    let options = ImportOptions {
        format,
        ..ImportOptions::new(store_directory(store).await)
    };
    import(store, data, &options, |_| {}).await.unwrap()
}

/// The id of the store's default directory.
async fn store_directory(store: &Store) -> String {
    let href = store.directory().await.unwrap().href;
    href.rsplit('/').next().unwrap().to_owned()
}

async fn wait_for_upgrade(store: &Store, email: &str, before: &str) -> String {
    let account = store.account_by_email(email).await.unwrap().unwrap();
    for _ in 0..200 {
        let now = password_hash(store, &account.id).await;
        if now != before {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{email}: the hash was not upgraded");
}

async fn every_hash_format_logs_in_and_is_upgraded_to_argon2id(db: &TestDb) {
    let store = db.store().await;
    let fixtures = fixtures();
    let mut records: Vec<Value> = fixtures
        .iter()
        .map(|(email, _, hash)| json!({ "email": email, "passwordHash": hash }))
        .collect();
    records.push(json!({ "email": "plain@import.test", "password": "pw-Tr0mb0ne-Qx" }));
    records.push(json!({ "email": "nopassword@import.test" }));
    // The published $stormpath2$ MD5 vector for "password".
    let vector =
        "$stormpath2$MD5$1$NzEyN2ZhYzdkZTAyMjJlMGQyMWYxMWRmZmY2YjA1MWI=$K18Ak0YikAFrqgglhIaY5g==";
    records.push(json!({ "email": "vector@import.test", "passwordHash": vector }));
    let summary = run(&store, &jsonl(&records), Format::JsonLines).await;
    assert_eq!(summary.rejected, vec![], "{summary:?}");
    assert_eq!(summary.imported, records.len() as u64);

    let mut cases: Vec<(String, String, String)> = fixtures;
    cases.push((
        "vector@import.test".into(),
        "password".into(),
        vector.into(),
    ));
    for (email, password, hash) in &cases {
        let wrong = store
            .authenticate(email, "not-the-password")
            .await
            .unwrap_err();
        assert!(
            matches!(wrong, Error::InvalidCredentials),
            "{email}: {wrong:?}"
        );
        store
            .authenticate(email, password)
            .await
            .unwrap_or_else(|e| panic!("{email} with its imported {hash}: {e}"));
        let upgraded = wait_for_upgrade(&store, email, hash).await;
        assert!(
            upgraded.starts_with("$argon2id$v=19$m=64,t=1,p=1$"),
            "{email}: {upgraded}"
        );
        store.authenticate(email, password).await.unwrap();
        let wrong = store
            .authenticate(email, "not-the-password")
            .await
            .unwrap_err();
        assert!(
            matches!(wrong, Error::InvalidCredentials),
            "{email}: {wrong:?}"
        );
    }
    store
        .authenticate("plain@import.test", "pw-Tr0mb0ne-Qx")
        .await
        .unwrap();
    // No password: no password logs in, not even an empty one, until a reset sets one.
    for attempt in ["", "pw-Tr0mb0ne-Qx", "anything"] {
        let err = store
            .authenticate("nopassword@import.test", attempt)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::InvalidCredentials), "{err:?}");
    }
}

async fn bad_lines_are_rejected_by_number_and_the_rest_imported(db: &TestDb) {
    let store = db.store().await;
    register(&store, "existing@import.test").await;
    let good =
        |n: u32| json!({ "email": format!("good{n}@import.test"), "password": "pw-W4lrus-J1g" });
    let mut data = Vec::new();
    let mut line = |bytes: Vec<u8>| {
        data.extend(bytes);
        data.push(b'\n');
    };
    line(good(1).to_string().into_bytes()); // 1
    line(b"{\"email\": \"broken@import.test\", ".to_vec()); // 2: broken JSON
    line(json!({ "email": "not-an-email" }).to_string().into_bytes()); // 3
    line(
        json!({ "email": "md5@import.test", "passwordHash": "5f4dcc3b5aa765d61d8327deb882cf99" })
            .to_string()
            .into_bytes(),
    ); // 4
    line(b"{\"email\": \"utf8@import.test\", \"givenName\": \"\xff\xfe\"}".to_vec()); // 5: invalid UTF-8
    line(
        json!({ "email": "cd@import.test", "customData": [1, 2] })
            .to_string()
            .into_bytes(),
    ); // 6
    line(
        json!({ "email": "GOOD1@Import.Test" })
            .to_string()
            .into_bytes(),
    ); // 7: duplicate in the file
    line(
        json!({ "email": "Existing@import.test" })
            .to_string()
            .into_bytes(),
    ); // 8: duplicate in the database
    line(
        json!({ "email": "status@import.test", "status": "LOCKED" })
            .to_string()
            .into_bytes(),
    ); // 9
    line(Vec::new()); // 10: blank
    line(json!({ "email": "slow@import.test", "passwordHash": "$2b$31$abcdefghijklmnopqrstuuXoGrPLKk2wYSM4D1VYhGKe0pQBvnrXS" }).to_string().into_bytes()); // 11
    line(
        json!({ "email": "both@import.test", "password": "a", "passwordHash": "b" })
            .to_string()
            .into_bytes(),
    ); // 12
    line(
        json!({ "email": "extra@import.test", "pasword": "typo" })
            .to_string()
            .into_bytes(),
    ); // 13
    line(good(2).to_string().into_bytes()); // 14
    line(
        json!({ "email": "common@import.test", "password": "Password1" })
            .to_string()
            .into_bytes(),
    ); // 15: a plain password on the blocklist
    let summary = run(&store, &data, Format::JsonLines).await;
    assert_eq!(summary.imported, 2, "{summary:?}");
    assert_eq!(summary.duplicates, 2, "{summary:?}");
    let lines: Vec<u64> = summary.rejected.iter().map(|r| r.line).collect();
    assert_eq!(lines, vec![2, 3, 4, 5, 6, 9, 11, 12, 13, 15], "{summary:?}");
    let reason = |line: u64| {
        summary
            .rejected
            .iter()
            .find(|r| r.line == line)
            .unwrap()
            .reason
            .clone()
    };
    assert!(
        reason(4).contains("unknown password hash format"),
        "{}",
        reason(4)
    );
    assert!(reason(5).contains("invalid UTF-8"), "{}", reason(5));
    assert!(
        reason(6).contains("customData must be a JSON object"),
        "{}",
        reason(6)
    );
    assert!(reason(11).contains("cost"), "{}", reason(11));
    assert!(reason(15).contains("too common"), "{}", reason(15));
    assert_eq!(summary.records, 14);
    for email in ["good1@import.test", "good2@import.test"] {
        store.authenticate(email, "pw-W4lrus-J1g").await.unwrap();
    }
    for email in [
        "md5@import.test",
        "cd@import.test",
        "utf8@import.test",
        "common@import.test",
    ] {
        assert!(
            store.account_by_email(email).await.unwrap().is_none(),
            "{email}"
        );
    }
}

async fn rerunning_an_import_adds_nothing(db: &TestDb) {
    let store = db.store().await;
    let records: Vec<Value> = (0..1200)
        .map(|n| {
            json!({
                "email": format!("user{n}@import.test"),
                "passwordHash": "$stormpath2$MD5$1$NzEyN2ZhYzdkZTAyMjJlMGQyMWYxMWRmZmY2YjA1MWI=$K18Ak0YikAFrqgglhIaY5g==",
                "groups": [format!("team{}", n % 3)],
            })
        })
        .collect();
    let data = jsonl(&records);
    let first = run(&store, &data, Format::JsonLines).await;
    assert_eq!((first.imported, first.duplicates), (1200, 0), "{first:?}");
    let second = run(&store, &data, Format::JsonLines).await;
    assert_eq!(
        (second.imported, second.duplicates),
        (0, 1200),
        "{second:?}"
    );
    assert!(second.rejected.is_empty());
    let pool = store.pool().clone();
    let count = |sql: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query(sql)
                .fetch_one(&pool)
                .await
                .unwrap()
                .get::<i64, _>(0)
        }
    };
    assert_eq!(
        count("SELECT COUNT(*) FROM accounts WHERE email LIKE 'user%'").await,
        1200
    );
    assert_eq!(count("SELECT COUNT(*) FROM account_groups").await, 3);
    assert_eq!(count("SELECT COUNT(*) FROM group_memberships").await, 1200);
}

async fn custom_data_and_groups_round_trip_through_export(db: &TestDb) {
    let store = db.store().await;
    let hash = fixtures()[0].2.clone();
    let records = vec![
        json!({
            "email": "Ada@Example.com",
            "passwordHash": hash,
            "username": "ada",
            "givenName": "Ada",
            "middleName": "King",
            "surname": "Lovelace",
            "status": "DISABLED",
            "customData": { "plan": "pro", "nested": { "a": [1, 2] } },
            "groups": ["Admins", "engineers", "admins"],
            "createdAt": "2015-12-10T20:31:00.123Z",
        }),
        json!({ "email": "grace@example.com", "status": "UNVERIFIED", "groups": ["engineers"] }),
    ];
    let summary = run(&store, &jsonl(&records), Format::JsonLines).await;
    assert_eq!(summary.imported, 2, "{summary:?}");
    let ada = store
        .account_by_email("ada@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ada.username, "ada");
    assert_eq!(ada.full_name, "Ada King Lovelace");
    assert_eq!(ada.status, stormpath_client::AccountStatus::Disabled);
    assert_eq!(ada.created_at.unix_timestamp(), 1_449_779_460);
    let mut groups = store.group_names(&ada.id).await.unwrap().to_vec();
    groups.sort();
    assert_eq!(groups, vec!["Admins", "engineers"]);
    let data = store.custom_data(&ada.id).await.unwrap().data;
    assert_eq!(
        Value::Object(data),
        json!({ "plan": "pro", "nested": { "a": [1, 2] } })
    );

    let mut exported = Vec::new();
    let directory = store_directory(&store).await;
    assert_eq!(export(&store, &directory, &mut exported).await.unwrap(), 2);
    // Into another directory of the same database: the same accounts come out.
    let copy = store.create_directory("Copy", None, None).await.unwrap();
    let options = ImportOptions::new(&copy.meta.id);
    let again = import(&store, exported.as_slice(), &options, |_| {})
        .await
        .unwrap();
    assert_eq!(again.imported, 2, "{again:?}");
    let mut reexported = Vec::new();
    export(&store, &copy.meta.id, &mut reexported)
        .await
        .unwrap();
    let lines = |b: &[u8]| -> Vec<Value> {
        String::from_utf8(b.to_vec())
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    assert_eq!(lines(&exported), lines(&reexported));
    let first = &lines(&exported)[0];
    assert_eq!(first["email"], "Ada@Example.com");
    assert_eq!(first["passwordHash"], hash);
    assert_eq!(first["createdAt"], "2015-12-10T20:31:00.123Z");
    assert_eq!(first["groups"], json!(["Admins", "engineers"]));
    assert_eq!(lines(&exported)[1].get("passwordHash"), None);
}

async fn csv_files_import_like_json_lines(db: &TestDb) {
    let store = db.store().await;
    let all = fixtures();
    let bcrypt = &all[1];
    let mut data = format!(
        "email,passwordHash,givenName,customData,groups\n\
         {},{},Bea,\"{{\"\"plan\"\":\"\"free\"\"}}\",a;b\n\
         broken@,x,,,\n\
         cells@import.test,,Cel,not json,\n",
        bcrypt.0, bcrypt.2
    )
    .into_bytes();
    data.extend(b"utf8@import.test,,\xff,,\n");
    data.extend(b"last@import.test,,,,\n");
    let summary = run(&store, &data, Format::Csv).await;
    assert_eq!(summary.imported, 2, "{summary:?}");
    let lines: Vec<u64> = summary.rejected.iter().map(|r| r.line).collect();
    assert_eq!(lines, vec![3, 4, 5], "{summary:?}");
    let bea = store.account_by_email(&bcrypt.0).await.unwrap().unwrap();
    let mut groups = store.group_names(&bea.id).await.unwrap().to_vec();
    groups.sort();
    assert_eq!(groups, vec!["a", "b"]);
    store.authenticate(&bcrypt.0, &bcrypt.1).await.unwrap();
    // A header naming an unknown column stops the import before anything is written.
    let options = ImportOptions {
        format: Format::Csv,
        ..ImportOptions::new(store_directory(&store).await)
    };
    let err = import(&store, &b"email,pasword\nx@y.z,p\n"[..], &options, |_| {})
        .await
        .unwrap_err();
    assert!(err.to_string().contains("unknown CSV column"), "{err}");
}

async fn an_empty_file_imports_nothing(db: &TestDb) {
    let store = db.store().await;
    for format in [Format::JsonLines, Format::Csv] {
        let summary = run(&store, b"", format).await;
        assert_eq!(summary.records, 0);
        assert_eq!(summary.imported, 0);
        assert!(summary.rejected.is_empty() && summary.interrupted.is_none());
    }
}

/// A failure only the database sees (here a unique index the test adds) fails the batch's
/// transaction: the batch is retried line by line and only the faulty line is lost.
async fn a_batch_the_database_refuses_keeps_its_good_lines(db: &TestDb) {
    let store = db.store().await;
    sqlx::query("CREATE UNIQUE INDEX test_only_surname ON accounts (surname)")
        .execute(store.pool())
        .await
        .unwrap();
    let records: Vec<Value> = (0..10)
        .map(|n| {
            let surname = if n == 7 {
                "Same-1".to_owned()
            } else {
                format!("Same-{n}")
            };
            json!({ "email": format!("s{n}@import.test"), "surname": surname, "groups": ["g"] })
        })
        .collect();
    let summary = run(&store, &jsonl(&records), Format::JsonLines).await;
    assert_eq!(summary.imported, 9, "{summary:?}");
    assert_eq!(summary.rejected.len(), 1);
    assert_eq!(summary.rejected[0].line, 8);
    assert!(summary.rejected[0].reason.contains("database refused"));
    let n: i64 = sqlx::query("SELECT COUNT(*) FROM group_memberships")
        .fetch_one(store.pool())
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 9);
}

/// PostgreSQL: the import's connections are terminated (`pg_terminate_backend`, as a server
/// restart would) again and again while it runs; it retries, or stops saying how to resume;
/// running it again finishes the file and nothing is doubled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_connections_mid_import_resume_without_duplicates() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let store = db.store().await;
    let directory = store_directory(&store).await;
    let total = 20_000u64;
    let data: Vec<u8> = (0..total)
        .map(|n| {
            format!(
                "{{\"email\":\"k{n}@import.test\",\"groups\":[\"g{}\"]}}\n",
                n % 7
            )
        })
        .collect::<String>()
        .into_bytes();
    let options = ImportOptions {
        batch: 200,
        backoff: Duration::from_millis(20),
        ..ImportOptions::new(&directory)
    };
    let killer = {
        let url = db.url().to_owned();
        tokio::spawn(async move {
            sqlx::any::install_default_drivers();
            let pool = sqlx::any::AnyPoolOptions::new()
                .max_connections(1)
                .connect(&url)
                .await
                .unwrap();
            let mut killed = 0i64;
            for _ in 0..40 {
                tokio::time::sleep(Duration::from_millis(50)).await;
                let row = sqlx::query(
                    "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity \
                     WHERE datname = current_database() AND pid <> pg_backend_pid()",
                )
                .fetch_one(&pool)
                .await
                .unwrap();
                killed += row.get::<i64, _>(0);
            }
            killed
        })
    };
    let first = import(&store, data.as_slice(), &options, |_| {})
        .await
        .unwrap();
    let killed = killer.await.unwrap();
    assert!(killed > 0, "no connection was terminated");
    let second = import(&store, data.as_slice(), &options, |_| {})
        .await
        .unwrap();
    assert!(second.interrupted.is_none(), "{:?}", second.interrupted);
    assert!(first.rejected.is_empty() && second.rejected.is_empty());
    assert_eq!(second.imported + second.duplicates, total);
    let (rows, distinct, memberships): (i64, i64, i64) = {
        let row = sqlx::query(
            "SELECT COUNT(*), COUNT(DISTINCT email_key), \
             (SELECT COUNT(*) FROM group_memberships) FROM accounts WHERE email LIKE 'k%'",
        )
        .fetch_one(store.pool())
        .await
        .unwrap();
        (row.get(0), row.get(1), row.get(2))
    };
    assert_eq!((rows, distinct, memberships), (20_000, 20_000, 20_000));
}
