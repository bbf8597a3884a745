//! The ephemeral entries that guard safety (an access token's deny-list entry, an API token's
//! revocation marker, an account's lock), kept in the database (`durable_markers`, until they
//! lapse) with the ephemeral store as the cache in front. Losing the store may sign people out;
//! it never lets a revoked token or a locked account back in.
//!
//! Writing ([`record`]): the entry goes to the store, its row to the database (numbered `seq`),
//! the entry to the store again (the store may have been emptied meanwhile), and the store's
//! sentinel `durable_markers:loaded` is raised to the new `seq` if it held every lower one.
//! Reading ([`get`]): one `MGET` of the entry and the sentinel, which says up to which `seq` the
//! store holds every marker. A missing sentinel (Redis restarted empty or flushed, a node's
//! memory after a restart) or one behind the highest `seq` this node knows of (Redis failed
//! over or restored from an older snapshot) makes the node load every live marker back (one
//! `MULTI`, sentinel last) and drop its token caches before it answers. A node knows the
//! highest `seq` from its own writes, from every sentinel it reads and from the database once
//! a second ([`watch`]): a store that comes back emptied is noticed on the very request that
//! reads it; one that comes back older, at once by every node that read the newer sentinel and
//! within a second by the others.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use poort_store::durable_markers::{self as store, NewMarker};
use poort_store::ephemeral::{EphemeralError, MAX_TTL};

use super::FlowError;
use crate::state::{AppState, SharedState};

/// The store's sentinel: the `seq` up to which it holds every marker.
pub const SENTINEL: &str = "durable_markers:loaded";
/// How often every node reads the database's highest `seq`.
const POLL_EVERY: Duration = Duration::from_secs(1);
/// Lapsed markers and used codes are deleted this often (every node; idempotent).
const SWEEP_EVERY: Duration = Duration::from_secs(3600);
/// A write that finds the sentinel below its predecessor waits this long for the writers
/// before it, this many times, then leaves the sentinel behind (a node reloads).
const RAISE_RETRY: Duration = Duration::from_millis(10);
const RAISE_ATTEMPTS: usize = 3;
/// A read that finds the store losing entries again right after a reload gives up (503).
const READ_ATTEMPTS: usize = 3;

/// An ephemeral entry that must survive the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Marker {
    pub key: String,
    pub value: String,
    /// Unix seconds; the entry means nothing after this.
    pub expires_at: i64,
}

/// What this node knows: the highest `seq` it has seen, and one reload at a time.
pub struct NodeMarkers {
    known: AtomicI64,
    reloading: tokio::sync::Mutex<()>,
}

impl Default for NodeMarkers {
    fn default() -> Self {
        Self::new()
    }
}

impl NodeMarkers {
    pub fn new() -> Self {
        Self {
            known: AtomicI64::new(0),
            reloading: tokio::sync::Mutex::new(()),
        }
    }

    /// Whether a store whose sentinel reads `sentinel` holds every marker this node knows of.
    /// A higher sentinel is learnt: a store that later comes back lower is behind.
    fn is_current(&self, sentinel: Option<&[u8]>) -> bool {
        let Some(loaded) = sentinel
            .and_then(|bytes| std::str::from_utf8(bytes).ok())
            .and_then(|text| text.parse::<i64>().ok())
        else {
            return false;
        };
        loaded >= self.known.fetch_max(loaded, Ordering::Relaxed)
    }

    fn learn(&self, seq: i64) {
        self.known.fetch_max(seq, Ordering::Relaxed);
    }
}

/// Records `markers` (those not lapsed) so that they outlive the ephemeral store.
pub async fn record(state: &AppState, markers: Vec<Marker>) -> Result<(), FlowError> {
    let now = state.now();
    let markers: Vec<Marker> = markers.into_iter().filter(|m| m.expires_at > now).collect();
    if markers.is_empty() {
        return Ok(());
    }
    let entries: Vec<_> = markers.iter().map(|m| entry(m, now)).collect();
    // First in the store: should the last step below fail to reach it, the entry is there.
    state.ephemeral.put_many(entries.clone()).await?;
    let rows: Vec<NewMarker> = markers
        .into_iter()
        .map(|m| NewMarker {
            key: m.key,
            value: m.value,
            expires_at: m.expires_at,
        })
        .collect();
    let numbered = store::record(&state.db, &rows, now).await?;
    state.markers.learn(numbered.after);
    // Again: a reload that ran since the first write (store emptied) could not see this row.
    state.ephemeral.put_many(entries).await?;
    raise_sentinel(state, numbered.before, numbered.after).await
}

/// Locks `key` until `until` (unix seconds): an account's lock, a second-factor throttle.
pub async fn hold_lock(state: &AppState, key: String, until: i64) -> Result<(), FlowError> {
    let value = until.to_string();
    record(
        state,
        vec![Marker {
            key,
            value,
            expires_at: until,
        }],
    )
    .await
}

/// Whether a lock held with [`hold_lock`] on `key` is still in force at `now`.
pub async fn lock_held(state: &AppState, key: &str, now: i64) -> Result<bool, FlowError> {
    Ok(get(state, key)
        .await?
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.parse::<i64>().ok())
        .is_some_and(|until| until > now))
}

