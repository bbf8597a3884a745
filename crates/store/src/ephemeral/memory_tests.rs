//! Tests of the in-memory ephemeral store: semantics, expiry, reclamation, concurrency.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::{Clock, MemoryStore, SHARD_COUNT, SWEEP_EVERY_WRITES};
use crate::ephemeral::{Ephemeral, EphemeralError};

/// A clock that only moves when told to.
struct ManualClock {
    start: Instant,
    elapsed_ms: AtomicU64,
}

impl ManualClock {
    fn advance(&self, by: Duration) {
        let ms = u64::try_from(by.as_millis()).unwrap();
        self.elapsed_ms.fetch_add(ms, Ordering::SeqCst);
    }
}

fn manual_store() -> (Arc<ManualClock>, MemoryStore) {
    let clock = Arc::new(ManualClock {
        start: Instant::now(),
        elapsed_ms: AtomicU64::new(0),
    });
    let reader = Arc::clone(&clock);
    let now: Clock = Arc::new(move || {
        reader.start + Duration::from_millis(reader.elapsed_ms.load(Ordering::SeqCst))
    });
    (clock, MemoryStore::with_clock(now))
}

const MINUTE: Duration = Duration::from_secs(60);

#[tokio::test]
async fn put_get_take_delete() {
    let store = MemoryStore::new();
    assert!(store.is_empty());
    store.put("k", b"v1".to_vec(), MINUTE).await.unwrap();
    store.put("k", b"v2".to_vec(), MINUTE).await.unwrap();
    assert_eq!(store.get("k").await.unwrap(), Some(b"v2".to_vec()));
    assert_eq!(store.len(), 1);
    assert_eq!(store.take("k").await.unwrap(), Some(b"v2".to_vec()));
    assert_eq!(store.take("k").await.unwrap(), None);
    store.put("d", b"x".to_vec(), MINUTE).await.unwrap();
    store.delete("d").await.unwrap();
    store.delete("never-there").await.unwrap();
    assert_eq!(store.get("d").await.unwrap(), None);
    assert!(store.is_empty());
}

#[tokio::test]
async fn entries_vanish_exactly_at_their_deadline() {
    let (clock, store) = manual_store();
    store.put("code", b"c".to_vec(), MINUTE).await.unwrap();
    clock.advance(MINUTE - Duration::from_millis(1));
    assert_eq!(store.get("code").await.unwrap(), Some(b"c".to_vec()));
    clock.advance(Duration::from_millis(1));
    assert_eq!(store.get("code").await.unwrap(), None);
    assert_eq!(store.len(), 0);

    store.put("t", b"t".to_vec(), MINUTE).await.unwrap();
    clock.advance(MINUTE);
    assert_eq!(store.take("t").await.unwrap(), None);
}

#[tokio::test]
async fn put_replaces_the_ttl() {
    let (clock, store) = manual_store();
    store.put("k", b"a".to_vec(), MINUTE).await.unwrap();
    clock.advance(Duration::from_secs(50));
    store.put("k", b"b".to_vec(), MINUTE).await.unwrap();
    clock.advance(Duration::from_secs(50));
    assert_eq!(store.get("k").await.unwrap(), Some(b"b".to_vec()));
}

#[tokio::test]
async fn put_if_absent_respects_live_entries_only() {
    let (clock, store) = manual_store();
    assert!(
        store
            .put_if_absent("n", b"1".to_vec(), MINUTE)
            .await
            .unwrap()
    );
    assert!(
        !store
            .put_if_absent("n", b"2".to_vec(), MINUTE)
            .await
            .unwrap()
    );
    assert_eq!(store.get("n").await.unwrap(), Some(b"1".to_vec()));
    clock.advance(MINUTE);
    assert!(
        store
            .put_if_absent("n", b"3".to_vec(), MINUTE)
            .await
            .unwrap()
    );
    assert_eq!(store.get("n").await.unwrap(), Some(b"3".to_vec()));
}

#[tokio::test]
async fn incr_uses_a_fixed_window() {
    let (clock, store) = manual_store();
    let window = Duration::from_secs(10);
    assert_eq!(store.incr("c", window).await.unwrap(), 1);
    clock.advance(Duration::from_secs(6));
    assert_eq!(store.incr("c", window).await.unwrap(), 2);
    assert_eq!(store.get("c").await.unwrap(), Some(b"2".to_vec()));
    // Incrementing did not extend the window opened by the first call.
    clock.advance(Duration::from_secs(4));
    assert_eq!(store.incr("c", window).await.unwrap(), 1);
}

#[tokio::test]
async fn incr_on_a_non_counter_is_an_error() {
    let store = MemoryStore::new();
    store.put("s", b"session".to_vec(), MINUTE).await.unwrap();
    let err = store.incr("s", MINUTE).await.unwrap_err();
    assert!(matches!(err, EphemeralError::NotACounter), "{err:?}");
}

