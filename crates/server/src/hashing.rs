//! The bounded pool that runs password hashing off the async workers: a fixed number of slots and a
//! bounded queue, so a login storm gets a quick "try again" instead of unbounded work and memory,
//! and token, JWKS and introspection requests keep their threads.

use std::sync::Arc;

use poort_credentials::Hasher;
use tokio::sync::Semaphore;

#[derive(Debug, thiserror::Error)]
pub enum HashingError {
    #[error("the password hashing queue is full")]
    Busy,
    #[error("the password hashing task failed")]
    Failed,
}

#[derive(Clone)]
pub struct HashingPool {
    hasher: Arc<Hasher>,
    slots: Arc<Semaphore>,
    admitted: Arc<Semaphore>,
    concurrency: usize,
    capacity: usize,
}

/// How busy the pool is, for metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HashingLoad {
    pub running: usize,
    pub queued: usize,
    /// Slots + queue: requests beyond this many are refused.
    pub capacity: usize,
}

impl HashingPool {
    pub fn new(hasher: Hasher, concurrency: usize, queue: usize) -> Self {
        Self {
            hasher: Arc::new(hasher),
            slots: Arc::new(Semaphore::new(concurrency)),
            admitted: Arc::new(Semaphore::new(concurrency + queue)),
            concurrency,
            capacity: concurrency + queue,
        }
    }

    pub fn load(&self) -> HashingLoad {
        // Two separate reads may be a moment apart: saturate rather than underflow.
        let in_flight = self
            .capacity
            .saturating_sub(self.admitted.available_permits());
        let running = self
            .concurrency
            .saturating_sub(self.slots.available_permits())
            .min(in_flight);
        HashingLoad {
            running,
            queued: in_flight - running,
            capacity: self.capacity,
        }
    }

    pub fn hasher(&self) -> &Hasher {
        &self.hasher
    }

    /// Requests running or waiting; for metrics and tests.
    pub fn in_flight(&self, capacity: usize) -> usize {
        capacity.saturating_sub(self.admitted.available_permits())
    }

    /// Runs `work` on a blocking thread once a slot is free, or refuses at once when the queue is full.
    pub async fn run<T, F>(&self, work: F) -> Result<T, HashingError>
    where
        T: Send + 'static,
        F: FnOnce(&Hasher) -> T + Send + 'static,
    {
        let admitted = self
            .admitted
            .clone()
            .try_acquire_owned()
            .map_err(|_| HashingError::Busy)?;
        let slot = self
            .slots
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| HashingError::Failed)?;
        let hasher = self.hasher.clone();
        let result = tokio::task::spawn_blocking(move || work(&hasher))
            .await
            .map_err(|_| HashingError::Failed);
        drop(slot);
        drop(admitted);
        result
    }
}
