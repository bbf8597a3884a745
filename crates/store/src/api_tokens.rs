//! Repository for `api_tokens`. Validation is one indexed read by digest (joined with the
//! owner, so a disabled owner is seen without a second query); last use is recorded by a
//! throttled compare-and-set, so busy tokens cost at most one write per interval; revocation
//! is scoped to the owner and idempotent (the first revocation time stays).

use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
};

use crate::db::Db;
use crate::entities::api_tokens::{self, Column, Entity};
use crate::entities::users;
use crate::error::StoreError;
use crate::first::First;
use crate::id::new_id;
use crate::json_list;
use crate::tx::begin_write;

/// A token to store; the secret itself never reaches this layer.
#[derive(Debug, Clone)]
pub struct NewApiToken {
    pub user_id: String,
    pub org_id: Option<String>,
    pub name: String,
    pub digest: String,
    pub hint: String,
    pub scopes: Vec<String>,
    pub expires_at: i64,
}

pub async fn insert(
    db: &Db,
    token: NewApiToken,
    now: i64,
) -> Result<api_tokens::Model, StoreError> {
    let row = api_tokens::Model {
        id: new_id(),
        user_id: token.user_id,
        org_id: token.org_id,
        name: token.name,
        digest: token.digest,
        hint: token.hint,
        scopes: json_list::encode(&token.scopes),
        created_at: now,
        expires_at: token.expires_at,
        last_used_at: None,
        last_used_ip: None,
        revoked_at: None,
    };
    Entity::insert(row.clone().into_active_model())
        .exec_without_returning(db.conn())
        .await?;
    Ok(row)
}

/// The token with this digest and its owner, in one indexed query. Revoked and expired rows
/// are returned too: the caller decides (and introspection answers `active: false`).
pub async fn find_by_digest(
    db: &Db,
    digest: &str,
) -> Result<Option<(api_tokens::Model, users::Model)>, StoreError> {
    let found = Entity::find()
        .filter(Column::Digest.eq(digest))
        .find_also_related(users::Entity)
        .first(db.conn())
        .await?;
    Ok(found.and_then(|(token, user)| user.map(|user| (token, user))))
}

pub async fn find_by_id(db: &Db, id: &str) -> Result<Option<api_tokens::Model>, StoreError> {
    Ok(Entity::find_by_id(id.to_owned()).first(db.conn()).await?)
}

/// A user's tokens (revoked and expired included), newest first.
pub async fn list_for_user(db: &Db, user_id: &str) -> Result<Vec<api_tokens::Model>, StoreError> {
    Ok(Entity::find()
        .filter(Column::UserId.eq(user_id))
        .order_by_desc(Column::Id)
        .all(db.conn())
        .await?)
}

/// Every token, newest first (operators).
pub async fn list_all(db: &Db) -> Result<Vec<api_tokens::Model>, StoreError> {
    Ok(Entity::find()
        .order_by_desc(Column::Id)
        .all(db.conn())
        .await?)
}

/// Every token minted for an organisation (for its admins with `tokens.read`), newest first.
pub async fn list_for_org(db: &Db, org_id: &str) -> Result<Vec<api_tokens::Model>, StoreError> {
    Ok(Entity::find()
        .filter(Column::OrgId.eq(org_id))
        .order_by_desc(Column::Id)
        .all(db.conn())
        .await?)
}

/// Who may revoke a token: its owner, or (for an organisation's admins) any token of that
/// organisation. Anyone else gets `None`, as if the token did not exist.
#[derive(Debug, Clone, Copy)]
pub enum RevokeScope<'a> {
    Owner(&'a str),
    Org(&'a str),
    /// An operator on the command line.
    Any,
}

/// Revokes the token if `scope` covers it. Returns the row (with the first revocation time if
/// it was already revoked), or `None` when there is no such token within `scope`.
pub async fn revoke(
    db: &Db,
    id: &str,
    scope: RevokeScope<'_>,
    now: i64,
) -> Result<Option<api_tokens::Model>, StoreError> {
    let within = match scope {
        RevokeScope::Owner(user_id) => Condition::all().add(Column::UserId.eq(user_id)),
        RevokeScope::Org(org_id) => Condition::all().add(Column::OrgId.eq(org_id)),
        RevokeScope::Any => Condition::all(),
    };
    let txn = begin_write(db).await?;
    Entity::update_many()
        .set(api_tokens::ActiveModel {
            revoked_at: Set(Some(now)),
            ..Default::default()
        })
        .filter(Column::Id.eq(id))
        .filter(within.clone())
        .filter(Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    let row = Entity::find()
        .filter(Column::Id.eq(id))
        .filter(within)
        .first(&txn)
        .await?;
    txn.commit().await?;
    Ok(row)
}

/// Revokes every live token a member minted for an organisation (the member left it) and
/// returns the rows it revoked, so the caller can tell every node and audit each.
pub async fn revoke_for_member_of_org(
    db: &Db,
    org_id: &str,
    user_id: &str,
    now: i64,
) -> Result<Vec<api_tokens::Model>, StoreError> {
    let txn = begin_write(db).await?;
    let live = Entity::find()
        .filter(Column::OrgId.eq(org_id))
        .filter(Column::UserId.eq(user_id))
        .filter(Column::RevokedAt.is_null())
        .all(&txn)
        .await?;
    let ids: Vec<String> = live.iter().map(|row| row.id.clone()).collect();
    if !ids.is_empty() {
        Entity::update_many()
            .set(api_tokens::ActiveModel {
                revoked_at: Set(Some(now)),
                ..Default::default()
            })
            .filter(Column::Id.is_in(ids))
            .filter(Column::RevokedAt.is_null())
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(live
        .into_iter()
        .map(|row| api_tokens::Model {
            revoked_at: Some(now),
            ..row
        })
        .collect())
}

/// Records a use (time and IP) unless one was recorded less than `min_interval` seconds ago.
/// True iff this call wrote. One conditional statement, so concurrent uses write once.
pub async fn touch_last_use(
    db: &Db,
    id: &str,
    ip: &str,
    now: i64,
    min_interval: i64,
) -> Result<bool, StoreError> {
    let changed = Entity::update_many()
        .set(api_tokens::ActiveModel {
            last_used_at: Set(Some(now)),
            last_used_ip: Set(Some(ip.to_owned())),
            ..Default::default()
        })
        .filter(Column::Id.eq(id))
        .filter(
            Condition::any()
                .add(Column::LastUsedAt.is_null())
                .add(Column::LastUsedAt.lte(now - min_interval)),
        )
        .exec(db.conn())
        .await?;
    Ok(changed.rows_affected == 1)
}

/// Deletes tokens that expired before `cutoff` (the caller keeps recently expired ones listed
/// for a while). Returns the deleted rows, for the audit log.
pub async fn delete_expired(db: &Db, cutoff: i64) -> Result<Vec<api_tokens::Model>, StoreError> {
    let txn = begin_write(db).await?;
    let expired = Entity::find()
        .filter(Column::ExpiresAt.lt(cutoff))
        .all(&txn)
        .await?;
    if !expired.is_empty() {
        Entity::delete_many()
            .filter(Column::ExpiresAt.lt(cutoff))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(expired)
}
