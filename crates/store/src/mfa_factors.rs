//! Repository for `mfa_factors`: a user's confirmed second factors. TOTP replay protection is a
//! compare-and-set on the last used step, so two requests racing with one code cannot both win.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder,
};

use crate::db::Db;
use crate::entities::mfa_factors::{self, Column, Entity};
use crate::entities::recovery_codes;
use crate::error::StoreError;
use crate::first::First;
use crate::tx::begin_write;

/// `kind` of a TOTP authenticator.
pub const KIND_TOTP: &str = "totp";
/// `kind` of a WebAuthn credential (security key, platform authenticator, passkey).
pub const KIND_WEBAUTHN: &str = "webauthn";

/// A confirmed factor to store. The caller picks the id, because it is the associated data
/// under which a TOTP seed is encrypted.
#[derive(Clone, PartialEq, Eq)]
pub struct NewFactor {
    pub id: String,
    pub user_id: String,
    pub kind: &'static str,
    pub name: String,
    pub secret: Option<Vec<u8>>,
    pub credential: Option<String>,
    pub credential_id: Option<String>,
    pub passkey: bool,
    pub last_used_step: Option<i64>,
    pub created_at: i64,
}

impl std::fmt::Debug for NewFactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewFactor")
            .field("id", &self.id)
            .field("user_id", &self.user_id)
            .field("kind", &self.kind)
            .field("name", &self.name)
            .field("credential_id", &self.credential_id)
            .finish_non_exhaustive()
    }
}

/// Stores a factor with its audit entry (in one transaction); [`StoreError::Conflict`] if the
/// id or WebAuthn credential id exists.
pub async fn insert(
    db: &Db,
    factor: NewFactor,
    audit: Option<crate::audit::NewAuditEntry>,
) -> Result<mfa_factors::Model, StoreError> {
    let row = mfa_factors::Model {
        id: factor.id,
        user_id: factor.user_id,
        kind: factor.kind.to_owned(),
        name: factor.name,
        secret: factor.secret,
        credential: factor.credential,
        credential_id: factor.credential_id,
        passkey: factor.passkey,
        last_used_step: factor.last_used_step,
        created_at: factor.created_at,
        last_used_at: None,
    };
    let txn = begin_write(db).await?;
    Entity::insert(row.clone().into_active_model())
        .exec_without_returning(&txn)
        .await?;
    if let Some(entry) = audit {
        crate::audit::append_in(&txn, db.backend(), entry).await?;
    }
    txn.commit().await?;
    Ok(row)
}

/// The user's factors, oldest first.
pub async fn list_for_user(db: &Db, user_id: &str) -> Result<Vec<mfa_factors::Model>, StoreError> {
    Ok(Entity::find()
        .filter(Column::UserId.eq(user_id))
        .order_by_asc(Column::CreatedAt)
        .order_by_asc(Column::Id)
        .all(db.conn())
        .await?)
}

pub async fn count_for_user(db: &Db, user_id: &str) -> Result<u64, StoreError> {
    Ok(Entity::find()
        .filter(Column::UserId.eq(user_id))
        .count(db.conn())
        .await?)
}

/// One factor, only if it belongs to `user_id` (ids in forms are never trusted alone).
pub async fn find_for_user(
    db: &Db,
    user_id: &str,
    id: &str,
) -> Result<Option<mfa_factors::Model>, StoreError> {
    Ok(Entity::find_by_id(id)
        .filter(Column::UserId.eq(user_id))
        .first(db.conn())
        .await?)
}

pub async fn find_by_credential_id(
    db: &Db,
    credential_id: &str,
) -> Result<Option<mfa_factors::Model>, StoreError> {
    Ok(Entity::find()
        .filter(Column::CredentialId.eq(credential_id))
        .first(db.conn())
        .await?)
}

/// Renames one of the user's factors; false if there is no such factor.
pub async fn rename(db: &Db, user_id: &str, id: &str, name: &str) -> Result<bool, StoreError> {
    let changed = Entity::update_many()
        .set(mfa_factors::ActiveModel {
            name: Set(name.to_owned()),
            ..Default::default()
        })
        .filter(Column::Id.eq(id))
        .filter(Column::UserId.eq(user_id))
        .exec(db.writer())
        .await?;
    Ok(changed.rows_affected == 1)
}

/// What [`remove`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Removed {
    /// The factor existed and is gone.
    pub removed: bool,
    /// It was the user's last factor; their recovery codes went with it.
    pub was_last: bool,
}

/// Removes one of the user's factors. When it was the last one, the recovery codes are deleted
/// in the same transaction: without a factor there is no second step for them to stand in for.
/// `audit` commits with the removal.
pub async fn remove(
    db: &Db,
    user_id: &str,
    id: &str,
    audit: Option<crate::audit::NewAuditEntry>,
) -> Result<Removed, StoreError> {
    let txn = begin_write(db).await?;
    let deleted = Entity::delete_many()
        .filter(Column::Id.eq(id))
        .filter(Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    if deleted.rows_affected == 0 {
        txn.rollback().await?;
        return Ok(Removed {
            removed: false,
            was_last: false,
        });
    }
    let remaining = Entity::find()
        .filter(Column::UserId.eq(user_id))
        .count(&txn)
        .await?;
    if remaining == 0 {
        recovery_codes::Entity::delete_many()
            .filter(recovery_codes::Column::UserId.eq(user_id))
            .exec(&txn)
            .await?;
    }
    if let Some(entry) = audit {
        crate::audit::append_in(&txn, db.backend(), entry).await?;
    }
    txn.commit().await?;
    Ok(Removed {
        removed: true,
        was_last: remaining == 0,
    })
}

/// Removes all of the user's factors and recovery codes in one transaction (an operator's
/// reset for a user who lost them); how many factors there were.
pub async fn remove_all_for_user(db: &Db, user_id: &str) -> Result<u64, StoreError> {
    let txn = begin_write(db).await?;
    let deleted = Entity::delete_many()
        .filter(Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    recovery_codes::Entity::delete_many()
        .filter(recovery_codes::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(deleted.rows_affected)
}

/// Records `step` as the TOTP factor's last used step if it is newer than the stored one.
/// False means another request already used this step or a later one: a replay.
pub async fn advance_totp_step(db: &Db, id: &str, step: i64, now: i64) -> Result<bool, StoreError> {
    let changed = Entity::update_many()
        .col_expr(Column::LastUsedStep, Expr::value(step))
        .col_expr(Column::LastUsedAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .filter(
            Condition::any()
                .add(Column::LastUsedStep.is_null())
                .add(Column::LastUsedStep.lt(step)),
        )
        .exec(db.writer())
        .await?;
    Ok(changed.rows_affected == 1)
}

/// Stores a WebAuthn credential's new state (signature counter, backup flags) after a login.
pub async fn record_webauthn_use(
    db: &Db,
    id: &str,
    credential: Option<&str>,
    now: i64,
) -> Result<(), StoreError> {
    let mut update = Entity::update_many().col_expr(Column::LastUsedAt, Expr::value(now));
    if let Some(credential) = credential {
        update = update.col_expr(Column::Credential, Expr::value(credential));
    }
    update.filter(Column::Id.eq(id)).exec(db.writer()).await?;
    Ok(())
}

#[cfg(test)]
#[path = "mfa_factors_tests.rs"]
mod tests;
