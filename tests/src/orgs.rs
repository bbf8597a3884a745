//! Helpers for the organisation tests: organisations and members set up through the flows
//! (as the operator), access tokens minted for a user with chosen scopes, and JSON calls to
//! the admin API.

use poort_oidc::scope::Scopes;
use poort_server::flows::access_token::{self, AccessTokenSubject};
use poort_server::flows::orgs::manage::{self, Authority};
use poort_server::flows::orgs::{Actor, OrgSettings};
use poort_store::entities::organisations::Model as Org;
use reqwest::{Method, StatusCode};

use crate::TestServer;

/// Every scope of the admin API.
pub const ALL_SCOPES: &str = "admin:read admin:write audit:read tokens:read tokens:write";

impl TestServer {
    /// Creates an organisation owned by the user with `owner_email` (who must exist).
    pub async fn create_org(&self, name: &str, owner_email: Option<&str>) -> anyhow::Result<Org> {
        let owner = match owner_email {
            Some(email) => Some(
                poort_store::users::find_by_login(&self.state.db, email)
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("no user {email}"))?,
            ),
            None => None,
        };
        let org = manage::create_org(
            &self.state.db,
            self.now(),
            &Actor::operator(),
            name,
            owner.as_ref(),
        )
        .await??;
        Ok(org)
    }

    /// Registers a confidential `client_credentials` client managed by `org_id` (allowed scope
    /// `reports.read`), as the operator; returns its id and secret.
    pub async fn create_org_client(&self, org_id: &str) -> anyhow::Result<(String, String)> {
        use poort_oidc::jose::SigningAlg;
        use poort_oidc::token_request::GrantType;
        use poort_server::flows::clients::{self, ClientInput};
        let created = clients::create(
            &self.state.db,
            ClientInput {
                name: "Org service".into(),
                redirect_uris: Vec::new(),
                post_logout_redirect_uris: Vec::new(),
                public: false,
                first_party: false,
                grant_types: vec![GrantType::ClientCredentials],
                id_token_alg: SigningAlg::ES256,
                allowed_scopes: vec!["reports.read".into()],
                audiences: Vec::new(),
                org_id: Some(org_id.to_owned()),
                pkce_required: true,
                web_origins: Vec::new(),
                backchannel_logout: None,
                token_exchange: None,
            },
            self.now(),
            &Actor::operator(),
        )
        .await?;
        let secret = created
            .secret
            .ok_or_else(|| anyhow::anyhow!("a confidential client has a secret"))?;
        Ok((created.client.id, secret))
    }

    /// Adds an existing user to `org` with `roles`, as the operator.
    pub async fn add_member(&self, org: &Org, email: &str, roles: &[&str]) -> anyhow::Result<()> {
        let roles = roles.iter().map(|r| (*r).to_owned()).collect();
        manage::add_member(
            &self.state.db,
            self.now(),
            &Actor::operator(),
            &Authority::Operator,
            org,
            email,
            roles,
        )
        .await??;
        Ok(())
    }

    /// Makes the user `user_id` a platform administrator, as `poort admin create` does.
    pub async fn make_platform_admin(&self, user_id: &str) -> anyhow::Result<()> {
        let now = self.now();
        let grant = poort_store::audit::NewAuditEntry {
            target: Some(user_id.to_owned()),
            ..poort_server::flows::audit::AuditEntry::new("platform_admin.granted").into_new(now)
        };
        poort_store::platform_admins::grant(&self.state.db, user_id, now, grant).await?;
        Ok(())
    }

    /// Applies `key=value` settings to `org`, as the operator.
    pub async fn set_org(&self, org_id: &str, assignments: &[&str]) -> anyhow::Result<()> {
        let org = poort_store::orgs::find(&self.state.db, org_id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no org {org_id}"))?;
        let assignments: Vec<String> = assignments.iter().map(|a| (*a).to_owned()).collect();
        let settings = OrgSettings::from_stored(&org.settings)?.with_assignments(&assignments)?;
        manage::update_settings(
            &self.state.db,
            self.now(),
            &Actor::operator(),
            &Authority::Operator,
            &org,
            settings,
        )
        .await??;
        Ok(())
    }

    /// An access token for `user_id` with `scope` (space-separated), as the token endpoint
    /// would issue it after a password login.
    pub fn access_token_for(&self, user_id: &str, scope: &str) -> anyhow::Result<String> {
        self.access_token_with(user_id, scope, &["pwd"])
    }

    /// [`Self::access_token_for`] after a login described by `amr` (e.g. `["pwd", "otp",
    /// "mfa"]`).
    pub fn access_token_with(
        &self,
        user_id: &str,
        scope: &str,
        amr: &[&str],
    ) -> anyhow::Result<String> {
        let scopes = Scopes::parse(scope).map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let amr: Vec<String> = amr.iter().map(|a| (*a).to_owned()).collect();
        let minted = access_token::mint(
            &self.state,
            AccessTokenSubject {
                sub: user_id,
                client_id: "admin-console",
                scopes: &scopes,
                auth_time: None,
                sid: None,
                amr: Some(&amr),
                audiences: None,
                act: None,
            },
        )?;
        Ok(minted.token)
    }

    /// Calls the admin API; returns the status, the JSON body (Null if none) and the
    /// `WWW-Authenticate` header.
    pub async fn api(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> anyhow::Result<ApiReply> {
        let mut request = reqwest::Client::new().request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await?;
        let status = response.status();
        let challenge = response
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let text = response.text().await?;
        let json = match content_type.starts_with("application/json") && !text.is_empty() {
            true => serde_json::from_str(&text)?,
            false => serde_json::Value::Null,
        };
        Ok(ApiReply {
            status,
            json,
            text,
            challenge,
        })
    }
}

#[derive(Debug)]
pub struct ApiReply {
    pub status: StatusCode,
    pub json: serde_json::Value,
    pub text: String,
    pub challenge: Option<String>,
}
