//! Prometheus metrics: a small registry of atomics, written to on the hot path without locks
//! (after a route's first request) and rendered as text by `/metrics`.
//!
//! Hand-written rather than a crate: the set is small and fixed, and each update is one or two
//! relaxed atomic additions.

mod ephemeral;
mod histogram;
mod render;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use poort_oidc::token_request::GrantType;

pub use ephemeral::CountingEphemeral;
use histogram::Histogram;

/// HTTP status codes are 100..=599: one counter each, indexed by `status - 100`.
const STATUS_SLOTS: usize = 500;
/// The route label of requests no route matched (404s, probes of random paths): one series,
/// so scanning cannot blow up the number of series.
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// The counters of one route template.
struct RouteSeries {
    by_status: Box<[AtomicU64]>,
    latency: Histogram,
}

impl RouteSeries {
    fn new() -> Self {
        Self {
            by_status: (0..STATUS_SLOTS).map(|_| AtomicU64::new(0)).collect(),
            latency: Histogram::new(),
        }
    }
}

/// The ephemeral-store operations, as labels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EphemeralOp {
    Put,
    PutIfAbsent,
    Get,
    Take,
    Delete,
    Incr,
    GetMany,
    PutMany,
    Raise,
    Ping,
}

impl EphemeralOp {
    const ALL: [EphemeralOp; 10] = [
        Self::Put,
        Self::PutIfAbsent,
        Self::Get,
        Self::Take,
        Self::Delete,
        Self::Incr,
        Self::GetMany,
        Self::PutMany,
        Self::Raise,
        Self::Ping,
    ];

    fn label(self) -> &'static str {
        match self {
            Self::Put => "put",
            Self::PutIfAbsent => "put_if_absent",
            Self::Get => "get",
            Self::Take => "take",
            Self::Delete => "delete",
            Self::Incr => "incr",
            Self::GetMany => "get_many",
            Self::PutMany => "put_many",
            Self::Raise => "raise",
            Self::Ping => "ping",
        }
    }
}

#[derive(Default)]
pub struct Metrics {
    routes: RwLock<HashMap<String, Arc<RouteSeries>>>,
    tokens_issued: [AtomicU64; GrantType::ALL.len()],
    logins_ok: AtomicU64,
    logins_failed: AtomicU64,
    ephemeral_errors: [AtomicU64; EphemeralOp::ALL.len()],
    backchannel_logouts: [AtomicU64; LogoutDelivery::ALL.len()],
    backchannel_logout_queue: AtomicU64,
}

/// What became of one attempt to deliver a back-channel logout token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogoutDelivery {
    /// The client answered 200 or 204.
    Delivered,
    /// Refused, timed out or another status: retried later.
    Failed,
    /// The last attempt failed: the row stays for the operator.
    GivenUp,
}

impl LogoutDelivery {
    pub const ALL: [Self; 3] = [Self::Delivered, Self::Failed, Self::GivenUp];

    pub fn label(self) -> &'static str {
        match self {
            Self::Delivered => "delivered",
            Self::Failed => "failed",
            Self::GivenUp => "given_up",
        }
    }

    fn index(self) -> usize {
        match self {
            Self::Delivered => 0,
            Self::Failed => 1,
            Self::GivenUp => 2,
        }
    }
}

impl Metrics {
    pub fn new() -> Self {
        Self::default()
    }

    /// One finished HTTP request. `route` is the matched route template (never the raw path).
    pub fn http_request(&self, route: &str, status: u16, elapsed: Duration) {
        let series = self.route(route);
        let slot = usize::from(status)
            .saturating_sub(100)
            .min(STATUS_SLOTS - 1);
        series.by_status[slot].fetch_add(1, Ordering::Relaxed);
        series.latency.observe(elapsed);
    }

    fn route(&self, route: &str) -> Arc<RouteSeries> {
        // Poisoning cannot leave the map inconsistent (inserts are single calls).
        if let Some(series) = self
            .routes
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(route)
        {
            return series.clone();
        }
        self.routes
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(route.to_owned())
            .or_insert_with(|| Arc::new(RouteSeries::new()))
            .clone()
    }

    pub fn token_issued(&self, grant: GrantType) {
        self.tokens_issued[grant.index()].fetch_add(1, Ordering::Relaxed);
    }

    pub fn login(&self, ok: bool) {
        let counter = if ok {
            &self.logins_ok
        } else {
            &self.logins_failed
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn backchannel_logout(&self, outcome: LogoutDelivery) {
        self.backchannel_logouts[outcome.index()].fetch_add(1, Ordering::Relaxed);
    }

    /// Logout tokens waiting to be delivered (not given up), as the worker last counted them.
    pub fn set_backchannel_logout_queue(&self, depth: u64) {
        self.backchannel_logout_queue
            .store(depth, Ordering::Relaxed);
    }

    pub fn ephemeral_error(&self, op: EphemeralOp) {
        let index = EphemeralOp::ALL.iter().position(|o| *o == op).unwrap_or(0);
        self.ephemeral_errors[index].fetch_add(1, Ordering::Relaxed);
    }
}

/// Gauges read at scrape time from the parts that own them.
#[derive(Clone, Copy, Debug, Default)]
pub struct Gauges {
    pub hashing_running: usize,
    pub hashing_queued: usize,
    pub hashing_capacity: usize,
}

pub use render::{CONTENT_TYPE, render};

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests;
