//! In-process ephemeral store for a single node: sharded maps with per-entry deadlines.
//!
//! Expired entries are invisible at once, removed when touched, and reclaimed in bulk by a
//! sweep of one shard every [`SWEEP_EVERY_WRITES`] writes (so memory cannot grow without
//! bound under load) and optionally by a periodic task ([`MemoryStore::spawn_sweeper`]).

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::{Ephemeral, EphemeralError, effective_ttl};

/// Where the store reads the current time; tests substitute a clock they can advance.
pub type Clock = Arc<dyn Fn() -> Instant + Send + Sync>;

/// Enough shards that concurrent requests rarely wait on the same lock.
const SHARD_COUNT: usize = 16;
/// One shard is swept after this many writes, in turn.
const SWEEP_EVERY_WRITES: u64 = 256;
/// `tokio::time::interval` rejects a zero period.
const MIN_SWEEP_INTERVAL: Duration = Duration::from_millis(10);

struct Entry {
    value: Vec<u8>,
    expires_at: Instant,
}

impl Entry {
    fn is_live(&self, now: Instant) -> bool {
        now < self.expires_at
    }
}

type Shard = HashMap<String, Entry>;

pub struct MemoryStore {
    shards: [Mutex<Shard>; SHARD_COUNT],
    hasher: RandomState,
    writes: AtomicU64,
    clock: Clock,
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("live_entries", &self.len())
            .finish_non_exhaustive()
    }
}

impl MemoryStore {
    /// A store on the real monotonic clock.
    pub fn new() -> Self {
        Self::with_clock(Arc::new(Instant::now))
    }

    /// A store reading time from `clock` (which must never go backwards).
    pub fn with_clock(clock: Clock) -> Self {
        Self {
            shards: std::array::from_fn(|_| Mutex::new(HashMap::new())),
            hasher: RandomState::new(),
            writes: AtomicU64::new(0),
            clock,
        }
    }

    /// Number of live (unexpired) entries.
    pub fn len(&self) -> usize {
        let now = self.now();
        (0..SHARD_COUNT)
            .map(|index| {
                self.lock(index)
                    .values()
                    .filter(|entry| entry.is_live(now))
                    .count()
            })
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Removes every expired entry; returns how many were removed.
    pub fn sweep_expired(&self) -> usize {
        let now = self.now();
        (0..SHARD_COUNT)
            .map(|index| self.sweep_shard(index, now))
            .sum()
    }

    /// Sweeps the whole store every `every` (at least 10 ms) until the store is dropped.
    pub fn spawn_sweeper(self: &Arc<Self>, every: Duration) -> tokio::task::JoinHandle<()> {
        // A weak handle, so the task does not keep a dropped store alive.
        let store = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(every.max(MIN_SWEEP_INTERVAL));
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticker.tick().await;
                let Some(store) = store.upgrade() else { break };
                store.sweep_expired();
            }
        })
    }

    fn now(&self) -> Instant {
        (self.clock)()
    }

    fn shard_index(&self, key: &str) -> usize {
        // The remainder is below SHARD_COUNT, so the cast cannot truncate.
        (self.hasher.hash_one(key) % SHARD_COUNT as u64) as usize
    }

    fn lock(&self, index: usize) -> MutexGuard<'_, Shard> {
        // No code below panics while holding a shard lock, so a poisoned map is still
        // consistent and safe to keep using.
        self.shards[index % SHARD_COUNT]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn shard_of(&self, key: &str) -> MutexGuard<'_, Shard> {
        self.lock(self.shard_index(key))
    }

    fn sweep_shard(&self, index: usize, now: Instant) -> usize {
        let mut shard = self.lock(index);
        let before = shard.len();
        shard.retain(|_, entry| entry.is_live(now));
        before - shard.len()
    }

    fn deadline(&self, now: Instant, ttl: Duration) -> Result<Instant, EphemeralError> {
        let ttl = effective_ttl(ttl)?;
        // MAX_TTL keeps this far from overflow; refuse rather than panic if it ever were not.
        now.checked_add(ttl).ok_or(EphemeralError::ZeroTtl)
    }

    /// Called after each write (with no shard lock held): sweeps shards in turn.
    fn after_write(&self, now: Instant) {
        let count = self.writes.fetch_add(1, Ordering::Relaxed) + 1;
        if count.is_multiple_of(SWEEP_EVERY_WRITES) {
            let index = (count / SWEEP_EVERY_WRITES) % SHARD_COUNT as u64;
            self.sweep_shard(index as usize, now);
        }
    }
}

