//! Recording audit entries (the hash-chained `audit_log`, see `poort_store::audit`).
//!
//! Flows that change something in the store pass their entries to the store call so both
//! commit together (`AuditEntry::into_new`); events that change nothing durable (a login)
//! use [`record`].

use std::net::IpAddr;

use poort_store::Db;
use poort_store::audit::{self, NewAuditEntry};

use super::FlowError;
use crate::state::AppState;

/// One audit entry; the time comes from the injected clock when it is recorded.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEntry {
    pub org_id: Option<String>,
    /// The user who acted; `None` for the operator's CLI or the system.
    pub actor: Option<String>,
    /// The support-staff identity acting on a user's behalf.
    pub staff: Option<String>,
    /// Whom the entry is about.
    pub subject: Option<String>,
    /// E.g. `member.added`.
    pub action: &'static str,
    pub target: Option<String>,
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
    /// A JSON object.
    pub details: serde_json::Value,
}

impl AuditEntry {
    /// An entry with only its action set.
    pub fn new(action: &'static str) -> Self {
        Self {
            org_id: None,
            actor: None,
            staff: None,
            subject: None,
            action,
            target: None,
            ip: None,
            user_agent: None,
            details: serde_json::json!({}),
        }
    }

    /// An entry about one user's account, done by that user (the common case outside
    /// organisations), with `details`.
    pub fn about(action: &'static str, user_id: &str, details: serde_json::Value) -> Self {
        Self {
            actor: Some(user_id.to_owned()),
            subject: Some(user_id.to_owned()),
            details,
            ..Self::new(action)
        }
    }

    /// The store's form, stamped with `now`.
    pub fn into_new(self, now: i64) -> NewAuditEntry {
        NewAuditEntry {
            at: now,
            org_id: self.org_id,
            actor: self.actor,
            staff: self.staff,
            subject: self.subject,
            action: self.action.to_owned(),
            target: self.target,
            ip: self.ip.map(|ip| ip.to_canonical().to_string()),
            user_agent: self.user_agent,
            details: self.details,
        }
    }
}

/// Appends `entry` to its organisation's chain (or the platform chain).
pub async fn record(state: &AppState, entry: AuditEntry) -> Result<(), FlowError> {
    record_at(&state.db, state.now(), entry).await
}

/// How long one entry of a refusal the gate repeats on every request stands for the same
/// principal, organisation, reason and address.
pub const REPEAT_WINDOW: std::time::Duration = std::time::Duration::from_secs(600);

/// [`record`] for a refusal the gate meets on every request (a client retrying with a refused
/// token): the first of a [`REPEAT_WINDOW`] with the same `entry.action`, organisation, actor,
/// address and `reason` is recorded, the rest are not, so a loop cannot fill the chain. When
/// the ephemeral store cannot say, the entry is recorded (an extra entry beats a lost one).
pub async fn record_repeated(
    state: &AppState,
    entry: AuditEntry,
    reason: &str,
) -> Result<(), FlowError> {
    let key = format!(
        "audit_repeat:{}:{}:{}:{}:{reason}",
        entry.action,
        entry.org_id.as_deref().unwrap_or("platform"),
        entry.actor.as_deref().unwrap_or("-"),
        entry.ip.map_or_else(|| "-".to_owned(), |ip| ip.to_string()),
    );
    let first = state
        .ephemeral
        .put_if_absent(&key, Vec::new(), REPEAT_WINDOW)
        .await
        .unwrap_or(true);
    match first {
        true => record(state, entry).await,
        false => Ok(()),
    }
}

/// [`record`] without an `AppState` (the CLI).
pub async fn record_at(db: &Db, now: i64, entry: AuditEntry) -> Result<(), FlowError> {
    audit::append(db, entry.into_new(now)).await?;
    Ok(())
}

/// The outcome of `poort audit verify`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyReport {
    pub chains: Vec<audit::ChainReport>,
}

impl VerifyReport {
    pub fn first_broken(&self) -> Option<&audit::ChainReport> {
        self.chains.iter().find(|c| c.broken.is_some())
    }
}

/// Recomputes one chain (`org` = organisation id) or every chain.
pub async fn verify(db: &Db, org: Option<&str>) -> Result<VerifyReport, FlowError> {
    let chains = match org {
        Some(org) => vec![org.to_owned()],
        None => audit::chains(db).await?,
    };
    let mut reports = Vec::with_capacity(chains.len());
    for chain in chains {
        reports.push(audit::verify_chain(db, &chain).await?);
    }
    Ok(VerifyReport { chains: reports })
}

/// Up to `max` entries of `chain` matching `query`, newest first, read page by page (exports).
pub async fn entries(
    db: &Db,
    chain: &str,
    mut query: audit::AuditQuery,
    max: usize,
) -> Result<Vec<poort_store::entities::audit_log::Model>, FlowError> {
    const PAGE: u64 = 500;
    let mut all = Vec::new();
    loop {
        let page = audit::list(db, chain, &query, PAGE).await?;
        let full = page.len() as u64 == PAGE;
        query.before_seq = page.last().map(|e| e.seq);
        all.extend(page);
        if !full || all.len() >= max {
            all.truncate(max);
            return Ok(all);
        }
    }
}
