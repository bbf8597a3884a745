//! Tests of the refresh token repository, on every configured backend.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use super::{
    NewRefreshToken, Replaced, Rotation, delete_expired, find_by_digest, insert,
    replace_undelivered, revoke, revoke_family, rotate_many,
};
use crate::db::Db;
use crate::error::StoreError;
use crate::fixtures;
use crate::id::new_id;
use crate::rotations::RotationQueue;
use crate::testing::fresh_dbs;

struct Parents {
    user: String,
    client: String,
}

async fn parents(db: &Db) -> Parents {
    Parents {
        user: fixtures::user(db, "rt@example.com").await,
        client: fixtures::client(db, "rp").await,
    }
}

fn token(parents: &Parents, family: &str, jti: &str) -> NewRefreshToken {
    NewRefreshToken {
        id: new_id(),
        token_digest: format!("digest-{}", new_id()),
        family_id: family.to_owned(),
        client_id: parents.client.clone(),
        user_id: parents.user.clone(),
        scope: "openid offline_access".to_owned(),
        resources: Vec::new(),
        auth_time: 100,
        amr: vec!["pwd".to_owned(), "otp".to_owned()],
        sid: Some("sid-1".to_owned()),
        access_jti: jti.to_owned(),
        access_expires_at: 1_000,
        created_at: 100,
        expires_at: 10_000,
    }
}

#[tokio::test]
async fn insert_and_find_by_digest() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let parents = parents(&db).await;
        let new = token(&parents, "fam", "jti-1");
        let stored = insert(&db, new.clone()).await.unwrap();
        let found = find_by_digest(&db, &new.token_digest).await.unwrap();
        assert_eq!(found.as_ref(), Some(&stored), "{:?}", db.backend());
        assert_eq!(stored.amr_values().unwrap(), ["pwd", "otp"]);
        assert_eq!((stored.used_at, stored.revoked_at), (None, None));
        assert_eq!(find_by_digest(&db, "unknown").await.unwrap(), None);

        let same_digest = NewRefreshToken {
            id: new_id(),
            ..new
        };
        let err = insert(&db, same_digest).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict), "{err:?}");
    }
}

/// Rotates `old_id` alone (a group of one) to a new successor; true if it won.
async fn rotates(db: &Db, parents: &Parents, old_id: &str, now: i64) -> bool {
    let successor = token(parents, "fam", &new_id());
    rotate_many(db, &[rotation(old_id, &successor)], now)
        .await
        .unwrap()
        == [true]
}

#[tokio::test]
async fn a_token_rotates_once_and_never_after_revocation() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let parents = parents(&db).await;
        let first = insert(&db, token(&parents, "fam", "j1")).await.unwrap();
        assert!(rotates(&db, &parents, &first.id, 200).await);
        assert!(!rotates(&db, &parents, &first.id, 201).await);
        let used = find_by_digest(&db, &first.token_digest).await.unwrap();
        assert_eq!(used.and_then(|t| t.used_at), Some(200));

        let second = insert(&db, token(&parents, "fam", "j2")).await.unwrap();
        assert!(revoke(&db, &second.id, 300).await.unwrap());
        assert!(!revoke(&db, &second.id, 301).await.unwrap());
        assert!(!rotates(&db, &parents, &second.id, 302).await);
        assert!(!rotates(&db, &parents, "missing", 302).await);
    }
}

#[tokio::test]
async fn rotate_marks_old_and_inserts_successor() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let parents = parents(&db).await;
        let old = insert(&db, token(&parents, "fam", "j1")).await.unwrap();
        let next = token(&parents, "fam", "j2");
        let queue = RotationQueue::spawn(db.clone());
        assert!(queue.rotate(&old.id, next.clone(), 500).await.unwrap());
        let old_now = find_by_digest(&db, &old.token_digest)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(old_now.used_at, Some(500));
        assert!(
            find_by_digest(&db, &next.token_digest)
                .await
                .unwrap()
                .is_some()
        );

        // Rotating the same token again (a replay) inserts nothing.
        let replay = token(&parents, "fam", "j3");
        assert!(!queue.rotate(&old.id, replay.clone(), 501).await.unwrap());
        assert_eq!(
            find_by_digest(&db, &replay.token_digest).await.unwrap(),
            None
        );
    }
}

