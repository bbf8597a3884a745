//! Changing a registered client: every change a request asks for (web origins, audiences,
//! PKCE, back-channel logout, how it authenticates) is checked first, then written in one
//! transaction with one audit entry per kind of change, so a request changes all it asks or
//! nothing, also when the database fails half-way. The admin API's PATCH and `poort client
//! update` both come here.

use poort_oidc::token_request::GrantType;
use poort_store::Db;
use poort_store::clients::{self, Client, ClientScope, SettingsChange, TokenExchange};
use serde_json::json;

use super::audit::AuditEntry;
use super::client_auth_settings::{AuthSettings, plan_change};
use super::clients::{
    BackchannelLogout, CreateClientError, check_audiences, check_name, check_redirect_uris,
    check_web_origins, org_of,
};
use super::orgs::Actor;
use crate::master_key::MasterKey;
use crate::outbound::Outbound;

/// What to change; `None` leaves a setting as it is.
#[derive(Debug, Default)]
pub struct ClientChanges {
    pub name: Option<String>,
    /// The redirect URIs; a client with the authorization_code grant keeps at least one.
    pub redirect_uris: Option<Vec<String>>,
    pub post_logout_redirect_uris: Option<Vec<String>>,
    /// The registered web origins; empty: back to the default.
    pub web_origins: Option<Vec<String>>,
    pub audiences: Option<Vec<String>>,
    pub pkce_required: Option<bool>,
    /// Where logout tokens go; `""` removes it.
    pub backchannel_logout_uri: Option<String>,
    pub backchannel_logout_session_required: Option<bool>,
    pub auth: Option<AuthSettings>,
    /// Its token exchange registration; `Some(None)` removes it.
    pub token_exchange: Option<Option<TokenExchange>>,
}

impl ClientChanges {
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.redirect_uris.is_none()
            && self.post_logout_redirect_uris.is_none()
            && self.web_origins.is_none()
            && self.audiences.is_none()
            && self.pkce_required.is_none()
            && self.backchannel_logout_uri.is_none()
            && self.backchannel_logout_session_required.is_none()
            && self.auth.is_none()
            && self.token_exchange.is_none()
    }
}

/// The client after the change (and before it, for forgetting cached copies), and its new
/// secret when the change issued one (shown once).
pub struct UpdatedClient {
    pub client: Client,
    pub previous: Client,
    pub secret: Option<String>,
}

/// Where the checks and writes of an update look: the database, the master key (a
/// `client_secret_jwt` secret is sealed) and the outbound policy (logout URIs).
pub struct UpdateContext<'a> {
    pub db: &'a Db,
    pub master_key: &'a MasterKey,
    pub outbound: &'a Outbound,
}

/// Applies `changes` to client `id` within `scope`: `Ok(None)` when there is no such client
/// (another organisation's is as missing as an unknown one), the first refusal when a change
/// is not acceptable, and then nothing is written. The caller forgets cached copies; other
/// nodes see the change within `cache_ttl_secs`.
pub async fn update(
    context: &UpdateContext<'_>,
    id: &str,
    scope: ClientScope<'_>,
    changes: ClientChanges,
    now: i64,
    actor: &Actor,
) -> Result<Option<UpdatedClient>, CreateClientError> {
    let Some(current) = clients::find(context.db, id).await? else {
        return Ok(None);
    };
    if let ClientScope::Org(org_id) = scope
        && current.org_id.as_deref() != Some(org_id)
    {
        return Ok(None);
    }
    let entry = |action: &'static str, details: serde_json::Value| {
        AuditEntry {
            target: Some(id.to_owned()),
            details,
            ..actor.entry(action, org_of(scope))
        }
        .into_new(now)
    };
    let mut change = SettingsChange::default();
    let mut audit = Vec::new();
    if let Some(name) = changes.name {
        let name = check_name(&name)?;
        audit.push(entry("client.updated", json!({ "name": name })));
        change.name = Some(name);
    }
    if let Some(uris) = changes.redirect_uris {
        let uris = check_redirect_uris(uris)?;
        let code_grant = current
            .grant_types
            .iter()
            .any(|g| g == GrantType::AuthorizationCode.as_str());
        if code_grant && uris.is_empty() {
            return Err(CreateClientError::NoRedirectUri);
        }
        audit.push(entry("client.updated", json!({ "redirect_uris": uris })));
        change.redirect_uris = Some(uris);
    }
    if let Some(uris) = changes.post_logout_redirect_uris {
        let uris = check_redirect_uris(uris)?;
        audit.push(entry(
            "client.updated",
            json!({ "post_logout_redirect_uris": uris }),
        ));
        change.post_logout_redirect_uris = Some(uris);
    }
    if let Some(origins) = changes.web_origins {
        let origins = check_web_origins(origins)?;
        audit.push(entry(
            "client.web_origins_changed",
            json!({ "web_origins": origins }),
        ));
        change.web_origins = Some(origins);
    }
    if let Some(audiences) = changes.audiences {
        let audiences = check_audiences(audiences)?;
        audit.push(entry(
            "client.audiences_changed",
            json!({ "audiences": audiences }),
        ));
        change.audiences = Some(audiences);
    }
    if let Some(required) = changes.pkce_required {
        if current.public && !required {
            return Err(CreateClientError::PublicWithoutPkce);
        }
        audit.push(entry(
            "client.updated",
            json!({ "pkce_required": required }),
        ));
        change.pkce_required = Some(required);
    }
    if let Some(setting) = changes.token_exchange {
        let setting = super::client_token_exchange::check_change(&current, setting)?;
        audit.push(entry(
            "client.updated",
            json!({ "token_exchange": setting }),
        ));
        change.token_exchange = Some(setting);
    }
    if changes.backchannel_logout_uri.is_some()
        || changes.backchannel_logout_session_required.is_some()
    {
        let uri = changes
            .backchannel_logout_uri
            .or(current.backchannel_logout_uri.clone());
        let required = changes
            .backchannel_logout_session_required
            .unwrap_or(current.backchannel_logout_session_required);
        let checked = match uri.as_deref() {
            None | Some("") => None,
            Some(uri) => Some(BackchannelLogout::check(context.outbound, uri, required)?),
        };
        let uri = checked.as_ref().map(|b| b.uri().to_owned());
        let required = checked
            .as_ref()
            .is_none_or(BackchannelLogout::session_required);
        audit.push(entry(
            "client.updated",
            json!({
                "backchannel_logout_uri": uri,
                "backchannel_logout_session_required": required,
            }),
        ));
        change.backchannel_logout = Some((uri, required));
    }
    let mut secret = None;
    if let Some(settings) = changes.auth {
        let planned = plan_change(context.master_key, &current, settings)?;
        audit.push(entry("client.auth_changed", planned.details));
        change.auth = Some((planned.columns, planned.digest));
        secret = planned.secret;
    }
    if !clients::change_settings(context.db, id, scope, change, audit).await? {
        return Ok(None);
    }
    let Some(client) = clients::find(context.db, id).await? else {
        return Ok(None);
    };
    Ok(Some(UpdatedClient {
        client,
        previous: current,
        secret,
    }))
}
