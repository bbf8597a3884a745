//! Repository for `refresh_tokens`: issue, rotate (single use, race-free), revoke by family.

use std::collections::{BTreeSet, HashSet};

use sea_orm::sea_query::IntoCondition;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QuerySelect, QueryTrait, sea_query::IntoColumnRef,
};

use crate::db::{Backend, Db};
use crate::entities::refresh_tokens::{self, Column, Entity};
use crate::error::StoreError;
use crate::first::First;
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
    /// RFC 8707 resources of the grant; empty when the authorization named none.
    pub resources: Vec<String>,
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
            resources: (!self.resources.is_empty()).then(|| json_list::encode(&self.resources)),
            auth_time: self.auth_time,
            sid: self.sid,
            access_jti: self.access_jti,
            access_expires_at: self.access_expires_at,
            created_at: self.created_at,
            expires_at: self.expires_at,
            used_at: None,
            revoked_at: None,
            parent_id: None,
        }
    }

    /// The row of a successor of `parent_id`.
    fn into_successor_row(self, parent_id: &str) -> refresh_tokens::Model {
        refresh_tokens::Model {
            parent_id: Some(parent_id.to_owned()),
            ..self.into_row()
        }
    }
}

/// Stores a new token; [`StoreError::Conflict`] if its id or digest exists.
pub async fn insert(db: &Db, token: NewRefreshToken) -> Result<refresh_tokens::Model, StoreError> {
    insert_on(db.writer(), token).await
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
        .first(db.conn())
        .await?)
}

/// A rotation to commit: mark `old_id` used and store `successor` in its place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rotation {
    pub old_id: String,
    pub successor: NewRefreshToken,
}

/// Commits many rotations in one transaction (see [`crate::rotations::RotationQueue`]): each
/// marks its old token used if it is neither used nor revoked (compare-and-set), and stores its
/// successor only if it did. Returns, per rotation, whether it won; of rotations of the same
/// token, at most the first wins, as it would have one statement at a time. `now` is the
/// `used_at` of every token marked.
pub async fn rotate_many(
    db: &Db,
    rotations: &[Rotation],
    now: i64,
) -> Result<Vec<bool>, StoreError> {
    if rotations.is_empty() {
        return Ok(Vec::new());
    }
    let ids: BTreeSet<&str> = rotations.iter().map(|r| r.old_id.as_str()).collect();
    let txn = begin_write(db).await?;
    let mut update = Entity::update_many()
        .set(refresh_tokens::ActiveModel {
            used_at: Set(Some(now)),
            ..Default::default()
        })
        .filter(Column::Id.is_in(ids))
        .filter(Column::UsedAt.is_null())
        .filter(Column::RevokedAt.is_null())
        .into_query();
    update.returning_col(Column::Id);
    let marked: HashSet<String> = txn
        .query_all(&update)
        .await?
        .iter()
        .map(|row| row.try_get::<String>("", "id"))
        .collect::<Result<_, _>>()?;
    let mut claimed = HashSet::new();
    let won: Vec<bool> = rotations
        .iter()
        .map(|r| marked.contains(&r.old_id) && claimed.insert(r.old_id.as_str()))
        .collect();
    let successors: Vec<_> = rotations
        .iter()
        .zip(&won)
        .filter(|(_, won)| **won)
        .map(|(r, _)| {
            r.successor
                .clone()
                .into_successor_row(&r.old_id)
                .into_active_model()
        })
        .collect();
    if !successors.is_empty() {
        Entity::insert_many(successors)
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(won)
}

/// What a retried rotation did (see [`replace_undelivered`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Replaced {
    /// The successor was stored; these `(access_jti, access_expires_at)` belong to the
    /// successor it replaced (revoked), whose access token the caller deny-lists.
    Stored(Vec<(String, i64)>),
    /// `parent_id` has no live, unused successor (it was used, revoked, or never stored):
    /// nothing was written.
    NoUndelivered,
}

