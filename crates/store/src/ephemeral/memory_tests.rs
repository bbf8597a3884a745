//! Tests of the in-memory ephemeral store: the shared conformance suite, then what only memory
//! has (exact deadlines on a manual clock, counting, reclamation).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::{Clock, MemoryStore, SHARD_COUNT, SWEEP_EVERY_WRITES};
use crate::ephemeral::Ephemeral;
use crate::ephemeral::conformance::{Store, all_conformance_tests};

all_conformance_tests!(async { Some(Arc::new(MemoryStore::new()) as Store) });

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
async fn len_counts_live_entries_only() {
    let (clock, store) = manual_store();
    assert!(store.is_empty());
    store.put("k", b"v1".to_vec(), MINUTE).await.unwrap();
    store.put("k", b"v2".to_vec(), MINUTE).await.unwrap();
    store.put("short", b"s".to_vec(), MINUTE / 2).await.unwrap();
    assert_eq!(store.len(), 2);
    clock.advance(MINUTE / 2);
    assert_eq!(store.len(), 1);
    store.take("k").await.unwrap();
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
async fn put_if_absent_expiry_on_a_manual_clock() {
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
async fn incr_window_on_a_manual_clock() {
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
