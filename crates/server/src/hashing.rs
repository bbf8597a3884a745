//! The bounded pool that runs password hashing off the async workers: a fixed number of slots and a
//! bounded queue, so a login storm gets a quick "try again" instead of unbounded work and memory,
//! and token, JWKS and introspection requests keep their threads.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use poort_credentials::Hasher;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

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
    /// Jobs run to completion since start: each is one hash, or one verification (plus its
    /// rehash); lockout tests count verifications with it.
    completed: Arc<AtomicU64>,
}

/// How busy the pool is, for metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HashingLoad {
    pub running: usize,
    pub queued: usize,
    /// Slots + queue: requests beyond this many are refused.
    pub capacity: usize,
}

/// A place in the pool, taken before any other work on a login so that a full queue costs the
/// user nothing (no lockout attempt is counted for a request the pool refused).
pub struct Admission {
    pool: HashingPool,
    _admitted: OwnedSemaphorePermit,
}

impl HashingPool {
    pub fn new(hasher: Hasher, concurrency: usize, queue: usize) -> Self {
        Self {
            hasher: Arc::new(hasher),
            slots: Arc::new(Semaphore::new(concurrency)),
            admitted: Arc::new(Semaphore::new(concurrency + queue)),
            concurrency,
            capacity: concurrency + queue,
            completed: Arc::new(AtomicU64::new(0)),
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

    /// Jobs run to completion so far.
    pub fn completed(&self) -> u64 {
        self.completed.load(Ordering::Relaxed)
    }

    /// Takes a place in the queue, or refuses at once when it is full.
    pub fn admit(&self) -> Result<Admission, HashingError> {
        let admitted = self
            .admitted
            .clone()
            .try_acquire_owned()
            .map_err(|_| HashingError::Busy)?;
        Ok(Admission {
            pool: self.clone(),
            _admitted: admitted,
        })
    }

    /// Runs `work` on a blocking thread once a slot is free, or refuses at once when the queue is full.
    pub async fn run<T, F>(&self, work: F) -> Result<T, HashingError>
    where
        T: Send + 'static,
        F: FnOnce(&Hasher) -> T + Send + 'static,
    {
        self.admit()?.run(work).await
    }
}

impl Admission {
    /// Runs `work` on a blocking thread once a slot is free; the place is given back after.
    pub async fn run<T, F>(self, work: F) -> Result<T, HashingError>
    where
        T: Send + 'static,
        F: FnOnce(&Hasher) -> T + Send + 'static,
    {
        let pool = &self.pool;
        let slot = pool
            .slots
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| HashingError::Failed)?;
        let hasher = pool.hasher.clone();
        let completed = pool.completed.clone();
        // The slot moves into the job: if this request is dropped mid-way (client gone), the
        // slot stays taken until the hash is done, so running hashes never exceed the pool.
        tokio::task::spawn_blocking(move || {
            let result = work(&hasher);
            completed.fetch_add(1, Ordering::Relaxed);
            drop(slot);
            result
        })
        .await
        .map_err(|_| HashingError::Failed)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::time::Duration;

    use poort_credentials::{HashAlgorithm, Hasher, Password};

    use super::{HashingError, HashingPool};

    fn pool(concurrency: usize, queue: usize) -> HashingPool {
        let cheap = HashAlgorithm::Argon2id {
            m_kib: 64,
            t: 1,
            p: 1,
        };
        HashingPool::new(Hasher::new(cheap, Vec::new()).unwrap(), concurrency, queue)
    }

    #[tokio::test]
    async fn refuses_at_once_beyond_slots_plus_queue_and_counts_completed_jobs() {
        let pool = pool(1, 1);
        let first = pool.admit().unwrap();
        let second = pool.admit().unwrap();
        assert!(matches!(pool.admit(), Err(HashingError::Busy)));
        drop(second);
        let password = Password::new("pw").unwrap();
        let hash = first
            .run(move |h| h.hash(&password))
            .await
            .unwrap()
            .unwrap();
        assert!(hash.as_str().starts_with("$argon2id$"));
        assert_eq!(pool.completed(), 1);
        // Places are given back: two fit again.
        let (_a, _b) = (pool.admit().unwrap(), pool.admit().unwrap());
        assert_eq!(pool.completed(), 1);
    }

    #[tokio::test]
    async fn a_dropped_request_keeps_its_slot_until_its_hash_is_done() {
        let pool = pool(1, 5);
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let running = pool.admit().unwrap().run(move |_| {
            let _ = started_tx.send(());
            let _ = release_rx.recv();
        });
        let task = tokio::spawn(running);
        tokio::task::spawn_blocking(move || started_rx.recv())
            .await
            .unwrap()
            .unwrap();
        task.abort();
        // The next job cannot start while the abandoned one still runs on its thread.
        let next = pool.run(|_| ());
        tokio::pin!(next);
        let early = tokio::time::timeout(Duration::from_millis(100), &mut next).await;
        assert!(early.is_err(), "a second job ran beside the first");
        release_tx.send(()).unwrap();
        next.await.unwrap();
        assert_eq!(pool.completed(), 2);
    }
}
