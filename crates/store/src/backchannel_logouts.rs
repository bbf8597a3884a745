//! Repository for `backchannel_logouts`: the durable queue of logout tokens to deliver
//! (OpenID Connect Back-Channel Logout 1.0). An ended session becomes one row per client it
//! signed in to that has a `backchannel_logout_uri`, in one transaction with the removal of its
//! `session_clients` rows (and, for a password change or a deactivation, with that change).
//! Rows are claimed with a compare-and-set on `claimed_until`, so of several nodes polling at
//! once exactly one delivers a given row; a node that dies while delivering leaves a lease that
//! expires, and the token is sent again later (at least once, never silently lost).

use std::collections::{BTreeMap, HashMap};

use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

use crate::db::Db;
use crate::entities::backchannel_logouts::{self, Column, Entity};
use crate::entities::{clients, session_clients};
use crate::error::StoreError;
use crate::first::First;
use crate::new_id;
use crate::tx::begin_write;

/// A logout token to deliver: to `client_id`, about `sub`, `sid` or both.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewLogout {
    pub client_id: String,
    pub sub: Option<String>,
    pub sid: Option<String>,
}

/// Queues `logouts`, due at once.
pub async fn enqueue_in(
    conn: &impl ConnectionTrait,
    logouts: Vec<NewLogout>,
    now: i64,
) -> Result<usize, StoreError> {
    let count = logouts.len();
    if count == 0 {
        return Ok(0);
    }
    let rows = logouts.into_iter().map(|logout| {
        backchannel_logouts::Model {
            id: new_id(),
            client_id: logout.client_id,
            sub: logout.sub,
            sid: logout.sid,
            attempts: 0,
            next_attempt_at: now,
            claimed_until: 0,
            last_error: None,
            failed_at: None,
            created_at: now,
        }
        .into_active_model()
    });
    Entity::insert_many(rows)
        .exec_without_returning(conn)
        .await?;
    Ok(count)
}

