//! The behaviour every [`Ephemeral`] implementation must have, as test functions over a store.
//! `memory_tests` and `redis_tests` run each of them through [`conformance_tests!`]. They use
//! the real clock (short TTLs with wide margins) so the same function can test Redis.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;

use super::{Ephemeral, EphemeralError};

pub type Store = Arc<dyn Ephemeral>;

const MINUTE: Duration = Duration::from_secs(60);
/// Short enough to wait out in a test, long enough to read back first on a loaded machine.
const SHORT: Duration = Duration::from_millis(400);
/// Waiting this long after a SHORT write is certainly past its expiry.
const PAST_SHORT: Duration = Duration::from_millis(700);

/// Generates one `#[tokio::test]` per conformance function; `$make` is an async expression
/// giving `Option<Store>` (None: the backing service is not configured, the test is skipped).
macro_rules! conformance_tests {
    ($make:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                let Some(store) = $make.await else {
                    eprintln!("skipped: {} needs its backing service", stringify!($name));
                    return;
                };
                crate::ephemeral::conformance::$name(store).await;
            }
        )*
    };
}
pub(crate) use conformance_tests;

/// Generates the whole conformance suite for one implementation.
macro_rules! all_conformance_tests {
    ($make:expr) => {
        crate::ephemeral::conformance::conformance_tests!($make;
            put_get_take_delete,
            values_are_binary_safe,
            put_replaces_value_and_ttl,
            entries_expire,
            put_if_absent_respects_live_entries_only,
            incr_uses_a_fixed_window,
            incr_on_a_non_counter_is_an_error,
            zero_ttl_is_refused_everywhere,
            huge_ttl_is_clamped_not_overflowed,
            take_has_a_single_winner,
            put_if_absent_has_a_single_winner,
            incr_counts_exactly_under_concurrency,
            ping_answers,
            get_many_and_put_many,
            raise_only_raises_an_existing_counter,
        );
    };
}
pub(crate) use all_conformance_tests;

pub async fn put_get_take_delete(store: Store) {
    store.put("k", b"v1".to_vec(), MINUTE).await.unwrap();
    store.put("k", b"v2".to_vec(), MINUTE).await.unwrap();
    assert_eq!(store.get("k").await.unwrap(), Some(b"v2".to_vec()));
    assert_eq!(store.take("k").await.unwrap(), Some(b"v2".to_vec()));
    assert_eq!(store.take("k").await.unwrap(), None);
    assert_eq!(store.get("k").await.unwrap(), None);
    store.put("d", b"x".to_vec(), MINUTE).await.unwrap();
    store.delete("d").await.unwrap();
    store.delete("never-there").await.unwrap();
    assert_eq!(store.get("d").await.unwrap(), None);
    assert_eq!(store.get("never-there").await.unwrap(), None);
}

pub async fn values_are_binary_safe(store: Store) {
    let value: Vec<u8> = (0..=255).collect();
    store.put("bin", value.clone(), MINUTE).await.unwrap();
    assert_eq!(store.get("bin").await.unwrap(), Some(value.clone()));
    store.put("empty", Vec::new(), MINUTE).await.unwrap();
    assert_eq!(store.take("empty").await.unwrap(), Some(Vec::new()));
    // Keys with separators and non-ASCII are kept apart exactly.
    store.put("a:b/ü", b"1".to_vec(), MINUTE).await.unwrap();
    assert_eq!(store.get("a:b/u").await.unwrap(), None);
    assert_eq!(store.take("a:b/ü").await.unwrap(), Some(b"1".to_vec()));
}

pub async fn put_replaces_value_and_ttl(store: Store) {
    store.put("k", b"a".to_vec(), SHORT).await.unwrap();
    store.put("k", b"b".to_vec(), MINUTE).await.unwrap();
    tokio::time::sleep(PAST_SHORT).await;
    assert_eq!(store.get("k").await.unwrap(), Some(b"b".to_vec()));
    // And the other way round: a long TTL is replaced by a short one.
    store.put("j", b"a".to_vec(), MINUTE).await.unwrap();
    store.put("j", b"b".to_vec(), SHORT).await.unwrap();
    tokio::time::sleep(PAST_SHORT).await;
    assert_eq!(store.get("j").await.unwrap(), None);
}

pub async fn entries_expire(store: Store) {
    store.put("short", b"s".to_vec(), SHORT).await.unwrap();
    store.put("taken", b"t".to_vec(), SHORT).await.unwrap();
    store.put("long", b"l".to_vec(), MINUTE).await.unwrap();
    assert_eq!(store.get("short").await.unwrap(), Some(b"s".to_vec()));
    tokio::time::sleep(PAST_SHORT).await;
    assert_eq!(store.get("short").await.unwrap(), None);
    assert_eq!(store.take("taken").await.unwrap(), None);
    assert_eq!(store.get("long").await.unwrap(), Some(b"l".to_vec()));
}

