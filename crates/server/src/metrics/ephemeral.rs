//! An `Ephemeral` wrapper that counts the failures of the store it wraps (Redis down, timeouts),
//! so an operator sees them in `/metrics` before users report them.

use std::sync::Arc;
use std::time::Duration;

use poort_store::ephemeral::{Ephemeral, EphemeralError};

use super::{EphemeralOp, Metrics};

pub struct CountingEphemeral {
    inner: Arc<dyn Ephemeral>,
    metrics: Arc<Metrics>,
}

impl CountingEphemeral {
    pub fn new(inner: Arc<dyn Ephemeral>, metrics: Arc<Metrics>) -> Self {
        Self { inner, metrics }
    }

    fn count<T>(
        &self,
        op: EphemeralOp,
        result: Result<T, EphemeralError>,
    ) -> Result<T, EphemeralError> {
        // Only infrastructure failures: a zero TTL or a non-counter is a caller bug, not an
        // outage, and is logged where it happens.
        if let Err(EphemeralError::Unavailable(_)) = &result {
            self.metrics.ephemeral_error(op);
        }
        result
    }
}

#[async_trait::async_trait]
impl Ephemeral for CountingEphemeral {
    async fn put(&self, key: &str, value: Vec<u8>, ttl: Duration) -> Result<(), EphemeralError> {
        self.count(EphemeralOp::Put, self.inner.put(key, value, ttl).await)
    }

    async fn put_if_absent(
        &self,
        key: &str,
        value: Vec<u8>,
        ttl: Duration,
    ) -> Result<bool, EphemeralError> {
        let result = self.inner.put_if_absent(key, value, ttl).await;
        self.count(EphemeralOp::PutIfAbsent, result)
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, EphemeralError> {
        self.count(EphemeralOp::Get, self.inner.get(key).await)
    }

    async fn take(&self, key: &str) -> Result<Option<Vec<u8>>, EphemeralError> {
        self.count(EphemeralOp::Take, self.inner.take(key).await)
    }

    async fn delete(&self, key: &str) -> Result<(), EphemeralError> {
        self.count(EphemeralOp::Delete, self.inner.delete(key).await)
    }

    async fn incr(&self, key: &str, ttl: Duration) -> Result<u64, EphemeralError> {
        self.count(EphemeralOp::Incr, self.inner.incr(key, ttl).await)
    }

    async fn get_many(&self, keys: &[&str]) -> Result<Vec<Option<Vec<u8>>>, EphemeralError> {
        self.count(EphemeralOp::GetMany, self.inner.get_many(keys).await)
    }

    async fn put_many(
        &self,
        entries: Vec<(String, Vec<u8>, Duration)>,
    ) -> Result<(), EphemeralError> {
        self.count(EphemeralOp::PutMany, self.inner.put_many(entries).await)
    }

    async fn raise(&self, key: &str, from: u64, to: u64) -> Result<Option<u64>, EphemeralError> {
        self.count(EphemeralOp::Raise, self.inner.raise(key, from, to).await)
    }

    async fn ping(&self) -> Result<(), EphemeralError> {
        self.count(EphemeralOp::Ping, self.inner.ping().await)
    }
}
