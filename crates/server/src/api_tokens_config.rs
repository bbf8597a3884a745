//! The `[api_tokens]` part of Config.

use serde::{Deserialize, Serialize};

use crate::config::ConfigError;

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApiTokensConfig {
    /// Longest lifetime a new token may have (expiry is required). Organisations may cap it
    /// further.
    pub max_lifetime_days: u32,
    /// A token's last use (time and IP) is written at most this often, so validation stays one
    /// indexed read.
    pub last_use_interval_secs: i64,
    /// Expired tokens stay listed (as expired) this long, then are deleted.
    pub keep_expired_days: u32,
}

impl Default for ApiTokensConfig {
    fn default() -> Self {
        Self {
            max_lifetime_days: 365,
            last_use_interval_secs: 60,
            keep_expired_days: 30,
        }
    }
}

impl ApiTokensConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !(1..=3_650).contains(&self.max_lifetime_days) {
            return Err(ConfigError::Invalid(
                "api_tokens.max_lifetime_days must be between 1 and 3650".into(),
            ));
        }
        if self.last_use_interval_secs < 0 {
            return Err(ConfigError::Invalid(
                "api_tokens.last_use_interval_secs must not be negative".into(),
            ));
        }
        Ok(())
    }

    pub fn max_lifetime_secs(&self) -> i64 {
        i64::from(self.max_lifetime_days) * 86_400
    }
}

#[cfg(test)]
// figment's Jail closures must return figment's own (large) error type.
#[allow(clippy::unwrap_used, clippy::result_large_err)]
mod tests {
    use super::ApiTokensConfig;
    use crate::config::Config;

    #[test]
    fn defaults_and_bounds() {
        let config = ApiTokensConfig::default();
        config.validate().unwrap();
        assert_eq!(config.max_lifetime_secs(), 365 * 86_400);
        for days in [0, 3_651] {
            let bad = ApiTokensConfig {
                max_lifetime_days: days,
                ..ApiTokensConfig::default()
            };
            assert!(bad.validate().is_err());
        }
    }

    #[test]
    fn loads_from_the_file() {
        // In a Jail: the config tests that set POORT_* variables must not leak into this load.
        figment::Jail::expect_with(|_| {
            load_and_refuse();
            Ok(())
        });
    }

    fn load_and_refuse() {
        let file = std::env::temp_dir().join(format!("poort-{}.toml", uuid::Uuid::new_v4()));
        std::fs::write(&file, "[api_tokens]\nmax_lifetime_days = 90\n").unwrap();
        let loaded = Config::load(Some(&file));
        std::fs::write(&file, "[api_tokens]\nmax_lifetime_days = 0\n").unwrap();
        let refused = Config::load(Some(&file));
        std::fs::remove_file(&file).unwrap();
        let config = loaded.unwrap();
        assert_eq!(config.api_tokens.max_lifetime_days, 90);
        assert_eq!(config.api_tokens.last_use_interval_secs, 60);
        assert!(refused.is_err());
    }
}
