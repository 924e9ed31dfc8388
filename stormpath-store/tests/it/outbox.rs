//! The mail outbox: delivery by the background sender to a real SMTP sink, a mail server that
//! is down and comes back, the per-address caps, the same work for known and unknown
//! addresses, the security notices, and one delivery per mail with two stores on one database.

use std::time::{Duration, Instant};

use stormpath_client::{EmailKind, prelude::*};
use stormpath_store::MailPolicy;
use stormpath_testkit::SmtpSink;

use crate::support::{TestDb, outbox_rows, register, smtp_mailer};

/// Long enough for a loaded machine; the checks wait for an event, never for a time.
const PATIENCE: Duration = Duration::from_secs(20);

/// Waits until the store has no mail waiting (or `PATIENCE` runs out) and says how many wait.
async fn drained(store: &stormpath_store::Store) -> i64 {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let pending = store.pending_mail().await.unwrap();
        if pending == 0 || Instant::now() >= deadline {
            return pending;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The attempts made so far on the outbox's rows.
async fn attempts(store: &stormpath_store::Store) -> i64 {
    sqlx::query_scalar("SELECT COALESCE(MAX(attempts), 0) FROM mail_outbox")
        .fetch_one(store.pool())
        .await
        .unwrap()
}

/// A store whose mail server is down (a port where none listens, for a sink to start on
/// later), retrying quickly.
async fn with_the_mail_server_down(
    builder: stormpath_store::StoreBuilder,
) -> (stormpath_store::Store, std::net::SocketAddr) {
    let addr = SmtpSink::down();
    let policy = MailPolicy {
        retry_max: Duration::from_millis(200),
        retry_first: Duration::from_millis(100),
        ..MailPolicy::default()
    };
    let store = builder
        .mailer(smtp_mailer(addr))
        .mail_policy(policy)
        .build()
        .await
        .unwrap();
    (store, addr)
}

async fn a_reset_mail_reaches_the_smtp_server_from_the_outbox(db: &TestDb) {
    let sink = SmtpSink::start();
    let store = db
        .builder()
        .mailer(smtp_mailer(sink.addr()))
        .build()
        .await
        .unwrap();
    register(&store, "sink@example.com").await;
    store.send_password_reset("sink@example.com").await.unwrap();
    let token = db.outbox().token_for("sink@example.com");
    let mails = sink.wait_for(1, PATIENCE);
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].rcpt_to, ["sink@example.com"]);
    assert!(mails[0].data.contains(&token), "the mail carries the link");
    assert_eq!(drained(&store).await, 0);
    // A delivered row keeps no body: the token is gone from the database.
    let bodies: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM mail_outbox WHERE body_text <> '' OR body_html <> '' OR recipient <> ''",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(bodies, 0);
    assert_eq!(outbox_rows(&store).await, [("reset".into(), "sent".into())]);
}

async fn mail_queued_while_the_server_is_down_goes_out_when_it_is_back(db: &TestDb) {
    let (store, addr) = with_the_mail_server_down(db.builder()).await;
    register(&store, "outage@example.com").await;
    store
        .send_password_reset("outage@example.com")
        .await
        .unwrap();
    // The sender tries, fails, and keeps the mail.
    let deadline = Instant::now() + PATIENCE;
    while attempts(&store).await < 2 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(attempts(&store).await >= 2, "the sender retried");
    assert_eq!(store.pending_mail().await.unwrap(), 1, "nothing is lost");
    // The server comes back on its port: the mail arrives.
    let sink = SmtpSink::start_on(addr);
    let mails = sink.wait_for(1, PATIENCE);
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].rcpt_to, ["outage@example.com"]);
    assert_eq!(drained(&store).await, 0);
}

/// A link that expires while its mail waits (the mail server down for longer than the link
/// lives) is never sent, and its token leaves the database.
async fn a_link_that_expires_while_its_mail_waits_is_never_sent(db: &TestDb) {
    let (store, addr) =
        with_the_mail_server_down(db.builder().password_reset_ttl(Duration::from_secs(1))).await;
    register(&store, "stale@example.com").await;
    store
        .send_password_reset("stale@example.com")
        .await
        .unwrap();
    let token = db.outbox().token_for("stale@example.com");
    // Waits for the link's second to pass (a lower bound: a slow machine only waits longer).
    assert_eq!(drained(&store).await, 0, "the expired link waits no more");
    let with_token: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM mail_outbox WHERE body_text LIKE $1 OR body_html LIKE $1",
    )
    .bind(format!("%{token}%"))
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(with_token, 0, "the token left the database");
    assert_eq!(outbox_rows(&store).await, [("reset".into(), "void".into())]);
    let sink = SmtpSink::start_on(addr);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        sink.messages().is_empty(),
        "nothing goes out when it is back"
    );
}

