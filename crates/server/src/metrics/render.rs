//! The Prometheus text exposition format (version 0.0.4) of the registry.

use std::fmt::Write;
use std::sync::PoisonError;
use std::sync::atomic::Ordering;

use super::histogram::BUCKETS;
use poort_oidc::token_request::GrantType;

use super::{EphemeralOp, Gauges, LogoutDelivery, Metrics, STATUS_SLOTS};

/// The content type scrapers expect.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// Label values are route templates and fixed words; escaped anyway, as the format requires.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

pub fn render(metrics: &Metrics, gauges: Gauges) -> String {
    let mut out = String::with_capacity(8 * 1024);
    let mut routes: Vec<_> = metrics
        .routes
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .map(|(route, series)| (escape(route), series.clone()))
        .collect();
    routes.sort_by(|a, b| a.0.cmp(&b.0));

    header(
        &mut out,
        "poort_http_requests_total",
        "counter",
        "HTTP requests by matched route template and status.",
    );
    for (route, series) in &routes {
        for slot in 0..STATUS_SLOTS {
            let count = series.by_status[slot].load(Ordering::Relaxed);
            if count > 0 {
                let status = slot + 100;
                let _ = writeln!(
                    out,
                    "poort_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {count}"
                );
            }
        }
    }

    header(
        &mut out,
        "poort_http_request_duration_seconds",
        "histogram",
        "HTTP request latency by matched route template.",
    );
    for (route, series) in &routes {
        let snapshot = series.latency.snapshot();
        let name = "poort_http_request_duration_seconds";
        for (bound, count) in BUCKETS.iter().zip(&snapshot.cumulative) {
            let _ = writeln!(
                out,
                "{name}_bucket{{route=\"{route}\",le=\"{bound}\"}} {count}"
            );
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
            snapshot.count
        );
        let _ = writeln!(
            out,
            "{name}_sum{{route=\"{route}\"}} {}",
            snapshot.sum_seconds
        );
        let _ = writeln!(out, "{name}_count{{route=\"{route}\"}} {}", snapshot.count);
    }

    header(
        &mut out,
        "poort_tokens_issued_total",
        "counter",
        "Successful token endpoint responses by grant type.",
    );
    for (grant, counter) in GrantType::ALL.iter().zip(&metrics.tokens_issued) {
        let _ = writeln!(
            out,
            "poort_tokens_issued_total{{grant=\"{}\"}} {}",
            grant.as_str(),
            counter.load(Ordering::Relaxed)
        );
    }

    header(
        &mut out,
        "poort_logins_total",
        "counter",
        "Password login attempts by result.",
    );
    for (result, counter) in [
        ("ok", &metrics.logins_ok),
        ("failed", &metrics.logins_failed),
    ] {
        let _ = writeln!(
            out,
            "poort_logins_total{{result=\"{result}\"}} {}",
            counter.load(Ordering::Relaxed)
        );
    }

    for (name, help, value) in [
        (
            "poort_hashing_running",
            "Password hashes being computed now.",
            gauges.hashing_running,
        ),
        (
            "poort_hashing_queued",
            "Password hash requests waiting for a slot.",
            gauges.hashing_queued,
        ),
        (
            "poort_hashing_capacity",
            "Hash requests admitted at once (slots + queue); beyond it logins get 503.",
            gauges.hashing_capacity,
        ),
    ] {
        header(&mut out, name, "gauge", help);
        let _ = writeln!(out, "{name} {value}");
    }

    header(
        &mut out,
        "poort_backchannel_logouts_total",
        "counter",
        "Back-channel logout token deliveries by result (delivered, failed attempt, given up).",
    );
    for (outcome, counter) in LogoutDelivery::ALL.iter().zip(&metrics.backchannel_logouts) {
        let _ = writeln!(
            out,
            "poort_backchannel_logouts_total{{result=\"{}\"}} {}",
            outcome.label(),
            counter.load(Ordering::Relaxed)
        );
    }
    header(
        &mut out,
        "poort_backchannel_logout_queue",
        "gauge",
        "Back-channel logout tokens waiting for delivery (not given up).",
    );
    let _ = writeln!(
        out,
        "poort_backchannel_logout_queue {}",
        metrics.backchannel_logout_queue.load(Ordering::Relaxed)
    );

    header(
        &mut out,
        "poort_ephemeral_errors_total",
        "counter",
        "Failed ephemeral-store (Redis) operations by operation.",
    );
    for (op, counter) in EphemeralOp::ALL.iter().zip(&metrics.ephemeral_errors) {
        let _ = writeln!(
            out,
            "poort_ephemeral_errors_total{{op=\"{}\"}} {}",
            op.label(),
            counter.load(Ordering::Relaxed)
        );
    }
    out
}
