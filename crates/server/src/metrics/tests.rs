//! The registry's arithmetic and its text format.

use std::sync::Arc;
use std::time::Duration;

use poort_oidc::token_request::GrantType;
use poort_store::ephemeral::{Ephemeral, MemoryStore, RedisStore};

use super::histogram::Histogram;
use super::{CountingEphemeral, EphemeralOp, Gauges, LogoutDelivery, Metrics, render};

fn line_value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[test]
fn requests_are_counted_by_route_and_status() {
    let metrics = Metrics::new();
    metrics.http_request("/token", 200, Duration::from_millis(3));
    metrics.http_request("/token", 200, Duration::from_millis(30));
    metrics.http_request("/token", 400, Duration::from_micros(500));
    metrics.http_request("/static/{file}", 404, Duration::from_millis(1));
    let text = render(&metrics, Gauges::default());
    let get = |s: &str| line_value(&text, s);
    assert_eq!(
        get("poort_http_requests_total{route=\"/token\",status=\"200\"}"),
        Some(2.0)
    );
    assert_eq!(
        get("poort_http_requests_total{route=\"/token\",status=\"400\"}"),
        Some(1.0)
    );
    assert_eq!(
        get("poort_http_requests_total{route=\"/static/{file}\",status=\"404\"}"),
        Some(1.0)
    );
    // Statuses never seen are not printed.
    assert!(!text.contains("route=\"/token\",status=\"500\""));
}

#[test]
fn out_of_range_statuses_do_not_panic() {
    let metrics = Metrics::new();
    metrics.http_request("/x", 0, Duration::ZERO);
    metrics.http_request("/x", u16::MAX, Duration::MAX);
    let text = render(&metrics, Gauges::default());
    assert!(text.contains("poort_http_requests_total{route=\"/x\",status=\"100\"} 1"));
    assert!(text.contains("poort_http_requests_total{route=\"/x\",status=\"599\"} 1"));
}

#[test]
fn histogram_buckets_are_cumulative() {
    let histogram = Histogram::new();
    histogram.observe(Duration::from_micros(800)); // ≤ 0.001
    histogram.observe(Duration::from_millis(1)); // ≤ 0.001 (bounds are inclusive)
    histogram.observe(Duration::from_millis(7)); // ≤ 0.01
    histogram.observe(Duration::from_secs(60)); // above every bound
    let snapshot = histogram.snapshot();
    assert_eq!(snapshot.count, 4);
    assert_eq!(snapshot.cumulative[0], 2);
    assert_eq!(snapshot.cumulative[2], 2, "nothing in (0.0025, 0.005]");
    assert_eq!(snapshot.cumulative[3], 3);
    assert_eq!(snapshot.cumulative[11], 3, "60 s is above the 10 s bound");
    assert_eq!(snapshot.cumulative[12], 4);
    assert!((snapshot.sum_seconds - 60.0088).abs() < 1e-9);

    let metrics = Metrics::new();
    metrics.http_request("/jwks", 200, Duration::from_millis(7));
    let text = render(&metrics, Gauges::default());
    let get = |s: &str| line_value(&text, s);
    let name = "poort_http_request_duration_seconds";
    assert_eq!(
        get(&format!("{name}_bucket{{route=\"/jwks\",le=\"0.005\"}}")),
        Some(0.0)
    );
    assert_eq!(
        get(&format!("{name}_bucket{{route=\"/jwks\",le=\"0.01\"}}")),
        Some(1.0)
    );
    assert_eq!(
        get(&format!("{name}_bucket{{route=\"/jwks\",le=\"+Inf\"}}")),
        Some(1.0)
    );
    assert_eq!(get(&format!("{name}_count{{route=\"/jwks\"}}")), Some(1.0));
    assert_eq!(get(&format!("{name}_sum{{route=\"/jwks\"}}")), Some(0.007));
}

