//! Repository for `platform_admins`.

use sea_orm::{EntityTrait, IntoActiveModel};

use crate::audit::NewAuditEntry;
use crate::db::Db;
use crate::entities::platform_admins::{self, Entity};
use crate::error::StoreError;
use crate::first::First;
use crate::tx::begin_write;

/// Makes `user_id` a platform administrator (idempotent); true if it was not one before.
pub async fn grant(
    db: &Db,
    user_id: &str,
    now: i64,
    audit: NewAuditEntry,
) -> Result<bool, StoreError> {
    let row = platform_admins::Model {
        user_id: user_id.to_owned(),
        created_at: now,
    };
    let txn = begin_write(db).await?;
    if Entity::find_by_id(user_id).first(&txn).await?.is_some() {
        return Ok(false);
    }
    Entity::insert(row.into_active_model())
        .exec_without_returning(&txn)
        .await?;
    crate::audit::append_in(&txn, db.backend(), audit).await?;
    txn.commit().await?;
    Ok(true)
}

pub async fn is_admin(db: &Db, user_id: &str) -> Result<bool, StoreError> {
    Ok(Entity::find_by_id(user_id)
        .first(db.conn())
        .await?
        .is_some())
}
