//! The user's side of a device authorization (RFC 8628 §3.3): the code typed on `/device`
//! (throttled, no hint when wrong), then a pending approval under a random `tx`, which the
//! normal login journey carries like an authorization request's (`/login?tx=`, second factor,
//! enrolment, renewal, all resuming at `/authorize/resume?tx=`, which sends it here), then the
//! confirmation page, whose answer the device's next poll finds.
//!
//! The confirmation names the client and the scopes and shows the user code again, so a
//! person sent a code by someone else (RFC 8628 §5.4) can see that it is not their device's.

use std::net::IpAddr;
use std::time::Duration;

use poort_credentials::generate_secret;
use poort_oidc::device::UserCode;
use poort_store::clients;
use serde::{Deserialize, Serialize};

use super::super::FlowError;
use super::super::mfa::gate;
use super::super::session::SessionUser;
use super::records::{self, Answer, Approval, DeviceGrant};
use super::throttle;
use crate::state::AppState;

/// Longest a pending approval waits for a login (never longer than its device code lives).
const PENDING_TTL: i64 = 30 * 60;

/// A user code that was found, waiting for the user to sign in and answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingApproval {
    /// The digest of the device code.
    pub device: String,
    pub grant: DeviceGrant,
}

/// What typing a user code led to.
#[derive(Debug)]
pub enum Entered {
    /// A live code: its approval continues under `tx`.
    Found { tx: String },
    /// Not a live, unanswered code: wrong, expired, or used. The same answer for each.
    Unknown,
    /// Too many attempts from this session or address: refused without a lookup.
    Throttled,
}

/// Where the browser goes next.
#[derive(Debug)]
pub enum Step {
    /// Sign in first; the login resumes the approval `tx`.
    Login { tx: String },
    /// A second-factor page first (enrolment required), resuming `tx` afterwards.
    Redirect(String),
    /// The confirmation page.
    Confirm(Box<PendingApproval>),
    /// The user answered: approved (true) or denied.
    Answered { approved: bool },
}

/// Why an approval cannot go on (our own error page).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No such pending approval (expired, or already answered).
    UnknownTransaction,
    /// The device code expired, or was answered meanwhile (from another browser).
    NoLongerPending,
}

/// The confirmation page of the approval `tx`.
pub fn confirm_url(tx: &str) -> String {
    format!("/device/confirm?tx={tx}")
}

fn pending_key(tx: &str) -> String {
    format!("device_tx:{tx}")
}

/// The user typed `typed` in the browser session `session` from `address`.
pub async fn enter(
    state: &AppState,
    session: &str,
    address: Option<IpAddr>,
    typed: &str,
) -> Result<Entered, FlowError> {
    if !throttle::admit(state, session, address).await? {
        return Ok(Entered::Throttled);
    }
    let Some(code) = UserCode::parse(typed) else {
        return Ok(Entered::Unknown);
    };
    let Some((device, grant)) = records::find_by_user_code(state, &code).await? else {
        return Ok(Entered::Unknown);
    };
    if !still_pending(state, &device, &grant).await? {
        return Ok(Entered::Unknown);
    }
    let tx = generate_secret(32);
    let ttl = (grant.expires_at - state.now()).clamp(1, PENDING_TTL);
    let pending = PendingApproval { device, grant };
    state
        .ephemeral
        .put(
            &pending_key(&tx),
            serde_json::to_vec(&pending)?,
            Duration::from_secs(ttl.unsigned_abs()),
        )
        .await?;
    Ok(Entered::Found { tx })
}

/// The pending approval `tx`, if there is one.
pub async fn load(state: &AppState, tx: &str) -> Result<Option<PendingApproval>, FlowError> {
    if tx.len() != 43 {
        return Ok(None);
    }
    match state.ephemeral.get(&pending_key(tx)).await? {
        Some(bytes) => Ok(serde_json::from_slice(&bytes).ok()),
        None => Ok(None),
    }
}

/// Whether `grant` can still be answered: not expired, still stored (not redeemed or
/// discarded), and not answered.
async fn still_pending(
    state: &AppState,
    device: &str,
    grant: &DeviceGrant,
) -> Result<bool, FlowError> {
    if grant.expires_at <= state.now() {
        return Ok(false);
    }
    if records::find(state, device).await?.is_none() {
        return Ok(false);
    }
    Ok(records::answer(state, device).await?.is_none())
}

/// Continues the approval `tx` for `user` (who may be nobody yet).
pub async fn resume(
    state: &AppState,
    tx: &str,
    user: Option<&SessionUser>,
) -> Result<Result<Step, Refusal>, FlowError> {
    let Some(pending) = load(state, tx).await? else {
        return Ok(Err(Refusal::UnknownTransaction));
    };
    if !still_pending(state, &pending.device, &pending.grant).await? {
        return Ok(Err(Refusal::NoLongerPending));
    }
    let Some(user) = user else {
        return Ok(Ok(Step::Login { tx: tx.to_owned() }));
    };
    // What /authorize requires of a session before a code: enrolment where 2FA is required.
    if let Some(gate) = gate::check_for(state, None, user).await? {
        return Ok(Ok(Step::Redirect(gate.url(tx))));
    }
    Ok(Ok(Step::Confirm(Box::new(pending))))
}

/// The user answered the confirmation page of `tx`.
pub async fn answer(
    state: &AppState,
    tx: &str,
    user: &SessionUser,
    approve: bool,
) -> Result<Result<Step, Refusal>, FlowError> {
    let pending = match resume(state, tx, Some(user)).await? {
        Ok(Step::Confirm(pending)) => pending,
        // Not (or no longer) answerable, or a gate first.
        other => return Ok(other),
    };
    let PendingApproval { device, grant } = *pending;
    let answer = match approve {
        true => Answer::Approved(Approval {
            user_id: user.user_id.clone(),
            auth_time: user.auth_time,
            amr: user.amr.clone(),
            sid: user.sid.clone(),
        }),
        false => Answer::Denied,
    };
    let given = records::give_answer(state, &device, &grant, &answer).await?;
    state.ephemeral.delete(&pending_key(tx)).await?;
    if !given {
        return Ok(Err(Refusal::NoLongerPending));
    }
    if approve {
        // As when a code is issued: the session has now signed in to this client.
        if let Some(client) = clients::find(&state.db, &grant.client_id).await? {
            super::super::backchannel_logout::record_sign_in(
                state,
                &client,
                &user.user_id,
                &user.sid,
            )
            .await?;
        }
    }
    Ok(Ok(Step::Answered { approved: approve }))
}