async fn reset_and_verification_mails_are_capped_per_address(db: &TestDb) {
    let policy = MailPolicy {
        cap_per_address: 2,
        ..MailPolicy::default()
    };
    let store = db.builder().mail_policy(policy).build().await.unwrap();
    register(&store, "capped@example.com").await;
    for _ in 0..4 {
        store
            .send_password_reset("capped@example.com")
            .await
            .unwrap();
        store
            .send_password_reset("Nobody@Example.com")
            .await
            .unwrap();
    }
    let rows = outbox_rows(&store).await;
    let count = |state: &str| rows.iter().filter(|(_, s)| s == state).count();
    assert_eq!(count("queued") + count("sent"), 2, "{rows:?}");
    assert_eq!(
        count("dropped"),
        2,
        "an unknown address is capped alike: {rows:?}"
    );
    // The requests over the cap issued nothing: the last link mailed still works.
    let token = db.outbox().token_for("capped@example.com");
    store.check_password_reset(&token).await.unwrap();
    // Verification mails have their own count.
    let unverified = store
        .create_account(stormpath_client::NewAccount {
            status: Some(stormpath_client::AccountStatus::Unverified),
            ..crate::support::new_account("unverified@example.com")
        })
        .await
        .unwrap();
    for _ in 0..4 {
        store
            .resend_verification_email("unverified@example.com")
            .await
            .unwrap();
    }
    let verify_rows = outbox_rows(&store)
        .await
        .into_iter()
        .filter(|(kind, _)| kind == "verify")
        .count();
    // The registration's mail (never refused, but counted) and one resend.
    assert_eq!(verify_rows, 2);
    assert_eq!(unverified.email, "unverified@example.com");
}

async fn known_and_unknown_addresses_do_the_same_work(db: &TestDb) {
    let store = db.store().await;
    register(&store, "known@example.com").await;
    let rendered = db.outbox().sent().len();
    store
        .send_password_reset("known@example.com")
        .await
        .unwrap();
    store
        .send_password_reset("unknown@example.com")
        .await
        .unwrap();
    // Each request rendered one mail and wrote one outbox row; only the row's state differs.
    assert_eq!(
        db.outbox().sent()[rendered..],
        [
            (EmailKind::PasswordReset, "known@example.com".to_owned()),
            (EmailKind::PasswordReset, "unknown@example.com".to_owned()),
        ]
    );
    let rows = outbox_rows(&store).await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows.iter().all(|(kind, _)| kind == "reset"));
    assert_eq!(rows[1].1, "dropped");
    assert!(matches!(rows[0].1.as_str(), "queued" | "sent"), "{rows:?}");
}

async fn a_reset_and_a_new_api_key_are_notified(db: &TestDb) {
    let store = db.store().await;
    let account = register(&store, "notice@example.com").await;
    store.create_api_key(&account.id, None).await.unwrap();
    store
        .send_password_reset("notice@example.com")
        .await
        .unwrap();
    let token = db.outbox().token_for("notice@example.com");
    store
        .complete_password_reset(&token, "N3wP4ssw0rd###")
        .await
        .unwrap();
    assert_eq!(
        db.outbox().sent(),
        [
            (EmailKind::ApiKeyCreated, "notice@example.com".to_owned()),
            (EmailKind::PasswordReset, "notice@example.com".to_owned()),
            (EmailKind::PasswordChanged, "notice@example.com".to_owned()),
        ]
    );
    // Turned off (as the REST server does), neither notice is sent.
    let quiet = db
        .builder()
        .mail_policy(MailPolicy {
            security_notices: false,
            ..MailPolicy::default()
        })
        .build()
        .await
        .unwrap();
    let before = db.outbox().sent().len();
    quiet.create_api_key(&account.id, None).await.unwrap();
    assert_eq!(db.outbox().sent().len(), before);
}

/// Two stores (two instances) on one database, both delivering to one sink: each mail goes out
/// exactly once.
async fn two_instances_send_each_mail_once(db: &TestDb) {
    let sink = SmtpSink::start();
    let first = db
        .builder()
        .mailer(smtp_mailer(sink.addr()))
        .build()
        .await
        .unwrap();
    let second = db
        .builder()
        .mailer(smtp_mailer(sink.addr()))
        .build()
        .await
        .unwrap();
    let n = 12;
    for i in 0..n {
        let email = format!("twice{i}@example.com");
        register(&first, &email).await;
        let store = if i % 2 == 0 { &first } else { &second };
        store.send_password_reset(&email).await.unwrap();
    }
    let mails = sink.wait_for(n, PATIENCE);
    assert_eq!(drained(&first).await, 0);
    let sent: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox WHERE state = 'sent'")
        .fetch_one(first.pool())
        .await
        .unwrap();
    assert_eq!(sent, i64::try_from(n).unwrap());
    let mut recipients: Vec<String> = sink
        .messages()
        .into_iter()
        .flat_map(|m| m.rcpt_to)
        .collect();
    recipients.sort();
    recipients.dedup();
    assert_eq!(recipients.len(), n);
    assert_eq!(sink.messages().len(), n, "no mail went out twice");
    assert!(mails.len() >= n);
}

on_both!(
    a_reset_mail_reaches_the_smtp_server_from_the_outbox,
    mail_queued_while_the_server_is_down_goes_out_when_it_is_back,
    a_link_that_expires_while_its_mail_waits_is_never_sent,
    reset_and_verification_mails_are_capped_per_address,
    known_and_unknown_addresses_do_the_same_work,
    a_reset_and_a_new_api_key_are_notified,
    two_instances_send_each_mail_once,
);
