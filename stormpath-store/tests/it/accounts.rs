//! Registration: uniqueness, validation, what is stored and how an account serializes.

use sqlx::Row;
use stormpath_client::{AccountId, AccountUpdate, Error, NewAccount, prelude::*};
use tokio::task::JoinSet;

use crate::support::{PASSWORD, TestDb, accounts_with_email_key, new_account, register};

on_both!(
    registers_and_authenticates_by_email_and_by_username,
    email_is_unique_ignoring_case_and_width_and_login_ignores_case,
    taken_username_is_a_conflict_on_username,
    concurrent_registrations_of_one_email_create_exactly_one_account,
    weak_password_is_rejected_with_the_policy_message_and_writes_no_row,
    malformed_email_is_rejected,
    names_with_control_characters_are_rejected,
    sql_and_html_metacharacters_in_names_are_stored_verbatim,
    timestamps_are_set_and_account_json_has_exactly_the_spec_keys,
    unknown_accounts_are_none_or_not_found,
);

async fn registers_and_authenticates_by_email_and_by_username(db: &TestDb) {
    let store = db.store().await;
    let account = store
        .create_account(NewAccount {
            username: Some("ada_l".into()),
            given_name: Some("Ada".into()),
            surname: Some("Lovelace".into()),
            ..new_account("ada@example.com")
        })
        .await
        .unwrap();
    assert_eq!(account.email, "ada@example.com");
    assert_eq!(account.username, "ada_l");
    assert_eq!(account.full_name, "Ada Lovelace");
    assert!(account.href.ends_with(&format!("/accounts/{}", account.id)));

    let by_email = store
        .authenticate("ada@example.com", PASSWORD)
        .await
        .unwrap();
    assert_eq!(by_email.href, account.href);
    let by_username = store.authenticate("ada_l", PASSWORD).await.unwrap();
    assert_eq!(by_username.href, account.href);
    let by_upper_username = store.authenticate("ADA_L", PASSWORD).await.unwrap();
    assert_eq!(by_upper_username.href, account.href);

    // Without a username, the email is the username.
    let bob = register(&store, "bob@example.com").await;
    assert_eq!(bob.username, "bob@example.com");
    assert_eq!(
        store.account(&bob.id).await.unwrap().unwrap().href,
        bob.href
    );
}

async fn email_is_unique_ignoring_case_and_width_and_login_ignores_case(db: &TestDb) {
    let store = db.store().await;
    let alice = register(&store, "Alice@Example.COM").await;
    assert_eq!(alice.email, "Alice@Example.COM", "kept as typed");

    let err = store
        .create_account(new_account("alice@example.com"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Conflict { field: "email", .. }),
        "{err:?}"
    );
    assert_eq!(err.status(), 409);

    // Fullwidth letters are the same address in NFKC.
    let err = store
        .create_account(new_account("ａｌｉｃｅ@example.com"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Conflict { field: "email", .. }),
        "{err:?}"
    );
    assert_eq!(
        accounts_with_email_key(&store, "alice@example.com").await,
        1
    );

    for login in [
        "alice@example.com",
        "ALICE@EXAMPLE.COM",
        "Alice@Example.COM",
        "ａｌｉｃｅ@example.com",
    ] {
        let found = store.authenticate(login, PASSWORD).await;
        assert_eq!(found.unwrap().href, alice.href, "login {login}");
    }
    let by_email = store.account_by_email("ALICE@example.com").await.unwrap();
    assert_eq!(by_email.unwrap().href, alice.href);
}

async fn taken_username_is_a_conflict_on_username(db: &TestDb) {
    let store = db.store().await;
    store
        .create_account(NewAccount {
            username: Some("grace".into()),
            ..new_account("grace@example.com")
        })
        .await
        .unwrap();
    let err = store
        .create_account(NewAccount {
            username: Some("Grace".into()),
            ..new_account("another@example.com")
        })
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Conflict {
                field: "username",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.status(), 409);
}

async fn concurrent_registrations_of_one_email_create_exactly_one_account(db: &TestDb) {
    let store = db.store().await;
    let mut tasks = JoinSet::new();
    for _ in 0..8 {
        let store = store.clone();
        tasks.spawn(async move { store.create_account(new_account("race@example.com")).await });
    }
    let (mut created, mut conflicts) = (0, 0);
    while let Some(outcome) = tasks.join_next().await {
        match outcome.unwrap() {
            Ok(_) => created += 1,
            Err(Error::Conflict { field: "email", .. }) => conflicts += 1,
            Err(other) => panic!("unexpected outcome of a racing registration: {other:?}"),
        }
    }
    assert_eq!((created, conflicts), (1, 7));
    assert_eq!(accounts_with_email_key(&store, "race@example.com").await, 1);
}