/// A retry of the rotation of `parent_id` (already used): in one transaction, revokes the
/// parent's successor if it is still unused and unrevoked (it was never delivered, or the
/// client would be using it) and stores `successor` as the parent's successor in its place.
/// Only if such a successor exists, so a family never has two live heads. Retries of one
/// parent are serialised (SQLite's single writer; on PostgreSQL a lock on the parent's row),
/// so each sees the successor stored by the one before.
pub async fn replace_undelivered(
    db: &Db,
    parent_id: &str,
    successor: NewRefreshToken,
    now: i64,
) -> Result<Replaced, StoreError> {
    let txn = begin_write(db).await?;
    if db.backend() == Backend::Postgres {
        Entity::find_by_id(parent_id)
            .lock_exclusive()
            .first(&txn)
            .await?;
    }
    let mut revoke = Entity::update_many()
        .set(refresh_tokens::ActiveModel {
            revoked_at: Set(Some(now)),
            ..Default::default()
        })
        .filter(Column::ParentId.eq(parent_id))
        .filter(Column::UsedAt.is_null())
        .filter(Column::RevokedAt.is_null())
        .into_query();
    revoke.returning(sea_orm::sea_query::ReturningClause::Columns(vec![
        Column::AccessJti.into_column_ref(),
        Column::AccessExpiresAt.into_column_ref(),
    ]));
    let replaced = txn
        .query_all(&revoke)
        .await?
        .iter()
        .map(|row| {
            Ok((
                row.try_get::<String>("", "access_jti")?,
                row.try_get::<i64>("", "access_expires_at")?,
            ))
        })
        .collect::<Result<Vec<_>, sea_orm::DbErr>>()?;
    if replaced.is_empty() {
        txn.rollback().await?;
        return Ok(Replaced::NoUndelivered);
    }
    Entity::insert(successor.into_successor_row(parent_id).into_active_model())
        .exec_without_returning(&txn)
        .await?;
    txn.commit().await?;
    Ok(Replaced::Stored(replaced))
}

/// Revokes every not yet revoked token of a family (e.g. on refresh token reuse) and returns
/// `(access_jti, access_expires_at)` of the family's access tokens that have not expired
/// yet, so the caller can deny-list them until they expire.
pub async fn revoke_family(
    db: &Db,
    family_id: &str,
    now: i64,
) -> Result<Vec<(String, i64)>, StoreError> {
    revoke_matching(db, Column::FamilyId.eq(family_id), now).await
}

/// Revokes every token of every family of the user (account deleted, password reset) and
/// returns the live access tokens they produced, as [`revoke_family`] does.
pub async fn revoke_all_for_user(
    db: &Db,
    user_id: &str,
    now: i64,
) -> Result<Vec<(String, i64)>, StoreError> {
    revoke_matching(db, Column::UserId.eq(user_id), now).await
}

async fn revoke_matching(
    db: &Db,
    scope: impl IntoCondition + Clone,
    now: i64,
) -> Result<Vec<(String, i64)>, StoreError> {
    let txn = begin_write(db).await?;
    Entity::update_many()
        .set(refresh_tokens::ActiveModel {
            revoked_at: Set(Some(now)),
            ..Default::default()
        })
        .filter(scope.clone())
        .filter(Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    let live_access_tokens = Entity::find()
        .select_only()
        .column(Column::AccessJti)
        .column(Column::AccessExpiresAt)
        .filter(scope)
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
        .exec(db.writer())
        .await?;
    Ok(revoked.rows_affected == 1)
}

/// Deletes tokens that expired at or before `now`; returns how many.
pub async fn delete_expired(db: &Db, now: i64) -> Result<u64, StoreError> {
    let deleted = Entity::delete_many()
        .filter(Column::ExpiresAt.lte(now))
        .exec(db.writer())
        .await?;
    Ok(deleted.rows_affected)
}

pub(crate) async fn insert_on(
    conn: &impl ConnectionTrait,
    token: NewRefreshToken,
) -> Result<refresh_tokens::Model, StoreError> {
    let row = token.into_row();
    Entity::insert(row.clone().into_active_model())
        .exec_without_returning(conn)
        .await?;
    Ok(row)
}

#[cfg(test)]
#[path = "refresh_tokens_tests.rs"]
mod tests;
