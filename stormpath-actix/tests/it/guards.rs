//! `#[groups_required]` (403 for the wrong groups).

use crate::support::*;

async fn join(app: &TestApp, email: &str, group: &str) {
    let backend = app.sp.backend();
    backend.ensure_group(group, None).await.unwrap();
    let account = backend.account_by_email(email).await.unwrap().unwrap();
    backend.add_to_group(&account.id, group).await.unwrap();
}

#[actix_web::test]
async fn the_wrong_groups_get_403_in_json_and_html() {
    let app = TestApp::spawn().await;
    let email = email("nogroup");
    app.login(&email).await;
    assert_json_error(app.get("/admin", JSON).await, 403, "permission").await;
    let res = app.get("/admin", HTML).await;
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("Access Denied"));
    join(&app, &email, "admins").await;
    assert_eq!(
        app.get("/admin", JSON).await.text().await.unwrap(),
        format!("admin {email}")
    );
}

#[actix_web::test]
async fn any_group_by_default_all_groups_when_asked() {
    let app = TestApp::spawn().await;
    let email = email("editor");
    app.login(&email).await;
    join(&app, &email, "editors").await;
    assert_eq!(app.get("/staff", JSON).await.status(), 200);
    assert_eq!(app.get("/both", JSON).await.status(), 403);
    join(&app, &email, "admins").await;
    assert_eq!(app.get("/both", JSON).await.status(), 200);
}

#[actix_web::test]
async fn groups_required_still_requires_login_first() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/admin", JSON).await.status(), 401);
    assert_eq!(
        app.get("/admin", HTML).await.headers()["location"],
        "/login?next=%2Fadmin"
    );
}