async fn weak_password_is_rejected_with_the_policy_message_and_writes_no_row(db: &TestDb) {
    let store = db.store().await;
    for (password, message) in [
        ("Short1", "Password requires at least 8 characters."),
        (
            "alllower1",
            "Password requires at least 1 uppercase character.",
        ),
        (
            "ALLUPPER1",
            "Password requires at least 1 lowercase character.",
        ),
        (
            "NoDigitsHere",
            "Password requires at least 1 numeric character.",
        ),
    ] {
        let err = store
            .create_account(NewAccount {
                password: password.into(),
                ..new_account("weak@example.com")
            })
            .await
            .unwrap_err();
        match err {
            Error::Validation(invalid) => {
                assert_eq!(invalid.message, message);
                assert_eq!(invalid.field.as_deref(), Some("password"));
            }
            other => panic!("{password}: expected a validation error, got {other:?}"),
        }
    }
    assert_eq!(accounts_with_email_key(&store, "weak@example.com").await, 0);
}

async fn malformed_email_is_rejected(db: &TestDb) {
    let store = db.store().await;
    for email in [
        "",
        "not-an-email",
        "@example.com",
        "a@",
        "a b@example.com",
        "a@example.com\r\nBcc: x@y.z",
    ] {
        let err = store.create_account(new_account(email)).await.unwrap_err();
        assert_eq!(err.field(), Some("email"), "{email:?}: {err:?}");
        assert!(matches!(err, Error::Validation(_)), "{email:?}: {err:?}");
    }
    let rows: i64 = sqlx::query("SELECT COUNT(*) FROM accounts")
        .fetch_one(store.pool())
        .await
        .unwrap()
        .get(0);
    assert_eq!(rows, 0);
}

async fn names_with_control_characters_are_rejected(db: &TestDb) {
    let store = db.store().await;
    let cases = [
        NewAccount {
            given_name: Some("Ada\u{7}".into()),
            ..new_account("c1@example.com")
        },
        NewAccount {
            surname: Some("Love\nlace".into()),
            ..new_account("c2@example.com")
        },
        NewAccount {
            middle_name: Some("\u{1b}[31m".into()),
            ..new_account("c3@example.com")
        },
        NewAccount {
            username: Some("ada\u{0}".into()),
            ..new_account("c4@example.com")
        },
    ];
    for new in cases {
        let email = new.email.clone();
        let err = store.create_account(new).await.unwrap_err();
        match err {
            Error::Validation(invalid) => {
                assert!(
                    invalid
                        .message
                        .ends_with("must not contain control characters."),
                    "{email}: {invalid}"
                );
                assert!(invalid.field.is_some(), "{email}: names the field");
            }
            other => panic!("{email}: expected a validation error, got {other:?}"),
        }
        assert_eq!(accounts_with_email_key(&store, &email).await, 0);
    }
}

async fn sql_and_html_metacharacters_in_names_are_stored_verbatim(db: &TestDb) {
    let store = db.store().await;
    let given = "Robert'); DROP TABLE accounts;--";
    let surname = "<script>alert(\"x\")</script> & O'Brien";
    let username = "bobby\"tables'; --";
    let account = store
        .create_account(NewAccount {
            given_name: Some(given.into()),
            surname: Some(surname.into()),
            username: Some(username.into()),
            ..new_account("bobby@example.com")
        })
        .await
        .unwrap();
    assert_eq!(account.given_name.as_deref(), Some(given));
    assert_eq!(account.surname.as_deref(), Some(surname));
    assert_eq!(account.full_name, format!("{given} {surname}"));

    let row = sqlx::query("SELECT given_name, surname, username FROM accounts WHERE id = $1")
        .bind(account.id.as_str())
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(row.get::<String, _>(0), given);
    assert_eq!(row.get::<String, _>(1), surname);
    assert_eq!(row.get::<String, _>(2), username);
    // The table is still there, and the username works as a login.
    assert_eq!(
        accounts_with_email_key(&store, "bobby@example.com").await,
        1
    );
    let found = store.authenticate(username, PASSWORD).await.unwrap();
    assert_eq!(found.href, account.href);
}

