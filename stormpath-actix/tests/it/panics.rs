//! LOG-4: a handler that panics behind `stormpath::catch_panics()` answers a generic 500 and
//! the server goes on serving, on the same worker.

use actix_web::{App, HttpResponse, HttpServer, web};

async fn boom() -> HttpResponse {
    panic!("the handler broke (secret: hunter2)")
}

#[actix_web::test]
async fn a_panicking_handler_is_a_generic_500_and_the_next_request_is_served() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = HttpServer::new(|| {
        App::new()
            .wrap(stormpath::catch_panics())
            .wrap(stormpath::security_headers())
            .route("/boom", web::get().to(boom))
            .route("/ok", web::get().to(|| async { "ok" }))
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    let handle = server.handle();
    actix_web::rt::spawn(server);

    // One client, one kept-alive connection: the worker that panicked serves the next call.
    let http = reqwest::Client::new();
    for _ in 0..3 {
        let res = http.get(format!("{base}/boom")).send().await.unwrap();
        assert_eq!(res.status(), 500);
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["status"], 500);
        let message = body["message"].as_str().unwrap();
        assert!(
            !message.contains("hunter2") && !message.contains("broke"),
            "{message}"
        );
        assert_eq!(body.as_object().unwrap().len(), 2, "{body}");

        let res = http.get(format!("{base}/ok")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.text().await.unwrap(), "ok");
    }
    handle.stop(true).await;
}
