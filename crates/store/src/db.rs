//! Opening the database: backend detection, connection settings, pool size, then migrations.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteSynchronous};
use sea_orm::sqlx::{self, Connection};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

use crate::error::StoreError;
use crate::migrate::migrate;

/// How long a SQLite connection waits for another writer before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Turning a fresh SQLite file into WAL mode needs an exclusive lock that SQLite does not wait
/// for (the busy timeout does not apply), so simultaneous first starts retry it this often.
const SQLITE_WAL_ATTEMPTS: u32 = 100;
const SQLITE_WAL_RETRY_DELAY: Duration = Duration::from_millis(50);
/// SQLite in WAL mode has many readers and one writer; a few connections serve the readers.
const SQLITE_MAX_CONNECTIONS: u32 = 8;
/// Per node; PostgreSQL's default server limit (100) leaves room for several nodes.
const POSTGRES_MAX_CONNECTIONS: u32 = 16;
/// How long a request waits for a pooled connection (or a new one to an unreachable server)
/// before failing: a lost database gives a quick 503, not a 30-second hang (sqlx's default).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);
/// sqlx pings every connection it hands out unless told otherwise: a round trip to the SQLite
/// worker thread (or the PostgreSQL server) before every statement. Only a connection idle this
/// long is checked first; a busy pool's connections have just proved themselves.
const PING_IF_IDLE_FOR: Duration = Duration::from_secs(30);
/// Prepared statements kept per SQLite connection (sqlx's default is 100). Poort has a few
/// hundred distinct statements; one evicted from the cache is parsed and planned again.
const SQLITE_STATEMENT_CACHE: usize = 256;

/// Which database engine a [`Db`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend named by a database URL's scheme.
    pub fn from_url(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl)
        }
    }
}

/// A handle to the durable store: a connection pool, cheap to clone.
#[derive(Clone, Debug)]
pub struct Db {
    conn: DatabaseConnection,
    /// Where write transactions run. SQLite has one writer at a time: a pool of ONE connection
    /// makes this process's writers wait in the pool's async queue instead of colliding on the
    /// file lock and sleeping in SQLite's busy handler (1–100 ms steps). PostgreSQL: the pool.
    writer: DatabaseConnection,
    backend: Backend,
}

impl Db {
    /// The connection pool for reads. Writes go through [`Db::writer`] (single statements) or
    /// `tx::begin_write` (transactions), so SQLite writers queue instead of colliding.
    pub fn conn(&self) -> &DatabaseConnection {
        &self.conn
    }

    /// The connection writes run on (see the field).
    pub(crate) fn writer(&self) -> &DatabaseConnection {
        &self.writer
    }

    /// The database engine behind this handle.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes every pooled connection.
    pub async fn close(self) -> Result<(), StoreError> {
        if self.backend == Backend::Sqlite {
            self.writer.close().await?;
        }
        Ok(self.conn.close().await?)
    }
}

/// Opens the database at `url` (`sqlite://path?mode=rwc` or `postgres://…`) and brings its
/// schema up to date.
pub async fn connect(url: &str) -> Result<Db, StoreError> {
    let db = open(url).await?;
    migrate(&db).await?;
    Ok(db)
}

/// Opens the pool without migrating.
pub(crate) async fn open(url: &str) -> Result<Db, StoreError> {
    let backend = Backend::from_url(url)?;
    let mut options = ConnectOptions::new(url);
    // Statement logging at INFO would log every query; tracing spans cover what we need.
    options
        .sqlx_logging(false)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect_timeout(ACQUIRE_TIMEOUT)
        .test_before_acquire_if_idle_for(PING_IF_IDLE_FOR);
    match backend {
        Backend::Sqlite => {
            create_parent_dir(url).await?;
            ensure_wal(url).await?;
            options
                .max_connections(SQLITE_MAX_CONNECTIONS)
                // Applied by sqlx to every new pooled connection, not just the first.
                .map_sqlx_sqlite_opts(|sqlite| {
                    sqlite
                        .create_if_missing(true)
                        // No `journal_mode` here: WAL is a property of the file, set once by
                        // `ensure_wal`, and asking for it on every connection could fail.
                        .synchronous(SqliteSynchronous::Normal)
                        .foreign_keys(true)
                        .busy_timeout(SQLITE_BUSY_TIMEOUT)
                        .statement_cache_capacity(SQLITE_STATEMENT_CACHE)
                        // Statement journals (a multi-row statement inside a transaction keeps
                        // one, to undo just that statement) and temporary sorts stay in memory
                        // instead of spilling to temporary files.
                        .pragma("temp_store", "memory")
                });
        }
        Backend::Postgres => {
            options.max_connections(POSTGRES_MAX_CONNECTIONS);
        }
    }
    let conn = Database::connect(options.clone()).await?;
    let writer = match backend {
        Backend::Sqlite => {
            options.max_connections(1).min_connections(0);
            Database::connect(options).await?
        }
        Backend::Postgres => conn.clone(),
    };
    Ok(Db {
        conn,
        writer,
        backend,
    })
}

