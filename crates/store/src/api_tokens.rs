//! Repository for `api_tokens`. Validation is one indexed read by digest (joined with the
//! owner, so a disabled owner is seen without a second query); last use is recorded by a
//! throttled compare-and-set, so busy tokens cost at most one write per interval; revocation
//! is scoped to the owner and idempotent (the first revocation time stays).

use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
};

use crate::audit::{NewAuditEntry, append_in};
use crate::db::Db;
use crate::entities::api_tokens::{self, Column, Entity};
use crate::entities::{org_members, users};
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
    /// How the minting was authenticated (see [`api_tokens::Model::amr`]).
    pub amr: Vec<String>,
}

/// Stores a new token and its audit entry (made from the row by `audit`) in one transaction.
pub async fn insert(
    db: &Db,
    token: NewApiToken,
    now: i64,
    audit: impl FnOnce(&api_tokens::Model) -> NewAuditEntry,
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
        amr: Some(json_list::encode(&token.amr)),
    };
    let txn = begin_write(db).await?;
    Entity::insert(row.clone().into_active_model())
        .exec_without_returning(&txn)
        .await?;
    append_in(&txn, db.backend(), audit(&row)).await?;
    txn.commit().await?;
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

/// Every token that can act on an organisation (for its admins with `tokens.read`), newest
/// first: those minted for it, and its members' unbound tokens.
pub async fn list_for_org(db: &Db, org_id: &str) -> Result<Vec<api_tokens::Model>, StoreError> {
    Ok(Entity::find()
        .filter(acting_on_org(org_id))
        .order_by_desc(Column::Id)
        .all(db.conn())
        .await?)
}

/// Tokens bound to `org_id`, or unbound tokens of its members (an unbound token acts wherever
/// its owner may).
fn acting_on_org(org_id: &str) -> Condition {
    let members = Query::select()
        .column(org_members::Column::UserId)
        .from(org_members::Entity)
        .and_where(org_members::Column::OrgId.eq(org_id))
        .to_owned();
    Condition::any().add(Column::OrgId.eq(org_id)).add(
        Condition::all()
            .add(Column::OrgId.is_null())
            .add(Column::UserId.in_subquery(members)),
    )
}

/// Who may revoke a token: its owner, or (for an organisation's admins) any token that can act
/// on that organisation (see [`list_for_org`]). Anyone else gets `None`, as if the token did
/// not exist.
#[derive(Debug, Clone, Copy)]
pub enum RevokeScope<'a> {
    Owner(&'a str),
    Org(&'a str),
    /// An operator on the command line.
    Any,
}

/// Revokes the token if `scope` covers it, with its audit entry (made by `audit` from the
/// revoked row) in the same transaction. Returns the row (with the first revocation time if
/// it was already revoked: no new entry then), or `None` when there is no such token within
/// `scope`.
pub async fn revoke(
    db: &Db,
    id: &str,
    scope: RevokeScope<'_>,
    now: i64,
    audit: impl FnOnce(&api_tokens::Model) -> NewAuditEntry,
) -> Result<Option<api_tokens::Model>, StoreError> {
    let within = match scope {
        RevokeScope::Owner(user_id) => Condition::all().add(Column::UserId.eq(user_id)),
        RevokeScope::Org(org_id) => acting_on_org(org_id),
        RevokeScope::Any => Condition::all(),
    };
    let txn = begin_write(db).await?;
    let changed = Entity::update_many()
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
    if let Some(row) = &row
        && changed.rows_affected == 1
    {
        append_in(&txn, db.backend(), audit(row)).await?;
    }
    txn.commit().await?;
    Ok(row)
}

/// Revokes every live token a member minted for an organisation (the member left it), each
/// audited by `audit` in the same transaction.
pub async fn revoke_for_member_of_org(
    db: &Db,
    org_id: &str,
    user_id: &str,
    now: i64,
    audit: impl Fn(&api_tokens::Model) -> NewAuditEntry,
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
    let revoked = revoked_now(live, now);
    for row in &revoked {
        append_in(&txn, db.backend(), audit(row)).await?;
    }
    txn.commit().await?;
    Ok(revoked)
}

/// Rows as they are once revoked at `now`.
fn revoked_now(rows: Vec<api_tokens::Model>, now: i64) -> Vec<api_tokens::Model> {
    rows.into_iter()
        .map(|row| api_tokens::Model {
            revoked_at: Some(now),
            ..row
        })
        .collect()
}

/// Revokes every live token of a user, inside the caller's transaction (an account being
/// deleted or disabled), and returns the rows it revoked.
pub(crate) async fn revoke_all_of_user_in(
    txn: &sea_orm::DatabaseTransaction,
    user_id: &str,
    now: i64,
) -> Result<Vec<api_tokens::Model>, StoreError> {
    let live = Entity::find()
        .filter(Column::UserId.eq(user_id))
        .filter(Column::RevokedAt.is_null())
        .all(txn)
        .await?;
    Entity::update_many()
        .set(api_tokens::ActiveModel {
            revoked_at: Set(Some(now)),
            ..Default::default()
        })
        .filter(Column::UserId.eq(user_id))
        .filter(Column::RevokedAt.is_null())
        .exec(txn)
        .await?;
    Ok(revoked_now(live, now))
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
