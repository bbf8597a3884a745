//! Repository for `signing_keys`: the active key (retired_at NULL) and the retired ones still
//! published for verification.

use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder,
};

use crate::db::{Backend, Db};
use crate::entities::signing_keys::{self, Column, Entity};
use crate::error::StoreError;
use crate::tx::begin_write;

/// Advisory lock key serialising key rotations across PostgreSQL nodes ("poortkey").
const ROTATION_LOCK_KEY: i64 = 0x706f_6f72_746b_6579;

/// A key to store; `private_key` is already encrypted by the caller.
#[derive(Clone, PartialEq, Eq)]
pub struct NewSigningKey {
    pub kid: String,
    pub alg: String,
    pub private_key: Vec<u8>,
}

impl std::fmt::Debug for NewSigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewSigningKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field(
                "private_key",
                &format_args!("<{} bytes redacted>", self.private_key.len()),
            )
            .finish()
    }
}

impl NewSigningKey {
    fn into_row(self, now: i64) -> signing_keys::Model {
        signing_keys::Model {
            kid: self.kid,
            alg: self.alg,
            private_key: self.private_key,
            created_at: now,
            retired_at: None,
        }
    }
}

/// Stores one active key; [`StoreError::Conflict`] if the kid exists.
pub async fn insert(
    db: &Db,
    key: NewSigningKey,
    now: i64,
) -> Result<signing_keys::Model, StoreError> {
    let row = key.into_row(now);
    Entity::insert(row.clone().into_active_model())
        .exec_without_returning(db.writer())
        .await?;
    Ok(row)
}

/// Every key, oldest first.
pub async fn list_all(db: &Db) -> Result<Vec<signing_keys::Model>, StoreError> {
    Ok(Entity::find()
        .order_by_asc(Column::CreatedAt)
        .order_by_asc(Column::Kid)
        .all(db.conn())
        .await?)
}

/// Retires every active key; returns how many.
pub async fn retire_active(db: &Db, now: i64) -> Result<u64, StoreError> {
    retire_active_on(db.writer(), now).await
}

/// Deletes keys retired before `cutoff` (tokens they signed have expired by then).
pub async fn delete_retired_before(db: &Db, cutoff: i64) -> Result<u64, StoreError> {
    let deleted = Entity::delete_many()
        .filter(Column::RetiredAt.lt(cutoff))
        .exec(db.writer())
        .await?;
    Ok(deleted.rows_affected)
}

