//! Per-node cache of live tokens by digest, for `cache_ttl_secs` at most. A revocation writes a
//! marker to the shared ephemeral store that every cached hit checks, so it is seen on every
//! node at once; unknown, revoked and expired tokens are never cached (a negative cache would
//! have to be invalidated on mint too, and a bad token costs one indexed read either way).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use crate::cache::{RECORD_CACHE_ENTRIES, TtlCache};

use super::authenticate::LiveToken;

pub(super) struct CachedToken {
    pub(super) live: LiveToken,
    /// When this node last wrote the token's last use (or the stored value when loaded).
    last_touch: AtomicI64,
}

impl CachedToken {
    pub(super) fn new(live: LiveToken, last_used_at: Option<i64>) -> Self {
        Self {
            live,
            last_touch: AtomicI64::new(last_used_at.unwrap_or(i64::MIN)),
        }
    }

    /// Whether a use at `now` should be written; claims the write for this caller, so
    /// concurrent requests on one node write once.
    pub(super) fn claim_touch(&self, now: i64, interval: i64) -> bool {
        let last = self.last_touch.load(Ordering::Relaxed);
        last <= now.saturating_sub(interval)
            && self
                .last_touch
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
    }
}

pub struct TokenCache {
    entries: TtlCache<String, Arc<CachedToken>>,
}

impl TokenCache {
    /// `ttl_secs` 0 turns it off.
    pub fn new(ttl_secs: i64) -> Self {
        let capacity = if ttl_secs > 0 {
            RECORD_CACHE_ENTRIES
        } else {
            0
        };
        Self {
            entries: TtlCache::new(capacity),
        }
    }

    pub(super) fn get(&self, digest: &String, now: i64) -> Option<Arc<CachedToken>> {
        self.entries.get(digest, now)
    }

    pub(super) fn insert(&self, digest: String, token: Arc<CachedToken>, until: i64, now: i64) {
        self.entries.insert(digest, token, until, now);
    }

    pub(super) fn remove(&self, digest: &String) {
        self.entries.remove(digest);
    }

    /// Drops every entry (the shared markers were lost and reloaded: read the database again).
    pub fn clear(&self) {
        self.entries.clear();
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
