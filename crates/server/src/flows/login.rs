//! Password login: the same answer, in about the same time, whether or not the account exists;
//! lockout counted before verifying (see `lockout`); hashing on the bounded pool, admitted
//! before anything is counted; a hash below the configured default is upgraded on success.
//! What follows a verified proof is decided in [`journey`]; what the login is for (an
//! authorization request or a device's approval), in [`interaction`].

pub mod interaction;
pub mod journey;

use std::net::IpAddr;

use poort_credentials::{Password, digest_secret};
use poort_store::auth_events::Kind;
use poort_store::entities::users::Model as User;
use poort_store::{passwords, users};
use serde_json::json;

use super::FlowError;
use super::audit::{self as audit_log, AuditEntry};
use super::auth_events::record;
use super::lockout::{self, Gate, Subject};
use super::orgs::login_policy::{self, IpRefused};
use super::orgs::member_policy::{self, EffectivePolicy};
use crate::state::AppState;

pub enum LoginOutcome {
    /// The user, and the policy of their organisations (looked up once for the whole login).
    Success(Box<User>, Box<EffectivePolicy>),
    /// Unknown account, wrong password, or a disabled account: one answer for all.
    Failed,
    /// Too many failures on this account (or login name): refused without checking the
    /// password, so the answer says nothing about it.
    Locked,
    /// Too many failures from this address across accounts.
    Throttled,
    /// The password was right, but an organisation of the user does not allow logins from
    /// this address (its IP allowlist).
    IpRefused(IpRefused),
}

/// Where a login attempt comes from.
#[derive(Clone, Copy, Debug, Default)]
pub struct Origin<'a> {
    pub ip: Option<IpAddr>,
    pub user_agent: Option<&'a str>,
}

/// Audits the attempt in the platform chain (a refusal by an organisation's allowlist is
/// audited in that organisation's chain by `login_policy`).
async fn audit_attempt(
    state: &AppState,
    subject: &Subject,
    origin: Origin<'_>,
    action: &'static str,
    details: serde_json::Value,
) -> Result<(), FlowError> {
    // The audit log outlives purged accounts, so it names people only by pseudonyms: the
    // account id, or for a name no account has, a digest of what was typed.
    let named = match &subject.user_id {
        Some(id) => id.clone(),
        None => format!(
            "login:{}",
            &digest_secret(&subject.name.to_lowercase())[..16]
        ),
    };
    let entry = AuditEntry {
        actor: subject.user_id.clone(),
        subject: Some(named),
        ip: origin.ip,
        user_agent: origin.user_agent.map(str::to_owned),
        details,
        ..AuditEntry::new(action)
    };
    audit_log::record(state, entry).await
}