#[test]
fn tokens_logins_and_gauges_are_rendered() {
    let metrics = Metrics::new();
    metrics.token_issued(GrantType::RefreshToken);
    metrics.token_issued(GrantType::RefreshToken);
    metrics.token_issued(GrantType::ClientCredentials);
    metrics.token_issued(GrantType::DeviceCode);
    metrics.login(true);
    metrics.login(false);
    metrics.login(false);
    let gauges = Gauges {
        hashing_running: 2,
        hashing_queued: 5,
        hashing_capacity: 66,
    };
    let text = render(&metrics, gauges);
    let get = |s: &str| line_value(&text, s);
    assert_eq!(
        get("poort_tokens_issued_total{grant=\"refresh_token\"}"),
        Some(2.0)
    );
    assert_eq!(
        get("poort_tokens_issued_total{grant=\"client_credentials\"}"),
        Some(1.0)
    );
    assert_eq!(
        get("poort_tokens_issued_total{grant=\"authorization_code\"}"),
        Some(0.0)
    );
    assert_eq!(
        get("poort_tokens_issued_total{grant=\"urn:ietf:params:oauth:grant-type:device_code\"}"),
        Some(1.0)
    );
    assert_eq!(get("poort_logins_total{result=\"ok\"}"), Some(1.0));
    assert_eq!(get("poort_logins_total{result=\"failed\"}"), Some(2.0));
    assert_eq!(get("poort_hashing_running"), Some(2.0));
    assert_eq!(get("poort_hashing_queued"), Some(5.0));
    assert_eq!(get("poort_hashing_capacity"), Some(66.0));
    // Every family has HELP and TYPE lines, once.
    for family in [
        "poort_http_requests_total",
        "poort_tokens_issued_total",
        "poort_logins_total",
        "poort_ephemeral_errors_total",
    ] {
        assert_eq!(text.matches(&format!("# TYPE {family} ")).count(), 1);
        assert_eq!(text.matches(&format!("# HELP {family} ")).count(), 1);
    }
}

#[test]
fn backchannel_logout_deliveries_and_queue_depth_are_rendered() {
    let metrics = Metrics::new();
    metrics.backchannel_logout(LogoutDelivery::Delivered);
    metrics.backchannel_logout(LogoutDelivery::Failed);
    metrics.backchannel_logout(LogoutDelivery::Failed);
    metrics.set_backchannel_logout_queue(7);
    let text = render(&metrics, Gauges::default());
    let get = |s: &str| line_value(&text, s);
    let result = |r: &str| format!("poort_backchannel_logouts_total{{result=\"{r}\"}}");
    assert_eq!(get(&result("delivered")), Some(1.0));
    assert_eq!(get(&result("failed")), Some(2.0));
    assert_eq!(get(&result("given_up")), Some(0.0));
    assert_eq!(get("poort_backchannel_logout_queue"), Some(7.0));
    for family in [
        "poort_backchannel_logouts_total",
        "poort_backchannel_logout_queue",
    ] {
        assert_eq!(text.matches(&format!("# TYPE {family} ")).count(), 1);
    }
}

#[test]
fn label_values_are_escaped() {
    let metrics = Metrics::new();
    metrics.http_request("/a\"b\\c\nd", 200, Duration::ZERO);
    let text = render(&metrics, Gauges::default());
    assert!(text.contains("route=\"/a\\\"b\\\\c\\nd\""), "{text}");
}

#[tokio::test]
async fn ephemeral_outages_are_counted_but_caller_bugs_are_not() {
    let metrics = Arc::new(Metrics::new());
    // Nothing listens on port 1: every call fails as unavailable.
    let down: Arc<dyn Ephemeral> =
        Arc::new(RedisStore::new("redis://127.0.0.1:1", "poort-test:").unwrap());
    let counted = CountingEphemeral::new(down, metrics.clone());
    assert!(counted.get("k").await.is_err());
    assert!(counted.take("k").await.is_err());
    assert!(counted.take("k").await.is_err());
    assert!(counted.ping().await.is_err());

    let up = CountingEphemeral::new(Arc::new(MemoryStore::new()), metrics.clone());
    assert!(up.put("k", vec![], Duration::ZERO).await.is_err());
    up.put("k", b"v".to_vec(), Duration::from_secs(1))
        .await
        .unwrap();
    assert!(up.incr("k", Duration::from_secs(1)).await.is_err());

    let text = render(&metrics, Gauges::default());
    let get = |op: EphemeralOp| {
        line_value(
            &text,
            &format!("poort_ephemeral_errors_total{{op=\"{}\"}}", op.label()),
        )
    };
    assert_eq!(get(EphemeralOp::Get), Some(1.0));
    assert_eq!(get(EphemeralOp::Take), Some(2.0));
    assert_eq!(get(EphemeralOp::Ping), Some(1.0));
    assert_eq!(get(EphemeralOp::Put), Some(0.0));
    assert_eq!(get(EphemeralOp::Incr), Some(0.0));
}
