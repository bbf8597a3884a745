//! Tests of the second-factor repository, on every configured backend.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::{
    KIND_TOTP, KIND_WEBAUTHN, NewFactor, advance_totp_step, count_for_user, find_by_credential_id,
    find_for_user, insert, list_for_user, record_webauthn_use, remove, remove_all_for_user, rename,
};
use crate::error::StoreError;
use crate::fixtures;
use crate::id::new_id;
use crate::recovery_codes;
use crate::testing::fresh_dbs;

fn totp(user: &str, created_at: i64) -> NewFactor {
    NewFactor {
        id: new_id(),
        user_id: user.to_owned(),
        kind: KIND_TOTP,
        name: "Phone".to_owned(),
        secret: Some(vec![1, 2, 3]),
        credential: None,
        credential_id: None,
        passkey: false,
        last_used_step: Some(5),
        created_at,
    }
}

fn webauthn(user: &str, credential_id: &str) -> NewFactor {
    NewFactor {
        id: new_id(),
        user_id: user.to_owned(),
        kind: KIND_WEBAUTHN,
        name: "Key".to_owned(),
        secret: None,
        credential: Some("{\"cred\":{}}".to_owned()),
        credential_id: Some(credential_id.to_owned()),
        passkey: true,
        last_used_step: None,
        created_at: 3,
    }
}

#[tokio::test]
async fn factors_are_listed_per_user_in_creation_order() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let user = fixtures::user(&db, "f@example.com").await;
        let other = fixtures::user(&db, "o@example.com").await;
        let second = insert(&db, totp(&user, 20), None).await.unwrap();
        let first = insert(&db, totp(&user, 10), None).await.unwrap();
        insert(&db, totp(&other, 5), None).await.unwrap();
        let listed: Vec<String> = list_for_user(&db, &user)
            .await
            .unwrap()
            .into_iter()
            .map(|f| f.id)
            .collect();
        assert_eq!(listed, [first.id.clone(), second.id]);
        assert_eq!(count_for_user(&db, &user).await.unwrap(), 2);
        let found = find_for_user(&db, &user, &first.id).await.unwrap().unwrap();
        assert_eq!(found.secret, Some(vec![1, 2, 3]));
        // Another user's factor is not found through this user.
        assert_eq!(find_for_user(&db, &other, &first.id).await.unwrap(), None);
    }
}

#[tokio::test]
async fn totp_steps_only_move_forward() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let user = fixtures::user(&db, "s@example.com").await;
        let factor = insert(&db, totp(&user, 1), None).await.unwrap();
        assert!(
            !advance_totp_step(&db, &factor.id, 5, 100).await.unwrap(),
            "same step"
        );
        assert!(
            !advance_totp_step(&db, &factor.id, 4, 100).await.unwrap(),
            "older step"
        );
        assert!(advance_totp_step(&db, &factor.id, 6, 100).await.unwrap());
        let stored = find_for_user(&db, &user, &factor.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (stored.last_used_step, stored.last_used_at),
            (Some(6), Some(100))
        );
        let mut fresh = totp(&user, 2);
        fresh.last_used_step = None;
        let fresh = insert(&db, fresh, None).await.unwrap();
        assert!(
            advance_totp_step(&db, &fresh.id, 0, 100).await.unwrap(),
            "first use"
        );
    }
}

#[tokio::test]
async fn credential_ids_are_unique_and_found() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let user = fixtures::user(&db, "w@example.com").await;
        let key = insert(&db, webauthn(&user, "cred-1"), None).await.unwrap();
        let err = insert(&db, webauthn(&user, "cred-1"), None)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict), "{err:?}");
        let found = find_by_credential_id(&db, "cred-1").await.unwrap().unwrap();
        assert_eq!(found.id, key.id);
        assert!(found.passkey);
        record_webauthn_use(&db, &key.id, Some("{\"cred\":{\"n\":2}}"), 50)
            .await
            .unwrap();
        let used = find_for_user(&db, &user, &key.id).await.unwrap().unwrap();
        assert_eq!(used.credential.as_deref(), Some("{\"cred\":{\"n\":2}}"));
        assert_eq!(used.last_used_at, Some(50));
        // Several TOTP factors (no credential id) coexist.
        insert(&db, totp(&user, 1), None).await.unwrap();
        insert(&db, totp(&user, 2), None).await.unwrap();
    }
}

#[tokio::test]
async fn rename_and_remove_are_scoped_to_the_owner() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let user = fixtures::user(&db, "r@example.com").await;
        let intruder = fixtures::user(&db, "i@example.com").await;
        let a = insert(&db, totp(&user, 1), None).await.unwrap();
        let b = insert(&db, totp(&user, 2), None).await.unwrap();
        recovery_codes::replace_for_user(&db, &user, &["d1".to_owned()], 1)
            .await
            .unwrap();

        assert!(!rename(&db, &intruder, &a.id, "Mine").await.unwrap());
        assert!(rename(&db, &user, &a.id, "Work phone").await.unwrap());
        let renamed = find_for_user(&db, &user, &a.id).await.unwrap().unwrap();
        assert_eq!(renamed.name, "Work phone");

        let nothing = remove(&db, &intruder, &a.id, None).await.unwrap();
        assert!(!nothing.removed);
        let first = remove(&db, &user, &a.id, None).await.unwrap();
        assert!(first.removed && !first.was_last);
        assert_eq!(recovery_codes::count_unused(&db, &user).await.unwrap(), 1);
        let last = remove(&db, &user, &b.id, None).await.unwrap();
        assert!(last.removed && last.was_last);
        // Without factors the recovery codes are gone too.
        assert_eq!(recovery_codes::count_unused(&db, &user).await.unwrap(), 0);
    }
}

#[tokio::test]
async fn an_operator_reset_removes_factors_and_codes_of_one_user() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let user = fixtures::user(&db, "lost@example.com").await;
        let other = fixtures::user(&db, "kept@example.com").await;
        insert(&db, totp(&user, 1), None).await.unwrap();
        insert(&db, webauthn(&user, "lost-key"), None)
            .await
            .unwrap();
        insert(&db, totp(&other, 1), None).await.unwrap();
        recovery_codes::replace_for_user(&db, &user, &["d".to_owned()], 1)
            .await
            .unwrap();
        assert_eq!(remove_all_for_user(&db, &user).await.unwrap(), 2);
        assert_eq!(count_for_user(&db, &user).await.unwrap(), 0);
        assert_eq!(recovery_codes::count_unused(&db, &user).await.unwrap(), 0);
        assert_eq!(count_for_user(&db, &other).await.unwrap(), 1);
        assert_eq!(remove_all_for_user(&db, &user).await.unwrap(), 0);
    }
}
