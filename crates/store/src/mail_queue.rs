//! Repository for `mail_queue`: the durable queue behind outgoing mail. Rows are claimed with a
//! compare-and-set on `claimed_until`, so of several nodes polling at once exactly one sends a
//! given mail; a node that dies while sending leaves a lease that expires, and the mail is
//! sent again later (at least once, never silently lost).

use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use crate::db::Db;
use crate::entities::mail_queue::{self, Column, Entity};
use crate::error::StoreError;
use crate::first::First;

/// A mail to queue; `sealed` is the rendered message, encrypted by the caller.
#[derive(Clone, Debug)]
pub struct NewMail {
    pub id: String,
    pub recipient: String,
    pub sealed: Vec<u8>,
}

/// Queues a mail, due at once.
pub async fn enqueue(db: &Db, mail: NewMail, now: i64) -> Result<(), StoreError> {
    let row = mail_queue::Model {
        id: mail.id,
        recipient: mail.recipient,
        sealed: mail.sealed,
        attempts: 0,
        next_attempt_at: now,
        claimed_until: 0,
        last_error: None,
        failed_at: None,
        created_at: now,
    };
    Entity::insert(row.into_active_model())
        .exec_without_returning(db.conn())
        .await?;
    Ok(())
}

/// Claims up to `limit` due mails for `lease_secs`; only the rows this call won are returned.
pub async fn claim_due(
    db: &Db,
    now: i64,
    lease_secs: i64,
    limit: u64,
) -> Result<Vec<mail_queue::Model>, StoreError> {
    let candidates = Entity::find()
        .filter(Column::FailedAt.is_null())
        .filter(Column::NextAttemptAt.lte(now))
        .filter(Column::ClaimedUntil.lte(now))
        .order_by_asc(Column::NextAttemptAt)
        .order_by_asc(Column::Id)
        .limit(limit)
        .all(db.conn())
        .await?;
    let until = now.saturating_add(lease_secs.max(1));
    let mut claimed = Vec::with_capacity(candidates.len());
    for mut row in candidates {
        let won = Entity::update_many()
            .set(mail_queue::ActiveModel {
                claimed_until: Set(until),
                ..Default::default()
            })
            .filter(Column::Id.eq(row.id.as_str()))
            .filter(Column::ClaimedUntil.eq(row.claimed_until))
            .filter(Column::FailedAt.is_null())
            .exec(db.conn())
            .await?;
        if won.rows_affected == 1 {
            row.claimed_until = until;
            claimed.push(row);
        }
    }
    Ok(claimed)
}

/// A sent mail leaves the queue (its sealed links with it).
pub async fn delete_sent(db: &Db, id: &str) -> Result<(), StoreError> {
    Entity::delete_by_id(id).exec(db.conn()).await?;
    Ok(())
}

/// What to do with a mail whose attempt failed.
#[derive(Clone, Debug)]
pub struct Failure<'a> {
    pub attempts: i32,
    pub error: &'a str,
    /// Retry at this time, or `None`: give up (the row stays, marked failed).
    pub retry_at: Option<i64>,
}

/// Records a failed attempt and releases the claim.
pub async fn record_failure(
    db: &Db,
    id: &str,
    failure: Failure<'_>,
    now: i64,
) -> Result<(), StoreError> {
    Entity::update_many()
        .set(mail_queue::ActiveModel {
            attempts: Set(failure.attempts),
            next_attempt_at: Set(failure.retry_at.unwrap_or(now)),
            claimed_until: Set(0),
            last_error: Set(Some(failure.error.chars().take(500).collect())),
            failed_at: Set(failure.retry_at.is_none().then_some(now)),
            ..Default::default()
        })
        .filter(Column::Id.eq(id))
        .exec(db.conn())
        .await?;
    Ok(())
}

pub async fn find(db: &Db, id: &str) -> Result<Option<mail_queue::Model>, StoreError> {
    Ok(Entity::find_by_id(id).first(db.conn()).await?)
}