#[tokio::test]
async fn a_retry_replaces_the_undelivered_successor_only_while_it_is_unused() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let parents = parents(&db).await;
        let first = insert(&db, token(&parents, "fam", "j1")).await.unwrap();
        assert_eq!(first.parent_id, None);
        let lost = token(&parents, "fam", "j2");
        rotate_many(&db, &[rotation(&first.id, &lost)], 200)
            .await
            .unwrap();
        let stored = find_by_digest(&db, &lost.token_digest).await.unwrap();
        assert_eq!(
            stored.unwrap().parent_id.as_deref(),
            Some(first.id.as_str())
        );

        // The retry: the lost successor is revoked (its access token named), the new one stored.
        let retry = token(&parents, "fam", "j3");
        let answer = replace_undelivered(&db, &first.id, retry.clone(), 202)
            .await
            .unwrap();
        assert_eq!(answer, Replaced::Stored(vec![("j2".to_owned(), 1_000)]));
        let lost_now = find_by_digest(&db, &lost.token_digest)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(lost_now.revoked_at, Some(202));
        let retry_now = find_by_digest(&db, &retry.token_digest)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(retry_now.parent_id.as_deref(), Some(first.id.as_str()));
        assert_eq!((retry_now.used_at, retry_now.revoked_at), (None, None));

        // Once that successor is used, a retry finds nothing to replace and writes nothing.
        assert!(rotates(&db, &parents, &retry.id, 203).await);
        let late = token(&parents, "fam", "j4");
        let answer = replace_undelivered(&db, &first.id, late.clone(), 204)
            .await
            .unwrap();
        assert_eq!(answer, Replaced::NoUndelivered);
        assert_eq!(find_by_digest(&db, &late.token_digest).await.unwrap(), None);
    }
}

fn rotation(old_id: &str, successor: &NewRefreshToken) -> Rotation {
    Rotation {
        old_id: old_id.to_owned(),
        successor: successor.clone(),
    }
}

/// The stored token with this digest, if any.
async fn stored(db: &Db, digest: &str) -> Option<crate::entities::refresh_tokens::Model> {
    find_by_digest(db, digest).await.unwrap()
}

#[tokio::test]
async fn a_group_of_rotations_has_one_winner_per_token_and_skips_dead_ones() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let parents = parents(&db).await;
        let a = insert(&db, token(&parents, "fa", "a0")).await.unwrap();
        let b = insert(&db, token(&parents, "fb", "b0")).await.unwrap();
        let revoked = insert(&db, token(&parents, "fc", "c0")).await.unwrap();
        assert!(revoke(&db, &revoked.id, 550).await.unwrap());
        let (a1, b1, a2, c1) = (
            token(&parents, "fa", "a1"),
            token(&parents, "fb", "b1"),
            token(&parents, "fa", "a2"),
            token(&parents, "fc", "c1"),
        );
        let group = [
            rotation(&a.id, &a1),
            rotation(&b.id, &b1),
            rotation(&a.id, &a2),
            rotation(&revoked.id, &c1),
            rotation("unknown", &token(&parents, "fx", "x1")),
        ];
        let won = rotate_many(&db, &group, 600).await.unwrap();
        assert_eq!(won, [true, true, false, false, false], "{:?}", db.backend());
        for (kept, successor) in [(true, &a1), (true, &b1), (false, &a2), (false, &c1)] {
            let found = stored(&db, &successor.token_digest).await;
            assert_eq!(found.is_some(), kept, "{}", successor.access_jti);
        }
        let a_now = stored(&db, &a.token_digest).await.unwrap();
        assert_eq!(a_now.used_at, Some(600));
        let c_now = stored(&db, &revoked.token_digest).await.unwrap();
        assert_eq!(c_now.used_at, None, "a revoked token is not marked used");
    }
}

