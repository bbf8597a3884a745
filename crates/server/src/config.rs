//! Configuration: defaults, then `poort.toml` (or the file given with `--config`), then `POORT_*`
//! environment variables (plus the conventional `DATABASE_URL` and `REDIS_URL`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use poort_allowlist::{IpAllowlist, TrustedProxies};
use poort_policy::LockoutPolicy;
use serde::{Deserialize, Serialize};

use crate::password_settings::{PepperSetting, PolicySetting};

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
    /// Prepended to every Redis key, so deployments (or tests) can share one Redis.
    pub redis_key_prefix: String,
    /// 32 bytes, hex or base64. Default: `<data_dir>/master.key`, created on first start.
    pub master_key: Option<String>,
    /// Algorithm of access tokens: RS256, ES256 or EdDSA.
    pub access_token_alg: String,
    pub access_token_ttl_secs: i64,
    pub id_token_ttl_secs: i64,
    pub refresh_token_ttl_secs: i64,
    pub auth_code_ttl_secs: i64,
    pub session_ttl_secs: i64,
    /// Seconds after a rotation during which the same client may present the rotated refresh
    /// token again (its answer was lost, or several tabs refreshed at once): it gets a working
    /// successor in place of the undelivered one. 0 = off: any reuse revokes the token family.
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
    /// Algorithm of new password hashes: `argon2id` or `pbkdf2-sha512`.
    pub password_hash_algorithm: String,
    /// PBKDF2-HMAC-SHA512 iterations, when that is the algorithm.
    pub pbkdf2_iterations: u32,
    /// Server-side secrets mixed into password hashes; the first is used for new hashes, the
    /// others still verify older ones (rotation).
    pub peppers: Vec<PepperSetting>,
    /// A preset name or rules on top of one (see `password_settings`).
    pub password_policy: PolicySetting,
    /// The operator's own common-password list (one per line), added to the shipped one.
    pub common_passwords_file: Option<PathBuf>,
    /// Failed-login lockout per account and throttling per IP address.
    pub lockout: LockoutPolicy,
    /// Reverse proxies whose forwarding header gives the client address (default: none, the
    /// peer address is the client's). Behind a proxy, set it, or every user shares one IP.
    pub trusted_proxies: TrustedProxies,
    /// `text` or `json`.
    pub log_format: String,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Peer addresses (CIDR ranges) allowed to read `/metrics`; an empty list allows nobody.
    pub metrics_allow: IpAllowlist,
    /// Every user needs a second factor: users without one are sent to enrollment at login and
    /// get no authorization code until enrolled. (Per organisation once organisations exist.)
    pub require_2fa: bool,
    /// Days, from when a user is first asked, during which enrollment may be postponed (0 = none).
    pub require_2fa_grace_days: u32,
    /// How many times a user may postpone enrollment within the grace period.
    pub require_2fa_max_postponements: u32,
    /// The name authenticator apps and passkey dialogs show for this service.
    pub service_name: String,
    /// WebAuthn (security keys, passkeys): `auto` (on when the issuer allows it), `on`, `off`.
    pub webauthn: String,
    /// WebAuthn relying-party id; default: the issuer's host. May be a parent domain of it.
    pub webauthn_rp_id: Option<String>,
    /// Seconds client registrations and user profiles stay cached in memory (0 = off).
    pub cache_ttl_secs: i64,
    /// Days a deleted account stays restorable before it is purged (0 = at the next purge).
    pub deleted_account_retention_days: u32,
    /// Outgoing mail (SMTP or outbox), password reset, sign-up (`crate::mail::config`).
    #[serde(default)]
    pub mail: crate::mail::MailConfig,
    /// Personal API tokens (`[api_tokens]`).
    #[serde(default)]
    pub api_tokens: crate::api_tokens_config::ApiTokensConfig,
    /// TLS served by Poort itself (`[tls]`, `crate::tls`); off without `cert` and `key`.
    #[serde(default)]
    pub tls: crate::tls::TlsConfig,
    /// Delivery of back-channel logout tokens (`[backchannel_logout]`, `crate::backchannel`).
    #[serde(default)]
    pub backchannel_logout: crate::backchannel::BackchannelLogoutConfig,
    /// Requests Poort makes to other servers (`[outbound]`, `crate::outbound`).
    #[serde(default)]
    pub outbound: crate::outbound::OutboundConfig,
    /// Dynamic client registration (`[registration]`, off by default).
    #[serde(default)]
    pub registration: crate::registration_config::RegistrationConfig,
    /// The Device Authorization Grant (`[device]`, `crate::device_config`).
    #[serde(default)]
    pub device: crate::device_config::DeviceConfig,
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
            redis_key_prefix: "poort:".into(),
            master_key: None,
            access_token_alg: "ES256".into(),
            access_token_ttl_secs: 600,
            id_token_ttl_secs: 600,
            refresh_token_ttl_secs: 30 * 24 * 3600,
            auth_code_ttl_secs: 60,
            session_ttl_secs: 12 * 3600,
            refresh_grace_secs: 5,
            key_reload_secs: 60,
            hashing_concurrency: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
            hashing_queue: 64,
            argon2_memory_kib: 19 * 1024,
            argon2_iterations: 2,
            argon2_parallelism: 1,
            password_hash_algorithm: "argon2id".into(),
            pbkdf2_iterations: 210_000,
            peppers: Vec::new(),
            password_policy: PolicySetting::default(),
            common_passwords_file: None,
            lockout: LockoutPolicy::default(),
            trusted_proxies: TrustedProxies::none(),
            log_format: "text".into(),
            max_body_bytes: 64 * 1024,
            // Loopback only: the parse of these constants cannot fail, and if it did the
            // empty list would allow nobody.
            metrics_allow: IpAllowlist::parse(["127.0.0.0/8", "::1"]).unwrap_or_default(),
            require_2fa: false,
            require_2fa_grace_days: 0,
            require_2fa_max_postponements: 3,
            service_name: "Poort".into(),
            webauthn: "auto".into(),
            webauthn_rp_id: None,
            deleted_account_retention_days: 30,
            cache_ttl_secs: 5,
            mail: crate::mail::MailConfig::default(),
            api_tokens: Default::default(),
            tls: Default::default(),
            backchannel_logout: Default::default(),
            outbound: Default::default(),
            registration: Default::default(),
            device: Default::default(),
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
        self.tls.files().map_err(ConfigError::Invalid)?;
        if self.cache_ttl_secs < 0 {
            return Err(ConfigError::Invalid("cache_ttl_secs must be ≥ 0".into()));
        }
        if self.refresh_grace_secs < 0 || self.hashing_concurrency == 0 {
            return Err(ConfigError::Invalid(
                "refresh_grace_secs must be ≥ 0 and hashing_concurrency ≥ 1".into(),
            ));
        }
        crate::password_settings::validate(self)?;
        self.mail.validate()?;
        self.outbound.validate()?;
        self.api_tokens.validate()?;
        self.backchannel_logout.validate()?;
        self.registration.validate()?;
        self.device.validate()?;
        if !matches!(self.webauthn.as_str(), "auto" | "on" | "off") {
            return Err(ConfigError::Invalid(
                "webauthn is `auto`, `on` or `off`".into(),
            ));
        }
        if self.service_name.trim().is_empty() || self.service_name.contains(':') {
            return Err(ConfigError::Invalid(
                "service_name must be non-empty and contain no `:` (TOTP labels use it as separator)".into(),
            ));
        }
        if self.require_2fa_max_postponements > 1000 || self.require_2fa_grace_days > 3650 {
            return Err(ConfigError::Invalid(
                "require_2fa_max_postponements is at most 1000 and require_2fa_grace_days at most 3650"
                    .into(),
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
// figment's Jail closures must return figment's own (large) error type.
#[allow(clippy::unwrap_used, clippy::result_large_err)]
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
    fn password_settings_load_from_the_file() {
        // In a Jail like the tests that set POORT_* variables: Jail serialises them, so none
        // of their variables leaks into this load.
        figment::Jail::expect_with(|_| {
            load_from_a_file_and_refuse_a_bad_policy();
            Ok(())
        });
    }

    fn load_from_a_file_and_refuse_a_bad_policy() {
        let file = std::env::temp_dir().join(format!("poort-{}.toml", uuid::Uuid::new_v4()));
        let toml = r#"
            password_hash_algorithm = "pbkdf2-sha512"
            pbkdf2_iterations = 300000
            peppers = [{ id = "2026-11", secret = "a secret of at least sixteen bytes" }]
            password_policy = { preset = "strict", max_age_days = 90 }
            trusted_proxies = { proxies = ["10.0.0.0/8"], header = "x-forwarded-for" }
            [lockout]
            max_failures = 3
        "#;
        std::fs::write(&file, toml).unwrap();
        let loaded = Config::load(Some(&file));
        let bad_policy = "password_policy = \"lax\"";
        std::fs::write(&file, bad_policy).unwrap();
        let refused = Config::load(Some(&file));
        std::fs::remove_file(&file).unwrap();
        let config = loaded.unwrap();
        assert_eq!(config.pbkdf2_iterations, 300_000);
        assert_eq!(config.peppers[0].id, "2026-11");
        let policy = config.password_policy.resolve().unwrap();
        assert_eq!(policy.max_age_days, Some(90));
        assert_eq!(policy.min_length, 10);
        assert_eq!(config.lockout.max_failures, 3);
        assert_eq!(config.lockout.window_secs, 15 * 60);
        assert!(
            config
                .trusted_proxies
                .is_trusted("10.1.2.3".parse().unwrap())
        );
        assert!(refused.is_err());
    }

    #[test]
    fn proxies_and_metrics_allowlist_load_from_the_environment() {
        figment::Jail::expect_with(|jail| {
            jail.set_env(
                "POORT_TRUSTED_PROXIES",
                r#"{proxies=["172.28.0.10"],header="x-forwarded-for"}"#,
            );
            jail.set_env("POORT_METRICS_ALLOW", r#"["172.28.0.0/16"]"#);
            let config = Config::load(None).map_err(|e| e.to_string())?;
            let proxy: std::net::IpAddr = "172.28.0.10".parse().map_err(|_| "ip")?;
            assert!(config.trusted_proxies.is_trusted(proxy));
            assert!(
                config
                    .metrics_allow
                    .contains("172.28.3.4".parse().map_err(|_| "ip")?)
            );
            assert!(
                !config
                    .metrics_allow
                    .contains("127.0.0.1".parse().map_err(|_| "ip")?)
            );
            Ok(())
        });
    }

    #[test]
    fn invalid_ranges_are_refused_at_load() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("POORT_METRICS_ALLOW", r#"["not-an-ip"]"#);
            assert!(Config::load(None).is_err());
            Ok(())
        });
    }

    #[test]
    fn default_metrics_allowlist_is_loopback_only() {
        let config = Config::default();
        assert!(config.metrics_allow.contains("127.0.0.1".parse().unwrap()));
        assert!(config.metrics_allow.contains("::1".parse().unwrap()));
        assert!(!config.metrics_allow.contains("10.1.2.3".parse().unwrap()));
        assert!(
            !config
                .trusted_proxies
                .is_trusted("127.0.0.1".parse().unwrap())
        );
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
