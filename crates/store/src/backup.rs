//! Logical backups: every row of Poort's tables as typed values, read in one consistent
//! snapshot while the server keeps serving, and written back into an empty database in one
//! transaction. The same format for SQLite and PostgreSQL, so a backup of one restores into
//! the other. Ephemeral data (sessions, codes) is not included: it expires within hours.

use poort_migrations::{MigrationStatus, Migrator, MigratorTrait};
use sea_orm::{
    AccessMode, DatabaseTransaction, EntityName, EntityTrait, IntoActiveModel, IsolationLevel,
    Iterable, PaginatorTrait, PrimaryKeyToColumn, QueryOrder, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use crate::db::{Backend, Db};
use crate::entities::support_staff;
use crate::entities::{
    api_tokens, audit_log, auth_events, clients, consents, email_links, mail_queue, mfa_factors,
    mfa_grace, org_invitations, org_members, org_roles, organisations, password_history,
    platform_admins, recovery_codes, refresh_tokens, signing_keys, users,
};
use crate::entities::{
    backchannel_logouts, client_registrations, initial_access_tokens, session_clients,
};
use crate::entities::{durable_markers, used_codes};
use crate::error::StoreError;
use crate::tx::begin_write;

/// Rows per INSERT: far below SQLite's bound-parameter limit for the widest table.
const INSERT_BATCH: usize = 200;

/// Declares the snapshot from one list of entity modules, parents before children (the restore
/// inserts in this order, for the foreign keys). A new table is one more name here; a test
/// fails while a table of the schema is missing from the list.
macro_rules! snapshot_tables {
    ($($table:ident),+ $(,)?) => {
        /// The content of every durable table, each sorted by primary key, and the schema it has.
        #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
        pub struct Snapshot {
            /// The applied migrations, oldest first: a restore needs exactly this schema.
            pub schema: Vec<String>,
            $(pub $table: Vec<$table::Model>,)+
        }

        impl Snapshot {
            /// The tables a snapshot holds, by their names in the database.
            pub fn tables() -> Vec<&'static str> {
                vec![$($table::Entity.table_name(),)+]
            }

            /// Rows in all tables.
            pub fn row_count(&self) -> usize {
                0 $(+ self.$table.len())+
            }
        }

        async fn read_tables(
            txn: &DatabaseTransaction,
            schema: Vec<String>,
        ) -> Result<Snapshot, StoreError> {
            Ok(Snapshot {
                schema,
                $($table: rows::<$table::Entity>(txn).await?,)+
            })
        }

        async fn write_tables(txn: &DatabaseTransaction, snapshot: Snapshot) -> Result<(), StoreError> {
            $(insert_all::<$table::Entity, _>(txn, snapshot.$table).await?;)+
            Ok(())
        }

        async fn is_empty(txn: &DatabaseTransaction) -> Result<bool, StoreError> {
            $(if $table::Entity::find().count(txn).await? != 0 {
                return Ok(false);
            })+
            Ok(true)
        }
    };
}

snapshot_tables!(
    users,
    clients,
    signing_keys,
    refresh_tokens,
    consents,
    password_history,
    auth_events,
    mfa_factors,
    recovery_codes,
    mfa_grace,
    email_links,
    mail_queue,
    api_tokens,
    organisations,
    org_members,
    org_roles,
    platform_admins,
    org_invitations,
    audit_log,
    support_staff,
    durable_markers,
    used_codes,
    session_clients,
    backchannel_logouts,
    initial_access_tokens,
    client_registrations,
);

/// The migrations this build knows, oldest first.
fn known_schema() -> Vec<String> {
    Migrator::get_migration_files()
        .iter()
        .map(|m| m.name().to_owned())
        .collect()
}

/// Reads every table in one read-only transaction: PostgreSQL `REPEATABLE READ` and SQLite's
/// WAL read snapshot both make the tables agree with each other, whatever commits meanwhile.
pub async fn export(db: &Db) -> Result<Snapshot, StoreError> {
    let txn = match db.backend() {
        Backend::Postgres => {
            db.conn()
                .begin_with_config(
                    Some(IsolationLevel::RepeatableRead),
                    Some(AccessMode::ReadOnly),
                )
                .await?
        }
        Backend::Sqlite => db.conn().begin().await?,
    };
    // The read-only variant: the others may CREATE the migrations table.
    let schema = Migrator::get_migration_with_status_read_only(&txn)
        .await?
        .iter()
        .filter(|m| m.status() == MigrationStatus::Applied)
        .map(|m| m.name().to_owned())
        .collect();
    let snapshot = read_tables(&txn, schema).await?;
    txn.commit().await?;
    Ok(snapshot)
}

/// Writes `snapshot` into `db`, which must be migrated and hold no rows. All or nothing.
pub async fn import(db: &Db, snapshot: Snapshot) -> Result<(), StoreError> {
    if snapshot.schema != known_schema() {
        return Err(StoreError::BackupSchemaMismatch);
    }
    let txn = begin_write(db).await?;
    if !is_empty(&txn).await? {
        return Err(StoreError::NotEmpty);
    }
    write_tables(&txn, snapshot).await?;
    txn.commit().await?;
    Ok(())
}

/// Every row of one table, in primary-key order (so two snapshots compare equal).
async fn rows<E: EntityTrait>(txn: &DatabaseTransaction) -> Result<Vec<E::Model>, StoreError> {
    let mut query = E::find();
    for key in E::PrimaryKey::iter() {
        query = query.order_by_asc(key.into_column());
    }
    Ok(query.all(txn).await?)
}

async fn insert_all<E, M>(txn: &DatabaseTransaction, rows: Vec<M>) -> Result<(), StoreError>
where
    E: EntityTrait<Model = M>,
    M: IntoActiveModel<E::ActiveModel> + Clone,
{
    for batch in rows.chunks(INSERT_BATCH) {
        E::insert_many(
            batch
                .iter()
                .cloned()
                .map(IntoActiveModel::into_active_model),
        )
        .exec_without_returning(txn)
        .await?;
    }
    Ok(())
}

#[cfg(test)]
#[path = "backup_tests.rs"]
mod tests;
