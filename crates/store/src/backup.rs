//! Logical backups: every row of Poort's tables as typed values, read in one consistent
//! snapshot while the server keeps serving, and written back into an empty database in one
//! transaction. The same format for SQLite and PostgreSQL, so a backup of one restores into
//! the other. Ephemeral data (sessions, codes) is not included: it expires within hours.

use poort_migrations::{MigrationStatus, Migrator, MigratorTrait};
use sea_orm::{
    AccessMode, DatabaseTransaction, EntityTrait, IntoActiveModel, IsolationLevel, PaginatorTrait,
    QueryOrder, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use crate::db::{Backend, Db};
use crate::entities::{clients, consents, refresh_tokens, signing_keys, users};
use crate::error::StoreError;
use crate::tx::begin_write;

/// Rows per INSERT: far below SQLite's bound-parameter limit for the widest table.
const INSERT_BATCH: usize = 200;

/// The content of every durable table, each sorted by primary key, and the schema it has.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The applied migrations, oldest first: a restore needs exactly this schema.
    pub schema: Vec<String>,
    pub users: Vec<users::Model>,
    pub clients: Vec<clients::Model>,
    pub signing_keys: Vec<signing_keys::Model>,
    pub refresh_tokens: Vec<refresh_tokens::Model>,
    pub consents: Vec<consents::Model>,
}

impl Snapshot {
    /// Rows in all tables.
    pub fn row_count(&self) -> usize {
        self.users.len()
            + self.clients.len()
            + self.signing_keys.len()
            + self.refresh_tokens.len()
            + self.consents.len()
    }
}

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
    let snapshot = Snapshot {
        // The read-only variant: the others may CREATE the migrations table.
        schema: Migrator::get_migration_with_status_read_only(&txn)
            .await?
            .iter()
            .filter(|m| m.status() == MigrationStatus::Applied)
            .map(|m| m.name().to_owned())
            .collect(),
        users: users::Entity::find()
            .order_by_asc(users::Column::Id)
            .all(&txn)
            .await?,
        clients: clients::Entity::find()
            .order_by_asc(clients::Column::Id)
            .all(&txn)
            .await?,
        signing_keys: signing_keys::Entity::find()
            .order_by_asc(signing_keys::Column::Kid)
            .all(&txn)
            .await?,
        refresh_tokens: refresh_tokens::Entity::find()
            .order_by_asc(refresh_tokens::Column::Id)
            .all(&txn)
            .await?,
        consents: consents::Entity::find()
            .order_by_asc(consents::Column::UserId)
            .order_by_asc(consents::Column::ClientId)
            .all(&txn)
            .await?,
    };
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
    // Parents before children (foreign keys).
    insert_all::<users::Entity, _>(&txn, snapshot.users).await?;
    insert_all::<clients::Entity, _>(&txn, snapshot.clients).await?;
    insert_all::<signing_keys::Entity, _>(&txn, snapshot.signing_keys).await?;
    insert_all::<refresh_tokens::Entity, _>(&txn, snapshot.refresh_tokens).await?;
    insert_all::<consents::Entity, _>(&txn, snapshot.consents).await?;
    txn.commit().await?;
    Ok(())
}

async fn is_empty(txn: &DatabaseTransaction) -> Result<bool, StoreError> {
    Ok(users::Entity::find().count(txn).await? == 0
        && clients::Entity::find().count(txn).await? == 0
        && signing_keys::Entity::find().count(txn).await? == 0
        && refresh_tokens::Entity::find().count(txn).await? == 0
        && consents::Entity::find().count(txn).await? == 0)
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
