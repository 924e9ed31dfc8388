//! Password reset (rest-api.md §6.6), email verification (§6.7) and the directory's email
//! templates (§5.4), with the mails read from the server's drop directory.

use serde_json::json;
use stormpath_client::AccountStatus;

use crate::auth_support::{
    PASSWORD, account, account_in, basic_value, directory_of, id_of, mails_with, other_app,
    post_form, sptoken,
};
use crate::support::{Api, Reply};

async fn login(api: &Api, login: &str, password: &str) -> Reply {
    api.post(
        &format!("{}/loginAttempts", api.app()),
        json!({ "type": "basic", "value": basic_value(login, password) }),
    )
    .await
}

async fn reset_end_to_end(api: &Api) {
    let acct = account(api, "reset@example.com").await;
    let r = api
        .post(
            &format!("{}/passwordResetTokens", api.app()),
            json!({ "email": "Reset@Example.com" }),
        )
        .await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    let href = r.href();
    assert!(href.starts_with(&format!("{}/passwordResetTokens/", api.app())));
    let token = id_of(&href).to_owned();
    assert!(token.len() >= 40, "{token}");
    assert_eq!(r.body["email"], "reset@example.com");
    assert_eq!(r.body["account"], json!({ "href": acct.href }));
    // The mail carries the same token in a link to the default page.
    let mails = mails_with(api, "reset@example.com");
    assert_eq!(mails.len(), 1);
    assert!(
        mails[0].contains(&format!("http://localhost:3000/change?sptoken={token}")),
        "{}",
        mails[0]
    );
    assert_eq!(sptoken(&mails[0]), token);

    // Checked without being used up, as often as wanted; the account expands.
    for _ in 0..2 {
        let g = api.get(&href).await;
        assert_eq!(g.status, 200, "{:#}", g.body);
        assert_eq!(g.body["href"], href.as_str());
        assert_eq!(g.body["email"], "reset@example.com");
    }
    let g = api.get(&format!("{href}?expand=account")).await;
    assert_eq!(g.body["account"]["email"], "reset@example.com");

    // The policy first; the token survives a refused password.
    let short = api.post(&href, json!({ "password": "short" })).await;
    short.assert_error(400, 2007);
    // The spec's wording, as on account create and update (express shows `message`).
    assert_eq!(
        short.body["message"],
        "Account password minimum length not satisfied."
    );
    assert_eq!(api.get(&href).await.status, 200);
    // express posts the whole token back with the password.
    let mut whole = g.body.clone();
    whole["password"] = json!("Renewed-Passw0rd");
    let used = api.post(&format!("{href}?expand=account"), whole).await;
    assert_eq!(used.status, 200, "{:#}", used.body);
    assert_eq!(used.body["href"], href.as_str());
    assert_eq!(used.body["email"], "reset@example.com");
    assert_eq!(used.body["account"]["href"], acct.href.as_str());
    assert_eq!(used.body["account"]["status"], "ENABLED");
    // The token is gone; the new password works, the old one does not.
    api.get(&href).await.assert_error(404, 404);
    api.post(&href, json!({ "password": "Another-Passw0rd" }))
        .await
        .assert_error(404, 404);
    assert_eq!(
        login(api, "reset@example.com", "Renewed-Passw0rd")
            .await
            .status,
        200
    );
    login(api, "reset@example.com", PASSWORD)
        .await
        .assert_error(400, 7100);
    // The success notice went out (resetSuccessEmailStatus is ENABLED by default).
    let notices = mails_with(api, "Your password was changed");
    assert_eq!(notices.len(), 1);
}

#[tokio::test]
async fn a_password_reset_from_token_to_new_password() {
    reset_end_to_end(&Api::start()).await;
}

#[tokio::test]
async fn postgres_a_password_reset_from_token_to_new_password() {
    if let Some(api) = Api::start_postgres().await {
        reset_end_to_end(&api).await;
    }
}

