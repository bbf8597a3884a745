//! Redis implementation of the ephemeral store, shared by every node of a deployment.
//!
//! Each operation is one atomic Redis command (`SET PX`, `SET NX PX`, `GET`, `GETDEL`, `DEL`,
//! `MGET`), one transaction (`put_many`: `SET PX`s in `MULTI`/`EXEC`) or one Lua script
//! (`incr`: `INCR` and, for a new counter, `PEXPIRE`; `raise`: compare and `SET KEEPTTL`), so
//! two nodes can never both consume one value or lose an increment. All keys carry the deployment's prefix.
//!
//! The connection is a `ConnectionManager` created lazily: a node starts while Redis is down,
//! failed calls return [`EphemeralError::Unavailable`] quickly (bounded connect and response
//! timeouts), and the manager reconnects by itself when Redis is back.

use std::fmt;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, Cmd, FromRedisValue, RedisError, Script};

use super::{Ephemeral, EphemeralError, effective_ttl};

/// A connection attempt to an unreachable Redis gives up after this long.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// A command without an answer after this long fails (a hung Redis must not hang requests).
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(2);
/// Reconnection attempts per failure before the call gives up (the next call tries again).
const RECONNECT_RETRIES: usize = 2;
const RECONNECT_MAX_DELAY: Duration = Duration::from_millis(500);

/// `INCR`, and a TTL for a counter that has none (just created): a fixed window, atomically.
const INCR_SCRIPT: &str = r"
local count = redis.call('INCR', KEYS[1])
if redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return count
";

/// `SET … KEEPTTL` to `ARGV[2]` if the key holds at least `ARGV[1]` and less than `ARGV[2]`;
/// returns the value held afterwards, nil when the key is absent.
const RAISE_SCRIPT: &str = r"
local current = redis.call('GET', KEYS[1])
if not current then
  return false
end
local held = tonumber(current)
if not held then
  return redis.error_reply('ERR value is not an integer')
end
local from, to = tonumber(ARGV[1]), tonumber(ARGV[2])
if held >= from and held < to then
  redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
  return to
end
return held
";

pub struct RedisStore {
    conn: ConnectionManager,
    prefix: String,
    incr: Script,
    raise: Script,
}

impl fmt::Debug for RedisStore {
    // The URL may hold a password: only the prefix is shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// A store on the Redis at `url` (`redis://[:password@]host[:port][/db]`), every key
    /// prefixed with `prefix`. Does not connect yet; must be called inside a tokio runtime.
    pub fn new(url: &str, prefix: &str) -> Result<Self, EphemeralError> {
        // The parser's message may quote the URL (and so its password): say only what failed.
        let client = Client::open(url).map_err(|_| {
            EphemeralError::Unavailable("REDIS_URL is not a valid Redis URL".into())
        })?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_number_of_retries(RECONNECT_RETRIES)
            .set_max_delay(RECONNECT_MAX_DELAY);
        let conn = ConnectionManager::new_lazy_with_config(client, config).map_err(unavailable)?;
        Ok(Self {
            conn,
            prefix: prefix.to_owned(),
            incr: Script::new(INCR_SCRIPT),
            raise: Script::new(RAISE_SCRIPT),
        })
    }

    fn key(&self, key: &str) -> String {
        let mut full = String::with_capacity(self.prefix.len() + key.len());
        full.push_str(&self.prefix);
        full.push_str(key);
        full
    }

    async fn query<T: FromRedisValue>(&self, cmd: &Cmd) -> Result<T, EphemeralError> {
        // The manager is a cheap handle onto one multiplexed connection.
        let mut conn = self.conn.clone();
        cmd.query_async(&mut conn).await.map_err(unavailable)
    }
}

fn ttl_millis(ttl: Duration) -> Result<u64, EphemeralError> {
    // effective_ttl caps at MAX_TTL (one year), far below u64::MAX milliseconds.
    Ok(u64::try_from(effective_ttl(ttl)?.as_millis()).unwrap_or(u64::MAX))
}

