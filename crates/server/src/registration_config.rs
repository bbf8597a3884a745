//! The `[registration]` part of Config: dynamic client registration (RFC 7591/7592), off by
//! default. When on, `/register` accepts registrations that carry an initial access token
//! (minted by the operator with `poort client registration-token` or by an organisation admin
//! through the admin API) and discovery names the endpoint.

use serde::{Deserialize, Serialize};

use crate::config::ConfigError;

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RegistrationConfig {
    pub enabled: bool,
    /// Longest lifetime of an initial access token (and its default).
    pub initial_token_max_lifetime_secs: i64,
    /// Most registrations one initial access token may be used for.
    pub initial_token_max_uses: i64,
}

impl Default for RegistrationConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            initial_token_max_lifetime_secs: 7 * 86_400,
            initial_token_max_uses: 100,
        }
    }
}

impl RegistrationConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !(60..=365 * 86_400).contains(&self.initial_token_max_lifetime_secs) {
            return Err(ConfigError::Invalid(
                "registration.initial_token_max_lifetime_secs must be between 60 and 31536000"
                    .into(),
            ));
        }
        if !(1..=10_000).contains(&self.initial_token_max_uses) {
            return Err(ConfigError::Invalid(
                "registration.initial_token_max_uses must be between 1 and 10000".into(),
            ));
        }
        Ok(())
    }
}
