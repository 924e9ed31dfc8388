//! `stormpath-server import` and `export` through the real binary, on real SQLite files: every
//! password-hash format with broken lines and duplicates, the summary and exit status, a
//! re-run that finds only duplicates, export → import into a fresh database → the same
//! accounts, logins that upgrade each hash to argon2id, the embedded plugin's own database
//! (never initialised), CSV, and an empty file.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    process::{Command, Output, Stdio},
    time::Duration,
};

use argon2::password_hash::{PasswordHasher, SaltString};
use base64::{Engine, engine::general_purpose::STANDARD};
use serde_json::{Value, json};
use sha2::Digest;
use sqlx::Row;
use stormpath_client::prelude::*;
use stormpath_store::{HashParams, Store};
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_stormpath-server");

/// A working directory with a SQLite database.
struct Db {
    dir: TempDir,
    url: String,
}

impl Db {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/stormpath.db", dir.path().display());
        Self { dir, url }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .args(args)
            .current_dir(self.dir.path())
            .env_clear()
            .env("STORMPATH_SERVER_DATABASE_URL", &self.url)
            .env("STORMPATH_SERVER_INSECURE_FAST_HASHING", "true")
            .env("RUST_LOG", "error")
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    #[track_caller]
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?}: {}{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// A store on the database, acting for `application`, with the CLI's fast hashing.
    async fn store(&self, application: &str) -> Store {
        Store::builder()
            .database_url(&self.url)
            .application(application)
            .signing_key("cli-import-test-signing-key-0123456789abcdef")
            .hashing(HashParams::INSECURE_FAST)
            .allow_weak_hashing(true)
            .build()
            .await
            .unwrap()
    }
}

