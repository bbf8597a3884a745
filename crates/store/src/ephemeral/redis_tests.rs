//! Tests of the Redis store: the shared conformance suite against the Redis at `REDIS_URL`
//! (skipped when it is not set), key isolation by prefix, and failure when Redis is
//! unreachable (always run: it needs no Redis).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::RedisStore;
use crate::ephemeral::conformance::{Store, all_conformance_tests};
use crate::ephemeral::{Ephemeral, EphemeralError};

/// A store on `REDIS_URL` with a prefix of its own, so tests running at once never meet.
async fn redis_store() -> Option<RedisStore> {
    let url = std::env::var("REDIS_URL").ok()?;
    let prefix = format!("poort-test:{}:", uuid::Uuid::new_v4().simple());
    Some(RedisStore::new(&url, &prefix).unwrap())
}

all_conformance_tests!(async { redis_store().await.map(|s| Arc::new(s) as Store) });

#[tokio::test]
async fn prefixes_keep_deployments_apart() {
    let (Some(a), Some(b)) = (redis_store().await, redis_store().await) else {
        eprintln!("skipped: REDIS_URL is not set");
        return;
    };
    let minute = Duration::from_secs(60);
    a.put("shared-name", b"a".to_vec(), minute).await.unwrap();
    assert_eq!(b.get("shared-name").await.unwrap(), None);
    assert_eq!(b.incr("shared-name", minute).await.unwrap(), 1);
    assert_eq!(a.take("shared-name").await.unwrap(), Some(b"a".to_vec()));
    assert_eq!(b.take("shared-name").await.unwrap(), Some(b"1".to_vec()));
}

#[tokio::test]
async fn unreachable_redis_fails_fast_with_unavailable() {
    // Port 1 on loopback: nothing listens there, the connection is refused.
    let store = RedisStore::new("redis://127.0.0.1:1", "poort-test:").unwrap();
    let started = Instant::now();
    let err = store.get("k").await.unwrap_err();
    assert!(matches!(err, EphemeralError::Unavailable(_)), "{err:?}");
    assert!(matches!(
        store.put("k", vec![1], Duration::from_secs(1)).await,
        Err(EphemeralError::Unavailable(_))
    ));
    assert!(matches!(
        store.ping().await,
        Err(EphemeralError::Unavailable(_))
    ));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn an_invalid_url_is_refused_without_echoing_it() {
    let err = RedisStore::new("http://user:hunter2@example", "p:").unwrap_err();
    assert!(matches!(err, EphemeralError::Unavailable(_)));
    assert!(!err.to_string().contains("hunter2"), "{err}");
}