/// Every queued row (sent mails are gone), oldest first; for operators and tests.
pub async fn list(db: &Db) -> Result<Vec<mail_queue::Model>, StoreError> {
    Ok(Entity::find()
        .order_by_asc(Column::CreatedAt)
        .order_by_asc(Column::Id)
        .all(db.conn())
        .await?)
}

/// Mails still to be sent (not given up on).
pub async fn pending_count(db: &Db) -> Result<u64, StoreError> {
    Ok(Entity::find()
        .filter(Column::FailedAt.is_null())
        .count(db.conn())
        .await?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::new_id;
    use crate::testing::fresh_dbs;

    fn mail(to: &str) -> NewMail {
        NewMail {
            id: new_id(),
            recipient: to.into(),
            sealed: vec![1, 2, 3],
        }
    }

    #[tokio::test]
    async fn a_due_mail_is_claimed_once_until_its_lease_ends() {
        for (db, _guard) in fresh_dbs().await.unwrap() {
            let m = mail("a@example.com");
            enqueue(&db, m.clone(), 100).await.unwrap();
            assert!(
                claim_due(&db, 99, 60, 10).await.unwrap().is_empty(),
                "not due"
            );
            let first = claim_due(&db, 100, 60, 10).await.unwrap();
            assert_eq!(first.len(), 1);
            assert_eq!(first[0].sealed, vec![1, 2, 3]);
            assert!(
                claim_due(&db, 120, 60, 10).await.unwrap().is_empty(),
                "leased"
            );
            // The lease ran out (the claiming node died): someone else may send it.
            assert_eq!(claim_due(&db, 161, 60, 10).await.unwrap().len(), 1);
            delete_sent(&db, &m.id).await.unwrap();
            assert_eq!(pending_count(&db).await.unwrap(), 0);
        }
    }

    #[tokio::test]
    async fn concurrent_claims_split_the_mails_without_overlap() {
        for (db, _guard) in fresh_dbs().await.unwrap() {
            for i in 0..6 {
                enqueue(&db, mail(&format!("{i}@example.com")), 100)
                    .await
                    .unwrap();
            }
            let (a, b) = tokio::join!(claim_due(&db, 100, 60, 6), claim_due(&db, 100, 60, 6));
            let mut ids: Vec<String> = a
                .unwrap()
                .into_iter()
                .chain(b.unwrap())
                .map(|m| m.id)
                .collect();
            let total = ids.len();
            ids.sort();
            ids.dedup();
            assert_eq!(ids.len(), total, "no mail claimed twice");
            assert_eq!(total, 6);
        }
    }

    #[tokio::test]
    async fn failures_back_off_and_finally_give_up() {
        for (db, _guard) in fresh_dbs().await.unwrap() {
            let m = mail("b@example.com");
            enqueue(&db, m.clone(), 100).await.unwrap();
            claim_due(&db, 100, 60, 10).await.unwrap();
            let retry = Failure {
                attempts: 1,
                error: "connection refused",
                retry_at: Some(130),
            };
            record_failure(&db, &m.id, retry, 101).await.unwrap();
            assert!(claim_due(&db, 129, 60, 10).await.unwrap().is_empty());
            let again = claim_due(&db, 130, 60, 10).await.unwrap();
            assert_eq!(again[0].attempts, 1);
            assert_eq!(again[0].last_error.as_deref(), Some("connection refused"));
            let give_up = Failure {
                attempts: 2,
                error: "still refused",
                retry_at: None,
            };
            record_failure(&db, &m.id, give_up, 131).await.unwrap();
            assert!(claim_due(&db, 10_000, 60, 10).await.unwrap().is_empty());
            let row = find(&db, &m.id).await.unwrap().unwrap();
            assert_eq!(row.failed_at, Some(131));
            assert_eq!(pending_count(&db).await.unwrap(), 0);
            assert_eq!(list(&db).await.unwrap().len(), 1, "kept for the operator");
        }
    }
}
