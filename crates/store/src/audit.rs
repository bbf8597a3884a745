//! Repository for `audit_log`: appending hash-chained entries and verifying the chains.
//!
//! Each organisation has its own chain (`chain` = organisation id); entries about no
//! organisation form the platform chain. An entry stores its position (`seq`), the hash of
//! the entry before it and its own SHA-256 over a canonical encoding of its fields, so editing,
//! reordering or removing an entry inside a chain is detected by [`verify_chain`]. Appends are
//! serialised per chain (SQLite: the write transaction is `BEGIN IMMEDIATE`; PostgreSQL: a
//! transaction-scoped advisory lock keyed by the chain), and `(chain, seq)` is unique as a
//! backstop, so two nodes never fork a chain.

use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect, Statement,
};
use sha2::{Digest, Sha256};

use crate::db::{Backend, Db};
use crate::entities::audit_log::{self, Column, Entity};
use crate::error::StoreError;
use crate::id::new_id;
use crate::tx::begin_write;

/// The chain of entries that concern no organisation.
pub const PLATFORM_CHAIN: &str = "platform";
/// `prev_hash` of the first entry of a chain.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// Versions the canonical encoding, so a later format can coexist with this one.
const ENCODING: &str = "poort-audit-v1";
/// Entries read per query while verifying.
const VERIFY_PAGE: u64 = 500;

/// An entry to append; `details` is a JSON object.
#[derive(Clone, Debug, PartialEq)]
pub struct NewAuditEntry {
    pub at: i64,
    pub org_id: Option<String>,
    pub actor: Option<String>,
    pub staff: Option<String>,
    pub subject: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub details: serde_json::Value,
}

impl NewAuditEntry {
    /// An entry with only its time and action set (platform chain, no actor).
    pub fn new(at: i64, action: &str) -> Self {
        Self {
            at,
            org_id: None,
            actor: None,
            staff: None,
            subject: None,
            action: action.to_owned(),
            target: None,
            ip: None,
            user_agent: None,
            details: serde_json::json!({}),
        }
    }
}

/// The chain an entry about `org_id` belongs to.
pub fn chain_of(org_id: Option<&str>) -> &str {
    org_id.unwrap_or(PLATFORM_CHAIN)
}

/// Appends one entry to its chain in its own transaction.
pub async fn append(db: &Db, entry: NewAuditEntry) -> Result<audit_log::Model, StoreError> {
    let txn = begin_write(db).await?;
    let row = append_in(&txn, db.backend(), entry).await?;
    txn.commit().await?;
    Ok(row)
}

/// Appends a change's audit entries inside its write transaction, then commits: a change is
/// never stored without its record, nor the record without the change.
pub(crate) async fn commit_with(
    txn: DatabaseTransaction,
    backend: Backend,
    audit: Vec<NewAuditEntry>,
) -> Result<(), StoreError> {
    for entry in audit {
        append_in(&txn, backend, entry).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Appends inside a caller's write transaction, so a change and its entry commit together.
pub(crate) async fn append_in(
    txn: &DatabaseTransaction,
    backend: Backend,
    entry: NewAuditEntry,
) -> Result<audit_log::Model, StoreError> {
    let chain = chain_of(entry.org_id.as_deref()).to_owned();
    if backend == Backend::Postgres {
        // Held until the transaction ends; other appenders to this chain wait here.
        let lock = Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [chain_lock_key(&chain).into()],
        );
        txn.execute_raw(lock).await?;
    }
    let last = Entity::find()
        .filter(Column::Chain.eq(chain.as_str()))
        .order_by_desc(Column::Seq)
        .one(txn)
        .await?;
    let (seq, prev_hash) = match last {
        Some(last) => (last.seq + 1, last.hash),
        None => (1, GENESIS_HASH.to_owned()),
    };
    let mut row = audit_log::Model {
        id: new_id(),
        chain,
        seq,
        at: entry.at,
        org_id: entry.org_id,
        actor: entry.actor,
        staff: entry.staff,
        subject: entry.subject,
        action: entry.action,
        target: entry.target,
        ip: entry.ip,
        user_agent: entry.user_agent,
        details: entry.details.to_string(),
        prev_hash,
        hash: String::new(),
    };
    row.hash = entry_hash(&row);
    Entity::insert(row.clone().into_active_model())
        .exec_without_returning(txn)
        .await?;
    Ok(row)
}

/// The advisory-lock key of a chain: the first 8 bytes of a SHA-256 of its name.
fn chain_lock_key(chain: &str) -> i64 {
    let digest = Sha256::digest(format!("poort-audit-chain:{chain}").as_bytes());
    let mut bytes = [0_u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes)
}

/// Hex SHA-256 over the canonical encoding of every field except `id` and `hash`: a JSON
/// array in a fixed order (JSON escaping makes the fields unambiguous).
pub fn entry_hash(row: &audit_log::Model) -> String {
    let canonical = serde_json::json!([
        ENCODING,
        row.chain,
        row.seq,
        row.at,
        row.org_id,
        row.actor,
        row.staff,
        row.subject,
        row.action,
        row.target,
        row.ip,
        row.user_agent,
        row.details,
        row.prev_hash,
    ]);
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

/// Why an entry breaks its chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BreakReason {
    /// The entry's content does not match its hash: it was edited.
    HashMismatch,
    /// It does not point at the entry before it: an entry was removed, inserted or reordered.
    PrevHashMismatch,
    /// Its position is not the next one.
    SeqGap { expected: i64 },
}

impl std::fmt::Display for BreakReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::HashMismatch => f.write_str("its content does not match its hash (edited)"),
            Self::PrevHashMismatch => f.write_str(
                "it does not follow the previous entry (an entry was removed, inserted or reordered)",
            ),
            Self::SeqGap { expected } => write!(f, "expected entry number {expected}"),
        }
    }
}

