//! What the REST server needs of the store beyond the Backend trait: logins restricted to one
//! account store, reset tokens handed to the caller, per-handle email templates, issued tokens
//! as resources, one-use grant ids, and the application's OAuth policy.

use sqlx::Row;
use stormpath_client::{
    Account, AccountStatus, EmailKind, Error, NewAccount, PasswordStrength, TokenGrant, TokenKind,
    prelude::*,
};
use stormpath_store::{
    Store,
    admin::{ListQuery, OAuthPolicy, Patch},
};

use crate::support::{Outbox, PASSWORD, TestDb, register};

/// The test key's secret for server-style handles (signing with a caller's key).
const CALLER_SECRET: &[u8] = b"the-calling-tenant-key-secret-0123456789";

/// A second application with its own default directory; returns (application id,
/// directory id, an account in it).
async fn second_store(store: &Store, name: &str, email: &str) -> (String, String, Account) {
    let app = store.create_application(name, None, None).await.unwrap();
    let dir = store
        .create_directory(&format!("{name} Directory"), None, None)
        .await
        .unwrap();
    store
        .create_mapping(&app.meta.id, &dir.meta.id, None, None, None)
        .await
        .unwrap();
    let scoped = store
        .for_application(&app.meta.id, "kid", CALLER_SECRET)
        .await
        .unwrap();
    let account = scoped
        .create_account(NewAccount {
            email: email.into(),
            password: PASSWORD.into(),
            ..NewAccount::default()
        })
        .await
        .unwrap();
    (app.meta.id, dir.meta.id, account)
}

async fn a_restricted_handle_searches_one_account_store(db: &TestDb) {
    let store = db.store().await;
    let home = register(&store, "home@example.com").await;
    let app = store.application_id().to_owned();
    let home_dir = store
        .list_mappings(&app)
        .await
        .unwrap()
        .remove(0)
        .directory_id;
    let (_, far_dir, far) = second_store(&store, "Far", "far@example.com").await;
    // Not mapped yet: the application's logins do not reach it.
    let scoped = store
        .for_application(&app, "kid", CALLER_SECRET)
        .await
        .unwrap();
    assert!(
        !store
            .account_reachable(&app, far.id.as_str())
            .await
            .unwrap()
    );
    assert!(matches!(
        scoped.authenticate("far@example.com", PASSWORD).await,
        Err(Error::InvalidCredentials)
    ));
    store
        .create_mapping(&app, &far_dir, None, Some(false), Some(false))
        .await
        .unwrap();
    assert!(
        store
            .account_reachable(&app, far.id.as_str())
            .await
            .unwrap()
    );
    assert_eq!(
        scoped
            .authenticate("far@example.com", PASSWORD)
            .await
            .unwrap()
            .id,
        far.id
    );
    let only_home = scoped.restricted_to(&home_dir);
    assert!(matches!(
        only_home.authenticate("far@example.com", PASSWORD).await,
        Err(Error::InvalidCredentials)
    ));
    assert_eq!(
        only_home
            .authenticate("home@example.com", PASSWORD)
            .await
            .unwrap()
            .id,
        home.id
    );
    assert!(
        only_home
            .account_by_login("far@example.com")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        only_home
            .account_by_email("far@example.com")
            .await
            .unwrap()
            .is_none()
    );
    let only_far = scoped.restricted_to(&far_dir);
    assert_eq!(
        only_far
            .account_by_login("FAR@example.com")
            .await
            .unwrap()
            .unwrap()
            .id,
        far.id
    );
    assert!(scoped.account_by_login("  ").await.unwrap().is_none());
}

