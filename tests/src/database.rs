//! A fresh database per test: `None` means SQLite at the default place in the server's own temp
//! data dir (the path a new user gets); with `DATABASE_URL` set to PostgreSQL, a new uniquely named
//! database on that server, dropped with the returned guard.

use poort_store::testing::{TestDb, fresh_postgres_url, postgres_url_from_env};

pub async fn fresh_database() -> anyhow::Result<Option<TestDb>> {
    match postgres_url_from_env() {
        Some(admin_url) => Ok(Some(fresh_postgres_url(&admin_url).await?)),
        None => Ok(None),
    }
}
