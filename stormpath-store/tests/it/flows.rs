//! The flows whose emails the store sends itself: reset, verification, the change notice.

use stormpath_client::{AccountStatus, EmailKind, Error, NewAccount, prelude::*};
use stormpath_store::mail::Mailer;

use crate::support::{
    PASSWORD, TestDb, accounts_with_email_key, new_account, outbox_rows, register,
};

/// A mailer whose SMTP server never answers (a closed port on this machine).
fn broken_mailer() -> Mailer {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    Mailer::new(
        Some(&format!("smtp://127.0.0.1:{port}")),
        None,
        "app@example.com",
    )
    .unwrap()
}

async fn a_reset_link_is_mailed_and_works_once(db: &TestDb) {
    let store = db.store().await;
    register(&store, "reset@example.com").await;
    store
        .send_password_reset("Reset@Example.com")
        .await
        .unwrap();
    assert_eq!(
        db.outbox().sent(),
        [(EmailKind::PasswordReset, "reset@example.com".to_owned())]
    );
    let token = db.outbox().token_for("reset@example.com");
    store.check_password_reset(&token).await.unwrap();
    store
        .complete_password_reset(&token, "N3wP4ssw0rd###")
        .await
        .unwrap();
    store
        .authenticate("reset@example.com", "N3wP4ssw0rd###")
        .await
        .unwrap();
    let again = store
        .complete_password_reset(&token, "An0ther-Pa55-Qx")
        .await;
    assert!(matches!(again, Err(Error::NotFound)), "{again:?}");
}

async fn unknown_and_disabled_addresses_get_the_same_answer_and_no_mail(db: &TestDb) {
    let store = db.store().await;
    let disabled = register(&store, "off@example.com").await;
    store
        .update_account(&disabled.id, {
            let mut update = stormpath_client::AccountUpdate::default();
            update.status = Some(AccountStatus::Disabled);
            update
        })
        .await
        .unwrap();
    store
        .send_password_reset("nobody@example.com")
        .await
        .unwrap();
    store.send_password_reset("off@example.com").await.unwrap();
    store
        .resend_verification_email("off@example.com")
        .await
        .unwrap();
    // Each request did the work of a real one (a row written), and none queued a mail.
    let rows = outbox_rows(&store).await;
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(rows.iter().all(|(_, state)| state == "dropped"), "{rows:?}");
    assert_eq!(store.pending_mail().await.unwrap(), 0);
}

async fn an_unverified_account_is_mailed_its_link_and_verifying_enables_it(db: &TestDb) {
    let store = db.store().await;
    let account = store
        .create_account(NewAccount {
            status: Some(AccountStatus::Unverified),
            ..new_account("new@example.com")
        })
        .await
        .unwrap();
    assert_eq!(account.status, AccountStatus::Unverified);
    let first = db.outbox().token_for("new@example.com");
    store
        .resend_verification_email("new@example.com")
        .await
        .unwrap();
    let second = db.outbox().token_for("new@example.com");
    assert_ne!(first, second);
    assert!(
        matches!(store.verify_email(&first).await, Err(Error::NotFound)),
        "a newer link voids the older one"
    );
    let verified = store.verify_email(&second).await.unwrap();
    assert_eq!(verified.status, AccountStatus::Enabled);
    store
        .authenticate("new@example.com", PASSWORD)
        .await
        .unwrap();
}

async fn a_registration_while_the_mail_server_is_down_keeps_its_link_queued(db: &TestDb) {
    let store = db.builder().mailer(broken_mailer()).build().await.unwrap();
    let account = store
        .create_account(NewAccount {
            status: Some(AccountStatus::Unverified),
            ..new_account("later@example.com")
        })
        .await
        .unwrap();
    assert_eq!(
        accounts_with_email_key(&store, "later@example.com").await,
        1
    );
    assert_eq!(store.pending_mail().await.unwrap(), 1);
    // The link it carries is live: it works once the mail arrives.
    let token = db.outbox().token_for("later@example.com");
    let verified = store.verify_email(&token).await.unwrap();
    assert_eq!(verified.id, account.id);
}

async fn a_reset_asked_for_while_the_mail_server_is_down_answers_as_usual(db: &TestDb) {
    let store = db.builder().mailer(broken_mailer()).build().await.unwrap();
    register(&store, "stuck@example.com").await;
    store
        .send_password_reset("stuck@example.com")
        .await
        .unwrap();
    store
        .send_password_reset("ghost@example.com")
        .await
        .unwrap();
    assert_eq!(store.pending_mail().await.unwrap(), 1);
    let token = db.outbox().token_for("stuck@example.com");
    store.check_password_reset(&token).await.unwrap();
}

async fn a_password_change_is_confirmed_by_a_notice(db: &TestDb) {
    let store = db.store().await;
    let account = register(&store, "change@example.com").await;
    store
        .change_password(&account.id, PASSWORD, "N3wP4ssw0rd###")
        .await
        .unwrap();
    assert_eq!(
        db.outbox().sent(),
        [(EmailKind::PasswordChanged, "change@example.com".to_owned())]
    );
    // A notice that cannot be sent yet does not undo the change: it waits in the outbox.
    let broken = db.builder().mailer(broken_mailer()).build().await.unwrap();
    broken
        .change_password(&account.id, "N3wP4ssw0rd###", "Th1rd-Pa55-Qx")
        .await
        .unwrap();
    broken
        .authenticate("change@example.com", "Th1rd-Pa55-Qx")
        .await
        .unwrap();
}

on_both!(
    a_reset_link_is_mailed_and_works_once,
    unknown_and_disabled_addresses_get_the_same_answer_and_no_mail,
    an_unverified_account_is_mailed_its_link_and_verifying_enables_it,
    a_registration_while_the_mail_server_is_down_keeps_its_link_queued,
    a_reset_asked_for_while_the_mail_server_is_down_answers_as_usual,
    a_password_change_is_confirmed_by_a_notice,
);
