//! Repository for `refresh_tokens`: issue, rotate (single use, race-free), revoke by family.

use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QuerySelect,
};

use crate::db::Db;
use crate::entities::refresh_tokens::{self, Column, Entity};
use crate::error::StoreError;
use crate::json_list;
use crate::tx::begin_write;

/// A refresh token to store: every column but `used_at`/`revoked_at`, which start empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRefreshToken {
    pub id: String,
    /// Hex SHA-256 of the token; the token itself is never stored.
    pub token_digest: String,
    pub family_id: String,
    pub client_id: String,
    pub user_id: String,
    pub scope: String,
    pub auth_time: i64,
    pub amr: Vec<String>,
    pub sid: Option<String>,
    pub access_jti: String,
    pub access_expires_at: i64,
    pub created_at: i64,
    pub expires_at: i64,
}

impl NewRefreshToken {
    fn into_row(self) -> refresh_tokens::Model {
        refresh_tokens::Model {
            amr: json_list::encode(&self.amr),
            id: self.id,
            token_digest: self.token_digest,
            family_id: self.family_id,
            client_id: self.client_id,
            user_id: self.user_id,
            scope: self.scope,
            auth_time: self.auth_time,
            sid: self.sid,
            access_jti: self.access_jti,
            access_expires_at: self.access_expires_at,
            created_at: self.created_at,
            expires_at: self.expires_at,
            used_at: None,
            revoked_at: None,
        }
    }
}

/// Stores a new token; [`StoreError::Conflict`] if its id or digest exists.
pub async fn insert(db: &Db, token: NewRefreshToken) -> Result<refresh_tokens::Model, StoreError> {
    insert_on(db.conn(), token).await
}

/// Stores many tokens in one transaction (load-test seeding, imports). All or nothing:
/// [`StoreError::Conflict`] if any id or digest exists.
pub async fn insert_many(db: &Db, tokens: Vec<NewRefreshToken>) -> Result<(), StoreError> {
    let rows = tokens.into_iter().map(NewRefreshToken::into_row).collect();
    crate::bulk::insert_rows::<Entity, _>(db, rows).await
}

pub async fn find_by_digest(
    db: &Db,
    digest: &str,
) -> Result<Option<refresh_tokens::Model>, StoreError> {
    Ok(Entity::find()
        .filter(Column::TokenDigest.eq(digest))
        .one(db.conn())
        .await?)
}

/// Marks a token used if it is neither used nor revoked, as one compare-and-set statement.
/// True iff this call marked it: of concurrent callers exactly one wins.
pub async fn mark_used(db: &Db, id: &str, now: i64) -> Result<bool, StoreError> {
    mark_used_on(db.conn(), id, now).await
}

/// In one transaction: marks `old_id` used (compare-and-set) and inserts its successor.
/// False (and nothing inserted) if the token was already used or revoked, e.g. by a
/// concurrent rotation of the same token.
pub async fn rotate(
    db: &Db,
    old_id: &str,
    successor: NewRefreshToken,
    now: i64,
) -> Result<bool, StoreError> {
    let txn = begin_write(db).await?;
    if !mark_used_on(&txn, old_id, now).await? {
        txn.rollback().await?;
        return Ok(false);
    }
    insert_on(&txn, successor).await?;
    txn.commit().await?;
    Ok(true)
}

/// Revokes every not yet revoked token of a family (e.g. on refresh token reuse) and returns
/// `(access_jti, access_expires_at)` of the family's access tokens that have not expired
/// yet, so the caller can deny-list them until they expire.
pub async fn revoke_family(
    db: &Db,
    family_id: &str,
    now: i64,
) -> Result<Vec<(String, i64)>, StoreError> {
    let txn = begin_write(db).await?;
    Entity::update_many()
        .set(refresh_tokens::ActiveModel {
            revoked_at: Set(Some(now)),
            ..Default::default()
        })
        .filter(Column::FamilyId.eq(family_id))
        .filter(Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    let live_access_tokens = Entity::find()
        .select_only()
        .column(Column::AccessJti)
        .column(Column::AccessExpiresAt)
        .filter(Column::FamilyId.eq(family_id))
        .filter(Column::AccessExpiresAt.gt(now))
        .into_tuple::<(String, i64)>()
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(live_access_tokens)
}

/// Revokes every token of every family of a user (password reset, "sign out everywhere") in one
/// transaction; returns the live access tokens they produced, as [`revoke_family`] does.
pub async fn revoke_all_for_user(
    db: &Db,
    user_id: &str,
    now: i64,
) -> Result<Vec<(String, i64)>, StoreError> {
    let txn = begin_write(db).await?;
    Entity::update_many()
        .set(refresh_tokens::ActiveModel {
            revoked_at: Set(Some(now)),
            ..Default::default()
        })
        .filter(Column::UserId.eq(user_id))
        .filter(Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    let live_access_tokens = Entity::find()
        .select_only()
        .column(Column::AccessJti)
        .column(Column::AccessExpiresAt)
        .filter(Column::UserId.eq(user_id))
        .filter(Column::AccessExpiresAt.gt(now))
        .into_tuple::<(String, i64)>()
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(live_access_tokens)
}

/// Revokes one token; true if it was not revoked before.
pub async fn revoke(db: &Db, id: &str, now: i64) -> Result<bool, StoreError> {
    let revoked = Entity::update_many()
        .set(refresh_tokens::ActiveModel {
            revoked_at: Set(Some(now)),
            ..Default::default()
        })
        .filter(Column::Id.eq(id))
        .filter(Column::RevokedAt.is_null())
        .exec(db.conn())
        .await?;
    Ok(revoked.rows_affected == 1)
}

/// Deletes tokens that expired at or before `now`; returns how many.
pub async fn delete_expired(db: &Db, now: i64) -> Result<u64, StoreError> {
    let deleted = Entity::delete_many()
        .filter(Column::ExpiresAt.lte(now))
        .exec(db.conn())
        .await?;
    Ok(deleted.rows_affected)
}

async fn insert_on(
    conn: &impl ConnectionTrait,
    token: NewRefreshToken,
) -> Result<refresh_tokens::Model, StoreError> {
    let row = token.into_row();
    Entity::insert(row.clone().into_active_model())
        .exec_without_returning(conn)
        .await?;
    Ok(row)
}

async fn mark_used_on(conn: &impl ConnectionTrait, id: &str, now: i64) -> Result<bool, StoreError> {
    let marked = Entity::update_many()
        .set(refresh_tokens::ActiveModel {
            used_at: Set(Some(now)),
            ..Default::default()
        })
        .filter(Column::Id.eq(id))
        .filter(Column::UsedAt.is_null())
        .filter(Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(marked.rows_affected == 1)
}

#[cfg(test)]
#[path = "refresh_tokens_tests.rs"]
mod tests;
