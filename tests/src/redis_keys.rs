//! A test deployment's keys in a shared Redis: deleted (as a Redis restarted empty would lose
//! them) or captured and put back (as a Redis restored from an older snapshot would). Only the
//! keys under the deployment's prefix are touched: other tests share that Redis.

use redis::aio::MultiplexedConnection;

/// Every key under `prefix`, with its serialised value (`DUMP`) and remaining TTL in ms.
pub struct Snapshot {
    keys: Vec<(String, Vec<u8>, i64)>,
}

impl Snapshot {
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

async fn connect(url: &str) -> anyhow::Result<MultiplexedConnection> {
    Ok(redis::Client::open(url)?
        .get_multiplexed_async_connection()
        .await?)
}

async fn keys_under(conn: &mut MultiplexedConnection, prefix: &str) -> anyhow::Result<Vec<String>> {
    // The prefixes the harness makes hold no glob characters.
    let pattern = format!("{prefix}*");
    let mut cursor = 0_u64;
    let mut keys = Vec::new();
    loop {
        let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(&pattern)
            .arg("COUNT")
            .arg(1000)
            .query_async(conn)
            .await?;
        keys.extend(batch);
        if next == 0 {
            return Ok(keys);
        }
        cursor = next;
    }
}

/// Deletes every key under `prefix`; returns how many there were.
pub async fn delete_all(url: &str, prefix: &str) -> anyhow::Result<usize> {
    let mut conn = connect(url).await?;
    let keys = keys_under(&mut conn, prefix).await?;
    for key in &keys {
        redis::cmd("DEL")
            .arg(key)
            .query_async::<()>(&mut conn)
            .await?;
    }
    Ok(keys.len())
}

/// Captures every key under `prefix`.
pub async fn snapshot(url: &str, prefix: &str) -> anyhow::Result<Snapshot> {
    let mut conn = connect(url).await?;
    let mut keys = Vec::new();
    for key in keys_under(&mut conn, prefix).await? {
        let dump: Option<Vec<u8>> = redis::cmd("DUMP").arg(&key).query_async(&mut conn).await?;
        let pttl: i64 = redis::cmd("PTTL").arg(&key).query_async(&mut conn).await?;
        if let Some(dump) = dump {
            keys.push((key, dump, pttl));
        }
    }
    Ok(Snapshot { keys })
}

/// Replaces everything under `prefix` with `snapshot`, as a restore of the whole dataset would.
pub async fn restore(url: &str, prefix: &str, snapshot: &Snapshot) -> anyhow::Result<()> {
    delete_all(url, prefix).await?;
    let mut conn = connect(url).await?;
    for (key, dump, pttl) in &snapshot.keys {
        // 0: no expiry; a key that had one keeps what remained of it.
        redis::cmd("RESTORE")
            .arg(key)
            .arg((*pttl).max(0))
            .arg(dump.as_slice())
            .arg("REPLACE")
            .query_async::<()>(&mut conn)
            .await?;
    }
    Ok(())
}