/// Puts the SQLite file in WAL mode (many readers alongside one writer), which persists in
/// the file for every later connection. Retried because the switch cannot wait for a lock.
async fn ensure_wal(url: &str) -> Result<(), StoreError> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(sqlx_error)?
        .create_if_missing(true)
        .busy_timeout(SQLITE_BUSY_TIMEOUT);
    let mut conn = SqliteConnection::connect_with(&options)
        .await
        .map_err(sqlx_error)?;
    let mut attempt = 1;
    let outcome = loop {
        match sqlx::query_scalar::<_, String>("PRAGMA journal_mode = WAL")
            .fetch_one(&mut conn)
            .await
        {
            Err(err) if is_busy(&err) && attempt < SQLITE_WAL_ATTEMPTS => {
                attempt += 1;
                tokio::time::sleep(SQLITE_WAL_RETRY_DELAY).await;
            }
            other => break other,
        }
    };
    conn.close().await.map_err(sqlx_error)?;
    outcome.map(drop).map_err(sqlx_error)
}

fn is_busy(err: &sqlx::Error) -> bool {
    // SQLITE_BUSY (5) and its extended codes (e.g. 261, SQLITE_BUSY_RECOVERY).
    err.as_database_error()
        .and_then(|db| db.code())
        .and_then(|code| code.parse::<i32>().ok())
        .is_some_and(|code| code & 0xff == 5)
}

fn sqlx_error(err: sqlx::Error) -> StoreError {
    StoreError::Db(DbErr::Conn(sea_orm::RuntimeErr::SqlxError(err.into())))
}

/// SQLite creates the file but not its directory (e.g. `./data/` on first start).
async fn create_parent_dir(url: &str) -> Result<(), StoreError> {
    // An unparsable URL is reported by the connect call itself, with sqlx's message.
    let Ok(sqlite) = SqliteConnectOptions::from_str(url) else {
        return Ok(());
    };
    let Some(dir) = sqlite.get_filename().parent() else {
        return Ok(());
    };
    if dir == Path::new("") {
        return Ok(());
    }
    tokio::fs::create_dir_all(dir).await.map_err(|err| {
        StoreError::Db(DbErr::Custom(format!(
            "creating database directory {}: {err}",
            dir.display()
        )))
    })
}

#[cfg(test)]
mod tests {
    use super::Backend;
    use crate::error::StoreError;

    #[test]
    fn backend_follows_the_url_scheme() {
        assert!(matches!(
            Backend::from_url("sqlite://data/poort.db?mode=rwc"),
            Ok(Backend::Sqlite)
        ));
        assert!(matches!(
            Backend::from_url("postgres://u@h/db"),
            Ok(Backend::Postgres)
        ));
        assert!(matches!(
            Backend::from_url("postgresql://u@h/db"),
            Ok(Backend::Postgres)
        ));
        assert!(matches!(
            Backend::from_url("mysql://u:secret@h/db"),
            Err(StoreError::UnsupportedUrl)
        ));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod sqlite_tests {
    use sea_orm::{ConnectionTrait, DatabaseTransaction, Statement, TransactionTrait};

    use super::connect;
    use crate::testing::fresh_sqlite_url;

    async fn pragma(txn: &DatabaseTransaction, name: &str) -> String {
        let sql = format!("PRAGMA {name}");
        let row = txn
            .query_one_raw(Statement::from_string(txn.get_database_backend(), sql))
            .await
            .unwrap()
            .unwrap();
        row.try_get_by_index::<String>(0)
            .or_else(|_| row.try_get_by_index::<i64>(0).map(|n| n.to_string()))
            .unwrap()
    }

    #[tokio::test]
    async fn settings_apply_to_every_pooled_connection() {
        let guard = fresh_sqlite_url();
        let db = connect(guard.url()).await.unwrap();
        // Open transactions pin distinct pooled connections.
        let mut held = Vec::new();
        for _ in 0..4 {
            held.push(db.conn().begin().await.unwrap());
        }
        for txn in &held {
            assert_eq!(pragma(txn, "journal_mode").await, "wal");
            assert_eq!(pragma(txn, "foreign_keys").await, "1");
            assert_eq!(pragma(txn, "synchronous").await, "1", "NORMAL");
            assert_eq!(pragma(txn, "busy_timeout").await, "5000");
            assert_eq!(pragma(txn, "temp_store").await, "2", "MEMORY");
        }
    }

    #[tokio::test]
    async fn missing_directories_are_created() {
        let root = std::env::temp_dir().join(format!("poort_test_{}", uuid::Uuid::new_v4()));
        let file = root.join("data").join("poort.db");
        let db = connect(&format!("sqlite://{}?mode=rwc", file.display())).await;
        let created = file.exists();
        std::fs::remove_dir_all(&root).unwrap();
        db.unwrap();
        assert!(created);
    }
}
