//! Using a WebAuthn credential: as the second step after a password or a step-up (any of the
//! user's credentials, user verification as registered; counted by the per-user throttle like
//! a code), or a passkey instead of a password (discoverable, user verification required; the
//! authenticator names the account).

use poort_mfa::Amr;
use poort_store::entities::mfa_factors::Model as Factor;
use poort_store::mfa_factors::{self, KIND_WEBAUTHN};
use poort_store::users;
use serde::{Deserialize, Serialize};
use webauthn_rs::Webauthn;
use webauthn_rs::prelude::{
    AuthenticationResult, DiscoverableAuthentication, Passkey, PublicKeyCredential, SecurityKey,
    SecurityKeyAuthentication,
};

use super::super::super::FlowError;
use super::super::throttle;
use super::{CEREMONY_TTL, ceremony_key, encode_credential_id};
use crate::state::AppState;

const SECOND_FACTOR: &str = "2fa";
const PASSWORDLESS: &str = "passkey";

#[derive(Serialize, Deserialize)]
struct PendingSecondFactor {
    user_id: String,
    ceremony: SecurityKeyAuthentication,
}

/// Why an assertion did not log the user in.
#[derive(Debug, PartialEq, Eq)]
pub enum AssertionError {
    /// No ceremony for this browser (expired, used, or WebAuthn off).
    Expired,
    /// Unknown credential, wrong account, bad signature, no user verification...
    Rejected,
    /// Too many wrong second factors: refused without looking at the answer.
    Throttled,
}

/// `hwk` for a device-bound credential, `swk` for one that may be synced (backup eligible).
fn amr_of(result: &AuthenticationResult) -> Amr {
    match result.backup_eligible() {
        true => Amr::Swk,
        false => Amr::Hwk,
    }
}

/// A stored credential as the `SecurityKey` type. Both `Passkey` and `SecurityKey` serialise
/// as `{"cred": …}`, so either reads back as either (a unit test keeps this true).
fn as_security_key(factor: &Factor) -> Result<SecurityKey, FlowError> {
    let json = factor
        .credential
        .as_deref()
        .ok_or_else(|| FlowError::Corrupt(format!("factor {} has no credential", factor.id)))?;
    Ok(serde_json::from_str(json)?)
}

/// Challenges the user's credentials for the second step; the JSON options for
/// `navigator.credentials.get`, or `None` when they have none (or WebAuthn is off).
pub async fn start_second_factor(
    state: &AppState,
    cookie: &str,
    user_id: &str,
) -> Result<Option<String>, FlowError> {
    let Some(webauthn) = &state.webauthn else {
        return Ok(None);
    };
    let keys = mfa_factors::list_for_user(&state.db, user_id)
        .await?
        .iter()
        .filter(|f| f.kind == KIND_WEBAUTHN)
        .map(as_security_key)
        .collect::<Result<Vec<_>, _>>()?;
    if keys.is_empty() {
        return Ok(None);
    }
    let (options, ceremony) = webauthn
        .start_securitykey_authentication(&keys)
        .map_err(|e| FlowError::Corrupt(e.to_string()))?;
    let pending = PendingSecondFactor {
        user_id: user_id.to_owned(),
        ceremony,
    };
    state
        .ephemeral
        .put(
            &ceremony_key(SECOND_FACTOR, cookie),
            serde_json::to_vec(&pending)?,
            CEREMONY_TTL,
        )
        .await?;
    Ok(Some(serde_json::to_string(&options)?))
}

/// Verifies the browser's answer to the second-step challenge. The ceremony is used up first;
/// then the throttle reserves the attempt (a throttled answer is not verified), and a refused
/// answer counts as a wrong second factor.
pub async fn finish_second_factor(
    state: &AppState,
    cookie: &str,
    user_id: &str,
    credential_json: &str,
) -> Result<Result<Amr, AssertionError>, FlowError> {
    let Some(webauthn) = &state.webauthn else {
        return Ok(Err(AssertionError::Expired));
    };
    let pending = state
        .ephemeral
        .take(&ceremony_key(SECOND_FACTOR, cookie))
        .await?
        .and_then(|bytes| serde_json::from_slice::<PendingSecondFactor>(&bytes).ok())
        .filter(|p| p.user_id == user_id);
    let Some(pending) = pending else {
        return Ok(Err(AssertionError::Expired));
    };
    let Some(attempt) = throttle::reserve(state, user_id).await? else {
        return Ok(Err(AssertionError::Throttled));
    };
    let verified = verify_second_factor(state, webauthn, &pending, credential_json).await?;
    match &verified {
        Ok(_) => throttle::succeeded(state, attempt).await?,
        Err(_) => throttle::failed(state, attempt).await?,
    }
    Ok(verified)
}

