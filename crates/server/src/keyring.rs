//! The signing keys of this node: loaded from the database (decrypted with the master key),
//! generated on first start, rotated by `poort keys rotate`, and reloaded periodically so a
//! rotation on one node reaches the others.

use std::sync::{Arc, RwLock};

use axum::body::Bytes;
use poort_oidc::jose::{KeySet, SigningAlg, SigningKey};
use poort_store::Db;
use poort_store::entities::signing_keys::Model as StoredKey;
use poort_store::signing_keys::{self, NewSigningKey};

use crate::master_key::{MasterKey, MasterKeyError};

pub const ALGS: [SigningAlg; 3] = [SigningAlg::RS256, SigningAlg::ES256, SigningAlg::EdDSA];

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(transparent)]
    MasterKey(#[from] MasterKeyError),
    #[error("signing key {kid}: {message}")]
    Invalid { kid: String, message: String },
    #[error("key generation failed: {0}")]
    Generate(String),
    #[error("database: {0}")]
    Store(#[from] poort_store::StoreError),
}

/// The current key set, swapped whole on reload, with its JWKS document as shareable bytes (the
/// `/jwks` answer is then a reference count, not a copy).
pub struct KeyRing {
    current: RwLock<Current>,
}

#[derive(Clone)]
struct Current {
    keys: Arc<KeySet>,
    jwks: Bytes,
}

impl Current {
    fn of(keys: KeySet) -> Self {
        let jwks = Bytes::copy_from_slice(keys.jwks_json().as_bytes());
        Self {
            keys: Arc::new(keys),
            jwks,
        }
    }
}

impl KeyRing {
    pub fn new(keys: KeySet) -> Self {
        Self {
            current: RwLock::new(Current::of(keys)),
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Current> {
        // Writers only swap a value in, so a poisoned lock still holds a whole key set.
        self.current.read().unwrap_or_else(|p| p.into_inner())
    }

    pub fn current(&self) -> Arc<KeySet> {
        self.read().keys.clone()
    }

    /// `{"keys":[...]}` of the current key set.
    pub fn jwks(&self) -> Bytes {
        self.read().jwks.clone()
    }

    pub fn replace(&self, keys: KeySet) {
        let fresh = Current::of(keys);
        match self.current.write() {
            Ok(mut guard) => *guard = fresh,
            Err(poisoned) => *poisoned.into_inner() = fresh,
        }
    }
}

fn generate(master: &MasterKey, alg: SigningAlg) -> Result<NewSigningKey, KeyError> {
    let (key, der) = SigningKey::generate(alg).map_err(|e| KeyError::Generate(e.to_string()))?;
    let kid = key.kid().to_string();
    let sealed = master.encrypt(&der, kid.as_bytes())?;
    Ok(NewSigningKey {
        kid,
        alg: alg.to_string(),
        private_key: sealed,
    })
}

/// Loads the usable keys; generates the missing active ones first (first start).
/// `keep_retired_secs`: how long a retired key stays published (the longest token lifetime).
pub async fn load(
    db: &Db,
    master: &MasterKey,
    now: i64,
    keep_retired_secs: i64,
) -> Result<KeySet, KeyError> {
    let mut rows = signing_keys::list_all(db).await?;
    let missing: Vec<SigningAlg> = ALGS
        .into_iter()
        .filter(|alg| {
            !rows
                .iter()
                .any(|r| r.retired_at.is_none() && r.alg == alg.to_string())
        })
        .collect();
    if !missing.is_empty() {
        // Another node starting at the same moment may insert first: insert_missing keeps
        // whichever keys got there first, so every node ends up publishing the same set.
        let candidates = missing
            .into_iter()
            .map(|alg| generate(master, alg))
            .collect::<Result<Vec<_>, _>>()?;
        signing_keys::insert_missing(db, candidates, now).await?;
        rows = signing_keys::list_all(db).await?;
    }
    build_set(rows, master, now, keep_retired_secs)
}

fn build_set(
    mut rows: Vec<StoredKey>,
    master: &MasterKey,
    now: i64,
    keep_retired_secs: i64,
) -> Result<KeySet, KeyError> {
    // Newest first, so the newest active key of each alg is the signer.
    rows.sort_by_key(|r| std::cmp::Reverse(r.created_at));
    let mut keys = Vec::new();
    let mut active = Vec::new();
    for row in rows {
        if let Some(retired) = row.retired_at
            && retired + keep_retired_secs < now
        {
            continue;
        }
        let invalid = |message: String| KeyError::Invalid {
            kid: row.kid.clone(),
            message,
        };
        let alg: SigningAlg = row.alg.parse().map_err(|_| invalid("unknown alg".into()))?;
        let der = master.decrypt(&row.private_key, row.kid.as_bytes())?;
        let key = SigningKey::from_pkcs8(alg, &der).map_err(|e| invalid(e.to_string()))?;
        if row.retired_at.is_none() && !active.iter().any(|(a, _)| *a == alg) {
            active.push((alg, key.kid().to_string()));
        }
        keys.push(key);
    }
    let active: Vec<String> = active.into_iter().map(|(_, kid)| kid).collect();
    KeySet::new(keys, &active).map_err(|e| KeyError::Invalid {
        kid: String::new(),
        message: e.to_string(),
    })
}

/// Makes a new active key per algorithm and retires the old ones (they stay published until every
/// token they signed has expired). Returns the new key ids.
pub async fn rotate(
    db: &Db,
    master: &MasterKey,
    now: i64,
    keep_retired_secs: i64,
) -> Result<Vec<String>, KeyError> {
    let mut fresh = Vec::new();
    for alg in ALGS {
        fresh.push(generate(master, alg)?);
    }
    let kids = fresh.iter().map(|k| k.kid.clone()).collect();
    signing_keys::rotate(db, fresh, now).await?;
    signing_keys::delete_retired_before(db, now - keep_retired_secs).await?;
    Ok(kids)
}
