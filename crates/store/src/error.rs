//! The one error type of the durable store.

use sea_orm::{DbErr, SqlErr};

/// What can go wrong in a repository call. `Display` never includes row values or URLs.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique key (primary key, email, username, token digest, ...) is already taken.
    #[error("a row with the same unique key already exists")]
    Conflict,
    /// The row to change does not exist.
    #[error("row not found")]
    NotFound,
    /// A stored value could not be decoded (e.g. a JSON list column holding something else).
    #[error("column {column} holds a value that cannot be decoded")]
    CorruptColumn { column: &'static str },
    /// The database URL is neither `sqlite:` nor `postgres://`/`postgresql://`.
    #[error("unsupported database URL (expected sqlite: or postgres://)")]
    UnsupportedUrl,
    /// The database has migrations this build does not know: a newer Poort has upgraded it.
    /// Running against it could corrupt data, so this node refuses to start.
    #[error(
        "the database schema is newer than this version of Poort (unknown migrations: {0}); run the newer version"
    )]
    SchemaTooNew(String),
    /// A restore target must hold no rows.
    #[error("the target database is not empty")]
    NotEmpty,
    /// A backup made with another set of migrations than this build's.
    #[error(
        "the backup was made by another version of Poort (its schema differs); restore it with that version"
    )]
    BackupSchemaMismatch,
    /// Any other database failure.
    #[error("database error: {0}")]
    Db(DbErr),
}

impl From<DbErr> for StoreError {
    fn from(err: DbErr) -> Self {
        // Classified through sea-orm so the same check works on SQLite and PostgreSQL.
        if let Some(SqlErr::UniqueConstraintViolation(_)) = err.sql_err() {
            Self::Conflict
        } else {
            Self::Db(err)
        }
    }
}
