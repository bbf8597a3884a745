//! The identity an API token's owner may read with `profile:read` (`GET /api/v1/me`).

use serde::Serialize;

use crate::flows::FlowError;
use crate::state::AppState;

#[derive(Debug, Clone, Serialize)]
pub struct Profile {
    pub sub: String,
    pub email: String,
    pub email_verified: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_username: Option<String>,
}

/// `None` if the owner no longer exists (deleted since the token was checked).
pub async fn profile(state: &AppState, user_id: &str) -> Result<Option<Profile>, FlowError> {
    let user = poort_store::users::find_by_id(&state.db, user_id).await?;
    Ok(user.map(|user| Profile {
        sub: user.id,
        email: user.email,
        email_verified: user.email_verified,
        name: user.name,
        preferred_username: user.username,
    }))
}
