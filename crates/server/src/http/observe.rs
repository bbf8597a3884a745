//! Per-request observation: a tracing span carrying the request id (set or passed through by
//! tower-http's request-id layers), the matched route template and the client address (behind
//! `trusted_proxies`, the forwarded one), one access-log line, and the
//! request's count and latency in the metrics. The raw URL is never logged: queries can hold
//! tokens (`id_token_hint`) and transaction ids.

use std::net::SocketAddr;
use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

use crate::metrics::UNMATCHED_ROUTE;
use crate::state::SharedState;

pub const REQUEST_ID: &str = "x-request-id";

pub async fn observe(State(state): State<SharedState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    // MatchedPath is a cheap clone (a shared string); requests matching no route share one label.
    let matched = request.extensions().get::<MatchedPath>().cloned();
    let route = matched
        .as_ref()
        .map_or(UNMATCHED_ROUTE, MatchedPath::as_str);
    let request_id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    let client = client_ip(&state, &request);
    let span = tracing::info_span!(
        "request",
        id = %request_id,
        method = %request.method(),
        route = %route,
        client = tracing::field::display(ClientField(client)),
    );
    let response = next.run(request).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    state.metrics.http_request(route, status, elapsed);
    let latency_ms = elapsed.as_secs_f64() * 1000.0;
    span.in_scope(|| tracing::info!(status, latency_ms, "request finished"));
    response
}

/// Displays the client address, or `-` when unknown (router served without connection info).
struct ClientField(Option<std::net::IpAddr>);

impl std::fmt::Display for ClientField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(ip) => ip.fmt(f),
            None => f.write_str("-"),
        }
    }
}

/// The client's address: the socket peer, or what a trusted proxy says it forwarded for.
fn client_ip(state: &SharedState, request: &Request) -> Option<std::net::IpAddr> {
    let ConnectInfo(peer) = request.extensions().get::<ConnectInfo<SocketAddr>>()?;
    Some(super::client_ip::resolve(
        peer.ip(),
        request.headers(),
        state,
    ))
}
