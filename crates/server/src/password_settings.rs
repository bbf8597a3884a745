//! The password settings of the configuration (hashing default, peppers, policy as a preset or
//! rules, the operator's common-password file, lockout) and the values built from them once at
//! start-up: the `Hasher` and the `PasswordSettings` the flows read.

use std::fmt;
use std::path::Path;

use poort_credentials::{HashAlgorithm, Hasher, Pepper};
use poort_policy::{ClassRule, CommonList, InvalidPolicy, LockoutPolicy, PasswordPolicy};
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::config::{Config, ConfigError};

/// What the flows use: the global password policy (a plain value; organisations will override
/// it), the common-password list (shipped + the operator's file) and the lockout rules.
#[derive(Debug, Clone)]
pub struct PasswordSettings {
    pub policy: PasswordPolicy,
    pub common: CommonList,
    pub lockout: LockoutPolicy,
}

impl PasswordSettings {
    /// Resolves the policy and reads the operator's common-password file, if any.
    pub fn load(config: &Config) -> Result<Self, ConfigError> {
        let common = match &config.common_passwords_file {
            Some(path) => CommonList::builtin().with_extra(read_list(path)?.lines()),
            None => CommonList::builtin(),
        };
        Ok(Self {
            policy: config.password_policy.resolve().map_err(invalid_policy)?,
            common,
            lockout: config.lockout.clone(),
        })
    }
}

fn read_list(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path)
        .map_err(|e| ConfigError::Invalid(format!("common_passwords_file {}: {e}", path.display())))
}

fn invalid_policy(e: InvalidPolicy) -> ConfigError {
    ConfigError::Invalid(format!("password_policy: {e}"))
}

/// The hasher for new hashes: the configured algorithm, peppered with the first pepper.
pub fn hasher(config: &Config) -> Result<Hasher, ConfigError> {
    Hasher::new(hash_algorithm(config)?, peppers(config)?)
        .map_err(|e| ConfigError::Invalid(format!("password hashing: {e}")))
}

fn hash_algorithm(config: &Config) -> Result<HashAlgorithm, ConfigError> {
    match config.password_hash_algorithm.as_str() {
        "argon2id" => Ok(HashAlgorithm::Argon2id {
            m_kib: config.argon2_memory_kib,
            t: config.argon2_iterations,
            p: config.argon2_parallelism,
        }),
        "pbkdf2-sha512" => Ok(HashAlgorithm::Pbkdf2Sha512 {
            rounds: config.pbkdf2_iterations,
        }),
        other => Err(ConfigError::Invalid(format!(
            "password_hash_algorithm is `argon2id` or `pbkdf2-sha512`, not `{other}`"
        ))),
    }
}

fn peppers(config: &Config) -> Result<Vec<Pepper>, ConfigError> {
    config
        .peppers
        .iter()
        .map(|p| {
            Pepper::new(p.id.clone(), p.secret.as_bytes())
                .map_err(|e| ConfigError::Invalid(format!("peppers (id `{}`): {e}", p.id)))
        })
        .collect()
}

/// Checks everything `hasher` and `PasswordSettings::load` would refuse, without file I/O.
pub fn validate(config: &Config) -> Result<(), ConfigError> {
    hasher(config)?;
    config.password_policy.resolve().map_err(invalid_policy)?;
    config
        .lockout
        .validate()
        .map_err(|e| ConfigError::Invalid(format!("lockout: {e}")))
}

/// A pepper in the configuration: its id (recorded in each hash) and secret (at least 16 bytes
/// of text, e.g. from `openssl rand -base64 32`). The first listed is used for new hashes.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PepperSetting {
    pub id: String,
    pub secret: String,
}

impl fmt::Debug for PepperSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PepperSetting")
            .field("id", &self.id)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// A named policy preset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    Nist,
    Strict,
    Balanced,
}

