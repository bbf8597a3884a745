//! Operator actions on accounts: importing users with their password hashes from another
//! system, clearing a lockout, and requiring a new password at the next login.

use std::io::BufRead;

use poort_allowlist::normalise_email;
use poort_credentials::parse_imported_hash;
use poort_store::auth_events::Kind;
use poort_store::entities::users::Model as User;
use poort_store::users::{self, NewUser};
use poort_store::{Db, StoreError, passwords};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::auth_events::record;
use super::lockout::Subject;

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("reading the import file: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One line of an import file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportLine {
    email: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    username: Option<String>,
    password_hash: String,
}

#[derive(Debug, Default, Serialize)]
pub struct ImportReport {
    pub imported: Vec<ImportedUser>,
    pub failed: Vec<LineError>,
}

#[derive(Debug, Serialize)]
pub struct ImportedUser {
    pub line: usize,
    pub id: String,
    pub email: String,
}

/// A line that imported nothing, and why (never the hash itself).
#[derive(Debug, Serialize)]
pub struct LineError {
    pub line: usize,
    pub error: String,
}

/// Imports JSON lines `{"email", "name", "password_hash"}` (and optionally `"username"`).
/// Each line stands alone: a bad one is reported with its 1-based number and imports nothing,
/// the others still import. Blank lines are skipped. Only reading or database failures stop
/// the whole import (what was imported until then stays).
pub async fn import_users(
    db: &Db,
    input: impl BufRead,
    now: i64,
) -> Result<ImportReport, AdminError> {
    let mut report = ImportReport::default();
    for (index, line) in input.split(b'\n').enumerate() {
        let number = index + 1;
        let bytes = line?;
        let Ok(text) = std::str::from_utf8(&bytes) else {
            report.failed.push(LineError {
                line: number,
                error: "the line is not UTF-8".into(),
            });
            continue;
        };
        if text.trim().is_empty() {
            continue;
        }
        match import_line(db, text, now).await? {
            Ok(user) => report.imported.push(ImportedUser {
                line: number,
                id: user.id,
                email: user.email,
            }),
            Err(error) => report.failed.push(LineError {
                line: number,
                error,
            }),
        }
    }
    Ok(report)
}

async fn import_line(db: &Db, text: &str, now: i64) -> Result<Result<User, String>, StoreError> {
    let parsed: ImportLine = match serde_json::from_str(text) {
        Ok(parsed) => parsed,
        Err(e) => return Ok(Err(format!("not a valid user record: {e}"))),
    };
    let email = match normalise_email(&parsed.email) {
        Ok(email) => email.into_string(),
        Err(refusal) => return Ok(Err(refusal.to_string())),
    };
    let hash = match parse_imported_hash(&parsed.password_hash) {
        Ok(hash) => hash,
        Err(e) => return Ok(Err(e.to_string())),
    };
    let clean = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let new = NewUser {
        email,
        username: clean(parsed.username),
        name: clean(parsed.name),
        password_hash: Some(hash.into_string()),
    };
    match users::create(db, new, now).await {
        Ok(user) => Ok(Ok(user)),
        Err(StoreError::Conflict) => Ok(Err(
            "an account with this email or username already exists".into(),
        )),
        Err(e) => Err(e),
    }
}

/// Clears the lockout of the account with this email (its counters start afresh, on every
/// node); `None` when there is no such account.
pub async fn unlock(db: &Db, email: &str, now: i64) -> Result<Option<User>, StoreError> {
    let Some(user) = users::find_by_login(db, email.trim()).await? else {
        return Ok(None);
    };
    passwords::set_unlocked_at(db, &user.id, now).await?;
    let subject = Subject::user(&user);
    let details = json!({ "by": "admin" });
    record(db, now, Kind::AccountUnlocked, &subject, None, details).await?;
    Ok(Some(user))
}

/// Requires the account with this email to choose a new password at its next login.
pub async fn force_password_change(
    db: &Db,
    email: &str,
    now: i64,
) -> Result<Option<User>, StoreError> {
    let Some(user) = users::find_by_login(db, email.trim()).await? else {
        return Ok(None);
    };
    passwords::set_force_change(db, &user.id, true, now).await?;
    let subject = Subject::user(&user);
    let details = json!({ "by": "admin" });
    record(db, now, Kind::PasswordChangeForced, &subject, None, details).await?;
    Ok(Some(user))
}