#[tokio::test]
async fn zero_ttl_is_refused_everywhere() {
    let store = MemoryStore::new();
    let zero = Duration::ZERO;
    assert!(matches!(
        store.put("k", vec![], zero).await,
        Err(EphemeralError::ZeroTtl)
    ));
    assert!(matches!(
        store.put_if_absent("k", vec![], zero).await,
        Err(EphemeralError::ZeroTtl)
    ));
    assert!(matches!(
        store.incr("k", zero).await,
        Err(EphemeralError::ZeroTtl)
    ));
    assert!(store.is_empty());
}

#[tokio::test]
async fn huge_ttl_is_clamped_not_overflowed() {
    let store = MemoryStore::new();
    store.put("k", b"v".to_vec(), Duration::MAX).await.unwrap();
    assert_eq!(store.get("k").await.unwrap(), Some(b"v".to_vec()));
}

#[tokio::test]
async fn expiry_on_the_real_clock() {
    let store = MemoryStore::new();
    store
        .put("short", b"s".to_vec(), Duration::from_millis(50))
        .await
        .unwrap();
    store.put("long", b"l".to_vec(), MINUTE).await.unwrap();
    assert_eq!(store.len(), 2);
    tokio::time::sleep(Duration::from_millis(80)).await;
    assert_eq!(store.get("short").await.unwrap(), None);
    assert_eq!(store.len(), 1);
}

#[tokio::test]
async fn writes_reclaim_expired_entries_of_every_shard() {
    let (clock, store) = manual_store();
    for n in 0..500 {
        store
            .put(&format!("old{n}"), vec![1], MINUTE)
            .await
            .unwrap();
    }
    clock.advance(MINUTE);
    // Enough writes for every shard to be swept once, all to one live key.
    let writes = SWEEP_EVERY_WRITES * SHARD_COUNT as u64;
    for _ in 0..writes {
        store.put("hot", vec![2], MINUTE).await.unwrap();
    }
    assert_eq!(store.sweep_expired(), 0, "nothing expired was left behind");
    assert_eq!(store.len(), 1);
}

#[tokio::test]
async fn sweep_expired_counts_what_it_removed() {
    let (clock, store) = manual_store();
    for n in 0..20 {
        store.put(&format!("k{n}"), vec![], MINUTE).await.unwrap();
    }
    store.put("keep", vec![], MINUTE * 2).await.unwrap();
    clock.advance(MINUTE);
    assert_eq!(store.sweep_expired(), 20);
    assert_eq!(store.len(), 1);
}

#[tokio::test]
async fn sweeper_task_reclaims_and_stops_with_the_store() {
    let (clock, store) = manual_store();
    let store = Arc::new(store);
    for n in 0..10 {
        store.put(&format!("k{n}"), vec![], MINUTE).await.unwrap();
    }
    clock.advance(MINUTE);
    let sweeper = store.spawn_sweeper(Duration::from_millis(10));
    tokio::time::sleep(Duration::from_millis(60)).await;
    assert_eq!(store.sweep_expired(), 0, "the task already swept");
    drop(store);
    tokio::time::timeout(Duration::from_secs(2), sweeper)
        .await
        .expect("sweeper stops once the store is gone")
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn take_has_a_single_winner() {
    let store = Arc::new(MemoryStore::new());
    store.put("code", b"c".to_vec(), MINUTE).await.unwrap();
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let store = Arc::clone(&store);
            tokio::spawn(async move { store.take("code").await.unwrap() })
        })
        .collect();
    let mut winners = 0;
    for task in tasks {
        if task.await.unwrap().is_some() {
            winners += 1;
        }
    }
    assert_eq!(winners, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn put_if_absent_has_a_single_winner() {
    let store = Arc::new(MemoryStore::new());
    let tasks: Vec<_> = (0..100_u8)
        .map(|n| {
            let store = Arc::clone(&store);
            tokio::spawn(async move { store.put_if_absent("nonce", vec![n], MINUTE).await })
        })
        .collect();
    let mut winners = Vec::new();
    for (n, task) in tasks.into_iter().enumerate() {
        if task.await.unwrap().unwrap() {
            winners.push(u8::try_from(n).unwrap());
        }
    }
    assert_eq!(winners.len(), 1);
    assert_eq!(store.get("nonce").await.unwrap(), Some(winners));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn incr_counts_exactly_under_concurrency() {
    let store = Arc::new(MemoryStore::new());
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                for _ in 0..10 {
                    store.incr("hits", MINUTE).await.unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(store.get("hits").await.unwrap(), Some(b"1000".to_vec()));
    assert_eq!(store.incr("hits", MINUTE).await.unwrap(), 1001);
}
