//! Tests of the durable-marker repository, on every configured backend.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use super::{NewMarker, Numbered, delete_expired, live, max_seq, record};
use crate::testing::fresh_dbs;

fn marker(key: &str, value: &str, expires_at: i64) -> NewMarker {
    NewMarker {
        key: key.to_owned(),
        value: value.to_owned(),
        expires_at,
    }
}

#[tokio::test]
async fn markers_are_numbered_kept_once_and_swept_but_the_number_never_goes_back() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        assert_eq!(max_seq(&db).await.unwrap(), 0);
        let seq = record(&db, &[marker("a", "1", 200), marker("b", "1", 300)], 100)
            .await
            .unwrap();
        assert_eq!(
            seq,
            Numbered {
                before: 0,
                after: 2
            },
            "{:?}",
            db.backend()
        );
        // The same marker again (or one lasting less) is already recorded; a new value is not.
        let seq = record(&db, &[marker("a", "1", 150), marker("b", "9", 400)], 100)
            .await
            .unwrap();
        assert_eq!(
            seq,
            Numbered {
                before: 2,
                after: 3
            }
        );
        let again = record(&db, &[marker("a", "1", 200)], 100).await.unwrap();
        assert_eq!(
            again,
            Numbered {
                before: 3,
                after: 3
            },
            "nothing new"
        );
        let keys: Vec<_> = live(&db, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|m| (m.seq, m.key, m.value))
            .collect();
        assert_eq!(
            keys,
            [
                (1, "a".to_owned(), "1".to_owned()),
                (2, "b".to_owned(), "1".to_owned()),
                (3, "b".to_owned(), "9".to_owned())
            ]
        );
        assert_eq!(live(&db, 300).await.unwrap().len(), 1);

        // Everything lapsed: all rows go but the newest, which keeps the number.
        assert_eq!(delete_expired(&db, 1_000).await.unwrap(), 2);
        assert_eq!(max_seq(&db).await.unwrap(), 3);
        assert!(live(&db, 1_000).await.unwrap().is_empty());
        let next = record(&db, &[marker("c", "1", 2_000)], 1_000)
            .await
            .unwrap();
        assert_eq!(next.after, 4);
    }
}

#[tokio::test]
async fn concurrent_writers_get_distinct_numbers() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let db = Arc::new(db);
        let writers: Vec<_> = (0..8)
            .map(|n| {
                let db = db.clone();
                tokio::spawn(async move {
                    record(&db, &[marker(&format!("k{n}"), "1", 500)], 100).await
                })
            })
            .collect();
        for writer in writers {
            writer.await.unwrap().unwrap();
        }
        let seqs: Vec<i64> = live(&db, 100)
            .await
            .unwrap()
            .iter()
            .map(|m| m.seq)
            .collect();
        assert_eq!(seqs, (1..=8).collect::<Vec<_>>(), "{:?}", db.backend());
    }
}