#[tokio::test]
async fn a_failed_group_changes_nothing() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let parents = parents(&db).await;
        let a = insert(&db, token(&parents, "fa", "a0")).await.unwrap();
        let b = insert(&db, token(&parents, "fb", "b0")).await.unwrap();
        let a1 = token(&parents, "fa", "a1");
        // b's successor reuses a stored digest: the whole group must roll back.
        let mut clash = token(&parents, "fb", "b1");
        clash.token_digest = a.token_digest.clone();
        let result = rotate_many(&db, &[rotation(&a.id, &a1), rotation(&b.id, &clash)], 600).await;
        assert!(matches!(result, Err(StoreError::Conflict)), "{result:?}");
        for old in [&a, &b] {
            let now = stored(&db, &old.token_digest).await.unwrap();
            assert_eq!(now.used_at, None, "{:?}", db.backend());
        }
        assert!(stored(&db, &a1.token_digest).await.is_none());
    }
}

#[tokio::test]
async fn a_bad_rotation_in_a_group_fails_only_its_caller() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let parents = parents(&db).await;
        let queue = Arc::new(RotationQueue::spawn(db.clone()));
        let a = insert(&db, token(&parents, "fa", "a0")).await.unwrap();
        let b = insert(&db, token(&parents, "fb", "b0")).await.unwrap();
        let c = insert(&db, token(&parents, "fc", "c0")).await.unwrap();
        // b's successor reuses a stored digest; a's and c's are fine.
        let mut clash = token(&parents, "fb", "b1");
        clash.token_digest = a.token_digest.clone();
        let rotations = [
            (a.id.clone(), token(&parents, "fa", "a1")),
            (b.id.clone(), clash),
            (c.id.clone(), token(&parents, "fc", "c1")),
        ];
        // Spawned together, they reach the writer task as one group.
        let tasks: Vec<_> = rotations
            .into_iter()
            .map(|(old_id, successor)| {
                let queue = queue.clone();
                tokio::spawn(async move { queue.rotate(&old_id, successor, 700).await })
            })
            .collect();
        let mut answers = Vec::new();
        for task in tasks {
            answers.push(task.await.unwrap());
        }
        assert!(
            matches!(answers[0], Ok(true)),
            "{:?} {answers:?}",
            db.backend()
        );
        assert!(
            matches!(answers[1], Err(StoreError::Conflict)),
            "{answers:?}"
        );
        assert!(matches!(answers[2], Ok(true)), "{answers:?}");
        let b_now = stored(&db, &b.token_digest).await.unwrap();
        assert_eq!(b_now.used_at, None, "the failed rotation changed nothing");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_rotations_of_one_token_have_one_winner() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let parents = parents(&db).await;
        let old = insert(&db, token(&parents, "fam", "j0")).await.unwrap();
        let queue = Arc::new(RotationQueue::spawn(db.clone()));
        let successors: Vec<NewRefreshToken> = (0..8)
            .map(|n| token(&parents, "fam", &format!("j{}", n + 1)))
            .collect();
        let tasks: Vec<_> = successors
            .iter()
            .cloned()
            .map(|successor| {
                let queue = queue.clone();
                let old_id = old.id.clone();
                tokio::spawn(async move { queue.rotate(&old_id, successor, 600).await })
            })
            .collect();
        let mut wins = 0;
        for task in tasks {
            if task.await.unwrap().unwrap() {
                wins += 1;
            }
        }
        assert_eq!(wins, 1, "{:?}", db.backend());
        let mut stored = 0;
        for successor in &successors {
            if find_by_digest(&db, &successor.token_digest)
                .await
                .unwrap()
                .is_some()
            {
                stored += 1;
            }
        }
        assert_eq!(stored, 1, "only the winner's successor is stored");
    }
}