/// (email, password, hash) for every supported format.
fn fixtures() -> Vec<(String, String, String)> {
    let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
    let mut out = Vec::new();
    let mut add = |name: &str, hash: String| {
        out.push((format!("{name}@cli.test"), format!("pw-{name}"), hash));
    };
    let bcrypt = |pw: &str, v| {
        bcrypt::hash_with_result(pw, 4)
            .unwrap()
            .format_for_version(v)
    };
    add("bcrypt2a", bcrypt("pw-bcrypt2a", bcrypt::Version::TwoA));
    add("bcrypt2b", bcrypt("pw-bcrypt2b", bcrypt::Version::TwoB));
    add("bcrypt2y", bcrypt("pw-bcrypt2y", bcrypt::Version::TwoY));
    let argon = |alg, m| {
        argon2::Argon2::new(
            alg,
            argon2::Version::V0x13,
            argon2::Params::new(m, 1, 1, None).unwrap(),
        )
    };
    add(
        "argon2i",
        argon(argon2::Algorithm::Argon2i, 64)
            .hash_password(b"pw-argon2i", &salt)
            .unwrap()
            .to_string(),
    );
    add(
        "argon2id",
        argon(argon2::Algorithm::Argon2id, 128)
            .hash_password(b"pw-argon2id", &salt)
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
    let mut django = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(b"pw-django", b"pepper", 1000, &mut django);
    add(
        "django",
        format!("pbkdf2_sha256$1000$pepper${}", STANDARD.encode(django)),
    );
    let mut d = sha2::Sha512::new()
        .chain_update(b"salty")
        .chain_update(b"pw-stormpath2")
        .finalize();
    d = sha2::Sha512::digest(d);
    add(
        "stormpath2",
        format!(
            "$stormpath2$SHA-512$2${}${}",
            STANDARD.encode(b"salty"),
            STANDARD.encode(d)
        ),
    );
    out.push((
        "vector@cli.test".into(),
        "password".into(),
        "$stormpath2$MD5$1$NzEyN2ZhYzdkZTAyMjJlMGQyMWYxMWRmZmY2YjA1MWI=$K18Ak0YikAFrqgglhIaY5g=="
            .into(),
    ));
    out
}

fn write(path: &Path, lines: &[String]) {
    std::fs::write(
        path,
        lines.iter().map(|l| format!("{l}\n")).collect::<String>(),
    )
    .unwrap();
}

/// The exported accounts by email (without what a new database gives anew).
fn by_email(text: &str) -> BTreeMap<String, Value> {
    text.lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (v["email"].as_str().unwrap().to_owned(), v)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_format_imports_reruns_as_duplicates_round_trips_and_logs_in() {
    let db = Db::new();
    db.ok(&["init"]);
    let fixtures = fixtures();
    let mut lines: Vec<String> = fixtures
        .iter()
        .enumerate()
        .map(|(i, (email, _, hash))| {
            json!({
                "email": email,
                "passwordHash": hash,
                "givenName": format!("User{i}"),
                "customData": { "n": i },
                "groups": ["imported", format!("g{}", i % 2)],
            })
            .to_string()
        })
        .collect();
    let n = lines.len();
    lines.push("{\"email\": \"broken".into()); // n + 1
    lines.push(
        json!({ "email": "md5@cli.test", "passwordHash": "5f4dcc3b5aa765d61d8327deb882cf99" })
            .to_string(),
    ); // n + 2
    lines.push(json!({ "email": "BCRYPT2A@cli.test" }).to_string()); // n + 3: duplicate
    lines.push(
        json!({ "email": "plain@cli.test", "password": "pw-Tr0mb0ne-Qx", "status": "DISABLED" })
            .to_string(),
    ); // n + 4
    let file = db.path("users.jsonl");
    write(&file, &lines);

    let out = db.run(&["import", "users.jsonl"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stderr.contains("2 lines were rejected"), "{stderr}");
    assert!(stdout.contains("\"My Application Directory\""), "{stdout}");
    assert!(
        stdout.contains(&format!("imported:   {}", n + 1)),
        "{stdout}"
    );
    assert!(stdout.contains("duplicates: 1 "), "{stdout}");
    assert!(stdout.contains("rejected:   2"), "{stdout}");
    assert!(
        stdout.contains(&format!("line {}: not a valid record", n + 1)),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("line {}: unknown password hash format", n + 2)),
        "{stdout}"
    );

    // Again: everything that went in is a duplicate now.
    let out = db.run(&["import", "users.jsonl", "--json", "--batch", "3"]);
    assert_eq!(out.status.code(), Some(1));
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["imported"], 0, "{summary}");
    assert_eq!(summary["duplicates"], n + 2, "{summary}");
    assert_eq!(summary["rejected"], 2);
    assert_eq!(summary["rejectedLines"][1]["line"], n + 2);

    // Export, then import into a fresh database: the same accounts.
    db.ok(&["export", "-o", "out.jsonl"]);
    let exported = std::fs::read_to_string(db.path("out.jsonl")).unwrap();
    assert_eq!(exported.lines().count(), n + 1);
    let fresh = Db::new();
    fresh.ok(&["init"]);
    std::fs::copy(db.path("out.jsonl"), fresh.path("in.jsonl")).unwrap();
    let summary = fresh.ok(&["import", "in.jsonl", "--application", "My Application"]);
    assert!(
        summary.contains(&format!("imported:   {}", n + 1)),
        "{summary}"
    );
    let again = fresh.ok(&["export"]);
    assert_eq!(by_email(&exported), by_email(&again));
    let ada = &by_email(&again)["bcrypt2b@cli.test"];
    assert_eq!(ada["customData"], json!({ "n": 1 }));
    assert_eq!(ada["groups"], json!(["g1", "imported"]));

    // Every format logs in, is upgraded to the current argon2id, and still logs in.
    let store = fresh.store("My Application").await;
    for (email, password, hash) in &fixtures {
        let wrong = store.authenticate(email, "wrong-password").await;
        assert!(wrong.is_err(), "{email}");
        store
            .authenticate(email, password)
            .await
            .unwrap_or_else(|e| panic!("{email} ({hash}): {e}"));
        let mut stored = hash.clone();
        for _ in 0..200 {
            stored = sqlx::query("SELECT password_hash FROM accounts WHERE email = $1")
                .bind(email)
                .fetch_one(store.pool())
                .await
                .unwrap()
                .get(0);
            if stored != *hash {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        assert!(
            stored.starts_with("$argon2id$v=19$m=64,t=1,p=1$"),
            "{email}: {stored}"
        );
        store.authenticate(email, password).await.unwrap();
        assert!(store.authenticate(email, "wrong-password").await.is_err());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_plugins_own_database_csv_and_an_empty_file() {
    let db = Db::new();
    // What the embedded plugin makes on first start: its application, never `init`.
    let plugin = db.store("My Application").await;
    plugin.pool().close().await;
    drop(plugin);

    std::fs::write(db.path("empty.jsonl"), b"").unwrap();
    let out = db.ok(&["import", "empty.jsonl"]);
    assert!(out.contains("Nothing to import"), "{out}");

    let (email, password, hash) = fixtures().swap_remove(1);
    std::fs::write(
        db.path("users.csv"),
        format!(
            "email,passwordHash,surname,customData,groups\n\
             {email},{hash},Csv,\"{{\"\"tier\"\":2}}\",admins;staff\n\
             second@cli.test,,,,\n"
        ),
    )
    .unwrap();
    let out = db.ok(&["import", "users.csv"]);
    assert!(out.contains("\"My Application Directory\""), "{out}");
    assert!(out.contains("imported:   2"), "{out}");
    let store = db.store("My Application").await;
    let account = store.authenticate(&email, &password).await.unwrap();
    let mut groups = store.group_names(&account.id).await.unwrap().to_vec();
    groups.sort();
    assert_eq!(groups, vec!["admins", "staff"]);

    // With a second application, the target must be named.
    db.store("Shop").await;
    let out = db.run(&["import", "users.csv"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("2 applications"), "{stderr}");
    assert!(stderr.contains("--application"), "{stderr}");
    let out = db.ok(&["import", "users.csv", "--application", "Shop"]);
    assert!(out.contains("\"Shop Directory\""), "{out}");
    assert!(out.contains("imported:   2"), "{out}");
    let out = db.ok(&[
        "import",
        "users.csv",
        "--directory",
        "Shop Directory",
        "--json",
    ]);
    let summary: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(summary["duplicates"], 2);
}
