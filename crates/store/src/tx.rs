//! Starting transactions that will write.

use sea_orm::{
    DatabaseTransaction, DbErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

use crate::db::{Backend, Db};

/// Begins a transaction meant to write. On SQLite it runs on the single writer connection (so
/// this process's writers queue for it) as `BEGIN IMMEDIATE`: the write lock is taken up
/// front (waiting out the busy timeout if another process holds it), so two writers never
/// deadlock upgrading a read lock, which SQLite would report as `SQLITE_BUSY` without waiting.
/// Never begin a second one while holding one: it would wait for the first.
pub(crate) async fn begin_write(db: &Db) -> Result<DatabaseTransaction, DbErr> {
    match db.backend() {
        Backend::Sqlite => {
            db.writer()
                .begin_with_options(TransactionOptions {
                    sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                    ..TransactionOptions::default()
                })
                .await
        }
        Backend::Postgres => db.conn().begin().await,
    }
}
