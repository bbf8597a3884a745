//! The `[device]` part of Config: the Device Authorization Grant (RFC 8628, `flows::device`).

use serde::{Deserialize, Serialize};

use crate::config::ConfigError;

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeviceConfig {
    /// How long a device code and its user code stay usable (`expires_in`). Short: a user
    /// code is guessable in principle, so it should not live longer than someone needs to
    /// walk to a computer and type it.
    pub code_lifetime_secs: i64,
    /// The polling interval devices are told (`interval`); polling faster is `slow_down`.
    pub poll_interval_secs: i64,
}

impl Default for DeviceConfig {
    fn default() -> Self {
        Self {
            code_lifetime_secs: 600,
            poll_interval_secs: 5,
        }
    }
}

impl DeviceConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !(60..=3_600).contains(&self.code_lifetime_secs) {
            return Err(ConfigError::Invalid(
                "device.code_lifetime_secs must be between 60 and 3600".into(),
            ));
        }
        if !(1..=60).contains(&self.poll_interval_secs) {
            return Err(ConfigError::Invalid(
                "device.poll_interval_secs must be between 1 and 60".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
// figment's Jail closures must return figment's own (large) error type.
#[allow(clippy::unwrap_used, clippy::result_large_err)]
mod tests {
    use super::DeviceConfig;
    use crate::config::Config;

    #[test]
    fn defaults_and_bounds() {
        let config = DeviceConfig::default();
        config.validate().unwrap();
        assert_eq!(config.code_lifetime_secs, 600);
        assert_eq!(config.poll_interval_secs, 5);
        for (lifetime, interval) in [(59, 5), (3_601, 5), (600, 0), (600, 61), (600, -1)] {
            let bad = DeviceConfig {
                code_lifetime_secs: lifetime,
                poll_interval_secs: interval,
            };
            assert!(bad.validate().is_err(), "{lifetime} {interval}");
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
        std::fs::write(&file, "[device]\ncode_lifetime_secs = 300\n").unwrap();
        let loaded = Config::load(Some(&file));
        std::fs::write(&file, "[device]\npoll_interval_secs = 0\n").unwrap();
        let refused = Config::load(Some(&file));
        std::fs::remove_file(&file).unwrap();
        let config = loaded.unwrap();
        assert_eq!(config.device.code_lifetime_secs, 300);
        assert_eq!(config.device.poll_interval_secs, 5);
        assert!(refused.is_err());
    }
}
