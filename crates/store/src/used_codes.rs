//! Repository for `used_codes`: the one redemption of an authorization code that wins, decided
//! by the primary key (the code's digest) in the same transaction that stores the family's
//! first refresh token, and found again when the code is replayed.

use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter};

use crate::db::Db;
use crate::entities::used_codes::{self, Column, Entity};
use crate::error::StoreError;
use crate::first::First;
use crate::refresh_tokens::{self, NewRefreshToken};
use crate::tx::begin_write;

/// What became of a redemption.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Redemption {
    /// This one is the code's only use; its refresh token (if any) is stored.
    Won,
    /// The code was redeemed before: by this row's redemption. Nothing was stored.
    AlreadyUsed(used_codes::Model),
}

/// Records `used` and stores `first_token` (the family's first refresh token) with it, in one
/// transaction, unless the code's digest is already recorded. Of concurrent redemptions of one
/// code exactly one wins; the others wait for it to commit and then see its row.
pub async fn redeem(
    db: &Db,
    used: used_codes::Model,
    first_token: Option<NewRefreshToken>,
) -> Result<Redemption, StoreError> {
    let digest = used.digest.clone();
    let txn = begin_write(db).await?;
    let inserted = Entity::insert(used.into_active_model())
        .on_conflict(OnConflict::column(Column::Digest).do_nothing().to_owned())
        .exec_without_returning(&txn)
        .await?;
    if inserted == 0 {
        txn.rollback().await?;
        return match find(db, &digest).await? {
            Some(row) => Ok(Redemption::AlreadyUsed(row)),
            // Swept between the two statements: the code had expired long ago.
            None => Err(StoreError::Conflict),
        };
    }
    if let Some(token) = first_token {
        refresh_tokens::insert_on(&txn, token).await?;
    }
    txn.commit().await?;
    Ok(Redemption::Won)
}

/// The recorded redemption of the code with this digest.
pub async fn find(db: &Db, digest: &str) -> Result<Option<used_codes::Model>, StoreError> {
    Ok(Entity::find()
        .filter(Column::Digest.eq(digest))
        .first(db.conn())
        .await?)
}

/// Deletes the records that lapsed at or before `now`; returns how many.
pub async fn delete_expired(db: &Db, now: i64) -> Result<u64, StoreError> {
    let deleted = Entity::delete_many()
        .filter(Column::ExpiresAt.lte(now))
        .exec(db.writer())
        .await?;
    Ok(deleted.rows_affected)
}

#[cfg(test)]
#[path = "used_codes_tests.rs"]
mod tests;
