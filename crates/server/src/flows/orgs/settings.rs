//! An organisation's security settings: the typed, validated form of its JSON settings column.
//!
//! Enforced: `ip_allowlist` (login), `require_2fa` (second-factor enforcement),
//! `email_domains` (adding members), `max_token_lifetime_days` (API tokens), and through
//! `member_policy` (the strictest of the user's organisations and the global config):
//! `session_lifetime_secs`, `lockout_max_failures`, `lockout_duration_secs`,
//! `password_preset` and `password_renewal_days`.

use poort_allowlist::{DomainAllowlist, IpAllowlist};
use serde::{Deserialize, Serialize};

use crate::password_settings::Preset;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OrgSettings {
    /// Every member must have a second factor.
    pub require_2fa: bool,
    /// CIDR ranges members may log in from; empty = anywhere.
    pub ip_allowlist: IpAllowlist,
    /// Email domains (`example.com`, `*.example.com`) that may join; empty = any.
    pub email_domains: DomainAllowlist,
    /// Whether the platform's support staff may act in this organisation.
    pub support_access: bool,
    /// People with an address in `email_domains` may create an account themselves (even when
    /// sign-up is off platform-wide) and join as members once the address is verified.
    pub self_signup: bool,
    /// Longest lifetime of an API token of this organisation, in days.
    pub max_token_lifetime_days: Option<u32>,
    /// Longest browser session of a member, in seconds.
    pub session_lifetime_secs: Option<i64>,
    /// Failed logins before a member's account is locked.
    pub lockout_max_failures: Option<u32>,
    /// How long the first lock lasts, in seconds.
    pub lockout_duration_secs: Option<u64>,
    /// Password policy preset for members (`nist`, `strict`, `balanced`).
    pub password_preset: Option<Preset>,
    /// Members must renew their password after this many days.
    pub password_renewal_days: Option<u32>,
}

/// A setting that is not acceptable, in words for the operator or API caller.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidSettings(pub String);

impl OrgSettings {
    /// Parses and validates a JSON settings document.
    pub fn from_json(value: serde_json::Value) -> Result<Self, InvalidSettings> {
        let settings: Self =
            serde_json::from_value(value).map_err(|e| InvalidSettings(e.to_string()))?;
        settings.validate()?;
        Ok(settings)
    }

    /// Reads the stored column; a document that no longer parses is infrastructure trouble.
    pub fn from_stored(text: &str) -> Result<Self, super::super::FlowError> {
        Ok(serde_json::from_str(text)?)
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }

    pub fn validate(&self) -> Result<(), InvalidSettings> {
        if self.self_signup && self.email_domains.is_unrestricted() {
            return Err(InvalidSettings(
                "self_signup needs email_domains: sign-up opens to those domains only".into(),
            ));
        }
        fn range<T: PartialOrd + Copy + std::fmt::Display>(
            name: &str,
            value: Option<T>,
            min: T,
            max: T,
        ) -> Result<(), InvalidSettings> {
            match value {
                Some(v) if v < min || v > max => Err(InvalidSettings(format!(
                    "{name} must be between {min} and {max}"
                ))),
                _ => Ok(()),
            }
        }
        range(
            "max_token_lifetime_days",
            self.max_token_lifetime_days,
            1,
            3650,
        )?;
        range(
            "session_lifetime_secs",
            self.session_lifetime_secs,
            300,
            90 * 86_400,
        )?;
        range("lockout_max_failures", self.lockout_max_failures, 1, 100)?;
        range(
            "lockout_duration_secs",
            self.lockout_duration_secs,
            1,
            30 * 86_400,
        )?;
        range("password_renewal_days", self.password_renewal_days, 1, 3650)?;
        Ok(())
    }

