//! Registering a WebAuthn credential from the account page: a security key or platform
//! authenticator as a second factor (user verification preferred), or a passkey (discoverable,
//! user verification required) that also logs in without a password.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use poort_store::StoreError;
use poort_store::entities::users::Model as User;
use poort_store::mfa_factors::{self, KIND_WEBAUTHN, NewFactor};
use serde::{Deserialize, Serialize};
use webauthn_rs::prelude::{
    Passkey, PasskeyRegistration, RegisterPublicKeyCredential, SecurityKey,
    SecurityKeyRegistration, Uuid,
};
use webauthn_rs_proto::ResidentKeyRequirement;

use super::super::super::FlowError;
use super::super::{Enrolled, factors, recovery};
use super::{CEREMONY_TTL, ceremony_key, encode_credential_id};
use crate::state::AppState;

/// What the user is adding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CredentialKind {
    SecurityKey,
    Passkey,
}

impl CredentialKind {
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "security_key" => Some(Self::SecurityKey),
            "passkey" => Some(Self::Passkey),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::SecurityKey => "security_key",
            Self::Passkey => "passkey",
        }
    }

    fn default_name(self) -> &'static str {
        match self {
            Self::SecurityKey => "Security key",
            Self::Passkey => "Passkey",
        }
    }
}

#[derive(Serialize, Deserialize)]
enum Ceremony {
    SecurityKey(SecurityKeyRegistration),
    Passkey(PasskeyRegistration),
}

#[derive(Serialize, Deserialize)]
struct Pending {
    user_id: String,
    ceremony: Ceremony,
}

const CEREMONY: &str = "reg";

/// The user's WebAuthn handle: their id, which is a UUID.
pub fn user_handle(user_id: &str) -> Result<Uuid, FlowError> {
    Uuid::parse_str(user_id)
        .map_err(|_| FlowError::Corrupt(format!("user id {user_id} is not a UUID")))
}

/// Starts a registration; the JSON options for `navigator.credentials.create`, or `None` when
/// WebAuthn is off.
pub async fn start(
    state: &AppState,
    cookie: &str,
    user: &User,
    kind: CredentialKind,
) -> Result<Option<String>, FlowError> {
    let Some(webauthn) = &state.webauthn else {
        return Ok(None);
    };
    let handle = user_handle(&user.id)?;
    // The same authenticator is not registered twice.
    let exclude: Vec<_> = mfa_factors::list_for_user(&state.db, &user.id)
        .await?
        .into_iter()
        .filter_map(|f| f.credential_id)
        .filter_map(|id| URL_SAFE_NO_PAD.decode(id).ok())
        .collect();
    let display_name = user.name.as_deref().unwrap_or(&user.email);
    let refused = |e: webauthn_rs::prelude::WebauthnError| FlowError::Corrupt(e.to_string());
    let (options, ceremony) = match kind {
        CredentialKind::SecurityKey => {
            let (options, registration) = webauthn
                .start_securitykey_registration(
                    handle,
                    &user.email,
                    display_name,
                    Some(exclude),
                    None,
                    None,
                )
                .map_err(refused)?;
            (options, Ceremony::SecurityKey(registration))
        }
        CredentialKind::Passkey => {
            let (mut options, registration) = webauthn
                .start_passkey_registration(handle, &user.email, display_name, Some(exclude))
                .map_err(refused)?;
            // A passkey must be discoverable: the login page finds the account through it.
            if let Some(selection) = options.public_key.authenticator_selection.as_mut() {
                selection.require_resident_key = true;
                selection.resident_key = Some(ResidentKeyRequirement::Required);
            }
            (options, Ceremony::Passkey(registration))
        }
    };
    let pending = Pending {
        user_id: user.id.clone(),
        ceremony,
    };
    state
        .ephemeral
        .put(
            &ceremony_key(CEREMONY, cookie),
            serde_json::to_vec(&pending)?,
            CEREMONY_TTL,
        )
        .await?;
    Ok(Some(serde_json::to_string(&options)?))
}

/// Why a registration did not store a credential.
#[derive(Debug, PartialEq, Eq)]
pub enum RegisterError {
    /// No ceremony for this browser (expired, used, or WebAuthn off).
    Expired,
    /// The browser's answer did not verify (wrong challenge, origin, or signature).
    Rejected,
    /// This credential is already registered.
    Duplicate,
    BadName(&'static str),
}

/// Verifies the browser's answer and stores the credential.
pub async fn finish(
    state: &AppState,
    cookie: &str,
    user_id: &str,
    name: &str,
    credential_json: &str,
) -> Result<Result<Enrolled, RegisterError>, FlowError> {
    let Some(webauthn) = &state.webauthn else {
        return Ok(Err(RegisterError::Expired));
    };
    // Checked before the ceremony is used up, so a bad name does not cost a new challenge.
    if let Err(why) = factors::clean_name(name, "-") {
        return Ok(Err(RegisterError::BadName(why)));
    }
    let pending = state
        .ephemeral
        .take(&ceremony_key(CEREMONY, cookie))
        .await?
        .and_then(|bytes| serde_json::from_slice::<Pending>(&bytes).ok())
        .filter(|p| p.user_id == user_id);
    let Some(pending) = pending else {
        return Ok(Err(RegisterError::Expired));
    };
    let kind = match &pending.ceremony {
        Ceremony::SecurityKey(_) => CredentialKind::SecurityKey,
        Ceremony::Passkey(_) => CredentialKind::Passkey,
    };
    let name = match factors::clean_name(name, kind.default_name()) {
        Ok(name) => name,
        Err(why) => return Ok(Err(RegisterError::BadName(why))),
    };
    let Ok(answer) = serde_json::from_str::<RegisterPublicKeyCredential>(credential_json) else {
        return Ok(Err(RegisterError::Rejected));
    };
    let verified = match &pending.ceremony {
        Ceremony::SecurityKey(registration) => webauthn
            .finish_securitykey_registration(&answer, registration)
            .map(|key: SecurityKey| {
                (
                    encode_credential_id(key.cred_id()),
                    serde_json::to_string(&key),
                )
            }),
        Ceremony::Passkey(registration) => webauthn
            .finish_passkey_registration(&answer, registration)
            .map(|key: Passkey| {
                (
                    encode_credential_id(key.cred_id()),
                    serde_json::to_string(&key),
                )
            }),
    };
    let (credential_id, credential) = match verified {
        Ok((id, json)) => (id, json?),
        Err(e) => {
            tracing::info!(user_id, error = %e, "WebAuthn registration refused");
            return Ok(Err(RegisterError::Rejected));
        }
    };
    let factor_id = poort_store::new_id();
    let audit = factors::added_entry(state, user_id, &factor_id, KIND_WEBAUTHN);
    let stored = mfa_factors::insert(
        &state.db,
        NewFactor {
            id: factor_id,
            user_id: user_id.to_owned(),
            kind: KIND_WEBAUTHN,
            name,
            secret: None,
            credential: Some(credential),
            credential_id: Some(credential_id),
            passkey: kind == CredentialKind::Passkey,
            last_used_step: None,
            created_at: state.now(),
        },
        Some(audit),
    )
    .await;
    let factor = match stored {
        Ok(factor) => factor,
        Err(StoreError::Conflict) => return Ok(Err(RegisterError::Duplicate)),
        Err(e) => return Err(e.into()),
    };
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
