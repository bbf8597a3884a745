#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use crate::clients::{ClientScope, SettingsChange, change_settings};
use crate::fixtures;
use crate::session_clients;
use crate::testing::fresh_dbs;

/// A client with a back-channel logout URI; `session_required` as given.
async fn receiver(db: &Db, id: &str, session_required: bool) -> String {
    let id = fixtures::client(db, id).await;
    let uri = format!("https://{id}.example/logout");
    assert!(
        change_settings(
            db,
            &id,
            ClientScope::Any,
            SettingsChange {
                backchannel_logout: Some((Some(uri.clone()), session_required)),
                ..Default::default()
            },
            vec![]
        )
        .await
        .unwrap()
    );
    id
}

fn logout(client: &str, sid: &str) -> NewLogout {
    NewLogout {
        client_id: client.into(),
        sub: Some("u".into()),
        sid: Some(sid.into()),
    }
}

fn sorted(rows: Vec<backchannel_logouts::Model>) -> Vec<(String, Option<String>, Option<String>)> {
    let mut rows: Vec<_> = rows
        .into_iter()
        .map(|r| (r.client_id, r.sub, r.sid))
        .collect();
    rows.sort();
    rows
}

#[tokio::test]
async fn an_ended_session_queues_one_token_per_client_with_a_uri_and_forgets_itself() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let user = fixtures::user(&db, "ann@example.com").await;
        let a = receiver(&db, "app-a", true).await;
        let b = receiver(&db, "app-b", false).await;
        let silent = fixtures::client(&db, "app-silent").await;
        for client in [&a, &b, &silent] {
            session_clients::record(&db, "s1", client, &user, 1, 100)
                .await
                .unwrap();
        }
        session_clients::record(&db, "s2", &a, &user, 1, 100)
            .await
            .unwrap();
        assert_eq!(enqueue_for_session(&db, &user, "s1", 5).await.unwrap(), 2);
        let s1 = Some("s1".to_owned());
        let sub = Some(user.clone());
        assert_eq!(
            sorted(list(&db).await.unwrap()),
            [
                (a.clone(), sub.clone(), s1.clone()),
                (b.clone(), sub.clone(), s1.clone())
            ]
        );
        assert!(
            session_clients::of_session(&db, "s1")
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            session_clients::of_session(&db, "s2").await.unwrap().len(),
            1
        );
        // Ending it again queues nothing more; another user's id names nothing.
        assert_eq!(enqueue_for_session(&db, &user, "s1", 6).await.unwrap(), 0);
        assert_eq!(enqueue_for_session(&db, "other", "s2", 6).await.unwrap(), 0);
        assert_eq!(pending_count(&db).await.unwrap(), 2);
    }
}

#[tokio::test]
async fn all_sessions_ending_queue_sub_alone_only_where_sid_is_not_required_and_none_is_kept() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let user = fixtures::user(&db, "ann@example.com").await;
        let required = receiver(&db, "app-req", true).await;
        let optional = receiver(&db, "app-opt", false).await;
        for sid in ["s1", "s2"] {
            for client in [&required, &optional] {
                session_clients::record(&db, sid, client, &user, 1, 100)
                    .await
                    .unwrap();
            }
        }
        let sub = Some(user.clone());
        let sid = |s: &str| Some(s.to_owned());
        // The browser of s2 changed the password and stays signed in: s1 only, with sid.
        let txn = begin_write(&db).await.unwrap();
        assert_eq!(
            enqueue_for_user_in(&txn, &user, Some("s2"), 5)
                .await
                .unwrap(),
            2
        );
        txn.commit().await.unwrap();
        assert_eq!(
            sorted(list(&db).await.unwrap()),
            [
                (optional.clone(), sub.clone(), sid("s1")),
                (required.clone(), sub.clone(), sid("s1")),
            ]
        );
        assert_eq!(
            session_clients::of_session(&db, "s2").await.unwrap().len(),
            2
        );
        for row in list(&db).await.unwrap() {
            delete_delivered(&db, &row.id).await.unwrap();
        }
        // Every session ends: per session where sid is required, sub alone elsewhere.
        session_clients::record(&db, "s3", &required, &user, 1, 100)
            .await
            .unwrap();
        let txn = begin_write(&db).await.unwrap();
        assert_eq!(enqueue_for_user_in(&txn, &user, None, 6).await.unwrap(), 3);
        txn.commit().await.unwrap();
        assert_eq!(
            sorted(list(&db).await.unwrap()),
            [
                (optional.clone(), sub.clone(), None),
                (required.clone(), sub.clone(), sid("s2")),
                (required.clone(), sub.clone(), sid("s3")),
            ]
        );
        assert!(
            session_clients::of_session(&db, "s2")
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test]
async fn a_rolled_back_change_queues_nothing() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let user = fixtures::user(&db, "ann@example.com").await;
        let a = receiver(&db, "app-a", true).await;
        session_clients::record(&db, "s1", &a, &user, 1, 100)
            .await
            .unwrap();
        let txn = begin_write(&db).await.unwrap();
        assert_eq!(enqueue_for_user_in(&txn, &user, None, 5).await.unwrap(), 1);
        txn.rollback().await.unwrap();
        assert!(list(&db).await.unwrap().is_empty());
        assert_eq!(
            session_clients::of_session(&db, "s1").await.unwrap().len(),
            1
        );
    }
}

