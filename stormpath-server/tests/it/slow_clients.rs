//! DOS-3: clients that send a request's head slowly (slow loris) or not at all hold no slot
//! for long, and never stop the server from answering others.

use std::{
    io::{Read, Write},
    net::TcpStream,
    time::{Duration, Instant},
};

use crate::support::RestServer;

/// Many connections that never finish their request's head: a normal request is answered
/// meanwhile, and each slow one is closed (408, then EOF) once the head timeout passes.
#[tokio::test(flavor = "multi_thread")]
async fn slow_request_heads_are_cut_off_and_block_no_one() {
    let server = RestServer::start();
    let addr = server
        .base_url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let mut slow: Vec<TcpStream> = (0..64)
        .map(|_| {
            let mut stream = TcpStream::connect(&addr).unwrap();
            stream
                .write_all(b"GET /v1/tenants/current HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                .unwrap();
            stream
        })
        .collect();

    // Another client is served while the slow ones hang.
    let answer = reqwest::Client::new()
        .get(format!("{}/v1/tenants/current", server.base_url))
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .unwrap();
    assert_eq!(
        answer.status(),
        401,
        "answered, not queued behind the slow clients"
    );

    // Each slow connection is ended by the server, not left open (a generous bound: the head
    // timeout is 5 s).
    let deadline = Instant::now() + Duration::from_secs(20);
    for stream in &mut slow {
        let left = deadline.saturating_duration_since(Instant::now());
        stream
            .set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .unwrap();
        let mut reply = Vec::new();
        let ended = stream.read_to_end(&mut reply);
        assert!(
            ended.is_ok(),
            "the server closed the slow connection: {ended:?}"
        );
        let reply = String::from_utf8_lossy(&reply);
        assert!(
            reply.is_empty() || reply.starts_with("HTTP/1.1 408"),
            "{reply}"
        );
    }
}
