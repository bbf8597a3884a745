//! Bringing the schema up to date, safely when several nodes start at once.

use std::collections::HashSet;

use poort_migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, TransactionTrait};

use crate::db::{Backend, Db};
use crate::error::StoreError;
use crate::tx::begin_write;

/// Advisory lock key serialising migrations across PostgreSQL nodes ("poortmig" in ASCII).
const MIGRATION_LOCK_KEY: i64 = 0x706f_6f72_746d_6967;

/// Applies every pending migration; refuses ([`StoreError::SchemaTooNew`]) a database that
/// has migrations this build does not know, before changing anything.
///
/// PostgreSQL: a side transaction holds `pg_advisory_xact_lock` while the migrations run on
/// the pool (each in its own transaction). Being transaction-scoped, the lock is released on
/// commit, on error and even if this future is dropped, and never leaks into a pooled session.
/// SQLite: the whole run is one `BEGIN IMMEDIATE` transaction, which both serialises processes
/// sharing the file and leaves no half-applied migration behind.
pub async fn migrate(db: &Db) -> Result<(), StoreError> {
    match db.backend() {
        Backend::Postgres => {
            let lock = db.conn().begin().await?;
            lock.execute_unprepared(&format!(
                "SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})"
            ))
            .await?;
            refuse_newer_schema(db.conn()).await?;
            Migrator::up(db.conn(), None).await?;
            lock.commit().await?;
        }
        Backend::Sqlite => {
            let txn = begin_write(db).await?;
            refuse_newer_schema(&txn).await?;
            Migrator::up(&txn, None).await?;
            txn.commit().await?;
        }
    }
    Ok(())
}

/// Errors if the migrations table lists a version this build has no file for.
async fn refuse_newer_schema<C: ConnectionTrait>(conn: &C) -> Result<(), StoreError> {
    let known: HashSet<String> = Migrator::get_migration_files()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    // Creates the (empty) migrations table on a fresh database, as `up` would anyway.
    let unknown: Vec<String> = Migrator::get_migration_models(conn)
        .await?
        .into_iter()
        .map(|m| m.version)
        .filter(|version| !known.contains(version))
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(StoreError::SchemaTooNew(unknown.join(", ")))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use poort_migrations::{Migrator, MigratorTrait};

    use sea_orm::{ConnectionTrait, DbBackend, Statement};

    use super::migrate;
    use crate::db::connect;
    use crate::error::StoreError;
    use crate::testing::{TestDb, fresh_postgres_url, fresh_sqlite_url, postgres_url_from_env};

    async fn empty_databases() -> Vec<TestDb> {
        let mut guards = vec![fresh_sqlite_url()];
        if let Some(admin_url) = postgres_url_from_env() {
            guards.push(fresh_postgres_url(&admin_url).await.unwrap());
        }
        guards
    }

    #[tokio::test]
    async fn migrating_again_is_a_no_op() {
        for guard in empty_databases().await {
            let first = connect(guard.url()).await.unwrap();
            let user = crate::fixtures::user(&first, "kept@example.com").await;
            first.close().await.unwrap();

            let second = connect(guard.url()).await.unwrap();
            migrate(&second).await.unwrap();
            let applied = Migrator::get_applied_migrations(second.conn())
                .await
                .unwrap();
            assert_eq!(applied.len(), Migrator::migrations().len());
            let kept = crate::users::find_by_id(&second, &user).await.unwrap();
            assert!(kept.is_some(), "{:?}: data survives", second.backend());
        }
    }

    #[tokio::test]
    async fn a_schema_newer_than_this_build_is_refused() {
        for guard in empty_databases().await {
            let db = connect(guard.url()).await.unwrap();
            let backend = db.conn().get_database_backend();
            db.conn()
                .execute_raw(Statement::from_sql_and_values(
                    backend,
                    match backend {
                        DbBackend::Postgres => {
                            "INSERT INTO seaql_migrations (version, applied_at) VALUES ($1, $2)"
                        }
                        _ => "INSERT INTO seaql_migrations (version, applied_at) VALUES (?, ?)",
                    },
                    ["m29991231_000001_from_the_future".into(), 0_i64.into()],
                ))
                .await
                .unwrap();
            db.close().await.unwrap();

            let err = connect(guard.url()).await.unwrap_err();
            assert!(
                matches!(&err, StoreError::SchemaTooNew(v) if v == "m29991231_000001_from_the_future"),
                "{err:?}"
            );
            assert!(err.to_string().contains("newer than this version"));
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn simultaneous_first_starts_do_not_race() {
        for guard in empty_databases().await {
            let starts: Vec<_> = (0..4)
                .map(|_| {
                    let url = guard.url().to_owned();
                    tokio::spawn(async move { connect(&url).await })
                })
                .collect();
            for start in starts {
                let db = start.await.unwrap().unwrap();
                let applied = Migrator::get_applied_migrations(db.conn()).await.unwrap();
                assert_eq!(applied.len(), Migrator::migrations().len());
            }
        }
    }
}
