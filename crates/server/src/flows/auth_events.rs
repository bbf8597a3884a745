//! Recording failed logins, lockouts, unlocks and password changes in `auth_events`.

use std::net::IpAddr;

use poort_store::Db;
use poort_store::StoreError;
use poort_store::auth_events::{self, Kind, NewAuthEvent};

use super::lockout::Subject;

/// Records one event about `subject` at `now`; `details` is a JSON object.
pub async fn record(
    db: &Db,
    now: i64,
    kind: Kind,
    subject: &Subject,
    ip: Option<IpAddr>,
    details: serde_json::Value,
) -> Result<(), StoreError> {
    auth_events::record(
        db,
        NewAuthEvent {
            kind,
            user_id: subject.user_id.clone(),
            subject: subject.name.clone(),
            ip: ip.map(|ip| ip.to_canonical().to_string()),
            at: now,
            details,
        },
    )
    .await?;
    Ok(())
}