impl Preset {
    fn policy(self) -> PasswordPolicy {
        match self {
            Preset::Nist => PasswordPolicy::nist(),
            Preset::Strict => PasswordPolicy::strict(),
            Preset::Balanced => PasswordPolicy::balanced(),
        }
    }
}

/// `password_policy`: a preset name (`"nist"`, `"strict"`, `"balanced"`), or a table of rules
/// on top of a preset (`preset`, default `nist`), e.g. `{ preset = "strict", max_age_days = 90 }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum PolicySetting {
    Preset(Preset),
    Rules(PolicyRules),
}

impl Default for PolicySetting {
    fn default() -> Self {
        PolicySetting::Preset(Preset::Nist)
    }
}

/// Rules overriding a preset; a rule left out keeps the preset's value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PolicyRules {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preset: Option<Preset>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub classes: Option<ClassRule>,
    /// zxcvbn score 0–4; 0 turns the strength check off.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_strength: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check_common: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check_personal_info: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_age_days: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warn_days: Option<u32>,
}

impl PolicySetting {
    /// The policy this setting describes, validated.
    pub fn resolve(&self) -> Result<PasswordPolicy, InvalidPolicy> {
        let policy = match self {
            PolicySetting::Preset(preset) => preset.policy(),
            PolicySetting::Rules(rules) => rules.apply(),
        };
        policy.validate()?;
        Ok(policy)
    }
}

impl PolicyRules {
    fn apply(&self) -> PasswordPolicy {
        let mut policy = self.preset.unwrap_or(Preset::Nist).policy();
        if let Some(v) = self.min_length {
            policy.min_length = v;
        }
        if let Some(v) = self.max_length {
            policy.max_length = v;
        }
        if let Some(v) = &self.classes {
            policy.classes = v.clone();
        }
        if let Some(v) = self.min_strength {
            policy.min_strength = (v > 0).then_some(v);
        }
        if let Some(v) = self.check_common {
            policy.check_common = v;
        }
        if let Some(v) = self.check_personal_info {
            policy.check_personal_info = v;
        }
        if let Some(v) = self.history {
            policy.history = v;
        }
        if let Some(v) = self.max_age_days {
            policy.max_age_days = Some(v);
        }
        if let Some(v) = self.warn_days {
            policy.warn_days = v;
        }
        policy
    }
}

impl From<PasswordPolicy> for PolicySetting {
    /// Every rule spelled out (tests and callers holding a policy value use this).
    fn from(p: PasswordPolicy) -> Self {
        PolicySetting::Rules(PolicyRules {
            preset: None,
            min_length: Some(p.min_length),
            max_length: Some(p.max_length),
            classes: Some(p.classes),
            min_strength: Some(p.min_strength.unwrap_or(0)),
            check_common: Some(p.check_common),
            check_personal_info: Some(p.check_personal_info),
            history: Some(p.history),
            // No expiry cannot be spelled as an override; a preset never has one.
            max_age_days: p.max_age_days,
            warn_days: Some(p.warn_days),
        })
    }
}

// By hand rather than `untagged`, so a mistake gets serde's precise message (unknown preset,
// unknown rule) instead of "did not match any variant".
impl<'de> Deserialize<'de> for PolicySetting {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SettingVisitor;

        impl<'de> Visitor<'de> for SettingVisitor {
            type Value = PolicySetting;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a preset name (nist, strict, balanced) or a table of rules")
            }

