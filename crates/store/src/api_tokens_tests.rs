//! `api_tokens` repository tests, on every configured backend.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sea_orm::EntityTrait;

use crate::api_tokens::{
    NewApiToken, RevokeScope, delete_expired, find_by_digest, find_by_id, insert, list_all,
    list_for_org, list_for_user, revoke, revoke_for_member_of_org, touch_last_use,
};
use crate::audit::NewAuditEntry;
use crate::error::StoreError;
use crate::fixtures;
use crate::testing::fresh_dbs;

fn new_token(user_id: &str, org: Option<&str>, digest: &str, expires_at: i64) -> NewApiToken {
    NewApiToken {
        user_id: user_id.to_owned(),
        org_id: org.map(str::to_owned),
        name: format!("token {digest}"),
        digest: digest.to_owned(),
        hint: "poort_pat_...abcd".to_owned(),
        scopes: vec!["tokens:read".to_owned(), "profile:read".to_owned()],
        expires_at,
        amr: vec!["pwd".to_owned()],
    }
}

/// An audit entry for any token change (the store appends what it is given).
fn entry(row: &crate::entities::api_tokens::Model) -> NewAuditEntry {
    NewAuditEntry {
        org_id: row.org_id.clone(),
        subject: Some(row.user_id.clone()),
        target: Some(row.id.clone()),
        ..NewAuditEntry::new(row.created_at, "api_token.changed")
    }
}

#[tokio::test]
async fn insert_and_find_by_digest_with_owner() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let user = fixtures::user(&db, "pat@example.com").await;
        let row = insert(&db, new_token(&user, None, "d1", 1_000), 10, entry)
            .await
            .unwrap();
        let (found, owner) = find_by_digest(&db, "d1").await.unwrap().unwrap();
        assert_eq!(found, row);
        assert_eq!(owner.email, "pat@example.com");
        assert_eq!(
            found.scope_values().unwrap(),
            ["tokens:read", "profile:read"]
        );
        assert_eq!(found.created_at, 10);
        assert!(found.last_used_at.is_none() && found.revoked_at.is_none());
        assert!(find_by_digest(&db, "nope").await.unwrap().is_none());
        assert_eq!(find_by_id(&db, &row.id).await.unwrap(), Some(row));
    }
}

#[tokio::test]
async fn digests_are_unique() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let user = fixtures::user(&db, "dup@example.com").await;
        insert(&db, new_token(&user, None, "same", 1_000), 10, entry)
            .await
            .unwrap();
        let again = insert(&db, new_token(&user, None, "same", 1_000), 10, entry).await;
        assert!(matches!(again, Err(StoreError::Conflict)), "{again:?}");
    }
}

#[tokio::test]
async fn lists_by_user_and_by_org_newest_first() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let alice = fixtures::user(&db, "alice@example.com").await;
        let bob = fixtures::user(&db, "bob@example.com").await;
        let a1 = insert(&db, new_token(&alice, None, "a1", 1_000), 10, entry)
            .await
            .unwrap();
        let a2 = insert(
            &db,
            new_token(&alice, Some("org-1"), "a2", 1_000),
            11,
            entry,
        )
        .await
        .unwrap();
        let b1 = insert(&db, new_token(&bob, Some("org-1"), "b1", 1_000), 12, entry)
            .await
            .unwrap();
        insert(&db, new_token(&bob, Some("org-2"), "b2", 1_000), 13, entry)
            .await
            .unwrap();

        let ids = |rows: Vec<crate::entities::api_tokens::Model>| {
            rows.into_iter().map(|r| r.id).collect::<Vec<_>>()
        };
        assert_eq!(
            ids(list_for_user(&db, &alice).await.unwrap()),
            [a2.id.clone(), a1.id.clone()]
        );
        assert_eq!(
            ids(list_for_org(&db, "org-1").await.unwrap()),
            [b1.id, a2.id.clone()]
        );
        assert!(list_for_org(&db, "org-3").await.unwrap().is_empty());
        assert_eq!(list_all(&db).await.unwrap().len(), 4);

        // A member's unbound token can act on the organisation: its admins see it too, but
        // not her tokens bound to another organisation.
        let org = crate::orgs::NewOrg {
            id: "org-2".to_owned(),
            name: "Org 2".to_owned(),
            settings: "{}".to_owned(),
        };
        crate::orgs::create(&db, org, None, 19, Vec::new())
            .await
            .unwrap();
        let roles = ["member".to_owned()];
        crate::orgs::add_member(&db, "org-2", &alice, &roles, 20, Vec::new())
            .await
            .unwrap();
        let org_2 = ids(list_for_org(&db, "org-2").await.unwrap());
        assert!(org_2.contains(&a1.id), "{org_2:?}");
        assert!(!org_2.contains(&a2.id), "bound to org-1");
    }
}

