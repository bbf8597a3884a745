//! Failed-login lockout and per-IP throttling, with counters in the ephemeral store (shared by
//! all nodes once it is Redis).
//!
//! Race-free by construction: an attempt is counted (atomic `incr`) BEFORE its password is
//! verified, and refused when the count is over the limit, so however many guesses arrive at
//! once, at most `max_failures` of them reach a verification per window. The lock itself is a
//! marker holding its end time (from the injected clock); it is written before the attempt
//! counter is cleared, so an attempt that raced past the first lock check still sees it. The
//! marker is durable (`durable_markers`): losing the ephemeral store resets the counters,
//! never a lock.
//!
//! Keys: `lock:acct:<subject>:<epoch>:{n,until,lockouts}` where the epoch is the account's
//! `unlocked_at` (an admin unlock moves the account to fresh counters, from any process), and
//! `lock:ip:<address or /64>:<window number>:{a,s}` counting attempts and successes per
//! clock-aligned window (failures = attempts − successes, in-flight ones counted as failures).

use std::net::IpAddr;
use std::time::Duration;

use poort_credentials::digest_secret;
use poort_policy::{LockoutPolicy, attempt_allowed, ip_throttled, lock_duration, should_lock};
use poort_store::entities::users::Model as User;
use poort_store::users;

use super::FlowError;
use super::durable_markers;
use crate::state::AppState;

/// Whom a login attempt is about: an account, or a login name that matches none (counted and
/// locked the same way, so lockouts do not reveal which accounts exist).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub user_id: Option<String>,
    /// The user id, or `login:<sha256 of the lower-cased login>`; also the `auth_events` subject.
    pub name: String,
    epoch: i64,
}

impl Subject {
    pub fn user(user: &User) -> Self {
        Self {
            user_id: Some(user.id.clone()),
            name: user.id.clone(),
            epoch: user.unlocked_at.unwrap_or(0),
        }
    }

    pub fn unknown(login: &str) -> Self {
        Self {
            user_id: None,
            // Every spelling of one address is one name (`users::email_key`).
            name: format!("login:{}", digest_secret(&users::email_key(login.trim()))),
            epoch: 0,
        }
    }

    fn key(&self, part: &str) -> String {
        format!("lock:acct:{}:{}:{part}", self.name, self.epoch)
    }
}

/// Whether an attempt may go on to verify a password.
#[derive(Debug)]
pub enum Gate {
    Open(Attempt),
    /// The account (or login name) is locked, or already has its quota of attempts in flight.
    Locked,
    /// Too many failures from this address across accounts.
    Throttled,
}

/// An admitted attempt: its number within the account's window, its IP window, and the
/// account's lockout thresholds it was counted under.
#[derive(Debug)]
pub struct Attempt {
    pub number: u64,
    ip_window: Option<String>,
    policy: LockoutPolicy,
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n.max(1))
}