#[tokio::test]
async fn a_reset_revokes_the_accounts_tokens() {
    let api = Api::start();
    account(&api, "tokens@example.com").await;
    let grant = post_form(
        &api,
        &format!("{}/oauth/token", api.app()),
        &[
            ("grant_type", "password"),
            ("username", "tokens@example.com"),
            ("password", PASSWORD),
        ],
    )
    .await;
    let access = grant.body["access_token"].as_str().unwrap().to_owned();
    let check = format!("{}/authTokens/{access}", api.app());
    assert_eq!(api.get(&check).await.status, 302);
    let r = api
        .post(
            &format!("{}/passwordResetTokens", api.app()),
            json!({ "email": "tokens@example.com" }),
        )
        .await;
    let used = api
        .post(&r.href(), json!({ "password": "Renewed-Passw0rd" }))
        .await;
    assert_eq!(used.status, 200, "{:#}", used.body);
    api.get(&check).await.assert_error(400, 10013);
}

#[tokio::test]
async fn reset_requests_that_match_no_account_are_2016() {
    let api = Api::start();
    let path = format!("{}/passwordResetTokens", api.app());
    let r = api
        .post(&path, json!({ "email": "ghost@example.com" }))
        .await;
    r.assert_error(400, 2016);
    assert_eq!(
        r.body["message"],
        "The email property value 'ghost@example.com' does not match a known resource."
    );
    api.post(&path, json!({})).await.assert_error(400, 2000);
    api.post(&path, json!({ "email": "  " }))
        .await
        .assert_error(400, 2000);
    api.post(&path, json!({ "email": 5 }))
        .await
        .assert_error(400, 2004);
    // An account the application cannot reach; a store that is not mapped.
    let other = other_app(&api, "Other").await;
    account_in(
        &api,
        &other,
        "far@example.com",
        None,
        AccountStatus::Enabled,
    )
    .await;
    api.post(&path, json!({ "email": "far@example.com" }))
        .await
        .assert_error(400, 2016);
    let elsewhere = directory_of(&api, &other).await;
    api.post(
        &path,
        json!({ "email": "far@example.com", "accountStore": { "href": elsewhere } }),
    )
    .await
    .assert_error(400, 5114);
    // Unknown and malformed tokens; a token presented to another application.
    api.get(&format!("{path}/nOpE"))
        .await
        .assert_error(404, 404);
    api.post(
        &format!("{path}/nOpE"),
        json!({ "password": "Renewed-Passw0rd" }),
    )
    .await
    .assert_error(404, 404);
    let mine = account(&api, "mine@example.com").await;
    let r = api.post(&path, json!({ "email": mine.email })).await;
    let token = id_of(&r.href()).to_owned();
    api.get(&format!("{other}/passwordResetTokens/{token}"))
        .await
        .assert_error(404, 404);
    // A missing password, once the token is known good.
    api.post(&r.href(), json!({})).await.assert_error(400, 2000);
    api.post(&r.href(), json!({ "password": 12 }))
        .await
        .assert_error(400, 2004);
    assert_eq!(api.get(&r.href()).await.status, 200);
}