async fn a_reset_token_goes_to_the_caller_and_is_kept_as_a_digest(db: &TestDb) {
    let store = db.store().await;
    let account = register(&store, "raw@example.com").await;
    let quiet = store
        .issue_password_reset(&account, 2, false)
        .await
        .unwrap();
    assert!(db.outbox().sent().is_empty(), "no mail was asked for");
    assert_eq!(
        store.check_password_reset(&quiet).await.unwrap().id,
        account.id
    );
    let rows = sqlx::query("SELECT digest, expires_at, created_at FROM one_time_tokens")
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    let digest: String = rows[0].get(0);
    assert_ne!(digest, quiet);
    let (expires, created): (i64, i64) = (rows[0].get(1), rows[0].get(2));
    assert_eq!(
        expires - created,
        2 * 3_600_000,
        "the directory's resetTokenTtl"
    );
    // A mailed one replaces it; the mail carries the very token returned.
    let mailed = store
        .issue_password_reset(&account, 24, true)
        .await
        .unwrap();
    assert_eq!(db.outbox().token_for("raw@example.com"), mailed);
    assert!(matches!(
        store.check_password_reset(&quiet).await,
        Err(Error::NotFound)
    ));
    store
        .complete_password_reset(&mailed, "N3wP4ssw0rd###")
        .await
        .unwrap();
}

async fn a_handle_mails_with_its_own_templates(db: &TestDb) {
    let store = db.store().await;
    let account = store
        .create_account(NewAccount {
            email: "mine@example.com".into(),
            password: PASSWORD.into(),
            status: Some(AccountStatus::Unverified),
            ..NewAccount::default()
        })
        .await
        .unwrap();
    let own = Outbox::default();
    let other = store.with_email_templates(std::sync::Arc::new(own.clone()));
    let before = db.outbox().sent().len();
    other.mail_verification(&account).await.unwrap();
    let token = own.token_for("mine@example.com");
    other
        .mail_notice(&account, EmailKind::PasswordChanged)
        .await
        .unwrap();
    assert_eq!(
        db.outbox().sent().len(),
        before,
        "not the store's templates"
    );
    assert_eq!(
        own.sent(),
        [
            (EmailKind::EmailVerification, "mine@example.com".to_owned()),
            (EmailKind::PasswordChanged, "mine@example.com".to_owned()),
        ]
    );
    assert_eq!(store.verify_email(&token).await.unwrap().id, account.id);
    assert!(
        other
            .mail_notice(&account, EmailKind::PasswordReset)
            .await
            .is_err(),
        "a link needs its flow"
    );
}

async fn issued_tokens_are_listed_revoked_and_remembered(db: &TestDb) {
    let store = db.store().await;
    let account = register(&store, "tokens@example.com").await;
    let app = store.application_id().to_owned();
    let scoped = store
        .for_application(&app, "caller", CALLER_SECRET)
        .await
        .unwrap();
    let first = scoped
        .issue_tokens(&account, TokenGrant::Password)
        .await
        .unwrap();
    scoped
        .issue_tokens(&account, TokenGrant::Password)
        .await
        .unwrap();
    let page = |limit: i64, offset: i64| ListQuery {
        offset,
        limit,
        ..ListQuery::default()
    };
    let id = account.id.as_str();
    let all = store
        .list_token_records(id, TokenKind::Access, None, &page(25, 0))
        .await
        .unwrap();
    assert_eq!(all.size, 2);
    assert_eq!(all.items[0].jwt, first.access_token);
    let second_page = store
        .list_token_records(id, TokenKind::Refresh, Some(&app), &page(1, 1))
        .await
        .unwrap();
    assert_eq!((second_page.size, second_page.items.len()), (2, 1));
    let elsewhere = store
        .list_token_records(id, TokenKind::Access, Some("other"), &page(25, 0))
        .await
        .unwrap();
    assert_eq!(elsewhere.size, 0);

    // Revoking a refresh token: gone, remembered, refused by the store's own refresh.
    let refresh = first.refresh.unwrap().token;
    let refresh_jti = store
        .list_token_records(id, TokenKind::Refresh, None, &page(25, 0))
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|r| r.jwt == refresh)
        .unwrap()
        .jti;
    assert!(!store.token_revoked(&refresh_jti).await.unwrap());
    let revoked = store
        .revoke_token_record(TokenKind::Refresh, &refresh_jti)
        .await
        .unwrap();
    assert_eq!(revoked.kind, TokenKind::Refresh);
    assert!(store.token_revoked(&refresh_jti).await.unwrap());
    assert!(
        store
            .token_record(TokenKind::Refresh, &refresh_jti)
            .await
            .unwrap()
            .is_none()
    );
    assert!(matches!(
        store
            .revoke_token_record(TokenKind::Refresh, &refresh_jti)
            .await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        scoped.refresh_tokens(&refresh).await,
        Err(Error::InvalidToken)
    ));
    // The kinds do not mix.
    let access_jti = all.items[1].jti.clone();
    assert!(
        store
            .token_record(TokenKind::Refresh, &access_jti)
            .await
            .unwrap()
            .is_none()
    );
    // Revoking all of the account's tokens deletes their resources.
    store.revoke_all_tokens(&account.id).await.unwrap();
    for kind in [TokenKind::Access, TokenKind::Refresh] {
        let left = store
            .list_token_records(id, kind, None, &page(25, 0))
            .await
            .unwrap();
        assert_eq!(left.size, 0, "{kind:?}");
    }
}