#[tokio::test]
async fn revoke_is_scoped_and_idempotent() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let alice = fixtures::user(&db, "alice@example.com").await;
        let mallory = fixtures::user(&db, "mallory@example.com").await;
        let token = insert(&db, new_token(&alice, Some("org-1"), "t", 1_000), 10, entry)
            .await
            .unwrap();

        // Someone else's id: as if it did not exist, and nothing changes.
        assert!(
            revoke(&db, &token.id, RevokeScope::Owner(&mallory), 20, entry)
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            revoke(&db, &token.id, RevokeScope::Org("org-2"), 20, entry)
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            find_by_id(&db, &token.id)
                .await
                .unwrap()
                .unwrap()
                .revoked_at
                .is_none()
        );

        let revoked = revoke(&db, &token.id, RevokeScope::Owner(&alice), 30, entry)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(revoked.revoked_at, Some(30));
        // Again, by the org or an operator: still the first time.
        for scope in [RevokeScope::Owner(&alice), RevokeScope::Org("org-1")] {
            let again = revoke(&db, &token.id, scope, 40, entry)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(again.revoked_at, Some(30));
        }
        assert!(
            revoke(&db, "missing", RevokeScope::Any, 50, entry)
                .await
                .unwrap()
                .is_none()
        );
        let other = insert(&db, new_token(&alice, None, "u", 1_000), 10, entry)
            .await
            .unwrap();
        let by_operator = revoke(&db, &other.id, RevokeScope::Any, 60, entry)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(by_operator.revoked_at, Some(60));
    }
}

#[tokio::test]
async fn a_member_leaving_loses_only_their_org_tokens() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let alice = fixtures::user(&db, "alice@example.com").await;
        let bob = fixtures::user(&db, "bob@example.com").await;
        let org_token = insert(
            &db,
            new_token(&alice, Some("org-1"), "a1", 1_000),
            10,
            entry,
        )
        .await
        .unwrap();
        let personal = insert(&db, new_token(&alice, None, "a2", 1_000), 10, entry)
            .await
            .unwrap();
        let other_org = insert(
            &db,
            new_token(&alice, Some("org-2"), "a3", 1_000),
            10,
            entry,
        )
        .await
        .unwrap();
        let bobs = insert(&db, new_token(&bob, Some("org-1"), "b1", 1_000), 10, entry)
            .await
            .unwrap();

        let revoked = revoke_for_member_of_org(&db, "org-1", &alice, 50, entry)
            .await
            .unwrap();
        assert_eq!(revoked.len(), 1);
        assert_eq!(revoked[0].id, org_token.id);
        assert_eq!(revoked[0].revoked_at, Some(50));
        for (id, expected) in [
            (&org_token.id, Some(50)),
            (&personal.id, None),
            (&other_org.id, None),
            (&bobs.id, None),
        ] {
            assert_eq!(
                find_by_id(&db, id).await.unwrap().unwrap().revoked_at,
                expected
            );
        }
        assert!(
            revoke_for_member_of_org(&db, "org-1", &alice, 60, entry)
                .await
                .unwrap()
                .is_empty(),
            "nothing left to revoke"
        );
    }
}

#[tokio::test]
async fn last_use_is_recorded_at_most_once_per_interval() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let user = fixtures::user(&db, "use@example.com").await;
        let token = insert(&db, new_token(&user, None, "t", 10_000), 10, entry)
            .await
            .unwrap();
        assert!(
            touch_last_use(&db, &token.id, "192.0.2.1", 100, 60)
                .await
                .unwrap()
        );
        assert!(
            !touch_last_use(&db, &token.id, "192.0.2.2", 159, 60)
                .await
                .unwrap()
        );
        let row = find_by_id(&db, &token.id).await.unwrap().unwrap();
        assert_eq!(row.last_used_at, Some(100));
        assert_eq!(row.last_used_ip.as_deref(), Some("192.0.2.1"));
        assert!(
            touch_last_use(&db, &token.id, "2001:db8::7", 160, 60)
                .await
                .unwrap()
        );
        let row = find_by_id(&db, &token.id).await.unwrap().unwrap();
        assert_eq!(row.last_used_at, Some(160));
        assert_eq!(row.last_used_ip.as_deref(), Some("2001:db8::7"));
        assert!(
            !touch_last_use(&db, "missing", "192.0.2.1", 500, 60)
                .await
                .unwrap()
        );
    }
}

#[tokio::test]
async fn expired_tokens_are_deleted_after_the_cutoff_and_tokens_go_with_their_owner() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let user = fixtures::user(&db, "exp@example.com").await;
        let old = insert(&db, new_token(&user, None, "old", 100), 10, entry)
            .await
            .unwrap();
        let recent = insert(&db, new_token(&user, None, "recent", 200), 10, entry)
            .await
            .unwrap();
        let deleted = delete_expired(&db, 150).await.unwrap();
        assert_eq!(deleted.len(), 1);
        assert_eq!(deleted[0].id, old.id);
        assert!(find_by_id(&db, &old.id).await.unwrap().is_none());
        assert!(find_by_id(&db, &recent.id).await.unwrap().is_some());
        assert!(delete_expired(&db, 150).await.unwrap().is_empty());

        crate::entities::users::Entity::delete_by_id(user.clone())
            .exec(db.conn())
            .await
            .unwrap();
        assert!(find_by_digest(&db, "recent").await.unwrap().is_none());
        assert!(list_for_user(&db, &user).await.unwrap().is_empty());
    }
}