/// The IP as counted: IPv4 addresses alone, IPv6 by /64 (one host usually owns a whole /64).
fn ip_bucket(ip: IpAddr) -> String {
    match ip.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

/// Counts the attempt, then decides. Call after the hashing pool admitted the request.
///
/// `account` holds the account's thresholds (failures, lock durations): the effective policy
/// of its organisations (`orgs::member_policy`), the global one for unknown login names. The
/// per-IP throttle is across accounts and always uses the global configuration.
pub async fn begin(
    state: &AppState,
    subject: &Subject,
    ip: Option<IpAddr>,
    account: &LockoutPolicy,
) -> Result<Gate, FlowError> {
    let policy = &state.passwords.lockout;
    let now = state.now();
    let ip_window = match ip {
        Some(ip) => {
            let window = i64::try_from(policy.ip_window_secs.max(1)).unwrap_or(i64::MAX);
            let base = format!("lock:ip:{}:{}", ip_bucket(ip), now.div_euclid(window));
            let ttl = secs(policy.ip_window_secs);
            let attempts = state.ephemeral.incr(&format!("{base}:a"), ttl).await?;
            let successes = read_count(state, &format!("{base}:s")).await?;
            let failures = attempts.saturating_sub(1).saturating_sub(successes);
            if ip_throttled(policy, saturating_u32(failures)) {
                return Ok(Gate::Throttled);
            }
            Some(base)
        }
        None => None,
    };
    // Most attempts on a locked account stop here without touching the counter.
    if locked(state, subject, now).await? {
        return Ok(Gate::Locked);
    }
    let number = state
        .ephemeral
        .incr(&subject.key("n"), secs(account.window_secs))
        .await?;
    if !attempt_allowed(account, saturating_u32(number)) {
        return Ok(Gate::Locked);
    }
    // A concurrent attempt may have locked the account (and cleared the counter) since the
    // first check; the lock is written before the counter is cleared, so it is visible now.
    if locked(state, subject, now).await? {
        return Ok(Gate::Locked);
    }
    Ok(Gate::Open(Attempt {
        number,
        ip_window,
        policy: account.clone(),
    }))
}

/// Records a wrong password. Returns the lock duration when this failure locks the account.
pub async fn failed(
    state: &AppState,
    subject: &Subject,
    attempt: &Attempt,
) -> Result<Option<Duration>, FlowError> {
    let policy = &attempt.policy;
    if !should_lock(policy, saturating_u32(attempt.number)) {
        return Ok(None);
    }
    let lockouts = state
        .ephemeral
        .incr(
            &subject.key("lockouts"),
            secs(policy.escalation_memory_secs),
        )
        .await?;
    let duration = lock_duration(policy, saturating_u32(lockouts.saturating_sub(1)));
    let until = state.now().saturating_add_unsigned(duration.as_secs());
    // Durable: an emptied or restored ephemeral store resets counters, never a lock.
    durable_markers::hold_lock(state, subject.key("until"), until).await?;
    state.ephemeral.delete(&subject.key("n")).await?;
    Ok(Some(duration))
}

/// A correct password: the account's count starts again, and the IP window counts a success.
pub async fn succeeded(
    state: &AppState,
    subject: &Subject,
    attempt: &Attempt,
) -> Result<(), FlowError> {
    state.ephemeral.delete(&subject.key("n")).await?;
    if let Some(base) = &attempt.ip_window {
        let ttl = secs(state.passwords.lockout.ip_window_secs);
        state.ephemeral.incr(&format!("{base}:s"), ttl).await?;
    }
    Ok(())
}

async fn locked(state: &AppState, subject: &Subject, now: i64) -> Result<bool, FlowError> {
    durable_markers::lock_held(state, &subject.key("until"), now).await
}

async fn read_count(state: &AppState, key: &str) -> Result<u64, FlowError> {
    Ok(state
        .ephemeral
        .get(key)
        .await?
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.parse().ok())
        .unwrap_or(0))
}

fn saturating_u32(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_is_counted_per_64_and_mapped_ipv4_as_ipv4() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1"
            .parse()
            .unwrap_or(IpAddr::from([0; 4]));
        let b: IpAddr = "2001:db8:1:2:bbbb::9"
            .parse()
            .unwrap_or(IpAddr::from([0; 4]));
        assert_eq!(ip_bucket(a), "2001:db8:1:2::/64");
        assert_eq!(ip_bucket(a), ip_bucket(b));
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap_or(IpAddr::from([0; 4]));
        assert_eq!(ip_bucket(mapped), "192.0.2.1");
    }

    #[test]
    fn unknown_logins_are_keyed_by_digest_case_insensitively() {
        let a = Subject::unknown(" Nobody@Example.com ");
        let b = Subject::unknown("nobody@example.com");
        assert_eq!(a, b);
        assert!(a.name.starts_with("login:") && !a.name.contains("nobody"));
        assert_eq!(a.user_id, None);
    }
}