#[async_trait::async_trait]
impl Ephemeral for MemoryStore {
    async fn put(&self, key: &str, value: Vec<u8>, ttl: Duration) -> Result<(), EphemeralError> {
        let now = self.now();
        let expires_at = self.deadline(now, ttl)?;
        self.shard_of(key)
            .insert(key.to_owned(), Entry { value, expires_at });
        self.after_write(now);
        Ok(())
    }

    async fn put_if_absent(
        &self,
        key: &str,
        value: Vec<u8>,
        ttl: Duration,
    ) -> Result<bool, EphemeralError> {
        let now = self.now();
        let expires_at = self.deadline(now, ttl)?;
        let stored = {
            let mut shard = self.shard_of(key);
            match shard.get(key) {
                Some(entry) if entry.is_live(now) => false,
                Some(_) | None => {
                    shard.insert(key.to_owned(), Entry { value, expires_at });
                    true
                }
            }
        };
        if stored {
            self.after_write(now);
        }
        Ok(stored)
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, EphemeralError> {
        let now = self.now();
        let mut shard = self.shard_of(key);
        match shard.get(key) {
            Some(entry) if entry.is_live(now) => Ok(Some(entry.value.clone())),
            Some(_) => {
                shard.remove(key);
                Ok(None)
            }
            None => Ok(None),
        }
    }

    async fn take(&self, key: &str) -> Result<Option<Vec<u8>>, EphemeralError> {
        let now = self.now();
        let taken = self.shard_of(key).remove(key);
        Ok(taken
            .filter(|entry| entry.is_live(now))
            .map(|entry| entry.value))
    }

    async fn delete(&self, key: &str) -> Result<(), EphemeralError> {
        self.shard_of(key).remove(key);
        Ok(())
    }

    async fn incr(&self, key: &str, ttl: Duration) -> Result<u64, EphemeralError> {
        let now = self.now();
        let expires_at = self.deadline(now, ttl)?;
        let count = {
            let mut shard = self.shard_of(key);
            match shard.get_mut(key) {
                Some(entry) if entry.is_live(now) => {
                    let count = parse_counter(&entry.value)?.saturating_add(1);
                    // The deadline stays: the window is fixed when the counter is created.
                    entry.value = count.to_string().into_bytes();
                    count
                }
                Some(_) | None => {
                    shard.insert(
                        key.to_owned(),
                        Entry {
                            value: b"1".to_vec(),
                            expires_at,
                        },
                    );
                    1
                }
            }
        };
        self.after_write(now);
        Ok(count)
    }

    async fn get_many(&self, keys: &[&str]) -> Result<Vec<Option<Vec<u8>>>, EphemeralError> {
        let mut values = Vec::with_capacity(keys.len());
        for key in keys {
            values.push(self.get(key).await?);
        }
        Ok(values)
    }

    async fn put_many(
        &self,
        entries: Vec<(String, Vec<u8>, Duration)>,
    ) -> Result<(), EphemeralError> {
        let now = self.now();
        // Every TTL is checked before anything is stored: all or nothing.
        let deadlines = entries
            .iter()
            .map(|(_, _, ttl)| self.deadline(now, *ttl))
            .collect::<Result<Vec<_>, _>>()?;
        for ((key, value, _), expires_at) in entries.into_iter().zip(deadlines) {
            self.shard_of(&key).insert(key, Entry { value, expires_at });
            self.after_write(now);
        }
        Ok(())
    }

    async fn raise(&self, key: &str, from: u64, to: u64) -> Result<Option<u64>, EphemeralError> {
        let now = self.now();
        let mut shard = self.shard_of(key);
        match shard.get_mut(key) {
            Some(entry) if entry.is_live(now) => {
                let held = parse_counter(&entry.value)?;
                if held >= from && held < to {
                    entry.value = to.to_string().into_bytes();
                    return Ok(Some(to));
                }
                Ok(Some(held))
            }
            Some(_) => {
                shard.remove(key);
                Ok(None)
            }
            None => Ok(None),
        }
    }
}

fn parse_counter(value: &[u8]) -> Result<u64, EphemeralError> {
    std::str::from_utf8(value)
        .ok()
        .and_then(|text| text.parse().ok())
        .ok_or(EphemeralError::NotACounter)
}

#[cfg(test)]
#[path = "memory_tests.rs"]
mod tests;