#[tokio::test]
async fn the_directory_decides_whether_and_where_reset_links_are_mailed() {
    let api = Api::start();
    account(&api, "links@example.com").await;
    let dir = directory_of(&api, &api.app()).await;
    let policy = api.get(&format!("{dir}?expand=passwordPolicy")).await;
    let policy = &policy.body["passwordPolicy"];
    let templates = api
        .get(policy["resetEmailTemplates"]["href"].as_str().unwrap())
        .await;
    assert_eq!(templates.status, 200, "{:#}", templates.body);
    assert_eq!(templates.body["size"], 1);
    let template = &templates.body["items"][0];
    assert_eq!(
        template["defaultModel"]["linkBaseUrl"],
        "http://localhost:3000/change"
    );
    assert!(template["textBody"].as_str().unwrap().contains("$!{url}"));
    assert_eq!(template["fromEmailAddress"], "no-reply@localhost");
    let template_href = template["href"].as_str().unwrap().to_owned();
    assert!(template_href.contains("/emailTemplates/"));

    // A link base URL of the application's own.
    let mut changed = template.clone();
    changed["defaultModel"]["linkBaseUrl"] = json!("https://app.example.com/reset?lang=en");
    let r = api.post(&template_href, changed).await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    assert_eq!(
        api.get(&template_href).await.body["defaultModel"]["linkBaseUrl"],
        "https://app.example.com/reset?lang=en"
    );
    let path = format!("{}/passwordResetTokens", api.app());
    let r = api
        .post(&path, json!({ "email": "links@example.com" }))
        .await;
    let token = id_of(&r.href()).to_owned();
    let mail = mails_with(&api, &token);
    assert_eq!(mail.len(), 1);
    assert!(
        mail[0].contains(&format!(
            "https://app.example.com/reset?lang=en&amp;sptoken={token}"
        )) || mail[0].contains(&format!(
            "https://app.example.com/reset?lang=en&sptoken={token}"
        ))
    );

    for bad in [
        json!("ftp://x"),
        json!("not a url"),
        json!(5),
        json!("https://"),
    ] {
        api.post(
            &template_href,
            json!({ "defaultModel": { "linkBaseUrl": bad } }),
        )
        .await
        .assert_error(400, 2002);
    }
    api.post(&template_href, json!({ "defaultModel": 7 }))
        .await
        .assert_error(400, 2002);
    let r = api
        .post(
            &template_href,
            json!({ "defaultModel": { "linkBaseUrl": null } }),
        )
        .await;
    assert_eq!(
        r.body["defaultModel"]["linkBaseUrl"],
        "http://localhost:3000/change"
    );
    api.get(&format!("{}/emailTemplates/nOpEX", api.server.api()))
        .await
        .assert_error(404, 404);
    api.get(&format!("{}/emailTemplates/nOpER", api.server.api()))
        .await
        .assert_error(404, 404);

    // With reset mails disabled the token is still issued, and nothing is sent.
    let policy_href = policy["href"].as_str().unwrap();
    api.post(policy_href, json!({ "resetEmailStatus": "DISABLED" }))
        .await;
    let before = api.server.mails().len();
    let r = api
        .post(&path, json!({ "email": "links@example.com" }))
        .await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    assert_eq!(api.server.mails().len(), before);
    assert_eq!(api.get(&r.href()).await.status, 200);
}

#[tokio::test]
async fn email_verification_resend_and_verify() {
    let api = Api::start();
    let dir = directory_of(&api, &api.app()).await;
    let path = format!("{}/verificationEmails", api.app());
    account_in(
        &api,
        &api.app(),
        "verify@example.com",
        Some("verifier"),
        AccountStatus::Unverified,
    )
    .await;
    // The directory's workflow is off by default.
    api.post(&path, json!({ "login": "verify@example.com" }))
        .await
        .assert_error(400, 6101);
    let policy = format!(
        "{}/accountCreationPolicies/{}",
        api.server.api(),
        id_of(&dir)
    );
    let r = api
        .post(&policy, json!({ "verificationEmailStatus": "ENABLED" }))
        .await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    let templates = api
        .get(
            r.body["verificationEmailTemplates"]["href"]
                .as_str()
                .unwrap(),
        )
        .await;
    assert_eq!(
        templates.body["items"][0]["defaultModel"]["linkBaseUrl"],
        "http://localhost:3000/verify"
    );
    let before = mails_with(&api, "localhost:3000/verify").len();
    let r = api.post(&path, json!({ "login": "verifier" })).await;
    assert_eq!(r.status, 202, "{:#}", r.body);
    let mails = mails_with(&api, "localhost:3000/verify");
    assert_eq!(mails.len(), before + 1);
    let token = sptoken(mails.last().unwrap());
    // Body-less, no Content-Type.
    let verify = |token: String| {
        let api = &api;
        async move {
            let r = api
                .http
                .post(api.url(&format!("/accounts/emailVerificationTokens/{token}")))
                .basic_auth(&api.server.key_id, Some(&api.server.key_secret))
                .send()
                .await
                .unwrap();
            Api::reply(r).await
        }
    };
    let r = verify(token.clone()).await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    let href = r.body["href"].as_str().unwrap().to_owned();
    assert_eq!(r.body, json!({ "href": href }));
    let acct = api.get(&href).await;
    if acct.status == 200 {
        assert_eq!(acct.body["status"], "ENABLED");
        assert_eq!(acct.body["emailVerificationStatus"], "VERIFIED");
    }
    assert_eq!(
        login(&api, "verify@example.com", PASSWORD).await.status,
        200
    );
    verify(token).await.assert_error(404, 404);
    verify("nOpE".into()).await.assert_error(404, 404);
    // A verified account gets no new link; unknown logins are 2016.
    let before = api.server.mails().len();
    assert_eq!(
        api.post(&path, json!({ "login": "verify@example.com" }))
            .await
            .status,
        202
    );
    assert_eq!(api.server.mails().len(), before);
    let r = api
        .post(&path, json!({ "login": "ghost@example.com" }))
        .await;
    r.assert_error(400, 2016);
    assert_eq!(
        r.body["message"],
        "The login property value 'ghost@example.com' does not match a known resource."
    );
    api.post(&path, json!({})).await.assert_error(400, 2000);
    api.post(
        &path,
        json!({ "login": "verify@example.com", "accountStore": { "href": "x" } }),
    )
    .await
    .assert_error(400, 5114);
}