/// Session `sid` of `user_id` ended: a logout token (`sub` and `sid`) for every client it
/// signed in to that has a `backchannel_logout_uri`, and the session's rows are gone, in one
/// transaction. Returns how many were queued.
pub async fn enqueue_for_session(
    db: &Db,
    user_id: &str,
    sid: &str,
    now: i64,
) -> Result<usize, StoreError> {
    let txn = begin_write(db).await?;
    let rows = session_clients::Entity::find()
        .filter(session_clients::Column::Sid.eq(sid))
        .filter(session_clients::Column::UserId.eq(user_id))
        .all(&txn)
        .await?;
    let receivers = receivers(&txn, &rows).await?;
    let logouts = rows
        .iter()
        .filter(|row| receivers.contains_key(&row.client_id))
        .map(|row| NewLogout {
            client_id: row.client_id.clone(),
            sub: Some(user_id.to_owned()),
            sid: Some(sid.to_owned()),
        })
        .collect();
    let queued = enqueue_in(&txn, logouts, now).await?;
    session_clients::Entity::delete_many()
        .filter(session_clients::Column::Sid.eq(sid))
        .filter(session_clients::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(queued)
}

/// Every session of `user_id` ended but `except_sid` (the browser that changed the password
/// stays signed in): inside the caller's transaction, queues the logout tokens and removes the
/// ended sessions' rows. A client that does not need `sid` gets one token with `sub` alone
/// (all of the user's sessions there), unless a session is kept: then every client gets one
/// token per ended session, with `sub` and `sid`. Returns how many were queued.
pub async fn enqueue_for_user_in(
    conn: &impl ConnectionTrait,
    user_id: &str,
    except_sid: Option<&str>,
    now: i64,
) -> Result<usize, StoreError> {
    let mut query =
        session_clients::Entity::find().filter(session_clients::Column::UserId.eq(user_id));
    if let Some(kept) = except_sid {
        query = query.filter(session_clients::Column::Sid.ne(kept));
    }
    let rows = query
        .order_by_asc(session_clients::Column::CreatedAt)
        .order_by_asc(session_clients::Column::Sid)
        .all(conn)
        .await?;
    let receivers = receivers(conn, &rows).await?;
    let mut sessions: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for row in &rows {
        if receivers.contains_key(&row.client_id) {
            sessions
                .entry(row.client_id.as_str())
                .or_default()
                .push(row.sid.as_str());
        }
    }
    let mut logouts = Vec::new();
    for (client_id, sids) in sessions {
        let session_required = receivers.get(client_id).copied().unwrap_or(true);
        if except_sid.is_none() && !session_required {
            logouts.push(NewLogout {
                client_id: client_id.to_owned(),
                sub: Some(user_id.to_owned()),
                sid: None,
            });
            continue;
        }
        logouts.extend(sids.into_iter().map(|sid| NewLogout {
            client_id: client_id.to_owned(),
            sub: Some(user_id.to_owned()),
            sid: Some(sid.to_owned()),
        }));
    }
    let queued = enqueue_in(conn, logouts, now).await?;
    let mut delete =
        session_clients::Entity::delete_many().filter(session_clients::Column::UserId.eq(user_id));
    if let Some(kept) = except_sid {
        delete = delete.filter(session_clients::Column::Sid.ne(kept));
    }
    delete.exec(conn).await?;
    Ok(queued)
}

/// Of the clients named by `rows`, those with a `backchannel_logout_uri`, and whether each
/// requires `sid`.
async fn receivers(
    conn: &impl ConnectionTrait,
    rows: &[session_clients::Model],
) -> Result<HashMap<String, bool>, StoreError> {
    if rows.is_empty() {
        return Ok(HashMap::new());
    }
    let mut ids: Vec<&str> = rows.iter().map(|row| row.client_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let found: Vec<(String, bool)> = clients::Entity::find()
        .select_only()
        .column(clients::Column::Id)
        .column(clients::Column::BackchannelLogoutSessionRequired)
        .filter(clients::Column::Id.is_in(ids))
        .filter(clients::Column::BackchannelLogoutUri.is_not_null())
        .into_tuple()
        .all(conn)
        .await?;
    Ok(found.into_iter().collect())
}

/// Claims up to `limit` due rows for `lease_secs`; only the rows this call won are returned.
pub async fn claim_due(
    db: &Db,
    now: i64,
    lease_secs: i64,
    limit: u64,
) -> Result<Vec<backchannel_logouts::Model>, StoreError> {
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
            .set(backchannel_logouts::ActiveModel {
                claimed_until: Set(until),
                ..Default::default()
            })
            .filter(Column::Id.eq(row.id.as_str()))
            .filter(Column::ClaimedUntil.eq(row.claimed_until))
            .filter(Column::FailedAt.is_null())
            .exec(db.writer())
            .await?;
        if won.rows_affected == 1 {
            row.claimed_until = until;
            claimed.push(row);
        }
    }
    Ok(claimed)
}

/// A delivered logout token leaves the queue.
pub async fn delete_delivered(db: &Db, id: &str) -> Result<(), StoreError> {
    Entity::delete_by_id(id).exec(db.writer()).await?;
    Ok(())
}

/// What to do with a row whose attempt failed.
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
        .set(backchannel_logouts::ActiveModel {
            attempts: Set(failure.attempts),
            next_attempt_at: Set(failure.retry_at.unwrap_or(now)),
            claimed_until: Set(0),
            last_error: Set(Some(failure.error.chars().take(500).collect())),
            failed_at: Set(failure.retry_at.is_none().then_some(now)),
            ..Default::default()
        })
        .filter(Column::Id.eq(id))
        .exec(db.writer())
        .await?;
    Ok(())
}

pub async fn find(db: &Db, id: &str) -> Result<Option<backchannel_logouts::Model>, StoreError> {
    Ok(Entity::find_by_id(id).first(db.conn()).await?)
}

/// Every queued row (delivered ones are gone), oldest first; for operators and tests.
pub async fn list(db: &Db) -> Result<Vec<backchannel_logouts::Model>, StoreError> {
    Ok(Entity::find()
        .order_by_asc(Column::CreatedAt)
        .order_by_asc(Column::Id)
        .all(db.conn())
        .await?)
}

/// Logout tokens still to be delivered (not given up on).
pub async fn pending_count(db: &Db) -> Result<u64, StoreError> {
    Ok(Entity::find()
        .filter(Column::FailedAt.is_null())
        .count(db.conn())
        .await?)
}

#[cfg(test)]
#[path = "backchannel_logouts_tests.rs"]
mod tests;
