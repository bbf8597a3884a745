//! Fresh, isolated databases for tests (this crate's and the end-to-end package's).
//!
//! SQLite: a new file under the system temp dir. PostgreSQL (when `DATABASE_URL` holds a
//! `postgres://` URL to an existing database): a new `poort_test_<uuid>` database created
//! through that URL, so tests run in parallel without seeing each other's rows. The returned
//! [`TestDb`] guard deletes the file or drops the database when it goes out of scope.

use std::path::PathBuf;

use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr};

use crate::db::{Backend, Db, connect};
use crate::error::StoreError;

/// Removes its test database when dropped.
#[derive(Debug)]
pub struct TestDb {
    url: String,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    SqliteFile(PathBuf),
    PostgresDatabase { admin_url: String, name: String },
}

impl TestDb {
    /// The URL of the fresh database, for [`connect`] or a server's configuration.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::SqliteFile(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut file = path.clone().into_os_string();
                    file.push(suffix);
                    // Best effort: a leftover file in the temp dir harms nothing.
                    let _ = std::fs::remove_file(file);
                }
            }
            Cleanup::PostgresDatabase { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop cannot await; a thread with its own runtime works inside or outside
                // of a tokio runtime.
                let _ =
                    std::thread::spawn(move || drop_postgres_database(&admin_url, &name)).join();
            }
        }
    }
}

/// The `DATABASE_URL` environment variable, if it names a PostgreSQL database.
pub fn postgres_url_from_env() -> Option<String> {
    std::env::var("DATABASE_URL")
        .ok()
        .filter(|url| matches!(Backend::from_url(url), Ok(Backend::Postgres)))
}

/// A migrated fresh database: PostgreSQL when `DATABASE_URL` is set, SQLite otherwise.
pub async fn fresh_db() -> Result<(Db, TestDb), StoreError> {
    let guard = fresh_database_url().await?;
    let db = connect(guard.url()).await?;
    Ok((db, guard))
}

/// One migrated fresh database per available backend: always SQLite, plus PostgreSQL when
/// `DATABASE_URL` is set. Repository tests loop over these.
pub async fn fresh_dbs() -> Result<Vec<(Db, TestDb)>, StoreError> {
    let mut guards = vec![fresh_sqlite_url()];
    if let Some(admin_url) = postgres_url_from_env() {
        guards.push(fresh_postgres_url(&admin_url).await?);
    }
    let mut dbs = Vec::with_capacity(guards.len());
    for guard in guards {
        dbs.push((connect(guard.url()).await?, guard));
    }
    Ok(dbs)
}

/// A fresh, empty (unmigrated) database to hand to a server under test.
pub async fn fresh_database_url() -> Result<TestDb, StoreError> {
    match postgres_url_from_env() {
        Some(admin_url) => fresh_postgres_url(&admin_url).await,
        None => Ok(fresh_sqlite_url()),
    }
}

/// A path for a new SQLite file; the file is created by the first connect.
pub fn fresh_sqlite_url() -> TestDb {
    let path = std::env::temp_dir().join(format!("poort_test_{}.db", uuid::Uuid::new_v4()));
    TestDb {
        url: format!("sqlite://{}?mode=rwc", path.display()),
        cleanup: Cleanup::SqliteFile(path),
    }
}

/// Creates a uniquely named database on the server behind `admin_url`.
pub async fn fresh_postgres_url(admin_url: &str) -> Result<TestDb, StoreError> {
    let name = format!("poort_test_{}", uuid::Uuid::new_v4().simple());
    let mut url = url::Url::parse(admin_url).map_err(|_| StoreError::UnsupportedUrl)?;
    url.set_path(&format!("/{name}"));
    let admin = admin_connection(admin_url).await?;
    // The name is generated above (hex only); CREATE DATABASE takes no bind parameters.
    let created = admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await;
    admin.close().await?;
    created?;
    Ok(TestDb {
        url: url.into(),
        cleanup: Cleanup::PostgresDatabase {
            admin_url: admin_url.to_owned(),
            name,
        },
    })
}

async fn admin_connection(admin_url: &str) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(admin_url);
    options.max_connections(1).sqlx_logging(false);
    Database::connect(options).await
}

fn drop_postgres_database(admin_url: &str, name: &str) {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return;
    };
    runtime.block_on(async {
        if let Ok(admin) = admin_connection(admin_url).await {
            // FORCE ends the test's own pooled sessions, which may still be open.
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .await;
            let _ = admin.close().await;
        }
    });
}