#[tokio::test]
async fn welcome_and_verified_notices_follow_the_directorys_policy() {
    let api = Api::start();
    let dir = directory_of(&api, &api.app()).await;
    let policy = format!(
        "{}/accountCreationPolicies/{}",
        api.server.api(),
        id_of(&dir)
    );
    // Off by default: no welcome.
    let plain = json!({"email": "quiet@example.com", "password": PASSWORD, "givenName": "Q", "surname": "Q"});
    assert_eq!(
        api.post(&format!("{}/accounts", api.app()), plain)
            .await
            .status,
        201
    );
    assert!(mails_with(&api, "Welcome").is_empty());
    // Welcome on, no verification: at once.
    let r = api
        .post(&policy, json!({"welcomeEmailStatus": "ENABLED"}))
        .await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    let body = json!({"email": "hello@example.com", "password": PASSWORD, "givenName": "Hel", "surname": "Lo"});
    assert_eq!(
        api.post(&format!("{}/accounts", api.app()), body)
            .await
            .status,
        201
    );
    let welcomes = mails_with(&api, "Subject: Welcome");
    assert_eq!(welcomes.len(), 1);
    assert!(welcomes[0].contains("hello@example.com") && welcomes[0].contains("Hello Hel"));
    // With verification: the welcome waits for the verified address, which gets its own notice.
    let r = api
        .post(
            &policy,
            json!({"verificationEmailStatus": "ENABLED", "verificationSuccessEmailStatus": "ENABLED"}),
        )
        .await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    let body = json!({"email": "later@example.com", "password": PASSWORD, "givenName": "La", "surname": "Ter"});
    let created = api.post(&format!("{}/accounts", api.app()), body).await;
    assert_eq!(created.body["status"], "UNVERIFIED");
    assert_eq!(mails_with(&api, "Subject: Welcome").len(), 1);
    let link = mails_with(&api, "later@example.com")
        .into_iter()
        .find(|m| m.contains("sptoken="))
        .unwrap();
    // The unverified account shows the token's link (spec §5.5); the mailed link carries it.
    let shown = api.get(&created.href()).await;
    assert_eq!(
        shown.body["emailVerificationToken"]["href"],
        api.url(&format!(
            "/accounts/emailVerificationTokens/{}",
            sptoken(&link)
        ))
    );
    let r = api
        .http
        .post(api.url(&format!(
            "/accounts/emailVerificationTokens/{}",
            sptoken(&link)
        )))
        .basic_auth(&api.server.key_id, Some(&api.server.key_secret))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        mails_with(&api, "Subject: Your email address is verified").len(),
        1
    );
    let shown = api.get(&created.href()).await;
    assert!(shown.body["emailVerificationToken"].is_null());
    assert_eq!(shown.body["status"], "ENABLED");
    let welcomes = mails_with(&api, "Subject: Welcome");
    assert_eq!(welcomes.len(), 2);
    assert!(welcomes.iter().any(|m| m.contains("later@example.com")));
}