fn unavailable(err: RedisError) -> EphemeralError {
    EphemeralError::Unavailable(err.to_string())
}

#[async_trait::async_trait]
impl Ephemeral for RedisStore {
    async fn put(&self, key: &str, value: Vec<u8>, ttl: Duration) -> Result<(), EphemeralError> {
        let ms = ttl_millis(ttl)?;
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.key(key)).arg(value).arg("PX").arg(ms);
        self.query::<()>(&cmd).await
    }

    async fn put_if_absent(
        &self,
        key: &str,
        value: Vec<u8>,
        ttl: Duration,
    ) -> Result<bool, EphemeralError> {
        let ms = ttl_millis(ttl)?;
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.key(key))
            .arg(value)
            .arg("NX")
            .arg("PX")
            .arg(ms);
        // "OK" when stored, nil when the key was already there.
        Ok(self.query::<Option<String>>(&cmd).await?.is_some())
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, EphemeralError> {
        let mut cmd = redis::cmd("GET");
        cmd.arg(self.key(key));
        self.query(&cmd).await
    }

    async fn take(&self, key: &str) -> Result<Option<Vec<u8>>, EphemeralError> {
        // GETDEL (Redis 6.2+) is one command: of two nodes racing, one gets the value.
        let mut cmd = redis::cmd("GETDEL");
        cmd.arg(self.key(key));
        self.query(&cmd).await
    }

    async fn delete(&self, key: &str) -> Result<(), EphemeralError> {
        let mut cmd = redis::cmd("DEL");
        cmd.arg(self.key(key));
        self.query::<()>(&cmd).await
    }

    async fn incr(&self, key: &str, ttl: Duration) -> Result<u64, EphemeralError> {
        let ms = ttl_millis(ttl)?;
        let mut conn = self.conn.clone();
        let count: i64 = self
            .incr
            .key(self.key(key))
            .arg(ms)
            .invoke_async(&mut conn)
            .await
            .map_err(|err| {
                // INCR's own refusal of a non-integer value, raised inside the script.
                if err.to_string().contains("not an integer") {
                    EphemeralError::NotACounter
                } else {
                    unavailable(err)
                }
            })?;
        u64::try_from(count).map_err(|_| EphemeralError::NotACounter)
    }

    async fn get_many(&self, keys: &[&str]) -> Result<Vec<Option<Vec<u8>>>, EphemeralError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut cmd = redis::cmd("MGET");
        for key in keys {
            cmd.arg(self.key(key));
        }
        self.query(&cmd).await
    }

    async fn put_many(
        &self,
        entries: Vec<(String, Vec<u8>, Duration)>,
    ) -> Result<(), EphemeralError> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut pipe = redis::pipe();
        pipe.atomic();
        for (key, value, ttl) in entries {
            let ms = ttl_millis(ttl)?;
            pipe.cmd("SET")
                .arg(self.key(&key))
                .arg(value)
                .arg("PX")
                .arg(ms)
                .ignore();
        }
        let mut conn = self.conn.clone();
        pipe.query_async::<()>(&mut conn).await.map_err(unavailable)
    }

    async fn raise(&self, key: &str, from: u64, to: u64) -> Result<Option<u64>, EphemeralError> {
        let mut conn = self.conn.clone();
        let held: Option<i64> = self
            .raise
            .key(self.key(key))
            .arg(from)
            .arg(to)
            .invoke_async(&mut conn)
            .await
            .map_err(|err| {
                if err.to_string().contains("not an integer") {
                    EphemeralError::NotACounter
                } else {
                    unavailable(err)
                }
            })?;
        held.map(|n| u64::try_from(n).map_err(|_| EphemeralError::NotACounter))
            .transpose()
    }

    async fn ping(&self) -> Result<(), EphemeralError> {
        self.query::<()>(&redis::cmd("PING")).await
    }
}

#[cfg(test)]
#[path = "redis_tests.rs"]
mod tests;
