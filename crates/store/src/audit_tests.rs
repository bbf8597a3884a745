//! Chains per organisation, verification and tamper detection, concurrent appends, filters.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use super::{
    AuditQuery, BreakReason, GENESIS_HASH, NewAuditEntry, PLATFORM_CHAIN, append, chains, list,
    verify_chain,
};
use crate::entities::audit_log::{self, Column, Entity};
use crate::testing::fresh_dbs;

fn entry(org: Option<&str>, action: &str, actor: &str, at: i64) -> NewAuditEntry {
    NewAuditEntry {
        at,
        org_id: org.map(str::to_owned),
        actor: Some(actor.to_owned()),
        staff: None,
        subject: Some("user-1".to_owned()),
        action: action.to_owned(),
        target: Some("target \"quoted\"".to_owned()),
        ip: Some("2001:db8::1".to_owned()),
        user_agent: Some("test/1.0".to_owned()),
        details: json!({"roles": ["admin"], "n": 1}),
    }
}

#[tokio::test]
async fn chains_link_per_organisation_and_verify() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let first = append(&db, entry(Some("org-a"), "member.added", "u1", 10))
            .await
            .unwrap();
        assert_eq!((first.seq, first.prev_hash.as_str()), (1, GENESIS_HASH));
        append(&db, entry(Some("org-b"), "member.added", "u1", 11))
            .await
            .unwrap();
        let second = append(&db, entry(Some("org-a"), "role.created", "u2", 12))
            .await
            .unwrap();
        assert_eq!(second.seq, 2);
        assert_eq!(second.prev_hash, first.hash);
        append(&db, entry(None, "login.succeeded", "u1", 13))
            .await
            .unwrap();

        assert_eq!(
            chains(&db).await.unwrap(),
            ["org-a", "org-b", PLATFORM_CHAIN]
        );
        for chain in chains(&db).await.unwrap() {
            let report = verify_chain(&db, &chain).await.unwrap();
            assert_eq!(report.broken, None, "{chain}");
        }
        assert_eq!(verify_chain(&db, "org-a").await.unwrap().entries, 2);
    }
}

#[tokio::test]
async fn an_edited_entry_is_named_by_verify() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let mut ids = vec![];
        for n in 0..5 {
            ids.push(
                append(&db, entry(Some("org"), "member.added", "u", n))
                    .await
                    .unwrap()
                    .id,
            );
        }
        // Someone with database access rewrites the actor of the third entry.
        Entity::update_many()
            .set(audit_log::ActiveModel {
                actor: Set(Some("someone-else".to_owned())),
                ..Default::default()
            })
            .filter(Column::Id.eq(ids[2].as_str()))
            .exec(db.conn())
            .await
            .unwrap();
        let report = verify_chain(&db, "org").await.unwrap();
        let broken = report.broken.unwrap();
        assert_eq!((broken.id.as_str(), broken.seq), (ids[2].as_str(), 3));
        assert_eq!(broken.reason, BreakReason::HashMismatch);
    }
}

#[tokio::test]
async fn a_removed_or_rehashed_entry_breaks_the_next_link() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let mut rows = vec![];
        for n in 0..4 {
            rows.push(
                append(&db, entry(Some("org"), "member.added", "u", n))
                    .await
                    .unwrap(),
            );
        }
        // Edited and re-hashed consistently: the next entry no longer points at it.
        let mut forged = rows[1].clone();
        forged.details = "{}".to_owned();
        forged.hash = super::entry_hash(&forged);
        Entity::update_many()
            .set(audit_log::ActiveModel {
                details: Set(forged.details.clone()),
                hash: Set(forged.hash.clone()),
                ..Default::default()
            })
            .filter(Column::Id.eq(forged.id.as_str()))
            .exec(db.conn())
            .await
            .unwrap();
        let broken = verify_chain(&db, "org").await.unwrap().broken.unwrap();
        assert_eq!(broken.id, rows[2].id);
        assert_eq!(broken.reason, BreakReason::PrevHashMismatch);

        // A removed entry leaves a gap in the numbering.
        Entity::delete_by_id(rows[1].id.clone())
            .exec(db.conn())
            .await
            .unwrap();
        let broken = verify_chain(&db, "org").await.unwrap().broken.unwrap();
        assert_eq!(broken.id, rows[2].id);
        assert_eq!(broken.reason, BreakReason::SeqGap { expected: 2 });
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_appends_never_fork_a_chain() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let tasks: Vec<_> = (0..20)
            .map(|n| {
                let db = db.clone();
                tokio::spawn(async move { append(&db, entry(Some("org"), "x", "u", n)).await })
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        let report = verify_chain(&db, "org").await.unwrap();
        assert_eq!((report.entries, report.broken), (20, None));
    }
}

#[tokio::test]
async fn list_filters_and_pages_newest_first() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        for n in 0..6 {
            let actor = if n % 2 == 0 { "even" } else { "odd" };
            let action = if n < 3 {
                "member.added"
            } else {
                "role.created"
            };
            append(&db, entry(Some("org"), action, actor, 100 + n))
                .await
                .unwrap();
        }
        append(&db, entry(Some("other"), "member.added", "even", 100))
            .await
            .unwrap();
        let all = list(&db, "org", &AuditQuery::default(), 100).await.unwrap();
        let seqs: Vec<i64> = all.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [6, 5, 4, 3, 2, 1]);

        let query = AuditQuery {
            actor: Some("even".into()),
            ..AuditQuery::default()
        };
        let even: Vec<i64> = list(&db, "org", &query, 100)
            .await
            .unwrap()
            .iter()
            .map(|e| e.at)
            .collect();
        assert_eq!(even, [104, 102, 100]);

        let query = AuditQuery {
            action: Some("role.created".into()),
            from: Some(104),
            to: Some(105),
            ..AuditQuery::default()
        };
        assert_eq!(list(&db, "org", &query, 100).await.unwrap().len(), 2);

        let page = list(&db, "org", &AuditQuery::default(), 2).await.unwrap();
        let next = AuditQuery {
            before_seq: page.last().map(|e| e.seq),
            ..AuditQuery::default()
        };
        let seqs: Vec<i64> = list(&db, "org", &next, 2)
            .await
            .unwrap()
            .iter()
            .map(|e| e.seq)
            .collect();
        assert_eq!(seqs, [4, 3]);
    }
}