pub async fn put_if_absent_respects_live_entries_only(store: Store) {
    assert!(
        store
            .put_if_absent("n", b"1".to_vec(), SHORT)
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
    tokio::time::sleep(PAST_SHORT).await;
    assert!(
        store
            .put_if_absent("n", b"3".to_vec(), MINUTE)
            .await
            .unwrap()
    );
    assert_eq!(store.get("n").await.unwrap(), Some(b"3".to_vec()));
}

pub async fn incr_uses_a_fixed_window(store: Store) {
    let window = Duration::from_millis(800);
    assert_eq!(store.incr("c", window).await.unwrap(), 1);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(store.incr("c", window).await.unwrap(), 2);
    assert_eq!(store.get("c").await.unwrap(), Some(b"2".to_vec()));
    // The second increment did not extend the window opened by the first: 800 ms after the
    // first call the counter is gone although the last increment was only 400 ms ago.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(store.incr("c", window).await.unwrap(), 1);
}

pub async fn incr_on_a_non_counter_is_an_error(store: Store) {
    store.put("s", b"session".to_vec(), MINUTE).await.unwrap();
    let err = store.incr("s", MINUTE).await.unwrap_err();
    assert!(matches!(err, EphemeralError::NotACounter), "{err:?}");
    // The value is untouched.
    assert_eq!(store.get("s").await.unwrap(), Some(b"session".to_vec()));
}

pub async fn zero_ttl_is_refused_everywhere(store: Store) {
    let zero = Duration::ZERO;
    assert!(matches!(
        store.put("z", vec![], zero).await,
        Err(EphemeralError::ZeroTtl)
    ));
    assert!(matches!(
        store.put_if_absent("z", vec![], zero).await,
        Err(EphemeralError::ZeroTtl)
    ));
    assert!(matches!(
        store.incr("z", zero).await,
        Err(EphemeralError::ZeroTtl)
    ));
    assert_eq!(store.get("z").await.unwrap(), None);
}

pub async fn huge_ttl_is_clamped_not_overflowed(store: Store) {
    store
        .put("huge", b"v".to_vec(), Duration::MAX)
        .await
        .unwrap();
    assert_eq!(store.get("huge").await.unwrap(), Some(b"v".to_vec()));
    assert_eq!(store.incr("huge-c", Duration::MAX).await.unwrap(), 1);
    // Clamped to a year: do not leave it behind in a shared Redis.
    store.delete("huge").await.unwrap();
    store.delete("huge-c").await.unwrap();
}

pub async fn take_has_a_single_winner(store: Store) {
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

pub async fn put_if_absent_has_a_single_winner(store: Store) {
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

pub async fn incr_counts_exactly_under_concurrency(store: Store) {
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

pub async fn ping_answers(store: Store) {
    store.ping().await.unwrap();
}

pub async fn get_many_and_put_many(store: Store) {
    assert!(store.get_many(&[]).await.unwrap().is_empty());
    store
        .put_many(vec![
            ("many:a".into(), b"1".to_vec(), MINUTE),
            ("many:b".into(), vec![0, 255], SHORT),
        ])
        .await
        .unwrap();
    let values = store
        .get_many(&["many:a", "many:none", "many:b"])
        .await
        .unwrap();
    assert_eq!(values, [Some(b"1".to_vec()), None, Some(vec![0, 255])]);
    tokio::time::sleep(PAST_SHORT).await;
    let values = store.get_many(&["many:a", "many:b"]).await.unwrap();
    assert_eq!(
        values,
        [Some(b"1".to_vec()), None],
        "each entry has its own TTL"
    );
    store.put_many(Vec::new()).await.unwrap();
    // A zero TTL anywhere is refused, and nothing of the batch is stored.
    let refused = store
        .put_many(vec![
            ("many:c".into(), b"1".to_vec(), MINUTE),
            ("many:d".into(), b"1".to_vec(), Duration::ZERO),
        ])
        .await;
    assert!(matches!(refused, Err(EphemeralError::ZeroTtl)));
    assert_eq!(store.get("many:c").await.unwrap(), None);
}

pub async fn raise_only_raises_an_existing_counter(store: Store) {
    assert_eq!(store.raise("raise:absent", 0, 5).await.unwrap(), None);
    assert_eq!(
        store.get("raise:absent").await.unwrap(),
        None,
        "not created"
    );
    store.put("raise:n", b"7".to_vec(), SHORT).await.unwrap();
    assert_eq!(
        store.raise("raise:n", 0, 5).await.unwrap(),
        Some(7),
        "never lowered"
    );
    assert_eq!(
        store.raise("raise:n", 8, 12).await.unwrap(),
        Some(7),
        "below from"
    );
    assert_eq!(store.get("raise:n").await.unwrap(), Some(b"7".to_vec()));
    assert_eq!(store.raise("raise:n", 7, 12).await.unwrap(), Some(12));
    assert_eq!(store.get("raise:n").await.unwrap(), Some(b"12".to_vec()));
    // The TTL is kept.
    tokio::time::sleep(PAST_SHORT).await;
    assert_eq!(store.raise("raise:n", 0, 20).await.unwrap(), None);
    assert_eq!(store.get("raise:n").await.unwrap(), None);
    store
        .put("raise:text", b"abc".to_vec(), MINUTE)
        .await
        .unwrap();
    assert!(matches!(
        store.raise("raise:text", 0, 1).await,
        Err(EphemeralError::NotACounter)
    ));
}