/// The first entry that breaks a chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrokenEntry {
    pub id: String,
    pub seq: i64,
    pub reason: BreakReason,
}

/// The result of checking one chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainReport {
    pub chain: String,
    /// Entries checked (up to and including the broken one).
    pub entries: u64,
    pub broken: Option<BrokenEntry>,
}

/// Recomputes `chain` from its first entry and stops at the first broken one.
pub async fn verify_chain(db: &Db, chain: &str) -> Result<ChainReport, StoreError> {
    let mut expected_prev = GENESIS_HASH.to_owned();
    let mut expected_seq = 1_i64;
    let mut entries = 0_u64;
    loop {
        let page = Entity::find()
            .filter(Column::Chain.eq(chain))
            .filter(Column::Seq.gte(expected_seq))
            .order_by_asc(Column::Seq)
            .limit(VERIFY_PAGE)
            .all(db.conn())
            .await?;
        let done = (page.len() as u64) < VERIFY_PAGE;
        for row in page {
            entries += 1;
            let reason = if row.seq != expected_seq {
                Some(BreakReason::SeqGap {
                    expected: expected_seq,
                })
            } else if row.prev_hash != expected_prev {
                Some(BreakReason::PrevHashMismatch)
            } else if entry_hash(&row) != row.hash {
                Some(BreakReason::HashMismatch)
            } else {
                None
            };
            if let Some(reason) = reason {
                let broken = BrokenEntry {
                    id: row.id,
                    seq: row.seq,
                    reason,
                };
                return Ok(ChainReport {
                    chain: chain.to_owned(),
                    entries,
                    broken: Some(broken),
                });
            }
            expected_prev = row.hash;
            expected_seq += 1;
        }
        if done {
            return Ok(ChainReport {
                chain: chain.to_owned(),
                entries,
                broken: None,
            });
        }
    }
}

/// Every chain that has entries, sorted.
pub async fn chains(db: &Db) -> Result<Vec<String>, StoreError> {
    let mut chains: Vec<String> = Entity::find()
        .select_only()
        .column(Column::Chain)
        .distinct()
        .into_tuple()
        .all(db.conn())
        .await?;
    chains.sort();
    Ok(chains)
}

/// Filters for browsing one chain, newest first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditQuery {
    pub actor: Option<String>,
    pub action: Option<String>,
    /// Inclusive bounds on `at` (unix seconds).
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// Only entries older than this position (the cursor of the next page).
    pub before_seq: Option<i64>,
}

/// Up to `limit` entries of `chain` matching `query`, newest first.
pub async fn list(
    db: &Db,
    chain: &str,
    query: &AuditQuery,
    limit: u64,
) -> Result<Vec<audit_log::Model>, StoreError> {
    let mut select = Entity::find().filter(Column::Chain.eq(chain));
    if let Some(actor) = &query.actor {
        select = select.filter(Column::Actor.eq(actor.as_str()));
    }
    if let Some(action) = &query.action {
        select = select.filter(Column::Action.eq(action.as_str()));
    }
    if let Some(from) = query.from {
        select = select.filter(Column::At.gte(from));
    }
    if let Some(to) = query.to {
        select = select.filter(Column::At.lte(to));
    }
    if let Some(before) = query.before_seq {
        select = select.filter(Column::Seq.lt(before));
    }
    Ok(select
        .order_by_desc(Column::Seq)
        .limit(limit)
        .all(db.conn())
        .await?)
}

#[cfg(test)]
#[path = "audit_tests.rs"]
mod tests;
