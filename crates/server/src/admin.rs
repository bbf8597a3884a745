//! The operator's user commands behind `poort user import|unlock|force-password-change`: open
//! the configured database, run the flow, and return what the CLI prints (tests call these).

use std::path::Path;

use anyhow::Context;
use poort_store::entities::users::Model as User;

use crate::app::open_database;
use crate::config::Config;
use crate::flows::user_admin::{self, ImportReport};

/// Imports the JSON-lines file at `path`; see `user_admin::import_users`.
pub async fn import_file(config: &Config, path: &Path, now: i64) -> anyhow::Result<ImportReport> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let db = open_database(config).await?;
    let report = user_admin::import_users(&db, std::io::BufReader::new(file), now).await?;
    Ok(report)
}

/// Clears the lockout of the account with this email (or username).
pub async fn unlock(config: &Config, email: &str, now: i64) -> anyhow::Result<User> {
    let db = open_database(config).await?;
    user_admin::unlock(&db, email, now)
        .await?
        .with_context(|| format!("no account has the email or username {email:?}"))
}

/// Requires a new password at the next login of the account with this email (or username).
pub async fn force_password_change(config: &Config, email: &str, now: i64) -> anyhow::Result<User> {
    let db = open_database(config).await?;
    user_admin::force_password_change(&db, email, now)
        .await?
        .with_context(|| format!("no account has the email or username {email:?}"))
}
