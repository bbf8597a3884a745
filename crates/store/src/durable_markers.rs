//! Repository for `durable_markers`: the database record of the ephemeral entries that guard
//! safety (deny-list entries, revocation markers, account locks), numbered in commit order so
//! a store can say how far it has been loaded. Writers are serialised (SQLite: `BEGIN
//! IMMEDIATE`; PostgreSQL: a transaction-scoped advisory lock), so `seq` is `MAX + 1` and a
//! marker with a higher number always committed after one with a lower number.

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect, Statement,
};

use crate::db::{Backend, Db};
use crate::entities::durable_markers::{self, Column, Entity};
use crate::error::StoreError;
use crate::tx::begin_write;

/// Markers per statement: well below SQLite's bound-parameter limit.
const BATCH: usize = 500;
/// The advisory-lock key of the writers ("poort_mk").
const WRITERS_LOCK: i64 = 0x706f_6f72_745f_6d6b;

/// An ephemeral entry to keep: its key, its value and when it lapses (unix seconds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewMarker {
    pub key: String,
    pub value: String,
    pub expires_at: i64,
}

/// The highest `seq` before and after a [`record`]: its rows are numbered `before + 1 ..=
/// after` (none when equal).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Numbered {
    pub before: i64,
    pub after: i64,
}

/// Records the markers not recorded yet (a row with the same key and value lasting at least as
/// long counts as recorded).
pub async fn record(db: &Db, markers: &[NewMarker], now: i64) -> Result<Numbered, StoreError> {
    let txn = begin_write(db).await?;
    if db.backend() == Backend::Postgres {
        // Held until the transaction ends: the next writer numbers after this one.
        let lock = Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [WRITERS_LOCK.into()],
        );
        txn.execute_raw(lock).await?;
    }
    let before = max_seq_on(&txn).await?;
    let mut seq = before;
    for batch in markers.chunks(BATCH) {
        let existing: Vec<(String, String, i64)> = Entity::find()
            .select_only()
            .column(Column::Key)
            .column(Column::Value)
            .column(Column::ExpiresAt)
            .filter(Column::Key.is_in(batch.iter().map(|m| m.key.as_str())))
            .into_tuple()
            .all(&txn)
            .await?;
        let mut rows: Vec<durable_markers::Model> = Vec::new();
        for marker in batch {
            let covered = existing
                .iter()
                .any(|(k, v, e)| *k == marker.key && *v == marker.value && *e >= marker.expires_at)
                || rows
                    .iter()
                    .any(|r| r.key == marker.key && r.value == marker.value);
            if covered {
                continue;
            }
            seq += 1;
            rows.push(durable_markers::Model {
                seq,
                key: marker.key.clone(),
                value: marker.value.clone(),
                expires_at: marker.expires_at,
                created_at: now,
            });
        }
        if !rows.is_empty() {
            Entity::insert_many(rows.into_iter().map(IntoActiveModel::into_active_model))
                .exec_without_returning(&txn)
                .await?;
        }
    }
    txn.commit().await?;
    Ok(Numbered { before, after: seq })
}

/// The highest `seq` ever recorded (0 when none): the sweep always keeps the newest row.
pub async fn max_seq(db: &Db) -> Result<i64, StoreError> {
    max_seq_on(db.conn()).await
}

async fn max_seq_on(conn: &impl ConnectionTrait) -> Result<i64, StoreError> {
    let max: Option<Option<i64>> = Entity::find()
        .select_only()
        .column_as(Column::Seq.max(), "max_seq")
        .into_tuple()
        .one(conn)
        .await?;
    Ok(max.flatten().unwrap_or(0))
}

/// The markers that have not lapsed at `now`, oldest first (a later one for the same key wins).
pub async fn live(db: &Db, now: i64) -> Result<Vec<durable_markers::Model>, StoreError> {
    Ok(Entity::find()
        .filter(Column::ExpiresAt.gt(now))
        .order_by_asc(Column::Seq)
        .all(db.conn())
        .await?)
}

/// Deletes the markers that lapsed at or before `now`, except the newest row (it carries the
/// highest `seq`, which must never go back). Returns how many.
pub async fn delete_expired(db: &Db, now: i64) -> Result<u64, StoreError> {
    let newest = max_seq(db).await?;
    let deleted = Entity::delete_many()
        .filter(Column::ExpiresAt.lte(now))
        .filter(Column::Seq.lt(newest))
        .exec(db.writer())
        .await?;
    Ok(deleted.rows_affected)
}

#[cfg(test)]
#[path = "durable_markers_tests.rs"]
mod tests;