pub async fn authenticate(
    state: &AppState,
    login: &str,
    password: &str,
    origin: Origin<'_>,
) -> Result<LoginOutcome, FlowError> {
    let ip = origin.ip;
    let login = login.trim();
    let user = if login.is_empty() || login.len() > 320 {
        None
    } else {
        users::find_by_login(&state.db, login).await?
    };
    let subject = match &user {
        Some(user) => Subject::user(user),
        None => Subject::unknown(login),
    };
    // The one lookup of the user's organisations for this login: lockout thresholds now, IP
    // allowlists, 2FA, renewal and session lifetime after the password. An unknown login runs
    // the same queries (for an id no account has) and gets the global policy.
    let policy = member_policy::load(state, &subject.name).await?;
    // A full pool refuses here (503), before the attempt is counted against the account.
    let admission = state.hashing.admit()?;
    let attempt = match lockout::begin(state, &subject, ip, &policy.effective.lockout).await? {
        Gate::Open(attempt) => attempt,
        refused => {
            let (outcome, reason) = match refused {
                Gate::Throttled => (LoginOutcome::Throttled, "ip_throttled"),
                _ => (LoginOutcome::Locked, "locked"),
            };
            let details = json!({ "reason": reason });
            record(
                &state.db,
                state.now(),
                Kind::LoginFailed,
                &subject,
                ip,
                details.clone(),
            )
            .await?;
            audit_attempt(state, &subject, origin, "login.failed", details).await?;
            return Ok(outcome);
        }
    };
    let stored = user
        .as_ref()
        .filter(|u| u.is_active())
        .and_then(|u| u.password_hash.clone());
    let (verified, rehashed, reason) = match (Password::new(password), stored) {
        (Ok(password), Some(stored)) => {
            let check = stored.clone();
            let (verified, rehashed) = admission
                .run(move |hasher| match hasher.verify(&password, &check) {
                    Ok(verified) => {
                        let rehashed = (verified && hasher.needs_rehash(&check))
                            .then(|| hasher.hash(&password).ok())
                            .flatten();
                        Ok((verified, rehashed))
                    }
                    Err(e) => Err(e),
                })
                .await?
                .unwrap_or_else(|e| {
                    // E.g. a pepper removed from the configuration too early: the user cannot
                    // log in until it is back, which the operator needs to hear about.
                    let user_id = user.as_ref().map(|u| u.id.as_str()).unwrap_or_default();
                    tracing::error!(%user_id, error = %e, "stored password hash cannot be verified");
                    (false, None)
                });
            let rehashed = rehashed.map(|new| (stored, new));
            (verified, rehashed, "wrong_password")
        }
        (Ok(password), None) => {
            admission
                .run(move |hasher| hasher.verify_dummy(&password))
                .await?;
            let reason = match &user {
                None => "unknown_account",
                Some(u) if !u.is_active() => "inactive",
                Some(_) => "no_password",
            };
            (false, None, reason)
        }
        // Longer than any password we hash: refused without work, whatever the account.
        (Err(_), _) => (false, None, "password_too_long"),
    };
    if let (true, Some(user)) = (verified, user) {
        lockout::succeeded(state, &subject, &attempt).await?;
        if let Some((old, new)) = rehashed {
            // Same password, stronger hash: its age and history stay as they are.
            passwords::upgrade_hash(&state.db, &user.id, &old, new.as_str(), state.now()).await?;
        }
        let memberships = &policy.memberships;
        let (agent, sign_in) = (origin.user_agent, login_policy::Attempt::SignIn);
        if let Err(refused) =
            login_policy::check_ip_of(state, memberships, &user.id, ip, agent, sign_in).await?
        {
            return Ok(LoginOutcome::IpRefused(refused));
        }
        audit_attempt(state, &subject, origin, "login.succeeded", json!({})).await?;
        member_policy::remember(state, &user.id, &policy.effective);
        return Ok(LoginOutcome::Success(
            Box::new(user),
            Box::new(policy.effective),
        ));
    }
    let locked_for = lockout::failed(state, &subject, &attempt).await?;
    let now = state.now();
    let details = json!({ "reason": reason, "attempt": attempt.number });
    record(
        &state.db,
        now,
        Kind::LoginFailed,
        &subject,
        ip,
        details.clone(),
    )
    .await?;
    audit_attempt(state, &subject, origin, "login.failed", details).await?;
    match locked_for {
        Some(duration) => {
            let details = json!({
                "duration_secs": duration.as_secs(),
                "failures": attempt.number,
            });
            record(
                &state.db,
                now,
                Kind::AccountLocked,
                &subject,
                ip,
                details.clone(),
            )
            .await?;
            if let Some(user_id) = &subject.user_id {
                let mut entry = super::audit::AuditEntry::about("account.locked", user_id, details);
                entry.ip = ip;
                super::audit::record(state, entry).await?;
                let minutes = duration.as_secs().div_ceil(60);
                let notice = crate::mail::MailTemplate::AccountLocked { minutes };
                crate::mail::notify_user_id(state, user_id, notice).await;
            }
            Ok(LoginOutcome::Locked)
        }
        None => Ok(LoginOutcome::Failed),
    }
}