async fn timestamps_are_set_and_account_json_has_exactly_the_spec_keys(db: &TestDb) {
    let store = db.store().await;
    let before = time::OffsetDateTime::now_utc() - time::Duration::seconds(1);
    let account = register(&store, "json@example.com").await;
    let after = time::OffsetDateTime::now_utc() + time::Duration::seconds(1);
    assert!(before <= account.created_at && account.created_at <= after);
    assert_eq!(account.created_at, account.modified_at);
    let pw_at = account
        .password_modified_at
        .expect("passwordModifiedAt set");
    assert_eq!(pw_at, account.created_at);

    let json = serde_json::to_value(&account).unwrap();
    let object = json
        .as_object()
        .expect("an account serializes as an object");
    let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
    keys.sort_unstable();
    let mut required = vec![
        "href",
        "username",
        "email",
        "givenName",
        "middleName",
        "surname",
        "fullName",
        "status",
        "createdAt",
        "modifiedAt",
    ];
    let optional = ["emailVerificationStatus", "passwordModifiedAt"];
    for key in &keys {
        assert!(
            required.contains(key) || optional.contains(key),
            "unexpected key {key}"
        );
    }
    required.retain(|key| !keys.contains(key));
    assert!(required.is_empty(), "missing keys {required:?}");
    assert_eq!(json["status"], "ENABLED");
    assert_eq!(json["href"], account.href.as_str());

    for key in ["createdAt", "modifiedAt", "passwordModifiedAt"] {
        let text = json[key].as_str().unwrap_or_default();
        assert!(is_stormpath_timestamp(text), "{key} = {text:?}");
    }

    // A change moves modifiedAt, never createdAt.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let mut update = AccountUpdate::default();
    update.given_name = Some(Some("Jay".into()));
    let updated = store.update_account(&account.id, update).await.unwrap();
    assert_eq!(updated.created_at, account.created_at);
    assert!(updated.modified_at > account.modified_at);
    assert_eq!(updated.given_name.as_deref(), Some("Jay"));
}

async fn unknown_accounts_are_none_or_not_found(db: &TestDb) {
    let store = db.store().await;
    let ghost = AccountId("NoSuchAccount000000000".into());
    assert!(store.account(&ghost).await.unwrap().is_none());
    let by_email = store.account_by_email("ghost@example.com").await.unwrap();
    assert!(by_email.is_none());
    let err = store
        .update_account(&ghost, AccountUpdate::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound), "{err:?}");
}

/// `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`, without a regex engine.
fn is_stormpath_timestamp(text: &str) -> bool {
    const SHAPE: &[u8] = b"dddd-dd-ddTdd:dd:dd.dddZ";
    text.len() == SHAPE.len()
        && text.bytes().zip(SHAPE).all(|(c, &s)| match s {
            b'd' => c.is_ascii_digit(),
            literal => c == literal,
        })
}

#[test]
fn timestamp_shape_check_accepts_only_the_stormpath_form() {
    assert!(is_stormpath_timestamp("2016-01-26T20:50:03.931Z"));
    for bad in [
        "2016-01-26T20:50:03Z",
        "2016-01-26T20:50:03.931+00:00",
        "2016-01-26 20:50:03.931Z",
        "2016-01-26T20:50:03.9310Z",
        "",
    ] {
        assert!(!is_stormpath_timestamp(bad), "{bad}");
    }
}

/// A login names an account by email or username, so a username may not be another account's
/// email, nor an email another account's username.
async fn usernames_and_emails_do_not_shadow_each_other(db: &TestDb) {
    let store = db.store().await;
    let new = |email: &str, username: Option<&str>| NewAccount {
        email: email.into(),
        username: username.map(Into::into),
        password: "Sup3rSecret!".into(),
        ..NewAccount::default()
    };
    store
        .create_account(new("a@example.com", Some("bob@example.com")))
        .await
        .unwrap();
    let err = store
        .create_account(new("bob@example.com", None))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Conflict { field: "email", .. }),
        "{err:?}"
    );
    let err = store
        .create_account(new("c@example.com", Some("A@example.com")))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Conflict {
                field: "username",
                ..
            }
        ),
        "{err:?}"
    );
    store
        .create_account(new("d@example.com", Some("dee")))
        .await
        .unwrap();
    assert_eq!(
        store
            .authenticate("dee", "Sup3rSecret!")
            .await
            .unwrap()
            .email,
        "d@example.com"
    );
}

on_both!(usernames_and_emails_do_not_shadow_each_other);
