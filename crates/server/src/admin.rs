//! The operator's user commands behind `poort user import|unlock|force-password-change`: open
//! the configured database, run the flow, and return what the CLI prints (tests call these).

use std::path::Path;

use anyhow::Context;
use poort_store::entities::users::Model as User;

use crate::app::{App, open_database};
use crate::config::Config;
use crate::flows::retention::{self, Change};
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

/// Deletes the account with this email or username: it stops working at once and is purged
/// after the retention period. Needs the ephemeral store (to deny-list live access tokens),
/// so it builds the whole application state.
pub async fn delete_user(config: Config, login: &str) -> anyhow::Result<()> {
    let app = App::build(config).await?;
    match retention::delete_account(&app.state, login).await? {
        Change::Done => Ok(()),
        Change::NotApplicable => anyhow::bail!("{login} is already deleted"),
        Change::NoSuchUser => anyhow::bail!("no account has the email or username {login:?}"),
    }
}

/// Disables an account: it stops working at once (sessions, tokens, API tokens) until enabled.
pub async fn disable_user(config: Config, login: &str) -> anyhow::Result<()> {
    let app = App::build(config).await?;
    match retention::disable_account(&app.state, login).await? {
        Change::Done => Ok(()),
        Change::NotApplicable => anyhow::bail!("{login} is already disabled"),
        Change::NoSuchUser => anyhow::bail!("no account has the email or username {login:?}"),
    }
}

/// Enables a disabled account (its ended sessions and revoked tokens stay ended).
pub async fn enable_user(config: Config, login: &str) -> anyhow::Result<()> {
    let app = App::build(config).await?;
    match retention::enable_account(&app.state, login).await? {
        Change::Done => Ok(()),
        Change::NotApplicable => anyhow::bail!("{login} is not disabled"),
        Change::NoSuchUser => anyhow::bail!("no account has the email or username {login:?}"),
    }
}

/// Restores a deleted account within its retention period.
pub async fn restore_user(config: Config, login: &str) -> anyhow::Result<()> {
    let app = App::build(config).await?;
    match retention::restore_account(&app.state, login).await? {
        Change::Done => Ok(()),
        Change::NotApplicable => {
            anyhow::bail!("{login} is not deleted, or its retention period is over")
        }
        Change::NoSuchUser => anyhow::bail!("no account has the email or username {login:?}"),
    }
}

/// Purges what is past its retention period now; `None` if another node is purging.
pub async fn purge(config: Config) -> anyhow::Result<Option<poort_store::retention::Purged>> {
    let app = App::build(config).await?;
    Ok(retention::purge(&app.state).await?)
}
