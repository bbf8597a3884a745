//! Deletion, restore and purge on every configured backend.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::{Deactivation, Purged, deactivate, enable, purge, restore};
use crate::api_tokens::{self, NewApiToken};
use crate::audit::NewAuditEntry;
use crate::auth_events::{self, Kind, NewAuthEvent};
use crate::refresh_tokens::{self, NewRefreshToken};
use crate::testing::fresh_dbs;
use crate::{fixtures, mfa_factors, new_id, users};

fn refresh(user: &str, client: &str, expires_at: i64) -> NewRefreshToken {
    NewRefreshToken {
        id: new_id(),
        token_digest: format!("digest-{}", new_id()),
        family_id: new_id(),
        client_id: client.to_owned(),
        user_id: user.to_owned(),
        scope: "openid".to_owned(),
        resources: Vec::new(),
        auth_time: 1,
        amr: vec!["pwd".to_owned()],
        sid: None,
        access_jti: new_id(),
        access_expires_at: 2,
        created_at: 1,
        expires_at,
    }
}

fn event(user: &str) -> NewAuthEvent {
    NewAuthEvent {
        kind: Kind::LoginFailed,
        user_id: Some(user.to_owned()),
        subject: "gone@example.com".to_owned(),
        ip: None,
        at: 1,
        details: serde_json::json!({}),
    }
}

fn entry(action: &str, user: &str) -> NewAuditEntry {
    NewAuditEntry {
        subject: Some(user.to_owned()),
        ..NewAuditEntry::new(1, action)
    }
}

/// Deletes the account as the flow does; false when it was missing or already deleted.
async fn mark_deleted(
    db: &crate::db::Db,
    user: &str,
    now: i64,
) -> Result<bool, crate::error::StoreError> {
    let audit = entry("account.deleted", user);
    Ok(deactivate(db, user, Deactivation::Deleted, now, audit)
        .await?
        .is_some())
}

#[tokio::test]
async fn deactivation_revokes_api_tokens_with_its_entry_and_enabling_keeps_them_revoked() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let user = fixtures::user(&db, "off@example.com").await;
        let token = NewApiToken {
            user_id: user.clone(),
            org_id: None,
            name: "ci".to_owned(),
            digest: format!("digest-{}", new_id()),
            hint: "poort_pat_...abcd".to_owned(),
            scopes: vec!["profile:read".to_owned()],
            expires_at: 10_000,
            amr: vec!["pwd".to_owned()],
        };
        let minted = api_tokens::insert(&db, token, 5, |_| entry("api_token.minted", &user))
            .await
            .unwrap();
        let audit = entry("account.disabled", &user);
        let revoked = deactivate(&db, &user, Deactivation::Disabled, 50, audit)
            .await
            .unwrap()
            .expect("disabled");
        assert_eq!(revoked.len(), 1);
        assert_eq!(revoked[0].id, minted.id);
        let row = api_tokens::find_by_id(&db, &minted.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.revoked_at, Some(50));
        let again = deactivate(&db, &user, Deactivation::Disabled, 60, entry("x", &user));
        assert!(again.await.unwrap().is_none(), "already disabled");
        assert!(
            enable(&db, &user, 70, entry("account.enabled", &user))
                .await
                .unwrap()
        );
        assert!(
            !enable(&db, &user, 80, entry("account.enabled", &user))
                .await
                .unwrap()
        );
        let row = api_tokens::find_by_id(&db, &minted.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.revoked_at, Some(50), "enabling brings no token back");
        let query = crate::audit::AuditQuery::default();
        let actions: Vec<String> = crate::audit::list(&db, "platform", &query, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.action)
            .collect();
        assert!(
            actions.contains(&"account.disabled".to_owned()),
            "{actions:?}"
        );
    }
}

#[tokio::test]
async fn deletion_is_marked_once_and_restorable_within_the_period() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let user = fixtures::user(&db, "gone@example.com").await;
        assert!(mark_deleted(&db, &user, 100).await.unwrap());
        assert!(!mark_deleted(&db, &user, 150).await.unwrap(), "once");
        let row = users::find_by_id(&db, &user).await.unwrap().unwrap();
        assert_eq!(row.deleted_at, Some(100));
        assert!(!row.is_active());

        // Deleted at 100: a cut-off at or after it means the period is over.
        assert!(!restore(&db, &user, 100, 200).await.unwrap());
        assert!(restore(&db, &user, 99, 200).await.unwrap());
        let row = users::find_by_id(&db, &user).await.unwrap().unwrap();
        assert_eq!(row.deleted_at, None);
        assert!(row.is_active());
        assert!(!restore(&db, &user, 0, 200).await.unwrap(), "not deleted");
        assert!(!mark_deleted(&db, "missing", 1).await.unwrap());
    }
}

#[tokio::test]
async fn purge_removes_old_deletions_with_their_rows_and_expired_tokens_only() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let client = fixtures::client(&db, "rp").await;
        let old = fixtures::user(&db, "old@example.com").await;
        let recent = fixtures::user(&db, "recent@example.com").await;
        let kept = fixtures::user(&db, "kept@example.com").await;
        for user in [&old, &recent, &kept] {
            refresh_tokens::insert(&db, refresh(user, &client, 10_000))
                .await
                .unwrap();
            auth_events::record(&db, event(user)).await.unwrap();
        }
        refresh_tokens::insert(&db, refresh(&kept, &client, 500))
            .await
            .unwrap();
        mfa_factors::insert(
            &db,
            mfa_factors::NewFactor {
                id: new_id(),
                user_id: old.clone(),
                kind: mfa_factors::KIND_TOTP,
                name: "Phone".into(),
                secret: Some(vec![1]),
                credential: None,
                credential_id: None,
                passkey: false,
                last_used_step: None,
                created_at: 1,
            },
            None,
        )
        .await
        .unwrap();
        mark_deleted(&db, &old, 100).await.unwrap();
        mark_deleted(&db, &recent, 900).await.unwrap();

        let purged = purge(&db, 500, 600).await.unwrap();
        assert_eq!(
            purged,
            Some(Purged {
                accounts: 1,
                expired_refresh_tokens: 1
            })
        );
        assert!(users::find_by_id(&db, &old).await.unwrap().is_none());
        assert!(
            mfa_factors::list_for_user(&db, &old)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            auth_events::for_subject(&db, "gone@example.com", 10)
                .await
                .unwrap()
                .iter()
                .all(|e| e.user_id.as_deref() != Some(old.as_str())),
            "the purged user's login events are gone"
        );
        assert_eq!(
            auth_events::for_subject(&db, "gone@example.com", 10)
                .await
                .unwrap()
                .len(),
            2
        );
        assert!(users::find_by_id(&db, &recent).await.unwrap().is_some());
        assert!(users::find_by_id(&db, &kept).await.unwrap().is_some());
        assert_eq!(
            purge(&db, 500, 600).await.unwrap(),
            Some(Purged::default()),
            "nothing left"
        );
    }
}