/// Checks an answer against its ceremony and the user's stored credential; records the use.
async fn verify_second_factor(
    state: &AppState,
    webauthn: &Webauthn,
    pending: &PendingSecondFactor,
    credential_json: &str,
) -> Result<Result<Amr, AssertionError>, FlowError> {
    let user_id = pending.user_id.as_str();
    let Ok(answer) = serde_json::from_str::<PublicKeyCredential>(credential_json) else {
        return Ok(Err(AssertionError::Rejected));
    };
    let result = match webauthn.finish_securitykey_authentication(&answer, &pending.ceremony) {
        Ok(result) => result,
        Err(e) => {
            tracing::info!(user_id, error = %e, "WebAuthn second factor refused");
            return Ok(Err(AssertionError::Rejected));
        }
    };
    let factor =
        mfa_factors::find_by_credential_id(&state.db, &encode_credential_id(result.cred_id()))
            .await?
            .filter(|f| f.user_id == user_id);
    let Some(factor) = factor else {
        return Ok(Err(AssertionError::Rejected));
    };
    let mut key = as_security_key(&factor)?;
    let updated = match key.update_credential(&result) {
        Some(true) => Some(serde_json::to_string(&key)?),
        _ => None,
    };
    mfa_factors::record_webauthn_use(&state.db, &factor.id, updated.as_deref(), state.now())
        .await?;
    Ok(Ok(amr_of(&result)))
}

/// Challenges "any passkey" for the login page; the JSON options (with conditional
/// mediation, which the page drops for the button), or `None` when WebAuthn is off.
pub async fn start_passwordless(
    state: &AppState,
    cookie: &str,
) -> Result<Option<String>, FlowError> {
    let Some(webauthn) = &state.webauthn else {
        return Ok(None);
    };
    let (options, ceremony) = webauthn
        .start_discoverable_authentication()
        .map_err(|e| FlowError::Corrupt(e.to_string()))?;
    state
        .ephemeral
        .put(
            &ceremony_key(PASSWORDLESS, cookie),
            serde_json::to_vec(&ceremony)?,
            CEREMONY_TTL,
        )
        .await?;
    Ok(Some(serde_json::to_string(&options)?))
}

/// A passkey logged someone in.
#[derive(Debug)]
pub struct PasswordlessLogin {
    pub user_id: String,
    pub amr: Amr,
}

/// Verifies a passkey assertion: the credential must be a registered passkey of the account
/// the authenticator names, and the account must be active.
pub async fn finish_passwordless(
    state: &AppState,
    cookie: &str,
    credential_json: &str,
) -> Result<Result<PasswordlessLogin, AssertionError>, FlowError> {
    let Some(webauthn) = &state.webauthn else {
        return Ok(Err(AssertionError::Expired));
    };
    let ceremony = state
        .ephemeral
        .take(&ceremony_key(PASSWORDLESS, cookie))
        .await?
        .and_then(|bytes| serde_json::from_slice::<DiscoverableAuthentication>(&bytes).ok());
    let Some(ceremony) = ceremony else {
        return Ok(Err(AssertionError::Expired));
    };
    let Ok(answer) = serde_json::from_str::<PublicKeyCredential>(credential_json) else {
        return Ok(Err(AssertionError::Rejected));
    };
    let Ok((handle, credential_id)) = webauthn.identify_discoverable_authentication(&answer) else {
        return Ok(Err(AssertionError::Rejected));
    };
    let user_id = handle.to_string();
    let factor =
        mfa_factors::find_by_credential_id(&state.db, &encode_credential_id(credential_id))
            .await?
            .filter(|f| f.passkey && f.user_id == user_id);
    let Some(factor) = factor else {
        return Ok(Err(AssertionError::Rejected));
    };
    let json = factor.credential.as_deref().unwrap_or_default();
    let mut passkey: Passkey = serde_json::from_str(json)?;
    let result = match webauthn.finish_discoverable_authentication_v2(&answer, ceremony, &passkey) {
        Ok(result) => result,
        Err(e) => {
            tracing::info!(user_id, error = %e, "passkey login refused");
            return Ok(Err(AssertionError::Rejected));
        }
    };
    let active = users::find_by_id(&state.db, &user_id)
        .await?
        .is_some_and(|u| u.is_active());
    if !active {
        return Ok(Err(AssertionError::Rejected));
    }
    let updated = match passkey.update_credential(&result) {
        Some(true) => Some(serde_json::to_string(&passkey)?),
        _ => None,
    };
    mfa_factors::record_webauthn_use(&state.db, &factor.id, updated.as_deref(), state.now())
        .await?;
    Ok(Ok(PasswordlessLogin {
        user_id,
        amr: amr_of(&result),
    }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use webauthn_rs::prelude::{Passkey, SecurityKey};

    /// The storage format relies on `Passkey` and `SecurityKey` sharing one serde shape.
    #[test]
    fn passkey_and_security_key_share_their_serialised_form() {
        // A credential as webauthn-rs 0.6 stores it (ES256, "none" attestation).
        let json = r#"{"cred":{"cred_id":"AAEC","cred":{"type_":"ES256","key":{"EC_EC2":{"curve":"SECP256R1","x":"AQ","y":"Ag"}}},"counter":1,"transports":null,"user_verified":true,"backup_eligible":false,"backup_state":false,"registration_policy":"required","extensions":{"cred_protect":"NotRequested","hmac_create_secret":"NotRequested","appid":"NotRequested","cred_props":"Ignored"},"attestation":{"data":"None","metadata":"None"},"attestation_format":"none"}}"#;
        let passkey: Passkey = serde_json::from_str(json).unwrap();
        let as_key: SecurityKey =
            serde_json::from_str(&serde_json::to_string(&passkey).unwrap()).unwrap();
        assert_eq!(as_key.cred_id(), passkey.cred_id());
        let back: Passkey = serde_json::from_str(&serde_json::to_string(&as_key).unwrap()).unwrap();
        assert_eq!(
            serde_json::to_value(&back).unwrap(),
            serde_json::to_value(&passkey).unwrap()
        );
    }
}
