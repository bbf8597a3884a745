//! What a login was started for, when it carries a `tx`: an authorization request (answer its
//! redirect URI) or a device's user code (complete that device's authorization). The login
//! journey's pages carry the `tx` and resume at `/authorize/resume?tx=`, which continues
//! either; they only need what to show: the client's name, the request's languages and login
//! hint. One journey, whatever it is for.

use super::super::FlowError;
use super::super::authorize;
use super::super::device::verification;
use crate::state::AppState;

/// What the login page shows of the request it signs in for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Interaction {
    pub client_name: String,
    /// The request's `ui_locales`.
    pub ui_locales: Option<String>,
    pub login_hint: Option<String>,
}

/// The interaction `tx` names, if any.
pub async fn load(state: &AppState, tx: &str) -> Result<Option<Interaction>, FlowError> {
    if tx.is_empty() {
        return Ok(None);
    }
    if let Some(pending) = authorize::load_pending(state, tx).await? {
        return Ok(Some(Interaction {
            client_name: pending.client_name,
            ui_locales: pending.request.ui_locales,
            login_hint: pending.request.login_hint,
        }));
    }
    Ok(verification::load(state, tx)
        .await?
        .map(|pending| Interaction {
            client_name: pending.grant.client_name,
            ui_locales: None,
            login_hint: None,
        }))
}
