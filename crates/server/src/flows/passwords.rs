//! Choosing a new password: on the account page (proving the current one) or, after an expired
//! or admin-forced password, at login before the authorization request continues. Every rule
//! the new password fails is reported together; history is checked against the stored hashes.

use std::net::IpAddr;
use std::time::Duration;

use poort_credentials::{Password, digest_secret};
use poort_policy::{
    AgeStatus, CommonList, PasswordPolicy, PolicyContext, Violation, password_age_status,
};
use poort_store::auth_events::Kind;
use poort_store::entities::users::Model as User;
use poort_store::{passwords, users};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::FlowError;
use super::audit::AuditEntry;
use super::auth_events::record;
use super::lockout::{self, Gate, Subject};
use super::orgs::member_policy;
use crate::state::AppState;

/// Old hashes kept per user whatever the policy says, so a stricter policy later (or an
/// organisation's) has the history to check against.
const HISTORY_KEPT: u64 = 24;

/// How long the "choose a new password" step waits after the password was verified.
const RENEWAL_TTL: Duration = Duration::from_secs(10 * 60);

/// The password policy that applies to `user`: the global one made stricter by their
/// organisations' presets and renewal periods (`orgs::member_policy`); the flows below and
/// the pages that list the rules all ask here.
pub async fn policy_for(state: &AppState, user: &User) -> Result<PasswordPolicy, FlowError> {
    Ok(member_policy::effective_policy(state, &user.id)
        .await?
        .password)
}

/// Where the user's password stands under `policy` (see [`policy_for`]): fine, expiring soon
/// (banner), or to be replaced now.
pub fn age_status(state: &AppState, user: &User, policy: &PasswordPolicy) -> AgeStatus {
    let changed_at = user.password_changed_at.unwrap_or(user.created_at);
    password_age_status(policy, changed_at, state.now(), user.force_password_change)
}

