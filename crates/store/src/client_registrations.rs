//! Dynamic client registration (RFC 7591/7592): initial access tokens (who may register) and
//! the registrations of clients registered with one (their registration access tokens).
//! Tokens are stored by digest only.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, ExprTrait, IntoActiveModel, QueryFilter, QueryOrder,
};

use crate::audit::{NewAuditEntry, commit_with};
use crate::clients::{Client, NewClient, row_of};
use crate::db::Db;
use crate::entities::client_registrations::{self, Entity as Registrations};
use crate::entities::clients::Entity as Clients;
use crate::entities::initial_access_tokens::{self, Column, Entity as InitialTokens};
use crate::error::StoreError;
use crate::first::First;
use crate::tx::begin_write;

pub use crate::entities::client_registrations::Model as Registration;
pub use crate::entities::initial_access_tokens::Model as InitialToken;

/// An initial access token to store (its digest; the token itself is shown once).
#[derive(Clone, Debug)]
pub struct NewInitialToken {
    pub id: String,
    pub token_digest: String,
    pub org_id: Option<String>,
    pub created_by: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub max_uses: i64,
}

/// Stores a new initial access token with its audit entries, in one transaction.
pub async fn mint_initial(
    db: &Db,
    token: NewInitialToken,
    audit: Vec<NewAuditEntry>,
) -> Result<(), StoreError> {
    let row = initial_access_tokens::Model {
        id: token.id,
        token_digest: token.token_digest,
        org_id: token.org_id,
        created_by: token.created_by,
        created_at: token.created_at,
        expires_at: token.expires_at,
        max_uses: token.max_uses,
        uses: 0,
        revoked_at: None,
    };
    let txn = begin_write(db).await?;
    InitialTokens::insert(row.into_active_model())
        .exec_without_returning(&txn)
        .await?;
    commit_with(txn, db.backend(), audit).await
}

/// The initial access token with this digest, whatever its state.
pub async fn find_initial(db: &Db, digest: &str) -> Result<Option<InitialToken>, StoreError> {
    Ok(InitialTokens::find()
        .filter(Column::TokenDigest.eq(digest))
        .first(db.conn())
        .await?)
}

/// The initial access tokens of an organisation (`None`: the platform's), newest first.
pub async fn list_initial(db: &Db, org_id: Option<&str>) -> Result<Vec<InitialToken>, StoreError> {
    let query = match org_id {
        Some(org) => InitialTokens::find().filter(Column::OrgId.eq(org)),
        None => InitialTokens::find().filter(Column::OrgId.is_null()),
    };
    Ok(query
        .order_by_desc(Column::CreatedAt)
        .all(db.conn())
        .await?)
}

/// Revokes initial access token `id` of `org_id` (`None`: the platform's) with its audit
/// entries; `false`, and nothing written, when there is no such live token.
pub async fn revoke_initial(
    db: &Db,
    id: &str,
    org_id: Option<&str>,
    now: i64,
    audit: Vec<NewAuditEntry>,
) -> Result<bool, StoreError> {
    let owner = match org_id {
        Some(org) => Column::OrgId.eq(org),
        None => Column::OrgId.is_null(),
    };
    let txn = begin_write(db).await?;
    let changed = InitialTokens::update_many()
        .col_expr(Column::RevokedAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .filter(owner)
        .filter(Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if changed.rows_affected == 0 {
        return Ok(false);
    }
    commit_with(txn, db.backend(), audit).await?;
    Ok(true)
}

/// Registers `client` with its registration access token's digest, using one use of initial
/// token `initial_id`, with the audit entries, in one transaction. `Ok(None)`, and nothing
/// written, when the token has no use left at `now` (expired, revoked, used up, or its last use
/// taken by a concurrent registration): the use is reserved before anything else is written.
pub async fn register(
    db: &Db,
    initial_id: &str,
    now: i64,
    client: NewClient,
    token_digest: String,
    audit: Vec<NewAuditEntry>,
) -> Result<Option<Client>, StoreError> {
    let txn = begin_write(db).await?;
    let reserved = InitialTokens::update_many()
        .col_expr(Column::Uses, Expr::col(Column::Uses).add(1))
        .filter(Column::Id.eq(initial_id))
        .filter(Column::RevokedAt.is_null())
        .filter(Column::ExpiresAt.gt(now))
        .filter(Expr::col(Column::Uses).lt(Expr::col(Column::MaxUses)))
        .exec(&txn)
        .await?;
    if reserved.rows_affected == 0 {
        return Ok(None);
    }
    let row = row_of(client, now);
    Clients::insert(row.clone().into_active_model())
        .exec_without_returning(&txn)
        .await?;
    let registration = client_registrations::ActiveModel {
        client_id: Set(row.id.clone()),
        token_digest: Set(token_digest),
        initial_token_id: Set(initial_id.to_owned()),
        created_at: Set(now),
    };
    Registrations::insert(registration)
        .exec_without_returning(&txn)
        .await?;
    commit_with(txn, db.backend(), audit).await?;
    Client::try_from(row).map(Some)
}

/// The registration whose registration access token has this digest.
pub async fn find_registration(db: &Db, digest: &str) -> Result<Option<Registration>, StoreError> {
    Ok(Registrations::find()
        .filter(client_registrations::Column::TokenDigest.eq(digest))
        .first(db.conn())
        .await?)
}