/// Raises the sentinel from `before` (every marker up to it in the store) to `after`; a
/// missing sentinel stays missing (the next read reloads).
async fn raise_sentinel(state: &AppState, before: i64, after: i64) -> Result<(), FlowError> {
    let (Ok(from), Ok(to)) = (u64::try_from(before), u64::try_from(after)) else {
        return Ok(());
    };
    if to <= from {
        return Ok(());
    }
    for attempt in 1..=RAISE_ATTEMPTS {
        match state.ephemeral.raise(SENTINEL, from, to).await? {
            Some(held) if held < from && attempt < RAISE_ATTEMPTS => {
                // A writer numbered before this one has not raised it yet.
                tokio::time::sleep(RAISE_RETRY).await;
            }
            _ => break,
        }
    }
    Ok(())
}

/// The store's value at `key`, once the store is known to hold every marker.
pub async fn get(state: &AppState, key: &str) -> Result<Option<Vec<u8>>, FlowError> {
    for _ in 0..READ_ATTEMPTS {
        let mut values = state
            .ephemeral
            .get_many(&[key, SENTINEL])
            .await?
            .into_iter();
        let value = values.next().flatten();
        let sentinel = values.next().flatten();
        if state.markers.is_current(sentinel.as_deref()) {
            return Ok(value);
        }
        reload(state).await?;
    }
    Err(FlowError::Ephemeral(EphemeralError::Unavailable(
        "the ephemeral store keeps losing its entries".into(),
    )))
}

/// Loads every live marker from the database into the store, unless another request did so
/// meanwhile. Returns how many were loaded.
pub async fn reload(state: &AppState) -> Result<usize, FlowError> {
    let _one_at_a_time = state.markers.reloading.lock().await;
    let sentinel = state.ephemeral.get(SENTINEL).await?;
    if state.markers.is_current(sentinel.as_deref()) {
        return Ok(0);
    }
    let now = state.now();
    // Read before the rows: a marker committed in between is loaded, and numbered above.
    let seq = store::max_seq(&state.db).await?;
    let live = store::live(&state.db, now).await?;
    let count = live.len();
    let mut entries: Vec<_> = live
        .into_iter()
        .map(|row| {
            let ttl = ttl_until(row.expires_at, now);
            (row.key, row.value.into_bytes(), ttl)
        })
        .collect();
    // Last: a reader that sees it sees the rest.
    entries.push((SENTINEL.to_owned(), seq.to_string().into_bytes(), MAX_TTL));
    state.ephemeral.put_many(entries).await?;
    // The database's number, not a higher one seen before (a database restored from a backup
    // would otherwise never be current).
    state.markers.known.store(seq, Ordering::Relaxed);
    // A cached API token skips the database's revoked_at; a fresh start reads it again.
    state.api_tokens.clear();
    state.caches.tokens.clear();
    match sentinel {
        None => tracing::info!(
            markers = count,
            seq,
            "security markers loaded into the ephemeral store (it had none: new, emptied or restarted)"
        ),
        Some(_) => tracing::warn!(
            markers = count,
            seq,
            "the ephemeral store was behind the database (failed over or restored); security markers reloaded"
        ),
    }
    Ok(count)
}

fn entry(marker: &Marker, now: i64) -> (String, Vec<u8>, Duration) {
    (
        marker.key.clone(),
        marker.value.clone().into_bytes(),
        ttl_until(marker.expires_at, now),
    )
}

/// Until a second past `expires_at`, at least one second.
fn ttl_until(expires_at: i64, now: i64) -> Duration {
    Duration::from_secs(expires_at.saturating_sub(now).max(0).unsigned_abs() + 1)
}

/// Reads the database's highest `seq` every second (so a store that came back older is
/// noticed by this node even if it never read the newer sentinel) and deletes lapsed markers
/// and used codes every hour, until the server stops.
pub async fn watch(state: SharedState) {
    let mut last_sweep = tokio::time::Instant::now();
    loop {
        tokio::time::sleep(POLL_EVERY).await;
        match store::max_seq(&state.db).await {
            Ok(seq) => state.markers.learn(seq),
            Err(e) => tracing::warn!(error = %e, "reading the security markers' number failed"),
        }
        if last_sweep.elapsed() >= SWEEP_EVERY {
            last_sweep = tokio::time::Instant::now();
            if let Err(e) = sweep(&state).await {
                tracing::warn!(error = %e, "deleting lapsed security markers failed; will retry");
            }
        }
    }
}

/// Deletes lapsed markers and the records of codes that can no longer be replayed.
pub async fn sweep(state: &AppState) -> Result<(), FlowError> {
    let now = state.now();
    let markers = store::delete_expired(&state.db, now).await?;
    let codes = super::codes::delete_expired(state).await?;
    if markers + codes > 0 {
        tracing::info!(
            markers,
            used_codes = codes,
            "lapsed security records deleted"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_is_current_only_with_a_sentinel_not_behind_what_was_seen() {
        let node = NodeMarkers::new();
        assert!(!node.is_current(None));
        assert!(!node.is_current(Some(b"not a number")));
        assert!(node.is_current(Some(b"0")));
        assert!(node.is_current(Some(b"7")));
        // Seen 7: a store saying 5 is behind (restored from an older snapshot).
        assert!(!node.is_current(Some(b"5")));
        node.learn(9);
        assert!(!node.is_current(Some(b"7")));
        assert!(node.is_current(Some(b"9")));
    }

    #[test]
    fn ttls_outlast_the_marker_by_a_second() {
        assert_eq!(ttl_until(110, 100), Duration::from_secs(11));
        assert_eq!(ttl_until(90, 100), Duration::from_secs(1));
    }
}
