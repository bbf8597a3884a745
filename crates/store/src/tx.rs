//! Starting transactions that will write.

use sea_orm::{
    DatabaseTransaction, DbErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

use crate::db::{Backend, Db};

/// Begins a transaction meant to write. On SQLite it is `BEGIN IMMEDIATE`: the write lock is
/// taken up front (waiting out the busy timeout), so two writers never deadlock upgrading a
/// read lock, which SQLite would report as `SQLITE_BUSY` without waiting.
pub(crate) async fn begin_write(db: &Db) -> Result<DatabaseTransaction, DbErr> {
    match db.backend() {
        Backend::Sqlite => {
            db.conn()
                .begin_with_options(TransactionOptions {
                    sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                    ..TransactionOptions::default()
                })
                .await
        }
        Backend::Postgres => db.conn().begin().await,
    }
}