/// In one transaction: retires the active keys and inserts `new_keys` as the active ones.
/// Either everything happens or nothing; concurrent rotations run one after the other.
pub async fn rotate(
    db: &Db,
    new_keys: Vec<NewSigningKey>,
    now: i64,
) -> Result<Vec<signing_keys::Model>, StoreError> {
    let txn = begin_write(db).await?;
    // On PostgreSQL a concurrent rotation's UPDATE would not see our not-yet-committed
    // insert and could leave two generations active; the lock makes rotations take turns.
    // (SQLite's BEGIN IMMEDIATE already serialises writers.)
    match db.backend() {
        Backend::Postgres => {
            txn.execute_unprepared(&format!(
                "SELECT pg_advisory_xact_lock({ROTATION_LOCK_KEY})"
            ))
            .await?;
        }
        Backend::Sqlite => {}
    }
    retire_active_on(&txn, now).await?;
    let rows: Vec<signing_keys::Model> =
        new_keys.into_iter().map(|key| key.into_row(now)).collect();
    if !rows.is_empty() {
        Entity::insert_many(rows.iter().cloned().map(IntoActiveModel::into_active_model))
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(rows)
}

/// In one transaction, taking turns with rotations and other nodes: inserts each of
/// `candidates` whose algorithm has no active key yet; returns the inserted ones. Nodes
/// starting at once on a fresh database so end up with one active key per algorithm, which
/// all of them publish, instead of each signing with a key the others do not know yet.
pub async fn insert_missing(
    db: &Db,
    candidates: Vec<NewSigningKey>,
    now: i64,
) -> Result<Vec<signing_keys::Model>, StoreError> {
    let txn = begin_write(db).await?;
    match db.backend() {
        Backend::Postgres => {
            txn.execute_unprepared(&format!(
                "SELECT pg_advisory_xact_lock({ROTATION_LOCK_KEY})"
            ))
            .await?;
        }
        // BEGIN IMMEDIATE already holds the write lock.
        Backend::Sqlite => {}
    }
    let active = Entity::find()
        .filter(Column::RetiredAt.is_null())
        .all(&txn)
        .await?;
    let mut inserted = Vec::new();
    for key in candidates {
        let taken = active.iter().chain(&inserted).any(|k| k.alg == key.alg);
        if !taken {
            inserted.push(key.into_row(now));
        }
    }
    if !inserted.is_empty() {
        Entity::insert_many(
            inserted
                .iter()
                .cloned()
                .map(IntoActiveModel::into_active_model),
        )
        .exec_without_returning(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(inserted)
}

async fn retire_active_on(conn: &impl ConnectionTrait, now: i64) -> Result<u64, StoreError> {
    let retired = Entity::update_many()
        .set(signing_keys::ActiveModel {
            retired_at: Set(Some(now)),
            ..Default::default()
        })
        .filter(Column::RetiredAt.is_null())
        .exec(conn)
        .await?;
    Ok(retired.rows_affected)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::{
        NewSigningKey, delete_retired_before, insert, insert_missing, list_all, retire_active,
        rotate,
    };
    use crate::error::StoreError;
    use crate::testing::fresh_dbs;

    fn key(kid: &str, alg: &str) -> NewSigningKey {
        NewSigningKey {
            kid: kid.to_owned(),
            alg: alg.to_owned(),
            private_key: vec![0, 1, 2, 255],
        }
    }

    fn active_kids(keys: &[crate::entities::signing_keys::Model]) -> Vec<&str> {
        keys.iter()
            .filter(|k| k.retired_at.is_none())
            .map(|k| k.kid.as_str())
            .collect()
    }

    #[tokio::test]
    async fn insert_list_retire_delete() {
        for (db, _guard) in fresh_dbs().await.unwrap() {
            let stored = insert(&db, key("k1", "ES256"), 10).await.unwrap();
            let all = list_all(&db).await.unwrap();
            assert_eq!(all, vec![stored]);
            assert_eq!(all[0].private_key, vec![0, 1, 2, 255]);
            let err = insert(&db, key("k1", "ES256"), 11).await.unwrap_err();
            assert!(matches!(err, StoreError::Conflict), "{err:?}");

            assert_eq!(retire_active(&db, 20).await.unwrap(), 1);
            assert_eq!(retire_active(&db, 21).await.unwrap(), 0);
            assert_eq!(list_all(&db).await.unwrap()[0].retired_at, Some(20));

            insert(&db, key("k2", "RS256"), 30).await.unwrap();
            assert_eq!(delete_retired_before(&db, 20).await.unwrap(), 0);
            assert_eq!(delete_retired_before(&db, 21).await.unwrap(), 1);
            let left = list_all(&db).await.unwrap();
            assert_eq!(active_kids(&left), ["k2"]);
            assert_eq!(left.len(), 1);
        }
    }

    #[tokio::test]
    async fn rotate_retires_old_and_inserts_new_atomically() {
        for (db, _guard) in fresh_dbs().await.unwrap() {
            rotate(&db, vec![key("a-es", "ES256"), key("a-rs", "RS256")], 1)
                .await
                .unwrap();
            let inserted = rotate(&db, vec![key("b-es", "ES256"), key("b-rs", "RS256")], 2)
                .await
                .unwrap();
            assert_eq!(inserted.len(), 2);
            let all = list_all(&db).await.unwrap();
            assert_eq!(active_kids(&all), ["b-es", "b-rs"]);
            assert!(
                all.iter()
                    .filter(|k| k.kid.starts_with("a-"))
                    .all(|k| k.retired_at == Some(2))
            );

            // A failing batch (duplicate kid) rolls back the retirement too.
            let err = rotate(&db, vec![key("c-es", "ES256"), key("b-rs", "RS256")], 3)
                .await
                .unwrap_err();
            assert!(matches!(err, StoreError::Conflict), "{err:?}");
            let all = list_all(&db).await.unwrap();
            assert_eq!(active_kids(&all), ["b-es", "b-rs"]);
            assert_eq!(all.len(), 4);
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_rotations_leave_one_active_generation() {
        for (db, _guard) in fresh_dbs().await.unwrap() {
            let tasks: Vec<_> = (0..4)
                .map(|n| {
                    let db = db.clone();
                    tokio::spawn(async move {
                        rotate(&db, vec![key(&format!("g{n}-es"), "ES256")], n).await
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap().unwrap();
            }
            let all = list_all(&db).await.unwrap();
            assert_eq!(active_kids(&all).len(), 1, "{:?}: {all:?}", db.backend());
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_first_starts_insert_one_key_per_alg() {
        for (db, _guard) in fresh_dbs().await.unwrap() {
            insert(&db, key("old-rs", "RS256"), 0).await.unwrap();
            let tasks: Vec<_> = (0..4)
                .map(|n| {
                    let db = db.clone();
                    tokio::spawn(async move {
                        let candidates = vec![
                            key(&format!("n{n}-es"), "ES256"),
                            key(&format!("n{n}-rs"), "RS256"),
                        ];
                        insert_missing(&db, candidates, n).await
                    })
                })
                .collect();
            let mut inserted = 0;
            for task in tasks {
                inserted += task.await.unwrap().unwrap().len();
            }
            assert_eq!(inserted, 1, "only ES256 was missing, once");
            let all = list_all(&db).await.unwrap();
            let active = active_kids(&all);
            assert_eq!(active.len(), 2, "{:?}: {all:?}", db.backend());
            assert!(active.contains(&"old-rs"));
        }
    }

    #[test]
    fn debug_redacts_key_material() {
        let shown = format!("{:?}", key("k", "ES256"));
        assert!(shown.contains("<4 bytes redacted>"), "{shown}");
        assert!(!shown.contains("255"), "{shown}");
    }
}
