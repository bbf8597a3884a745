//! TOTP authenticators: enrollment (a fresh seed, shown once as QR code and text, counted only
//! once a valid code confirms it) and the check at login (±1 step, replay refused through the
//! stored last step; every code takes its place in the per-user throttle before it is
//! checked). Seeds are encrypted with the master key, bound to the factor's id.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use poort_credentials::digest_secret;
use poort_mfa::{TotpCheck, TotpSecret, provisioning_uri, qr_svg, verify_totp};
use poort_store::entities::users::Model as User;
use poort_store::mfa_factors::{self, KIND_TOTP, NewFactor};
use serde::{Deserialize, Serialize};

use super::super::FlowError;
use super::{Enrolled, factors, recovery, throttle};
use crate::state::AppState;

/// How long an enrollment may sit between showing the QR code and confirming it.
const ENROLL_TTL: Duration = Duration::from_secs(15 * 60);

/// What the enrollment page shows. The seed is in here: render it only to its owner.
pub struct Enrollment {
    pub secret_base32: String,
    pub uri: String,
    pub qr_svg: String,
}

/// The seed waiting for confirmation (encrypted, as everything secret in the ephemeral store).
#[derive(Serialize, Deserialize)]
struct PendingEnrollment {
    user_id: String,
    sealed: String,
}

fn pending_key(cookie: &str) -> String {
    format!("mfa_totp_new:{}", digest_secret(cookie))
}

fn pending_context(user_id: &str) -> Vec<u8> {
    format!("totp-enrollment:{user_id}").into_bytes()
}

/// Associated data of a stored seed: moving a ciphertext to another row breaks it.
fn factor_context(factor_id: &str) -> Vec<u8> {
    format!("mfa_factors:{factor_id}").into_bytes()
}

fn unix_now(state: &AppState) -> u64 {
    u64::try_from(state.now()).unwrap_or(0)
}

/// The enrollment under way in this browser session (so a reload or a mistyped code shows
/// the same seed), or a new one.
pub async fn enrollment(
    state: &AppState,
    cookie: &str,
    user: &User,
) -> Result<Enrollment, FlowError> {
    let secret = match pending_secret(state, cookie, &user.id).await? {
        Some(secret) => secret,
        None => {
            let secret = TotpSecret::generate();
            let sealed = state
                .master_key
                .encrypt(secret.as_bytes(), &pending_context(&user.id))
                .map_err(|e| FlowError::Corrupt(e.to_string()))?;
            let pending = PendingEnrollment {
                user_id: user.id.clone(),
                sealed: STANDARD.encode(sealed),
            };
            state
                .ephemeral
                .put(
                    &pending_key(cookie),
                    serde_json::to_vec(&pending)?,
                    ENROLL_TTL,
                )
                .await?;
            secret
        }
    };
    let uri = provisioning_uri(
        &secret,
        state.config.service_name.trim(),
        &account_label(user),
    )
    .map_err(|e| FlowError::Corrupt(e.to_string()))?;
    let qr_svg = qr_svg(&uri).map_err(|e| FlowError::Corrupt(e.to_string()))?;
    Ok(Enrollment {
        secret_base32: secret.to_base32(),
        uri,
        qr_svg,
    })
}

/// The seed of this session's enrollment, if it is this user's.
async fn pending_secret(
    state: &AppState,
    cookie: &str,
    user_id: &str,
) -> Result<Option<TotpSecret>, FlowError> {
    let pending = state
        .ephemeral
        .get(&pending_key(cookie))
        .await?
        .and_then(|bytes| serde_json::from_slice::<PendingEnrollment>(&bytes).ok())
        .filter(|p| p.user_id == user_id);
    let Some(pending) = pending else {
        return Ok(None);
    };
    let sealed = STANDARD
        .decode(&pending.sealed)
        .map_err(|e| FlowError::Corrupt(e.to_string()))?;
    Ok(Some(open_secret(
        state,
        &sealed,
        &pending_context(user_id),
    )?))
}

/// The account name in the app: the email, unless it has a `:` the URI format forbids.
fn account_label(user: &User) -> String {
    user.email.replace(':', "")
}

