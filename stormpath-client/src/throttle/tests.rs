use std::{
    net::IpAddr,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use super::*;

/// A throttle over local counters whose clock the test moves.
fn throttle(limits: Limits) -> (Throttle, Arc<AtomicU64>) {
    let now = Arc::new(AtomicU64::new(1_000_000_000));
    let clock = Arc::clone(&now);
    let counters = LocalCounters::with_clock(Arc::new(move || clock.load(Ordering::SeqCst)));
    (Throttle::new(Arc::new(counters), limits), now)
}

fn advance(now: &AtomicU64, by: Duration) {
    now.fetch_add(u64::try_from(by.as_millis()).unwrap_or(0), Ordering::SeqCst);
}

fn client(ip: &str) -> Client {
    Client::from_ip(ip.parse::<IpAddr>().expect("ip"))
}

fn retry_after(result: Result<()>) -> u64 {
    match result {
        Err(Error::Throttled { retry_after }) => retry_after,
        other => panic!("expected a 429, got {other:?}"),
    }
}

#[tokio::test]
async fn a_burst_of_failures_then_one_try_per_interval_and_full_decay() {
    let (t, now) = throttle(Limits::default());
    let me = client("192.0.2.1");
    for _ in 0..10 {
        t.before_login("alice", &me).await.expect("free failure");
        t.login_failed("alice", &me).await.expect("count");
    }
    // 10 per 15 minutes: the next try in 90 s, never more.
    assert_eq!(retry_after(t.before_login("alice", &me).await), 90);
    // Refused attempts are not counted: hammering does not prolong the wait.
    for _ in 0..50 {
        let _ = t.before_login("alice", &me).await;
    }
    advance(&now, Duration::from_secs(89));
    assert_eq!(retry_after(t.before_login("alice", &me).await), 1);
    advance(&now, Duration::from_secs(1));
    t.before_login("alice", &me).await.expect("one more try");
    t.login_failed("alice", &me).await.expect("count");
    assert_eq!(retry_after(t.before_login("alice", &me).await), 90);
    // After the whole window the bucket is empty: ten free tries again.
    advance(&now, Duration::from_secs(15 * 60));
    for _ in 0..10 {
        t.before_login("alice", &me).await.expect("decayed");
        t.login_failed("alice", &me).await.expect("count");
    }
}

#[tokio::test]
async fn unknown_and_existing_logins_are_throttled_alike() {
    // The throttle never looks an account up: an unknown login is a login like any other.
    let (t, _) = throttle(Limits::default());
    let me = client("192.0.2.1");
    for login in ["exists@example.com", "nobody@example.com"] {
        for _ in 0..10 {
            t.login_failed(login, &me).await.expect("count");
        }
        assert_eq!(retry_after(t.before_login(login, &me).await), 90);
    }
}

#[tokio::test]
async fn a_login_counts_under_its_canonical_form() {
    // As accounts are looked up: case and width variants are one login.
    let (t, _) = throttle(Limits::default());
    let me = client("192.0.2.1");
    for _ in 0..10 {
        t.login_failed(" Alice@Example.COM", &me)
            .await
            .expect("count");
    }
    assert_eq!(
        retry_after(t.before_login("alice@example.com", &me).await),
        90
    );
    assert_eq!(
        retry_after(t.before_login("ａｌｉｃｅ@example.com", &me).await),
        90
    );
}

#[tokio::test]
async fn an_attacker_elsewhere_cannot_lock_the_owner_out() {
    let (t, _) = throttle(Limits::default());
    let owner = client("198.51.100.7");
    t.before_login("bob", &owner).await.expect("first login");
    t.login_succeeded("bob", &owner).await.expect("remember");
    // 100 failures from 20 addresses fill the per-account bucket.
    for i in 0..100 {
        let attacker = client(&format!("203.0.113.{}", i % 20));
        t.login_failed("bob", &attacker).await.expect("count");
    }
    let stranger = client("203.0.113.200");
    assert_eq!(
        retry_after(t.before_login("bob", &stranger).await),
        36,
        "100 per hour: one more try every 36 s"
    );
    t.before_login("bob", &owner)
        .await
        .expect("the remembered owner is not held back by the per-account bucket");
}

#[tokio::test]
async fn a_completed_reset_lets_the_owner_in_from_a_new_address() {
    let (t, _) = throttle(Limits::default());
    for i in 0..100 {
        t.login_failed("carol", &client(&format!("203.0.113.{}", i % 50)))
            .await
            .expect("count");
    }
    let owner = client("198.51.100.9");
    assert!(t.before_login("carol", &owner).await.is_err());
    t.password_reset(&["carol"], Some(&owner))
        .await
        .expect("reset");
    t.before_login("carol", &owner)
        .await
        .expect("after the reset");
}

#[tokio::test]
async fn a_spray_from_one_address_meets_the_per_ip_limit() {
    let (t, _) = throttle(Limits::default());
    let sprayer = client("203.0.113.66");
    for i in 0..300 {
        let login = format!("user{i}");
        t.before_login(&login, &sprayer)
            .await
            .expect("within the limit");
        t.login_failed(&login, &sprayer).await.expect("count");
    }
    // 300 per 15 minutes: one every 3 s, whatever the login.
    assert_eq!(retry_after(t.before_login("user-new", &sprayer).await), 3);
    t.before_login("user-new", &client("203.0.113.67"))
        .await
        .expect("another address is not affected");
}

#[tokio::test]
async fn ipv6_clients_are_bucketed_by_their_64() {
    assert_eq!(
        client("2001:db8:1:2:aaaa::1"),
        client("2001:db8:1:2:bbbb:cccc:dddd:eeee")
    );
    assert_ne!(client("2001:db8:1:2::1"), client("2001:db8:1:3::1"));
    assert_eq!(client("::ffff:192.0.2.1"), client("192.0.2.1"));
    let limits = Limits {
        login_per_client: Rule::new(2, Duration::from_secs(60)),
        ..Limits::default()
    };
    let (t, _) = throttle(limits);
    t.login_failed("dave", &client("2001:db8::1"))
        .await
        .expect("count");
    t.login_failed("dave", &client("2001:db8::2"))
        .await
        .expect("count");
    assert!(
        t.before_login("dave", &client("2001:db8::3"))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn actions_take_until_the_limit_and_rules_can_be_off() {
    let limits = Limits {
        register_per_ip: Rule::new(3, Duration::from_secs(30)),
        api_keys_per_account: Rule::off(),
        ..Limits::default()
    };
    let (t, now) = throttle(limits);
    let me = client("192.0.2.5");
    for _ in 0..3 {
        t.take(Action::Register, &me, None).await.expect("allowed");
    }
    assert_eq!(retry_after(t.take(Action::Register, &me, None).await), 10);
    advance(&now, Duration::from_secs(10));
    t.take(Action::Register, &me, None)
        .await
        .expect("leaked one");
    for _ in 0..1000 {
        t.take(Action::CreateApiKey, &me, Some("acct"))
            .await
            .expect("off");
    }
}

#[tokio::test]
async fn token_checks_count_only_failures() {
    let (t, _) = throttle(Limits::default());
    let me = client("192.0.2.8");
    for _ in 0..30 {
        t.check(Action::TokenCheck, &me, None)
            .await
            .expect("allowed");
        t.failed(Action::TokenCheck, &me, None)
            .await
            .expect("count");
    }
    assert_eq!(
        retry_after(t.check(Action::TokenCheck, &me, None).await),
        30
    );
}

#[test]
fn local_counters_forget_empty_buckets() {
    let now = Arc::new(AtomicU64::new(0));
    let clock = Arc::clone(&now);
    let counters = LocalCounters::with_clock(Arc::new(move || clock.load(Ordering::SeqCst)));
    let rule = Rule::new(1, Duration::from_secs(1));
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    rt.block_on(async {
        for i in 0..20_000 {
            counters.take(&format!("k{i}"), rule).await.expect("take");
        }
        now.fetch_add(2_000, Ordering::SeqCst);
        counters.take("last", rule).await.expect("take");
    });
    assert!(counters.len() <= 10_001, "{} keys", counters.len());
}

#[tokio::test]
async fn the_failure_that_fills_a_logins_bucket_says_so_once() {
    let (t, _) = throttle(Limits::default());
    let mut filled = Vec::new();
    for i in 0..120 {
        let from = client(&format!("203.0.113.{}", i % 50));
        if t.login_failed("dave", &from).await.expect("count") {
            filled.push(i);
        }
    }
    assert_eq!(
        filled,
        [99],
        "the 100th failure fills the bucket, and only it says so"
    );
}
