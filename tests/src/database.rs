//! A fresh database per test: `None` means SQLite in the server's own temp data dir; with
//! `DATABASE_URL` set to PostgreSQL, a new uniquely named database on that server.

use sea_orm::{ConnectionTrait, Database};

pub async fn fresh_database_url() -> anyhow::Result<Option<String>> {
    let Ok(base) = std::env::var("DATABASE_URL") else {
        return Ok(None);
    };
    if !base.starts_with("postgres") {
        return Ok(None);
    }
    let name = format!("poort_e2e_{}", uuid::Uuid::new_v4().simple());
    let admin = Database::connect(&base).await?;
    // The name is ours (a UUID), not input: safe to put in the statement.
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await?;
    admin.close().await?;
    let mut url = url::Url::parse(&base)?;
    url.set_path(&format!("/{name}"));
    Ok(Some(url.to_string()))
}
