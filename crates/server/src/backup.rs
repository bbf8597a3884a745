//! Backup files for `poort backup` / `poort restore`: a store snapshot as JSON after a one-line
//! header, optionally sealed with the master key (AES-256-GCM). Written to a temporary file
//! (mode 0600: it holds password hashes) and renamed into place, so a crash never leaves a
//! half-written backup under the final name.

use std::io::Write;
use std::path::{Path, PathBuf};

use poort_store::Db;
use poort_store::backup::{self, Snapshot};
use serde::{Deserialize, Serialize};

use crate::master_key::{MasterKey, MasterKeyError};

const PLAIN_HEADER: &[u8] = b"POORT-BACKUP v1 json\n";
const SEALED_HEADER: &[u8] = b"POORT-BACKUP v1 aes-256-gcm\n";
/// Bound as associated data: a sealed backup cannot pass for another sealed secret.
const SEALED_CONTEXT: &[u8] = b"poort-backup-v1";

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("not a Poort backup file (or a damaged one)")]
    Format,
    #[error("the backup is encrypted with another master key, or damaged")]
    WrongKey,
    #[error(transparent)]
    MasterKey(#[from] MasterKeyError),
    #[error(transparent)]
    Store(#[from] poort_store::StoreError),
}

#[derive(Serialize, Deserialize)]
struct Contents {
    /// Unix seconds when the snapshot was taken.
    created_at: i64,
    snapshot: Snapshot,
}

/// What a backup or restore did, for the command's output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub rows: usize,
    pub encrypted: bool,
    pub created_at: i64,
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.display().to_string(),
        source,
    }
}

pub fn encode(
    snapshot: Snapshot,
    created_at: i64,
    seal_with: Option<&MasterKey>,
) -> Result<Vec<u8>, BackupError> {
    let json = serde_json::to_vec(&Contents {
        created_at,
        snapshot,
    })
    .map_err(|_| BackupError::Format)?;
    Ok(match seal_with {
        Some(key) => [SEALED_HEADER, &key.encrypt(&json, SEALED_CONTEXT)?].concat(),
        None => [PLAIN_HEADER, &json].concat(),
    })
}

/// Parses a backup; `key` opens a sealed one (a plain one needs none).
pub fn decode(bytes: &[u8], key: &MasterKey) -> Result<(Snapshot, Summary), BackupError> {
    let (json, encrypted) = if let Some(sealed) = bytes.strip_prefix(SEALED_HEADER) {
        let json = key
            .decrypt(sealed, SEALED_CONTEXT)
            .map_err(|_| BackupError::WrongKey)?;
        (json, true)
    } else if let Some(json) = bytes.strip_prefix(PLAIN_HEADER) {
        (json.to_vec(), false)
    } else {
        return Err(BackupError::Format);
    };
    let contents: Contents = serde_json::from_slice(&json).map_err(|_| BackupError::Format)?;
    let summary = Summary {
        rows: contents.snapshot.row_count(),
        encrypted,
        created_at: contents.created_at,
    };
    Ok((contents.snapshot, summary))
}

/// Takes a consistent snapshot of `db` (while it serves) and writes it to `path`.
pub async fn backup(
    db: &Db,
    path: &Path,
    seal_with: Option<&MasterKey>,
    now: i64,
) -> Result<Summary, BackupError> {
    let snapshot = backup::export(db).await?;
    let summary = Summary {
        rows: snapshot.row_count(),
        encrypted: seal_with.is_some(),
        created_at: now,
    };
    let bytes = encode(snapshot, now, seal_with)?;
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || write_private(&path, &bytes))
        .await
        .map_err(|_| BackupError::Format)??;
    Ok(summary)
}

/// Restores the backup at `path` into `db`, which must be empty.
pub async fn restore(db: &Db, path: &Path, key: &MasterKey) -> Result<Summary, BackupError> {
    let bytes = tokio::fs::read(path).await.map_err(io_error(path))?;
    let (snapshot, summary) = decode(&bytes, key)?;
    backup::import(db, snapshot).await?;
    Ok(summary)
}

/// Writes `bytes` to a new 0600 file beside `path`, syncs it, then renames it over `path`.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), BackupError> {
    let mut temp = PathBuf::from(path);
    temp.set_file_name(format!(
        ".{}.{}.tmp",
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        uuid::Uuid::new_v4().simple()
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let result = (|| {
        let mut file = options.open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result.map_err(io_error(path))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn snapshot() -> Snapshot {
        Snapshot {
            schema: vec!["m1".into()],
            ..Snapshot::default()
        }
    }

    #[test]
    fn plain_and_sealed_round_trip() {
        let key = MasterKey::parse(&"11".repeat(32)).unwrap();
        for seal in [None, Some(&key)] {
            let bytes = encode(snapshot(), 42, seal).unwrap();
            let (back, summary) = decode(&bytes, &key).unwrap();
            assert_eq!(back, snapshot());
            assert_eq!(summary.encrypted, seal.is_some());
            assert_eq!(summary.created_at, 42);
        }
    }

    #[test]
    fn sealed_needs_the_right_key_and_hides_the_content() {
        let key = MasterKey::parse(&"11".repeat(32)).unwrap();
        let other = MasterKey::parse(&"22".repeat(32)).unwrap();
        let bytes = encode(snapshot(), 42, Some(&key)).unwrap();
        assert!(!bytes.windows(6).any(|w| w == b"schema"));
        assert!(matches!(decode(&bytes, &other), Err(BackupError::WrongKey)));
    }

    #[test]
    fn other_files_are_refused() {
        let key = MasterKey::parse(&"11".repeat(32)).unwrap();
        for bytes in [
            &b""[..],
            b"{}",
            b"POORT-BACKUP v1 json\n{not json",
            b"POORT-BACKUP v9 json\n{}",
        ] {
            assert!(matches!(decode(bytes, &key), Err(BackupError::Format)));
        }
    }

    #[test]
    fn files_are_private_and_replaced_whole() {
        let dir = std::env::temp_dir().join(format!("poort-bk-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("poort.backup");
        write_private(&path, b"first").unwrap();
        write_private(&path, b"second").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // No temporary file is left beside it.
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