/// How the user showed the right to set a new password.
pub enum Proof<'a> {
    /// The account page: the current password, verified here (counted like a login attempt).
    CurrentPassword(&'a str),
    /// The renewal step right after a verified login with an expired or forced password.
    JustLoggedIn,
    /// A password-reset link, bound to the password hash it was issued for.
    ResetLink { binding: &'a str },
}

/// Why the new password was not set.
#[derive(Debug, PartialEq, Eq)]
pub enum ChangeRefusal {
    WrongCurrent,
    Locked,
    Throttled,
    /// The confirmation differs from the new password.
    Mismatch,
    /// Every rule the new password fails.
    Rules(Vec<Violation>),
    /// The account or its password changed meanwhile (another tab, an admin).
    Stale,
}

/// Sets `new` as the password of `user_id` if `proof` holds and the policy accepts it.
pub async fn change(
    state: &AppState,
    user_id: &str,
    proof: Proof<'_>,
    new: &str,
    confirm: &str,
    ip: Option<IpAddr>,
    keep_session: Option<&str>,
) -> Result<Result<(), ChangeRefusal>, FlowError> {
    let Some(user) = users::find_by_id(&state.db, user_id).await? else {
        return Ok(Err(ChangeRefusal::Stale));
    };
    if new != confirm {
        return Ok(Err(ChangeRefusal::Mismatch));
    }
    // One lookup of the user's organisations: their rules, lockout and names.
    let member = member_policy::load(state, &user.id).await?;
    let policy = &member.effective.password;
    // A renewal must not keep the expired password, whatever the history depth.
    let depth = match proof {
        Proof::CurrentPassword(current) => {
            let thresholds = &member.effective.lockout;
            if let Err(refusal) = verify_current(state, &user, current, ip, thresholds).await? {
                return Ok(Err(refusal));
            }
            policy.history
        }
        Proof::JustLoggedIn => policy.history.max(1),
        Proof::ResetLink { binding } => {
            // The password changed since the link was sent: the link died with it.
            if !super::password_reset::binding_holds(&user, binding) {
                return Ok(Err(ChangeRefusal::Stale));
            }
            policy.history
        }
    };
    let password = match Password::new(new) {
        Ok(password) => password,
        Err(_) => {
            let too_long = Violation::TooLong {
                max: policy.max_length,
            };
            return Ok(Err(ChangeRefusal::Rules(vec![too_long])));
        }
    };
    let common = &state.passwords.common;
    // The names of the user's organisations are as guessable as their own name.
    let orgs = member.org_names();
    let mut violations = rule_violations(
        policy,
        common,
        &password,
        &user.email,
        user.name.as_deref(),
        &orgs,
    );
    if reused(state, policy, &user, &password, depth).await? {
        violations.push(Violation::Reused);
    }
    if !violations.is_empty() {
        return Ok(Err(ChangeRefusal::Rules(violations)));
    }
    let hash = state
        .hashing
        .run(move |hasher| hasher.hash(&password))
        .await?
        .map_err(|e| FlowError::Hashing(e.to_string()))?;
    let now = state.now();
    let keep = u64::from(policy.history).max(HISTORY_KEPT);
    let expected = user.password_hash.as_deref();
    let how = match proof {
        Proof::CurrentPassword(_) => "account_page",
        Proof::JustLoggedIn => "renewal_at_login",
        Proof::ResetLink { .. } => "reset_link",
    };
    // The audit entry commits with the change.
    let mut entry = AuditEntry::about("password.changed", &user.id, json!({ "via": how }));
    entry.ip = ip;
    let audit = Some(entry.into_new(now));
    // The session that stays signed in (its `sid`): every other one's clients are told, in the
    // change's transaction (back-channel logout).
    let kept_sid = match keep_session {
        Some(cookie) => super::session::load(state, cookie)
            .await?
            .and_then(|live| live.data.user)
            .filter(|kept| kept.user_id == user.id)
            .map(|kept| kept.sid),
        None => None,
    };
    if !passwords::change(
        &state.db,
        &user.id,
        expected,
        hash.as_str(),
        now,
        keep,
        passwords::Alongside {
            audit,
            kept_session: kept_sid.as_deref(),
        },
    )
    .await?
    {
        return Ok(Err(ChangeRefusal::Stale));
    }
    super::backchannel_logout::wake(state);
    // Whoever held the old password, or a session or token it produced, is out; the browser
    // that made the change (`keep_session`) stays signed in.
    super::session::end_all_for_user(state, &user.id, keep_session).await?;
    super::token::revoke_all_for_user(state, &user.id).await?;
    let subject = Subject::user(&user);
    record(
        &state.db,
        now,
        Kind::PasswordChanged,
        &subject,
        ip,
        json!({ "via": how }),
    )
    .await?;
    // A reset mails its own notice, in the language of the page it was made on.
    if !matches!(proof, Proof::ResetLink { .. }) {
        let template = crate::mail::MailTemplate::PasswordChanged;
        crate::mail::notify(state, &user, crate::i18n::Locale::En, template).await;
    }
    Ok(Ok(()))
}

/// Every composition, strength, common-list and personal-details rule the password fails.
pub fn rule_violations(
    policy: &PasswordPolicy,
    common: &CommonList,
    password: &Password,
    email: &str,
    name: Option<&str>,
    organisations: &[&str],
) -> Vec<Violation> {
    let context = PolicyContext {
        email: Some(email),
        name,
        org_name: organisations.first().copied(),
        extra: organisations.get(1..).unwrap_or_default(),
    };
    poort_policy::check(policy, common, password.normalized(), &context)
        .err()
        .unwrap_or_default()
}

/// Whether the password matches the current hash or one of the `depth - 1` before it.
async fn reused(
    state: &AppState,
    policy: &PasswordPolicy,
    user: &User,
    password: &Password,
    depth: u32,
) -> Result<bool, FlowError> {
    if depth == 0 {
        return Ok(false);
    }
    let older = passwords::history(&state.db, &user.id, u64::from(depth - 1)).await?;
    let hashes: Vec<String> = user.password_hash.iter().cloned().chain(older).collect();
    let policy = PasswordPolicy {
        history: depth,
        ..policy.clone()
    };
    let password = password.clone();
    // One pool job for the whole list: each check is a full, deliberately slow verification.
    Ok(state
        .hashing
        .run(move |hasher| {
            poort_policy::reused(&policy, &hashes, |hash| {
                hasher.verify(&password, hash).unwrap_or(false)
            })
        })
        .await?)
}

/// Checks the current password through the same lockout guard as a login.
async fn verify_current(
    state: &AppState,
    user: &User,
    current: &str,
    ip: Option<IpAddr>,
    thresholds: &poort_policy::LockoutPolicy,
) -> Result<Result<(), ChangeRefusal>, FlowError> {
    let subject = Subject::user(user);
    let admission = state.hashing.admit()?;
    let attempt = match lockout::begin(state, &subject, ip, thresholds).await? {
        Gate::Open(attempt) => attempt,
        Gate::Locked => return Ok(Err(ChangeRefusal::Locked)),
        Gate::Throttled => return Ok(Err(ChangeRefusal::Throttled)),
    };
    let verified = match (Password::new(current), user.password_hash.clone()) {
        (Ok(password), Some(stored)) => {
            admission
                .run(move |hasher| hasher.verify(&password, &stored).unwrap_or(false))
                .await?
        }
        _ => false,
    };
    if verified {
        lockout::succeeded(state, &subject, &attempt).await?;
        return Ok(Ok(()));
    }
    let locked_for = lockout::failed(state, &subject, &attempt).await?;
    let now = state.now();
    let details = json!({ "reason": "wrong_current_password", "attempt": attempt.number });
    record(&state.db, now, Kind::LoginFailed, &subject, ip, details).await?;
    if let Some(duration) = locked_for {
        let details = json!({ "duration_secs": duration.as_secs(), "failures": attempt.number });
        record(
            &state.db,
            now,
            Kind::AccountLocked,
            &subject,
            ip,
            details.clone(),
        )
        .await?;
        let mut entry = AuditEntry::about("account.locked", &user.id, details);
        entry.ip = ip;
        super::audit::record(state, entry).await?;
        let minutes = duration.as_secs().div_ceil(60);
        let notice = crate::mail::MailTemplate::AccountLocked { minutes };
        crate::mail::notify(state, user, crate::i18n::Locale::En, notice).await;
        return Ok(Err(ChangeRefusal::Locked));
    }
    Ok(Err(ChangeRefusal::WrongCurrent))
}

/// A login whose password must be replaced before it counts: kept in the ephemeral store under
/// the digest of the browser's (anonymous) session cookie, so only that browser can finish it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingRenewal {
    pub user_id: String,
    /// The authorization request to continue afterwards (empty when there is none).
    pub tx: String,
    /// An admin asked for the change (rather than the password's age).
    pub forced: bool,
    /// What the login proved before the renewal (`pwd`, plus a second factor when there was
    /// one); the session established afterwards carries it.
    pub amr: Vec<String>,
}

