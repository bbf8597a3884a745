//! Deleted accounts: deactivated at once (`deleted_at`), restorable during the retention
//! period, then purged with everything that belongs to them. The audit log is not touched:
//! its entries name users by their random id only, which is pseudonymous once the row is gone.

use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
};

use crate::audit::{NewAuditEntry, append_in};
use crate::db::{Backend, Db};
use crate::entities::{api_tokens, auth_events, refresh_tokens, users};
use crate::error::StoreError;
use crate::tx::begin_write;

/// Advisory lock key for the purge ("poortprg" in ASCII): one node purges at a time.
const PURGE_LOCK_KEY: i64 = 0x706f_6f72_7470_7267;

/// How an account stops working.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deactivation {
    /// Deleted: restorable during the retention period, then purged.
    Deleted,
    /// Disabled by an operator until enabled again.
    Disabled,
}

/// Deletes or disables the account, revokes every API token of it, queues the back-channel
/// logout tokens of its sessions and appends `audit`, in one transaction: the account never stops working with its tokens still live, nor without
/// its record. Returns the revoked tokens (for the caches of every node), or `None` when the
/// account is missing or already in that state.
pub async fn deactivate(
    db: &Db,
    user_id: &str,
    how: Deactivation,
    now: i64,
    audit: NewAuditEntry,
) -> Result<Option<Vec<api_tokens::Model>>, StoreError> {
    let txn = begin_write(db).await?;
    let update = users::Entity::update_many().filter(users::Column::Id.eq(user_id));
    let update = match how {
        Deactivation::Deleted => update
            .set(users::ActiveModel {
                deleted_at: Set(Some(now)),
                updated_at: Set(now),
                ..Default::default()
            })
            .filter(users::Column::DeletedAt.is_null()),
        Deactivation::Disabled => update
            .set(users::ActiveModel {
                disabled: Set(true),
                updated_at: Set(now),
                ..Default::default()
            })
            .filter(users::Column::Disabled.eq(false)),
    };
    if update.exec(&txn).await?.rows_affected != 1 {
        return Ok(None);
    }
    let revoked = crate::api_tokens::revoke_all_of_user_in(&txn, user_id, now).await?;
    // Every session ends: the clients they signed in to are told (back-channel logout).
    crate::backchannel_logouts::enqueue_for_user_in(&txn, user_id, None, now).await?;
    append_in(&txn, db.backend(), audit).await?;
    txn.commit().await?;
    Ok(Some(revoked))
}

/// Enables a disabled account, with its audit entry. False if it is missing or not disabled.
/// Its tokens stay revoked.
pub async fn enable(
    db: &Db,
    user_id: &str,
    now: i64,
    audit: NewAuditEntry,
) -> Result<bool, StoreError> {
    let txn = begin_write(db).await?;
    let updated = users::Entity::update_many()
        .set(users::ActiveModel {
            disabled: Set(false),
            updated_at: Set(now),
            ..Default::default()
        })
        .filter(users::Column::Id.eq(user_id))
        .filter(users::Column::Disabled.eq(true))
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        return Ok(false);
    }
    append_in(&txn, db.backend(), audit).await?;
    txn.commit().await?;
    Ok(true)
}

/// Undoes a deletion made after `deleted_after` (i.e. still within the retention period).
/// False if the account is not deleted, was deleted too long ago, or is gone.
pub async fn restore(
    db: &Db,
    user_id: &str,
    deleted_after: i64,
    now: i64,
) -> Result<bool, StoreError> {
    let updated = users::Entity::update_many()
        .set(users::ActiveModel {
            deleted_at: Set(None),
            updated_at: Set(now),
            ..Default::default()
        })
        .filter(users::Column::Id.eq(user_id))
        .filter(users::Column::DeletedAt.gt(deleted_after))
        .exec(db.writer())
        .await?;
    Ok(updated.rows_affected == 1)
}

/// What one purge removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Purged {
    /// Accounts deleted at or before the cut-off, with their tokens, consents, factors,
    /// password history and login events.
    pub accounts: u64,
    /// Refresh tokens past their expiry.
    pub expired_refresh_tokens: u64,
}

/// Purges accounts deleted at or before `deleted_before` and refresh tokens expired at or
/// before `now`, in one transaction. `None` when another process is purging right now
/// (PostgreSQL: a transaction-scoped advisory lock; SQLite: the write lock serialises).
pub async fn purge(db: &Db, deleted_before: i64, now: i64) -> Result<Option<Purged>, StoreError> {
    let txn = begin_write(db).await?;
    if db.backend() == Backend::Postgres && !try_lock(&txn).await? {
        txn.rollback().await?;
        return Ok(None);
    }
    let doomed = Query::select()
        .column(users::Column::Id)
        .from(users::Entity)
        .and_where(users::Column::DeletedAt.lte(deleted_before))
        .to_owned();
    // Login events keep the login name (an email) and would outlive the row (SET NULL).
    auth_events::Entity::delete_many()
        .filter(auth_events::Column::UserId.in_subquery(doomed))
        .exec(&txn)
        .await?;
    let accounts = users::Entity::delete_many()
        .filter(users::Column::DeletedAt.lte(deleted_before))
        .exec(&txn)
        .await?
        .rows_affected;
    let expired_refresh_tokens = refresh_tokens::Entity::delete_many()
        .filter(refresh_tokens::Column::ExpiresAt.lte(now))
        .exec(&txn)
        .await?
        .rows_affected;
    txn.commit().await?;
    Ok(Some(Purged {
        accounts,
        expired_refresh_tokens,
    }))
}

async fn try_lock(txn: &DatabaseTransaction) -> Result<bool, StoreError> {
    let row = txn
        .query_one_raw(sea_orm::Statement::from_string(
            txn.get_database_backend(),
            format!("SELECT pg_try_advisory_xact_lock({PURGE_LOCK_KEY}) AS locked"),
        ))
        .await?;
    Ok(match row {
        Some(row) => row.try_get::<bool>("", "locked")?,
        None => false,
    })
}

#[cfg(test)]
#[path = "retention_tests.rs"]
mod tests;