#[tokio::test]
async fn a_due_row_is_claimed_once_until_its_lease_ends() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let a = receiver(&db, "app-a", true).await;
        enqueue_in(db.conn(), vec![logout(&a, "s1")], 100)
            .await
            .unwrap();
        assert!(
            claim_due(&db, 99, 60, 10).await.unwrap().is_empty(),
            "not due"
        );
        let first = claim_due(&db, 100, 60, 10).await.unwrap();
        assert_eq!(first.len(), 1);
        assert!(
            claim_due(&db, 120, 60, 10).await.unwrap().is_empty(),
            "leased"
        );
        // The lease ran out (the claiming node died): someone else may deliver it.
        let again = claim_due(&db, 161, 60, 10).await.unwrap();
        assert_eq!(again.len(), 1);
        delete_delivered(&db, &again[0].id).await.unwrap();
        assert_eq!(pending_count(&db).await.unwrap(), 0);
    }
}

#[tokio::test]
async fn concurrent_claims_split_the_rows_without_overlap() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let a = receiver(&db, "app-a", true).await;
        let rows = (0..8).map(|i| logout(&a, &format!("s{i}"))).collect();
        enqueue_in(db.conn(), rows, 100).await.unwrap();
        // Two nodes polling at once.
        let (x, y) = tokio::join!(claim_due(&db, 100, 60, 8), claim_due(&db, 100, 60, 8));
        let mut ids: Vec<String> = x
            .unwrap()
            .into_iter()
            .chain(y.unwrap())
            .map(|row| row.id)
            .collect();
        let total = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), total, "no row claimed twice");
        assert_eq!(total, 8);
    }
}

#[tokio::test]
async fn failures_back_off_and_finally_give_up_keeping_the_row() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let a = receiver(&db, "app-a", true).await;
        enqueue_in(db.conn(), vec![logout(&a, "s1")], 100)
            .await
            .unwrap();
        let id = claim_due(&db, 100, 60, 10).await.unwrap()[0].id.clone();
        let retry = Failure {
            attempts: 1,
            error: "status 500",
            retry_at: Some(130),
        };
        record_failure(&db, &id, retry, 101).await.unwrap();
        assert!(claim_due(&db, 129, 60, 10).await.unwrap().is_empty());
        let again = claim_due(&db, 130, 60, 10).await.unwrap();
        assert_eq!(again[0].attempts, 1);
        assert_eq!(again[0].last_error.as_deref(), Some("status 500"));
        let give_up = Failure {
            attempts: 2,
            error: "connection refused",
            retry_at: None,
        };
        record_failure(&db, &id, give_up, 131).await.unwrap();
        assert!(claim_due(&db, 10_000, 60, 10).await.unwrap().is_empty());
        assert_eq!(find(&db, &id).await.unwrap().unwrap().failed_at, Some(131));
        assert_eq!(pending_count(&db).await.unwrap(), 0);
        assert_eq!(list(&db).await.unwrap().len(), 1, "kept for the operator");
    }
}
