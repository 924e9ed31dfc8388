//! `#[groups_required]` decides on the groups an account has now: a member removed from a
//! group while logged in is refused on the next request, with the same session.

use crate::support::*;

#[actix_web::test]
async fn losing_a_group_while_logged_in_is_refused_at_once() {
    let app = TestApp::spawn().await;
    let email = email("lose-group");
    app.login(&email).await;
    let backend = app.sp.backend();
    backend.ensure_group("admins", None).await.unwrap();
    let account = backend.account_by_email(&email).await.unwrap().unwrap();
    backend.add_to_group(&account.id, "admins").await.unwrap();
    assert_eq!(app.get("/admin", JSON).await.status(), 200);

    backend
        .remove_from_group(&account.id, "admins")
        .await
        .unwrap();

    assert_json_error(app.get("/admin", JSON).await, 403, "permission").await;
    assert_eq!(app.get("/admin", HTML).await.status(), 403);
    assert_eq!(
        app.get("/dashboard", JSON).await.status(),
        200,
        "still logged in: only the group is gone"
    );
}