    /// Applies `key=value` assignments (the CLI's `poort org set`): lists are comma-separated
    /// (`ip_allowlist=10.0.0.0/8,2001:db8::/32`), an empty value clears a setting, booleans
    /// and numbers are written as such. The result is validated as a whole.
    pub fn with_assignments(&self, assignments: &[String]) -> Result<Self, InvalidSettings> {
        let mut document = self.to_json();
        let Some(object) = document.as_object_mut() else {
            return Err(InvalidSettings("settings are not an object".into()));
        };
        for assignment in assignments {
            let Some((key, value)) = assignment.split_once('=') else {
                return Err(InvalidSettings(format!(
                    "{assignment:?} is not of the form key=value"
                )));
            };
            let key = key.trim();
            if !object.contains_key(key) {
                return Err(InvalidSettings(format!("unknown setting {key:?}")));
            }
            let value = value.trim();
            let parsed = match key {
                "ip_allowlist" | "email_domains" => serde_json::Value::from(
                    value
                        .split(',')
                        .map(str::trim)
                        .filter(|v| !v.is_empty())
                        .collect::<Vec<_>>(),
                ),
                "require_2fa" | "support_access" | "self_signup" => match value {
                    "true" | "on" | "yes" => true.into(),
                    "false" | "off" | "no" => false.into(),
                    _ => return Err(InvalidSettings(format!("{key} must be true or false"))),
                },
                _ if value.is_empty() => serde_json::Value::Null,
                _ => serde_json::from_str::<serde_json::Value>(value)
                    .ok()
                    .filter(serde_json::Value::is_number)
                    .unwrap_or_else(|| value.into()),
            };
            object.insert(key.to_owned(), parsed);
        }
        Self::from_json(document)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::OrgSettings;
    use crate::password_settings::Preset;

    fn set(pairs: &[&str]) -> Result<OrgSettings, String> {
        let pairs: Vec<String> = pairs.iter().map(|p| (*p).to_owned()).collect();
        OrgSettings::default()
            .with_assignments(&pairs)
            .map_err(|e| e.0)
    }

    #[test]
    fn assignments_set_every_kind_of_value() {
        let settings = set(&[
            "require_2fa=true",
            "ip_allowlist=10.0.0.0/8, 2001:db8::/32",
            "email_domains=Example.COM,*.example.org",
            "max_token_lifetime_days=30",
            "password_preset=strict",
        ])
        .unwrap();
        assert!(settings.require_2fa);
        assert!(settings.ip_allowlist.allows("10.1.2.3".parse().unwrap()));
        assert!(!settings.ip_allowlist.allows("192.0.2.1".parse().unwrap()));
        assert!(settings.email_domains.allows_email("a@example.com"));
        assert!(settings.email_domains.allows_email("a@x.example.org"));
        assert!(!settings.email_domains.allows_email("a@example.net"));
        assert_eq!(settings.max_token_lifetime_days, Some(30));
        assert_eq!(settings.password_preset, Some(Preset::Strict));

        let cleared = settings
            .with_assignments(&["ip_allowlist=".into(), "max_token_lifetime_days=".into()])
            .unwrap();
        assert!(cleared.ip_allowlist.is_unrestricted());
        assert_eq!(cleared.max_token_lifetime_days, None);
    }

    #[test]
    fn bad_assignments_are_refused_with_a_reason() {
        for (bad, says) in [
            ("nope=1", "unknown setting"),
            ("require_2fa", "key=value"),
            ("require_2fa=maybe", "true or false"),
            ("ip_allowlist=10.0.0.0/33", "10.0.0.0/33"),
            ("max_token_lifetime_days=0", "between 1 and 3650"),
            ("max_token_lifetime_days=ten", "invalid type"),
            ("password_preset=weak", "unknown variant"),
            ("self_signup=true", "needs email_domains"),
        ] {
            let err = set(&[bad]).unwrap_err();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }

    #[test]
    fn json_documents_round_trip_and_reject_unknown_fields() {
        let settings = set(&["ip_allowlist=192.0.2.0/24", "require_2fa=on"]).unwrap();
        let back = OrgSettings::from_json(settings.to_json()).unwrap();
        assert_eq!(back, settings);
        assert!(OrgSettings::from_json(json!({"require_2FA": true})).is_err());
        assert_eq!(
            OrgSettings::from_json(json!({})).unwrap(),
            OrgSettings::default()
        );
    }
}