#[tokio::test]
async fn revoke_family_revokes_all_and_returns_live_access_jtis() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let parents = parents(&db).await;
        let a = insert(&db, token(&parents, "fam", "jti-a")).await.unwrap();
        let b = insert(&db, token(&parents, "fam", "jti-b")).await.unwrap();
        let expired_access = NewRefreshToken {
            access_expires_at: 150,
            ..token(&parents, "fam", "jti-old")
        };
        insert(&db, expired_access).await.unwrap();
        let other = insert(&db, token(&parents, "other", "jti-x"))
            .await
            .unwrap();
        assert!(revoke(&db, &b.id, 120).await.unwrap());

        let mut jtis = revoke_family(&db, "fam", 200).await.unwrap();
        jtis.sort();
        assert_eq!(
            jtis,
            [("jti-a".to_owned(), 1_000), ("jti-b".to_owned(), 1_000)]
        );

        let a_now = find_by_digest(&db, &a.token_digest).await.unwrap().unwrap();
        assert_eq!(a_now.revoked_at, Some(200));
        // An earlier revocation time is kept.
        let b_now = find_by_digest(&db, &b.token_digest).await.unwrap().unwrap();
        assert_eq!(b_now.revoked_at, Some(120));
        let other_now = find_by_digest(&db, &other.token_digest)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(other_now.revoked_at, None);
        assert!(!rotates(&db, &parents, &a.id, 201).await);
    }
}

#[tokio::test]
async fn delete_expired_removes_only_expired() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let parents = parents(&db).await;
        let short = NewRefreshToken {
            expires_at: 300,
            ..token(&parents, "f1", "j1")
        };
        insert(&db, short.clone()).await.unwrap();
        let long = insert(&db, token(&parents, "f2", "j2")).await.unwrap();
        assert_eq!(delete_expired(&db, 299).await.unwrap(), 0);
        assert_eq!(delete_expired(&db, 300).await.unwrap(), 1);
        assert_eq!(
            find_by_digest(&db, &short.token_digest).await.unwrap(),
            None
        );
        assert!(
            find_by_digest(&db, &long.token_digest)
                .await
                .unwrap()
                .is_some()
        );
    }
}

#[tokio::test]
async fn deleting_a_user_cascades_to_tokens() {
    use sea_orm::EntityTrait;
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let parents = parents(&db).await;
        let stored = insert(&db, token(&parents, "fam", "j")).await.unwrap();
        crate::entities::users::Entity::delete_by_id(parents.user.as_str())
            .exec(db.writer())
            .await
            .unwrap();
        assert_eq!(
            find_by_digest(&db, &stored.token_digest).await.unwrap(),
            None
        );
    }
}

#[tokio::test]
async fn revoking_all_of_a_user_spares_other_users() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let mine = parents(&db).await;
        let theirs = Parents {
            user: fixtures::user(&db, "other@example.com").await,
            client: mine.client.clone(),
        };
        let a = insert(&db, token(&mine, "fam-a", "jti-a")).await.unwrap();
        let b = insert(&db, token(&mine, "fam-b", "jti-b")).await.unwrap();
        let c = insert(&db, token(&theirs, "fam-c", "jti-c")).await.unwrap();
        let mut live = super::revoke_all_for_user(&db, &mine.user, 500)
            .await
            .unwrap();
        live.sort();
        assert_eq!(
            live,
            vec![("jti-a".to_owned(), 1_000), ("jti-b".to_owned(), 1_000)]
        );
        for (row, revoked) in [(a, true), (b, true), (c, false)] {
            let now = find_by_digest(&db, &row.token_digest)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(now.revoked_at.is_some(), revoked, "{}", row.family_id);
        }
    }
}
