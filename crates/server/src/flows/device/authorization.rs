//! The device authorization endpoint (RFC 8628 §3.1, §3.2): an authenticated client with the
//! device grant gets a device code to poll with and a user code for its user to type.

use poort_oidc::OAuthError;
use poort_oidc::device::{DeviceAuthorizationRequest, DeviceAuthorizationResponse};
use poort_oidc::resource::token_audiences;
use poort_oidc::token_request::GrantType;
use poort_store::clients::Client;

use super::super::FlowError;
use super::super::authorize::supported_only;
use super::records::{self, DeviceGrant};
use crate::state::AppState;

pub async fn start(
    state: &AppState,
    client: &Client,
    request: DeviceAuthorizationRequest,
) -> Result<Result<DeviceAuthorizationResponse, OAuthError>, FlowError> {
    if !client
        .grant_types
        .iter()
        .any(|g| g == GrantType::DeviceCode.as_str())
    {
        return Ok(Err(OAuthError::unauthorized_client(
            "this client may not use the device authorization grant",
        )));
    }
    // As at /authorize: scopes we do not know are left out; the resources must be the
    // client's audiences.
    let scope = supported_only(&request.scope.unwrap_or_default()).to_string();
    let resources = match token_audiences(&[], &client.audiences, &request.resource) {
        Ok(resources) => resources,
        Err(error) => return Ok(Err(error)),
    };
    let config = &state.config.device;
    let expires_at = state.now() + config.code_lifetime_secs;
    let created = records::create(state, |user_code| DeviceGrant {
        client_id: client.id.clone(),
        client_name: client.name.clone(),
        scope: scope.clone(),
        resources: resources.clone(),
        user_code,
        expires_at,
        interval: config.poll_interval_secs,
    })
    .await?;
    let Some((device_code, grant)) = created else {
        tracing::error!("no free user code after several draws");
        return Ok(Err(OAuthError::temporarily_unavailable(
            "no user code is available, try again",
        )));
    };
    Ok(Ok(DeviceAuthorizationResponse::new(
        state.issuer(),
        device_code,
        &grant.user_code,
        config.code_lifetime_secs,
        config.poll_interval_secs,
    )))
}