            fn visit_str<E: de::Error>(self, name: &str) -> Result<Self::Value, E> {
                Preset::deserialize(de::value::StrDeserializer::<E>::new(name))
                    .map(PolicySetting::Preset)
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                PolicyRules::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(PolicySetting::Rules)
            }
        }

        deserializer.deserialize_any(SettingVisitor)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<PolicySetting, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn presets_by_name() {
        assert_eq!(
            parse(r#""strict""#).unwrap().resolve().unwrap(),
            PasswordPolicy::strict()
        );
        assert_eq!(
            parse(r#""balanced""#).unwrap().resolve().unwrap(),
            PasswordPolicy::balanced()
        );
        assert_eq!(
            PolicySetting::default().resolve().unwrap(),
            PasswordPolicy::nist()
        );
        let err = parse(r#""lenient""#).unwrap_err().to_string();
        assert!(err.contains("lenient"), "{err}");
    }

    #[test]
    fn rules_override_their_preset() {
        let setting = parse(r#"{"preset": "strict", "max_age_days": 90, "min_strength": 0}"#)
            .unwrap()
            .resolve()
            .unwrap();
        assert_eq!(
            setting,
            PasswordPolicy {
                max_age_days: Some(90),
                min_strength: None,
                ..PasswordPolicy::strict()
            }
        );
        let custom = parse(r#"{"min_length": 16, "classes": {"at_least": 2}}"#)
            .unwrap()
            .resolve()
            .unwrap();
        assert_eq!(custom.min_length, 16);
        assert_eq!(custom.classes, ClassRule::AtLeast(2));
        assert_eq!(custom.min_strength, PasswordPolicy::nist().min_strength);
    }

    #[test]
    fn bad_rules_are_refused_with_their_reason() {
        let err = parse(r#"{"min_lenght": 3}"#).unwrap_err().to_string();
        assert!(err.contains("min_lenght"), "{err}");
        let contradictory = parse(r#"{"min_length": 50, "max_length": 20}"#).unwrap();
        assert!(contradictory.resolve().is_err());
    }

    #[test]
    fn a_policy_value_round_trips_through_the_setting() {
        for policy in [
            PasswordPolicy::strict(),
            PasswordPolicy {
                max_age_days: Some(30),
                ..PasswordPolicy::nist()
            },
        ] {
            let setting = PolicySetting::from(policy.clone());
            assert_eq!(setting.resolve().unwrap(), policy);
            let json = serde_json::to_string(&setting).unwrap();
            assert_eq!(parse(&json).unwrap().resolve().unwrap(), policy);
        }
    }

    #[test]
    fn algorithms_and_peppers_come_from_the_config() {
        let config = Config {
            password_hash_algorithm: "pbkdf2-sha512".into(),
            pbkdf2_iterations: 1000,
            ..Config::default()
        };
        assert_eq!(
            hash_algorithm(&config).unwrap(),
            HashAlgorithm::Pbkdf2Sha512 { rounds: 1000 }
        );
        let bad = Config {
            password_hash_algorithm: "md5".into(),
            ..Config::default()
        };
        assert!(validate(&bad).is_err());
        let short_pepper = Config {
            peppers: vec![PepperSetting {
                id: "k1".into(),
                secret: "short".into(),
            }],
            ..Config::default()
        };
        assert!(validate(&short_pepper).is_err());
        let shown = format!(
            "{:?}",
            PepperSetting {
                id: "k1".into(),
                secret: "0123456789abcdef-secret".into()
            }
        );
        assert!(!shown.contains("0123456789abcdef"), "{shown}");
    }

    #[test]
    fn the_operators_common_list_is_added() {
        let file = std::env::temp_dir().join(format!("poort-common-{}.txt", uuid::Uuid::new_v4()));
        std::fs::write(&file, "Zeilboot-Harlingen\n").unwrap();
        let config = Config {
            common_passwords_file: Some(file.clone()),
            ..Config::default()
        };
        let settings = PasswordSettings::load(&config);
        std::fs::remove_file(&file).unwrap();
        let settings = settings.unwrap();
        assert!(settings.common.contains("zeilboot-harlingen"));
        assert!(settings.common.contains("password"));
        let missing = Config {
            common_passwords_file: Some("/nonexistent/poort-list.txt".into()),
            ..Config::default()
        };
        assert!(PasswordSettings::load(&missing).is_err());
    }
}