fn renewal_key(cookie: &str) -> String {
    format!("pwrenew:{}", digest_secret(cookie))
}

pub async fn start_renewal(
    state: &AppState,
    cookie: &str,
    pending: &PendingRenewal,
) -> Result<(), FlowError> {
    let bytes = serde_json::to_vec(pending)?;
    state
        .ephemeral
        .put(&renewal_key(cookie), bytes, RENEWAL_TTL)
        .await?;
    Ok(())
}

pub async fn load_renewal(
    state: &AppState,
    cookie: &str,
) -> Result<Option<PendingRenewal>, FlowError> {
    Ok(state
        .ephemeral
        .get(&renewal_key(cookie))
        .await?
        .and_then(|bytes| serde_json::from_slice(&bytes).ok()))
}

pub async fn end_renewal(state: &AppState, cookie: &str) -> Result<(), FlowError> {
    state.ephemeral.delete(&renewal_key(cookie)).await?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use poort_credentials::Password;
    use poort_policy::{CommonList, PasswordPolicy, PersonalField, Violation};

    use super::rule_violations;

    #[test]
    fn the_names_of_the_users_organisations_are_refused_like_their_own() {
        let policy = PasswordPolicy::default();
        let common = CommonList::empty();
        let password = Password::new("Zanzibar Logistics 2026!").unwrap();
        let orgs = ["Acme", "Zanzibar Logistics"];
        let refused = rule_violations(&policy, &common, &password, "a@b.example", None, &orgs);
        assert!(
            refused.iter().any(|v| matches!(
                v,
                Violation::ContainsPersonalInfo { field } if *field != PersonalField::Email
                    && *field != PersonalField::Name
            )),
            "{refused:?}"
        );
        let free = rule_violations(&policy, &common, &password, "a@b.example", None, &[]);
        assert!(
            !free
                .iter()
                .any(|v| matches!(v, Violation::ContainsPersonalInfo { .. })),
            "{free:?}"
        );
    }
}