/// Why a confirmation did not enroll the authenticator.
#[derive(Debug, PartialEq, Eq)]
pub enum EnrollError {
    /// The enrollment expired or was started in another browser.
    Expired,
    WrongCode,
    Throttled,
    BadName(&'static str),
}

/// Checks the code against the pending seed; if right, stores the factor.
pub async fn confirm_enrollment(
    state: &AppState,
    cookie: &str,
    user_id: &str,
    name: &str,
    code: &str,
) -> Result<Result<Enrolled, EnrollError>, FlowError> {
    let name = match factors::clean_name(name, "Authenticator app") {
        Ok(name) => name,
        Err(why) => return Ok(Err(EnrollError::BadName(why))),
    };
    let Some(secret) = pending_secret(state, cookie, user_id).await? else {
        return Ok(Err(EnrollError::Expired));
    };
    let Some(attempt) = throttle::reserve(state, user_id).await? else {
        return Ok(Err(EnrollError::Throttled));
    };
    let step = match verify_totp(&secret, code, unix_now(state), None) {
        TotpCheck::Valid { step } => step,
        TotpCheck::Invalid | TotpCheck::Replayed => {
            throttle::failed(state, attempt).await?;
            return Ok(Err(EnrollError::WrongCode));
        }
    };
    throttle::succeeded(state, attempt).await?;
    // Only one confirmation of this enrollment may store a factor.
    if state.ephemeral.take(&pending_key(cookie)).await?.is_none() {
        return Ok(Err(EnrollError::Expired));
    }
    let id = poort_store::new_id();
    let sealed = state
        .master_key
        .encrypt(secret.as_bytes(), &factor_context(&id))
        .map_err(|e| FlowError::Corrupt(e.to_string()))?;
    let audit = super::factors::added_entry(state, user_id, &id, KIND_TOTP);
    let factor = mfa_factors::insert(
        &state.db,
        NewFactor {
            id,
            user_id: user_id.to_owned(),
            kind: KIND_TOTP,
            name,
            secret: Some(sealed),
            credential: None,
            credential_id: None,
            passkey: false,
            // The confirming code is spent: it cannot also be used to log in.
            last_used_step: Some(i64::try_from(step).unwrap_or(i64::MAX)),
            created_at: state.now(),
        },
        Some(audit),
    )
    .await?;
    let added = crate::mail::MailTemplate::FactorAdded {
        name: factor.name.clone(),
    };
    crate::mail::notify_user_id(state, user_id, added).await;
    let recovery_codes = recovery::issue_if_none(state, user_id).await?;
    Ok(Ok(Enrolled {
        factor,
        recovery_codes,
    }))
}

fn open_secret(state: &AppState, sealed: &[u8], context: &[u8]) -> Result<TotpSecret, FlowError> {
    let bytes = state
        .master_key
        .decrypt(sealed, context)
        .map_err(|e| FlowError::Corrupt(e.to_string()))?;
    TotpSecret::from_bytes(&bytes).map_err(|e| FlowError::Corrupt(e.to_string()))
}

/// The answer to a code typed at login.
#[derive(Debug, PartialEq, Eq)]
pub enum Verified {
    Accepted,
    Invalid,
    /// Right, but already used (by this login or a racing one).
    Replayed,
    Throttled,
}

/// Checks `code` against each of the user's authenticators, once the throttle has reserved
/// the attempt (a throttled code is not checked at all).
pub async fn verify_login(
    state: &AppState,
    user_id: &str,
    code: &str,
) -> Result<Verified, FlowError> {
    let Some(attempt) = throttle::reserve(state, user_id).await? else {
        return Ok(Verified::Throttled);
    };
    let now = unix_now(state);
    let mut replayed = false;
    for factor in mfa_factors::list_for_user(&state.db, user_id).await? {
        if factor.kind != KIND_TOTP {
            continue;
        }
        let Some(sealed) = factor.secret.as_deref() else {
            return Err(FlowError::Corrupt(format!(
                "TOTP factor {} has no seed",
                factor.id
            )));
        };
        let secret = open_secret(state, sealed, &factor_context(&factor.id))?;
        let last = factor.last_used_step.and_then(|s| u64::try_from(s).ok());
        match verify_totp(&secret, code, now, last) {
            TotpCheck::Valid { step } => {
                let step = i64::try_from(step).unwrap_or(i64::MAX);
                if mfa_factors::advance_totp_step(&state.db, &factor.id, step, state.now()).await? {
                    throttle::succeeded(state, attempt).await?;
                    return Ok(Verified::Accepted);
                }
                // Another request used this step between our read and our write.
                replayed = true;
            }
            TotpCheck::Replayed => replayed = true,
            TotpCheck::Invalid => {}
        }
    }
    throttle::failed(state, attempt).await?;
    Ok(match replayed {
        true => Verified::Replayed,
        false => Verified::Invalid,
    })
}
