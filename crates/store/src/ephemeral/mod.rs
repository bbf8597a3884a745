//! The ephemeral store: short-lived key/value data (sessions, authorization codes, CSRF and
//! WebAuthn challenges, rate-limit counters). Every key has a TTL.
//!
//! The operations map one-to-one onto Redis (`SET PX`, `SET NX PX`, `GET`, `GETDEL`, `DEL`,
//! `INCR` + `PEXPIRE` on creation, `MGET`, `SET`s in `MULTI`/`EXEC`, a compare-and-raise script): [`RedisStore`] behaves like [`MemoryStore`], and both pass
//! the same behavioural tests (`conformance`).

#[cfg(test)]
mod conformance;
mod memory;
mod redis;

use std::time::Duration;

pub use memory::{Clock, MemoryStore};
pub use redis::RedisStore;

/// The longest TTL honoured; longer ones are shortened to it.
pub const MAX_TTL: Duration = Duration::from_secs(365 * 24 * 60 * 60);
/// The shortest TTL honoured (Redis expiry has millisecond resolution); shorter non-zero
/// ones are lengthened to it.
pub const MIN_TTL: Duration = Duration::from_millis(1);

#[derive(Debug, thiserror::Error)]
pub enum EphemeralError {
    /// A zero TTL would store nothing useful; it is a caller bug, so it is refused.
    #[error("ttl must be greater than zero")]
    ZeroTtl,
    /// `incr` on a key holding something other than a counter.
    #[error("the value at this key is not a counter")]
    NotACounter,
    /// The backing service (Redis) failed or could not be reached.
    #[error("ephemeral store unavailable: {0}")]
    Unavailable(String),
}

/// Short-lived storage shared by all nodes (memory for one node, Redis for several).
#[async_trait::async_trait]
pub trait Ephemeral: Send + Sync + 'static {
    /// Stores `value`, replacing any value and TTL the key had.
    async fn put(&self, key: &str, value: Vec<u8>, ttl: Duration) -> Result<(), EphemeralError>;
    /// Stores only if absent; true if stored.
    async fn put_if_absent(
        &self,
        key: &str,
        value: Vec<u8>,
        ttl: Duration,
    ) -> Result<bool, EphemeralError>;
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, EphemeralError>;
    /// Atomic get-and-delete: of two concurrent callers at most one gets the value.
    async fn take(&self, key: &str) -> Result<Option<Vec<u8>>, EphemeralError>;
    async fn delete(&self, key: &str) -> Result<(), EphemeralError>;
    /// Atomic increment; the TTL is set when the counter is created (fixed window). Returns
    /// the new value. Counters read back through `get` as decimal ASCII, as in Redis.
    async fn incr(&self, key: &str, ttl: Duration) -> Result<u64, EphemeralError>;
    /// The values of several keys in one round trip (`MGET`), in the order asked.
    async fn get_many(&self, keys: &[&str]) -> Result<Vec<Option<Vec<u8>>>, EphemeralError>;
    /// Stores every entry (key, value, TTL) in one step: in Redis a `MULTI`/`EXEC`, so no other
    /// client's command (a `FLUSHALL` say) runs between them; in memory one after the other
    /// (nothing empties a memory store while it runs), so a reader that sees the last entry
    /// sees the others.
    async fn put_many(
        &self,
        entries: Vec<(String, Vec<u8>, Duration)>,
    ) -> Result<(), EphemeralError>;
    /// Raises the counter at `key` to `to`, keeping its TTL, if it exists and holds at least
    /// `from` (and less than `to`); an absent key stays absent. Returns the value held
    /// afterwards (`None`: absent).
    async fn raise(&self, key: &str, from: u64, to: u64) -> Result<Option<u64>, EphemeralError>;
    /// Checks that the backing service answers (for readiness probes).
    async fn ping(&self) -> Result<(), EphemeralError> {
        Ok(())
    }
}

/// The TTL an implementation must use for a requested one: zero is refused, the rest is
/// clamped to [`MIN_TTL`]..=[`MAX_TTL`].
pub fn effective_ttl(ttl: Duration) -> Result<Duration, EphemeralError> {
    if ttl.is_zero() {
        return Err(EphemeralError::ZeroTtl);
    }
    Ok(ttl.clamp(MIN_TTL, MAX_TTL))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{EphemeralError, MAX_TTL, MIN_TTL, effective_ttl};

    #[test]
    fn ttls_are_refused_or_clamped() {
        assert!(matches!(
            effective_ttl(Duration::ZERO),
            Err(EphemeralError::ZeroTtl)
        ));
        assert!(matches!(effective_ttl(Duration::from_nanos(1)), Ok(t) if t == MIN_TTL));
        assert!(matches!(effective_ttl(Duration::MAX), Ok(t) if t == MAX_TTL));
        let minute = Duration::from_secs(60);
        assert!(matches!(effective_ttl(minute), Ok(t) if t == minute));
    }
}
