//! Probes and metrics: `/healthz` (the process answers), `/readyz` (the database and the
//! ephemeral store answer; 503 naming the one that does not), `/metrics` (Prometheus text, for
//! the peer addresses in `metrics_allow` only).

use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::metrics::{Gauges, render};
use crate::state::SharedState;

/// A probe answers within this even when a dependency hangs.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

pub async fn healthz() -> &'static str {
    "ok"
}

fn up_or_down(up: bool) -> &'static str {
    if up { "up" } else { "down" }
}

pub async fn readyz(State(state): State<SharedState>) -> Response {
    let (database, ephemeral) = tokio::join!(
        tokio::time::timeout(PROBE_TIMEOUT, state.db.conn().ping()),
        tokio::time::timeout(PROBE_TIMEOUT, state.ephemeral.ping()),
    );
    let database_up = match database {
        Ok(Ok(())) => true,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: the database is down");
            false
        }
        Err(_) => {
            tracing::warn!("readiness: the database did not answer in time");
            false
        }
    };
    let ephemeral_up = match ephemeral {
        Ok(Ok(())) => true,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: the ephemeral store is down");
            false
        }
        Err(_) => {
            tracing::warn!("readiness: the ephemeral store did not answer in time");
            false
        }
    };
    let ready = database_up && ephemeral_up;
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = json!({
        "status": if ready { "ready" } else { "not_ready" },
        "checks": {
            "database": up_or_down(database_up),
            "ephemeral_store": up_or_down(ephemeral_up),
        },
    });
    let mut response = (status, axum::Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

pub async fn metrics(State(state): State<SharedState>, request: Request) -> Response {
    // Absent when the router is served without connection info: then nobody is allowed.
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>();
    let allowed = peer.is_some_and(|ConnectInfo(addr)| {
        state
            .config
            .metrics_allow
            .contains(addr.ip().to_canonical())
    });
    if !allowed {
        return (StatusCode::FORBIDDEN, "forbidden").into_response();
    }
    let load = state.hashing.load();
    let gauges = Gauges {
        hashing_running: load.running,
        hashing_queued: load.queued,
        hashing_capacity: load.capacity,
    };
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(crate::metrics::CONTENT_TYPE),
        )],
        render(&state.metrics, gauges),
    )
        .into_response()
}
