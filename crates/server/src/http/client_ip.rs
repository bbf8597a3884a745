//! The client's IP address as an extractor: the socket peer, or the address a trusted reverse
//! proxy (`trusted_proxies`) forwarded. Used to throttle password spraying per address.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use poort_allowlist::client_ip;

use crate::state::SharedState;

/// `None` only when the server runs without connection info (a router driven in-process).
pub struct ClientIp(pub Option<IpAddr>);

impl FromRequestParts<SharedState> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &SharedState,
    ) -> Result<Self, Self::Rejection> {
        let Some(ConnectInfo(peer)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() else {
            return Ok(ClientIp(None));
        };
        Ok(ClientIp(Some(resolve(peer.ip(), &parts.headers, state))))
    }
}

/// The client address behind `peer`, given the request's forwarding headers.
pub(super) fn resolve(peer: IpAddr, headers: &HeaderMap, state: &SharedState) -> IpAddr {
    let forwarded_for = joined(headers, "x-forwarded-for");
    let forwarded = joined(headers, header::FORWARDED.as_str());
    client_ip(
        peer,
        forwarded_for.as_deref(),
        forwarded.as_deref(),
        &state.config.trusted_proxies,
    )
}

/// Several header lines joined with `,`, in order, as `client_ip` expects.
fn joined(headers: &HeaderMap, name: &str) -> Option<String> {
    let values: Vec<&str> = headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    (!values.is_empty()).then(|| values.join(","))
}

/// What a request reaches, for the support-staff audit entries (`access::Seen`): method and
/// path (with the query, at most 512 characters), client address and user agent.
pub struct Reached(pub crate::flows::orgs::access::Seen);

impl FromRequestParts<SharedState> for Reached {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &SharedState,
    ) -> Result<Self, Self::Rejection> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(peer)| resolve(peer.ip(), &parts.headers, state));
        Ok(Reached(seen(parts, ip)))
    }
}

/// The [`Reached`] of a request whose client address is known.
pub(super) fn seen(parts: &Parts, ip: Option<IpAddr>) -> crate::flows::orgs::access::Seen {
    let target = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path(), |pq| pq.as_str());
    let what: String = format!("{} {target}", parts.method)
        .chars()
        .take(512)
        .collect();
    crate::flows::orgs::access::Seen {
        what: Some(what),
        ip,
        user_agent: parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    }
}