async fn a_grant_token_id_is_good_once(db: &TestDb) {
    let store = db.store().await;
    let exp = time::OffsetDateTime::now_utc().unix_timestamp() + 60;
    assert!(store.use_token_id("grant:abc", exp).await.unwrap());
    assert!(!store.use_token_id("grant:abc", exp).await.unwrap());
    assert!(store.use_token_id("grant:abd", exp).await.unwrap());
}

async fn an_application_without_refresh_tokens_issues_none(db: &TestDb) {
    let store = db.store().await;
    let account = register(&store, "norefresh@example.com").await;
    let app = store.application_id().to_owned();
    store
        .update_application(
            &app,
            Patch::default(),
            Some(OAuthPolicy {
                access_token_ttl: 600,
                refresh_token_ttl: 0,
            }),
        )
        .await
        .unwrap();
    let scoped = store
        .for_application(&app, "caller", CALLER_SECRET)
        .await
        .unwrap();
    let tokens = scoped
        .issue_tokens(&account, TokenGrant::Password)
        .await
        .unwrap();
    assert!(tokens.refresh.is_none());
    assert_eq!(tokens.expires_in, 600);
}

async fn a_reset_checks_the_accounts_own_directory_policy(db: &TestDb) {
    let store = db.store().await;
    let app = store.application_id().to_owned();
    let (_, far_dir, far) = second_store(&store, "Lenient", "lenient@example.com").await;
    store
        .update_directory(
            &far_dir,
            Patch::default(),
            Some(PasswordStrength {
                min_length: 4,
                max_length: 100,
                min_lower_case: 0,
                min_upper_case: 0,
                min_numeric: 0,
                min_symbol: 0,
                min_diacritic: 0,
            }),
            None,
        )
        .await
        .unwrap();
    store
        .create_mapping(&app, &far_dir, None, Some(false), Some(false))
        .await
        .unwrap();
    // The application's default store wants 8 characters; the account's own wants 4.
    let token = store.issue_password_reset(&far, 24, false).await.unwrap();
    let scoped = store
        .for_application(&app, "caller", CALLER_SECRET)
        .await
        .unwrap();
    scoped
        .complete_password_reset(&token, "qZ7!wXp")
        .await
        .unwrap();
    scoped
        .authenticate("lenient@example.com", "qZ7!wXp")
        .await
        .unwrap();
}

on_both!(
    a_restricted_handle_searches_one_account_store,
    a_reset_token_goes_to_the_caller_and_is_kept_as_a_digest,
    a_handle_mails_with_its_own_templates,
    issued_tokens_are_listed_revoked_and_remembered,
    a_grant_token_id_is_good_once,
    an_application_without_refresh_tokens_issues_none,
    a_reset_checks_the_accounts_own_directory_policy,
);
