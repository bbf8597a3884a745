//! Small bounded in-process caches for the hot read paths (measured with `poort-bench`, see
//! BENCHMARKS.md): verified access tokens, so userinfo and introspection skip the signature
//! check of a token seen before; and client registrations and user profiles for a few seconds, so
//! the token, introspection and userinfo endpoints skip a database read per request.
//!
//! Expiry is in unix seconds from the injected clock. Each cache is sharded (one mutex per shard)
//! and bounded: a full shard first drops its expired entries, then everything, so memory stays
//! bounded whatever the traffic.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hash};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use poort_oidc::claims::AccessTokenClaims;
use poort_oidc::jose::KeySet;
use poort_store::clients::Client;
use poort_store::entities::users::Model as User;

const SHARDS: usize = 16;
/// Verified tokens kept at most (a few hundred bytes each).
pub const TOKEN_CACHE_ENTRIES: usize = 8_192;
/// Clients and users kept at most.
pub const RECORD_CACHE_ENTRIES: usize = 16_384;
/// Fetched client key sets kept at most (up to 64 KiB of JSON each when fetched).
pub const CLIENT_JWKS_ENTRIES: usize = 1_024;

struct Entry<V> {
    value: V,
    expires_at: i64,
}

pub struct TtlCache<K, V> {
    shards: [Mutex<HashMap<K, Entry<V>>>; SHARDS],
    per_shard: usize,
    hasher: RandomState,
}

impl<K: Hash + Eq, V: Clone> TtlCache<K, V> {
    /// A cache of about `capacity` entries; 0 turns it off (nothing is ever stored).
    pub fn new(capacity: usize) -> Self {
        Self {
            shards: std::array::from_fn(|_| Mutex::new(HashMap::new())),
            per_shard: capacity.div_ceil(SHARDS),
            hasher: RandomState::new(),
        }
    }

    fn shard(&self, key: &K) -> MutexGuard<'_, HashMap<K, Entry<V>>> {
        // The remainder is below SHARDS, so the cast cannot truncate.
        let index = (self.hasher.hash_one(key) % SHARDS as u64) as usize;
        // Nothing panics while a shard is locked, so a poisoned map is still consistent.
        self.shards[index]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The value, unless absent or expired at `now`.
    pub fn get(&self, key: &K, now: i64) -> Option<V> {
        let mut shard = self.shard(key);
        match shard.get(key) {
            Some(entry) if now < entry.expires_at => Some(entry.value.clone()),
            Some(_) => {
                shard.remove(key);
                None
            }
            None => None,
        }
    }

    /// Stores `value` until `expires_at` (exclusive); nothing if that is not after `now`.
    pub fn insert(&self, key: K, value: V, expires_at: i64, now: i64) {
        if self.per_shard == 0 || expires_at <= now {
            return;
        }
        let mut shard = self.shard(&key);
        if shard.len() >= self.per_shard && !shard.contains_key(&key) {
            shard.retain(|_, entry| now < entry.expires_at);
            if shard.len() >= self.per_shard {
                shard.clear();
            }
        }
        shard.insert(key, Entry { value, expires_at });
    }

    pub fn remove(&self, key: &K) {
        self.shard(key).remove(key);
    }

    /// Drops every entry.
    pub fn clear(&self) {
        for shard in &self.shards {
            shard.lock().unwrap_or_else(PoisonError::into_inner).clear();
        }
    }

    /// Entries held, expired or not (for tests and metrics).
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(PoisonError::into_inner).len())
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One value computed from many rows (the web origins of every client), kept until it
/// expires or is cleared.
pub struct Snapshot<T> {
    slot: Mutex<Option<(Arc<T>, i64)>>,
}

impl<T> Snapshot<T> {
    pub fn new() -> Self {
        Self {
            slot: Mutex::new(None),
        }
    }

    fn slot(&self) -> MutexGuard<'_, Option<(Arc<T>, i64)>> {
        self.slot.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The value, unless absent or expired at `now`.
    pub fn get(&self, now: i64) -> Option<Arc<T>> {
        match &*self.slot() {
            Some((value, expires_at)) if now < *expires_at => Some(value.clone()),
            _ => None,
        }
    }

    pub fn set(&self, value: Arc<T>, expires_at: i64) {
        *self.slot() = Some((value, expires_at));
    }

