//! Repository for `support_staff`: granting, revoking and listing support-staff users, each
//! change stored together with its entry in the platform audit chain.

use sea_orm::{ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder};

use crate::audit::{NewAuditEntry, append_in};
use crate::db::Db;
use crate::entities::support_staff::{self, Entity};
use crate::entities::users;
use crate::error::StoreError;
use crate::first::First;
use crate::tx::begin_write;

/// Makes `user_id` support staff (idempotent); true if they were not before. The audit entry
/// is written only when something changed.
pub async fn add(
    db: &Db,
    user_id: &str,
    created_by: Option<&str>,
    now: i64,
    audit: NewAuditEntry,
) -> Result<bool, StoreError> {
    let row = support_staff::Model {
        user_id: user_id.to_owned(),
        created_at: now,
        created_by: created_by.map(str::to_owned),
    };
    let txn = begin_write(db).await?;
    if Entity::find_by_id(user_id).first(&txn).await?.is_some() {
        return Ok(false);
    }
    Entity::insert(row.into_active_model())
        .exec_without_returning(&txn)
        .await?;
    append_in(&txn, db.backend(), audit).await?;
    txn.commit().await?;
    Ok(true)
}

/// Ends `user_id`'s staff standing (idempotent); true if they were staff. Their access ends
/// with it: every authorisation reads this table.
pub async fn remove(db: &Db, user_id: &str, audit: NewAuditEntry) -> Result<bool, StoreError> {
    let txn = begin_write(db).await?;
    let deleted = Entity::delete_by_id(user_id).exec(&txn).await?;
    if deleted.rows_affected == 0 {
        return Ok(false);
    }
    append_in(&txn, db.backend(), audit).await?;
    txn.commit().await?;
    Ok(true)
}

pub async fn is_staff(db: &Db, user_id: &str) -> Result<bool, StoreError> {
    Ok(Entity::find_by_id(user_id)
        .first(db.conn())
        .await?
        .is_some())
}

/// Every staff user with their account, by email.
pub async fn list(db: &Db) -> Result<Vec<(support_staff::Model, users::Model)>, StoreError> {
    let rows = Entity::find().all(db.conn()).await?;
    let ids: Vec<String> = rows.iter().map(|r| r.user_id.clone()).collect();
    let accounts = users::Entity::find()
        .filter(users::Column::Id.is_in(ids))
        .order_by_asc(users::Column::Email)
        .all(db.conn())
        .await?;
    let mut rows = rows;
    let mut out = Vec::with_capacity(accounts.len());
    for account in accounts {
        if let Some(index) = rows.iter().position(|r| r.user_id == account.id) {
            out.push((rows.swap_remove(index), account));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use serde_json::json;

    use super::{add, is_staff, list, remove};
    use crate::audit::{self, AuditQuery, NewAuditEntry};
    use crate::fixtures;
    use crate::testing::fresh_dbs;

    fn note(action: &str) -> NewAuditEntry {
        NewAuditEntry {
            at: 1,
            org_id: None,
            actor: None,
            staff: None,
            subject: None,
            action: action.to_owned(),
            target: None,
            ip: None,
            user_agent: None,
            details: json!({}),
        }
    }

    #[tokio::test]
    async fn staff_are_added_listed_and_removed_with_their_audit_entries() {
        for (db, _guard) in fresh_dbs().await.unwrap() {
            let ada = fixtures::user(&db, "ada@example.com").await;
            let bob = fixtures::user(&db, "bob@example.com").await;
            assert!(!is_staff(&db, &ada).await.unwrap());
            assert!(add(&db, &bob, None, 5, note("added")).await.unwrap());
            assert!(add(&db, &ada, Some(&bob), 6, note("added")).await.unwrap());
            assert!(
                !add(&db, &ada, None, 7, note("added")).await.unwrap(),
                "once"
            );
            assert!(is_staff(&db, &ada).await.unwrap());
            let all = list(&db).await.unwrap();
            let emails: Vec<&str> = all.iter().map(|(_, u)| u.email.as_str()).collect();
            assert_eq!(emails, ["ada@example.com", "bob@example.com"]);
            assert_eq!(all[0].0.created_by.as_deref(), Some(bob.as_str()));
            assert_eq!(all[0].0.created_at, 6);
            assert!(remove(&db, &ada, note("removed")).await.unwrap());
            assert!(!remove(&db, &ada, note("removed")).await.unwrap(), "once");
            assert!(!is_staff(&db, &ada).await.unwrap());
            let entries = audit::list(&db, "platform", &AuditQuery::default(), 10)
                .await
                .unwrap();
            let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
            assert_eq!(actions, ["removed", "added", "added"], "only real changes");
        }
    }
}
