//! Configuration: defaults, then `poort.toml` (or the file given with `--config`), then `POORT_*`
//! environment variables (plus the conventional `DATABASE_URL` and `REDIS_URL`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Load(#[from] Box<figment::Error>),
    #[error("configuration: {0}")]
    Invalid(String),
}

/// Every field has a safe default; the README's table documents each one.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The issuer URL; endpoints hang below it. https in production.
    pub issuer: String,
    /// Address the HTTP server listens on.
    pub bind: SocketAddr,
    /// Where the SQLite database and the master key file live.
    pub data_dir: PathBuf,
    /// `postgres://…` or `sqlite://…`; default: SQLite at `<data_dir>/poort.db`.
    pub database_url: Option<String>,
    /// Redis for the ephemeral store (sessions, codes, counters) when running several nodes.
    pub redis_url: Option<String>,
    /// 32 bytes, hex or base64. Default: `<data_dir>/master.key`, created on first start.
    pub master_key: Option<String>,
    /// Algorithm of access tokens: RS256, ES256 or EdDSA.
    pub access_token_alg: String,
    pub access_token_ttl_secs: i64,
    pub id_token_ttl_secs: i64,
    pub refresh_token_ttl_secs: i64,
    pub auth_code_ttl_secs: i64,
    pub session_ttl_secs: i64,
    /// Seconds during which an already rotated refresh token may be presented again (concurrent
    /// refreshes from several tabs). 0 = off: any reuse revokes the token family.
    pub refresh_grace_secs: i64,
    /// How often a node reloads signing keys from the database (picks up rotations by other nodes).
    pub key_reload_secs: u64,
    /// Password hashes computed at once (default: number of cores).
    pub hashing_concurrency: usize,
    /// Hash requests allowed to wait for a slot; beyond it logins get 503 + Retry-After.
    pub hashing_queue: usize,
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    pub argon2_parallelism: u32,
    /// `text` or `json`.
    pub log_format: String,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Seconds client registrations and user profiles stay cached in memory (0 = off).
    pub cache_ttl_secs: i64,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("issuer", &self.issuer)
            .field("bind", &self.bind)
            .field("data_dir", &self.data_dir)
            .field("database", &self.database_url.as_ref().map(|_| "<set>"))
            .field("redis", &self.redis_url.as_ref().map(|_| "<set>"))
            .field(
                "master_key",
                &self.master_key.as_ref().map(|_| "<redacted>"),
            )
            .finish_non_exhaustive()
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            issuer: "http://127.0.0.1:8080".into(),
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            redis_url: None,
            master_key: None,
            access_token_alg: "ES256".into(),
            access_token_ttl_secs: 600,
            id_token_ttl_secs: 600,
            refresh_token_ttl_secs: 30 * 24 * 3600,
            auth_code_ttl_secs: 60,
            session_ttl_secs: 12 * 3600,
            refresh_grace_secs: 0,
            key_reload_secs: 60,
            hashing_concurrency: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
            hashing_queue: 64,
            argon2_memory_kib: 19 * 1024,
            argon2_iterations: 2,
            argon2_parallelism: 1,
            log_format: "text".into(),
            max_body_bytes: 64 * 1024,
            cache_ttl_secs: 5,
        }
    }
}

impl Config {
    /// Loads defaults ← file (if present) ← environment.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let file = file
            .map(Path::to_path_buf)
            .unwrap_or_else(|| "poort.toml".into());
        let config: Config = Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::file(file))
            // POORT_LOG is the log filter (logging.rs), not a setting: without the ignore,
            // `deny_unknown_fields` refuses to start when it is set.
            .merge(Env::prefixed("POORT_").ignore(&["LOG"]))
            .merge(Env::raw().only(&["DATABASE_URL", "REDIS_URL"]))
            .extract()
            .map_err(Box::new)?;
        config.validate()?;
        Ok(config)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        let issuer = url::Url::parse(&self.issuer)
            .map_err(|e| ConfigError::Invalid(format!("issuer `{}`: {e}", self.issuer)))?;
        if !matches!(issuer.scheme(), "http" | "https")
            || issuer.query().is_some()
            || issuer.fragment().is_some()
        {
            return Err(ConfigError::Invalid(
                "issuer must be an http(s) URL without query or fragment".into(),
            ));
        }
        for (name, value) in [
            ("access_token_ttl_secs", self.access_token_ttl_secs),
            ("id_token_ttl_secs", self.id_token_ttl_secs),
            ("refresh_token_ttl_secs", self.refresh_token_ttl_secs),
            ("auth_code_ttl_secs", self.auth_code_ttl_secs),
            ("session_ttl_secs", self.session_ttl_secs),
        ] {
            if value <= 0 {
                return Err(ConfigError::Invalid(format!("{name} must be positive")));
            }
        }
        if self.cache_ttl_secs < 0 {
            return Err(ConfigError::Invalid("cache_ttl_secs must be ≥ 0".into()));
        }
        if self.refresh_grace_secs < 0 || self.hashing_concurrency == 0 {
            return Err(ConfigError::Invalid(
                "refresh_grace_secs must be ≥ 0 and hashing_concurrency ≥ 1".into(),
            ));
        }
        if !matches!(self.log_format.as_str(), "text" | "json") {
            return Err(ConfigError::Invalid(
                "log_format is `text` or `json`".into(),
            ));
        }
        Ok(())
    }

    /// The issuer without a trailing slash, as it appears in `iss`.
    pub fn issuer(&self) -> &str {
        self.issuer.trim_end_matches('/')
    }

    /// Cookies get `Secure` when the issuer is https.
    pub fn secure_cookies(&self) -> bool {
        self.issuer.starts_with("https://")
    }

    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("poort.db").display()
            ),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        Config::default().validate().unwrap();
        assert_eq!(Config::default().issuer(), "http://127.0.0.1:8080");
    }

    #[test]
    fn bad_issuer_is_refused() {
        let config = Config {
            issuer: "ftp://x".into(),
            ..Config::default()
        };
        assert!(config.validate().is_err());
    }

    #[test]
    fn debug_hides_secrets() {
        let config = Config {
            master_key: Some("00".repeat(32)),
            database_url: Some("postgres://user:pw@host/db".into()),
            ..Config::default()
        };
        let shown = format!("{config:?}");
        assert!(!shown.contains("pw@host") && !shown.contains("0000"));
    }
}
