//! Lockout rules: when failed logins lock an account or throttle an IP, and for how long.
//!
//! Pure decisions only; the counters live in the server's ephemeral store.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Lockout settings. Deserialising validates them; missing fields take the defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "LockoutFields")]
pub struct LockoutPolicy {
    /// Failed attempts on one account within `window_secs` that lock it.
    pub max_failures: u32,
    /// How long a failed attempt counts towards `max_failures`.
    pub window_secs: u64,
    /// Lock durations for the first, second, … lockout; the last repeats.
    pub durations_secs: Vec<u64>,
    /// How long past lockouts count towards the next, longer one (the escalation's TTL).
    pub escalation_memory_secs: u64,
    /// Failed attempts from one IP address, across all accounts, within `ip_window_secs`
    /// after which that address is throttled (password spraying).
    pub ip_max_failures: u32,
    /// How long a failed attempt counts towards `ip_max_failures`.
    pub ip_window_secs: u64,
}

impl Default for LockoutPolicy {
    /// 5 failures in 15 minutes lock for 1, 5, 15, then 60 minutes; lockouts are remembered
    /// for a day; 50 failures from one IP in 15 minutes throttle it.
    fn default() -> Self {
        LockoutPolicy {
            max_failures: 5,
            window_secs: 15 * 60,
            durations_secs: vec![60, 5 * 60, 15 * 60, 60 * 60],
            escalation_memory_secs: 24 * 60 * 60,
            ip_max_failures: 50,
            ip_window_secs: 15 * 60,
        }
    }
}

impl LockoutPolicy {
    /// Refuses settings that would never lock or would lock for nothing.
    pub fn validate(&self) -> Result<(), InvalidLockout> {
        if self.max_failures == 0 || self.ip_max_failures == 0 {
            return Err(InvalidLockout::ZeroMaxFailures);
        }
        if self.window_secs == 0 || self.ip_window_secs == 0 {
            return Err(InvalidLockout::ZeroWindow);
        }
        if self.durations_secs.is_empty() || self.durations_secs.contains(&0) {
            return Err(InvalidLockout::Durations);
        }
        Ok(())
    }
}

/// Why configured lockout settings were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidLockout {
    #[error("max_failures and ip_max_failures must be at least 1")]
    ZeroMaxFailures,
    #[error("window_secs and ip_window_secs must be at least 1")]
    ZeroWindow,
    #[error("durations_secs must list at least one duration, none of them 0")]
    Durations,
}

/// How long the next lockout lasts, given how many lockouts this account already had within
/// the escalation memory: the list's entries in turn, then its last one. An empty list (not
/// accepted by [`LockoutPolicy::validate`]) means no lock.
pub fn lock_duration(policy: &LockoutPolicy, lockouts_so_far: u32) -> Duration {
    let index = usize::try_from(lockouts_so_far).unwrap_or(usize::MAX);
    policy
        .durations_secs
        .get(index)
        .or(policy.durations_secs.last())
        .map_or(Duration::ZERO, |&secs| Duration::from_secs(secs))
}

/// Whether `attempt` (the 1-based count of attempts on the account in the current window,
/// this one included, as returned by an atomic increment) may still reach password
/// verification. Counting attempts before verifying, not failures after, is what keeps
/// concurrent guesses from slipping past the limit.
pub fn attempt_allowed(policy: &LockoutPolicy, attempt: u32) -> bool {
    attempt <= policy.max_failures
}

/// Whether the account must be locked after `failures_in_window` failed attempts.
pub fn should_lock(policy: &LockoutPolicy, failures_in_window: u32) -> bool {
    failures_in_window >= policy.max_failures
}

/// Whether an IP address with `failures_in_window` failed attempts across accounts is throttled.
pub fn ip_throttled(policy: &LockoutPolicy, failures_in_window: u32) -> bool {
    failures_in_window >= policy.ip_max_failures
}

/// The deserialised shape before validation; missing fields come from the defaults.
#[derive(Deserialize)]
#[serde(default, deny_unknown_fields)]
struct LockoutFields {
    max_failures: u32,
    window_secs: u64,
    durations_secs: Vec<u64>,
    escalation_memory_secs: u64,
    ip_max_failures: u32,
    ip_window_secs: u64,
}

impl Default for LockoutFields {
    fn default() -> Self {
        let p = LockoutPolicy::default();
        LockoutFields {
            max_failures: p.max_failures,
            window_secs: p.window_secs,
            durations_secs: p.durations_secs,
            escalation_memory_secs: p.escalation_memory_secs,
            ip_max_failures: p.ip_max_failures,
            ip_window_secs: p.ip_window_secs,
        }
    }
}

impl TryFrom<LockoutFields> for LockoutPolicy {
    type Error = InvalidLockout;

    fn try_from(f: LockoutFields) -> Result<Self, Self::Error> {
        let policy = LockoutPolicy {
            max_failures: f.max_failures,
            window_secs: f.window_secs,
            durations_secs: f.durations_secs,
            escalation_memory_secs: f.escalation_memory_secs,
            ip_max_failures: f.ip_max_failures,
            ip_window_secs: f.ip_window_secs,
        };
        policy.validate()?;
        Ok(policy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minutes(m: u64) -> Duration {
        Duration::from_secs(m * 60)
    }

    #[test]
    fn durations_grow_then_stay_at_the_last() {
        let policy = LockoutPolicy::default();
        assert_eq!(lock_duration(&policy, 0), minutes(1));
        assert_eq!(lock_duration(&policy, 1), minutes(5));
        assert_eq!(lock_duration(&policy, 2), minutes(15));
        assert_eq!(lock_duration(&policy, 3), minutes(60));
        assert_eq!(lock_duration(&policy, 4), minutes(60));
        assert_eq!(lock_duration(&policy, u32::MAX), minutes(60));
    }

    #[test]
    fn empty_duration_list_means_no_lock() {
        let policy = LockoutPolicy {
            durations_secs: Vec::new(),
            ..LockoutPolicy::default()
        };
        assert_eq!(lock_duration(&policy, 0), Duration::ZERO);
        assert_eq!(policy.validate(), Err(InvalidLockout::Durations));
    }

    #[test]
    fn thresholds_at_the_boundary() {
        let policy = LockoutPolicy::default();
        assert!(attempt_allowed(&policy, 5));
        assert!(!attempt_allowed(&policy, 6));
        assert!(!should_lock(&policy, 4));
        assert!(should_lock(&policy, 5));
        assert!(!ip_throttled(&policy, 49));
        assert!(ip_throttled(&policy, 50));
    }

    #[test]
    fn serde_defaults_round_trip_and_validation() -> Result<(), serde_json::Error> {
        let partial: LockoutPolicy = serde_json::from_str(r#"{"max_failures": 3}"#)?;
        assert_eq!(
            partial,
            LockoutPolicy {
                max_failures: 3,
                ..LockoutPolicy::default()
            }
        );
        let json = serde_json::to_string(&partial)?;
        assert_eq!(serde_json::from_str::<LockoutPolicy>(&json)?, partial);
        for bad in [
            r#"{"max_failures": 0}"#,
            r#"{"ip_max_failures": 0}"#,
            r#"{"window_secs": 0}"#,
            r#"{"durations_secs": []}"#,
            r#"{"durations_secs": [60, 0]}"#,
            r#"{"max_failure": 3}"#,
        ] {
            assert!(
                serde_json::from_str::<LockoutPolicy>(bad).is_err(),
                "accepted {bad}"
            );
        }
        Ok(())
    }
}