    pub fn clear(&self) {
        *self.slot() = None;
    }
}

impl<T> Default for Snapshot<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// A token whose signature was checked against `keys`; valid only while `keys` is still the
/// current key set (a reload or rotation makes every entry be verified again).
#[derive(Clone)]
pub struct VerifiedToken {
    pub keys: Arc<KeySet>,
    pub claims: Arc<AccessTokenClaims>,
}

pub struct Caches {
    /// SHA-256 of the whole compact token → its verified claims, until the token's `exp`.
    pub tokens: TtlCache<[u8; 32], VerifiedToken>,
    /// `client_id` → registration, for `cache_ttl_secs`.
    pub clients: TtlCache<String, Arc<Client>>,
    /// User id → row, for `cache_ttl_secs` (userinfo).
    pub users: TtlCache<String, Arc<User>>,
    /// User id → the session lifetime their organisations impose, for `cache_ttl_secs`
    /// (checked on every signed-in request; see `flows::orgs::member_policy`).
    pub session_lifetimes: TtlCache<String, Option<i64>>,
    /// Every web origin some client accepts (CORS preflights), for `cache_ttl_secs`.
    pub web_origins: Snapshot<HashSet<String>>,
    /// `client_id` + `jwks_uri` → the keys fetched from it, or the failure to (see
    /// `flows::client_assertions`).
    pub client_jwks: TtlCache<String, crate::flows::client_assertions::FetchedJwks>,
    pub ttl_secs: i64,
}

impl Caches {
    /// `ttl_secs` 0 turns the client and user caches off; the token cache has no staleness (its
    /// entries are re-checked for expiry, revocation and key changes on every use) and stays on.
    pub fn new(ttl_secs: i64) -> Self {
        let records = if ttl_secs > 0 {
            RECORD_CACHE_ENTRIES
        } else {
            0
        };
        Self {
            tokens: TtlCache::new(TOKEN_CACHE_ENTRIES),
            clients: TtlCache::new(records),
            users: TtlCache::new(records),
            session_lifetimes: TtlCache::new(records),
            web_origins: Snapshot::new(),
            client_jwks: TtlCache::new(CLIENT_JWKS_ENTRIES),
            ttl_secs,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_at_their_deadline() {
        let cache: TtlCache<String, u32> = TtlCache::new(100);
        cache.insert("a".into(), 1, 110, 100);
        assert_eq!(cache.get(&"a".into(), 109), Some(1));
        assert_eq!(cache.get(&"a".into(), 110), None);
        assert!(cache.is_empty(), "an expired entry is dropped when read");
        cache.insert("b".into(), 2, 100, 100);
        assert_eq!(
            cache.get(&"b".into(), 99),
            None,
            "already expired: not stored"
        );
        cache.insert("c".into(), 3, 200, 100);
        cache.remove(&"c".into());
        assert_eq!(cache.get(&"c".into(), 100), None);
    }

    #[test]
    fn a_snapshot_lives_until_it_expires_or_is_cleared() {
        let snapshot: Snapshot<u32> = Snapshot::new();
        assert!(snapshot.get(0).is_none());
        snapshot.set(Arc::new(7), 10);
        assert_eq!(snapshot.get(9).as_deref(), Some(&7));
        assert!(snapshot.get(10).is_none());
        snapshot.set(Arc::new(8), 20);
        snapshot.clear();
        assert!(snapshot.get(0).is_none());
    }

    #[test]
    fn size_stays_bounded() {
        let cache: TtlCache<u64, u64> = TtlCache::new(64);
        for n in 0..10_000 {
            cache.insert(n, n, 1_000, 0);
        }
        assert!(cache.len() <= 64 + SHARDS, "{}", cache.len());
        // The newest entry always makes it in.
        assert_eq!(cache.get(&9_999, 0), Some(9_999));
    }

    #[test]
    fn a_zero_capacity_cache_stores_nothing() {
        let cache: TtlCache<String, u32> = TtlCache::new(0);
        cache.insert("a".into(), 1, 100, 0);
        assert!(cache.is_empty());
        let off = Caches::new(0);
        assert_eq!((off.clients.per_shard, off.users.per_shard), (0, 0));
        assert!(
            off.tokens.per_shard > 0,
            "the token cache has no staleness and stays on"
        );
        assert!(Caches::new(5).users.per_shard > 0);
    }
}
