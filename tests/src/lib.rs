//! Test harness for the end-to-end suite: starts real Poort servers in-process on port 0, each with a
//! fresh database (SQLite in a temp dir, or a new PostgreSQL database when `DATABASE_URL` is set),
//! and gives tests a browser (reqwest with a cookie store, redirects by hand) and an HTTP client
//! for the `openidconnect` relying party.

pub mod api_tokens;
pub mod authenticator;
pub mod backchannel;
pub mod browser;
pub mod chromium;
pub mod client_assertions;
pub mod database;
pub mod device;
pub mod forms;
pub mod jwt;
pub mod logs;
pub mod mfa;
pub mod node_rp;
pub mod openid_client;
pub mod orgs;
pub mod redis_keys;
pub mod redis_server;
pub mod rp;
pub mod smtp;
pub mod static_site;

use std::path::PathBuf;
use std::sync::Arc;

use poort_oidc::client_auth::ClientAuthMethod;
use poort_oidc::jose::SigningAlg;
use poort_oidc::token_request::GrantType;
use poort_server::flows::client_auth_settings::AuthSettings;
use poort_server::flows::clients::{self, ClientInput};
use poort_server::flows::users::{self, UserInput};
use poort_server::state::SharedState;
use poort_server::{App, Clock, Config, OffsetClock};
use tokio::sync::oneshot;

pub use browser::Browser;

/// A running server; stopped and its data removed when dropped.
pub struct TestServer {
    pub base: String,
    pub state: SharedState,
    pub clock: Arc<OffsetClock>,
    data_dir: PathBuf,
    shutdown: Option<oneshot::Sender<()>>,
    // Dropped after the shutdown signal: the database outlives the server.
    _backing: Backing,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// Where a server keeps its state. Nodes started with the same `Backing` form one deployment:
/// one database, one Redis key prefix, one master key.
#[derive(Clone, Debug)]
pub struct Backing {
    /// `None`: SQLite in the node's own temp data dir.
    pub database_url: Option<String>,
    /// `None`: the in-memory ephemeral store.
    pub redis_url: Option<String>,
    pub redis_key_prefix: String,
    /// `None`: a master key file created in the node's data dir.
    pub master_key: Option<String>,
    /// Drops the per-test PostgreSQL database when the last node and backing are gone.
    pub database_guard: Option<Arc<poort_store::testing::TestDb>>,
}

impl Backing {
    /// A fresh database (a new PostgreSQL database when `DATABASE_URL` is set, else SQLite) and,
    /// when `REDIS_URL` is set, Redis under a key prefix no other test uses.
    pub async fn fresh() -> anyhow::Result<Self> {
        let guard = database::fresh_database().await?.map(Arc::new);
        Ok(Self {
            database_url: guard.as_ref().map(|db| db.url().to_string()),
            database_guard: guard,
            redis_url: std::env::var("REDIS_URL").ok().filter(|u| !u.is_empty()),
            redis_key_prefix: fresh_redis_prefix(),
            master_key: None,
        })
    }

    /// State several nodes can share for durable data: PostgreSQL when `DATABASE_URL` is set,
    /// else one SQLite file; Redis when `REDIS_URL` is set. The nodes share a master key.
    pub async fn shareable() -> anyhow::Result<Self> {
        let mut backing = Self::fresh().await?;
        if backing.database_url.is_none() {
            let file = std::env::temp_dir().join(format!(
                "poort-e2e-shared-{}.db",
                uuid::Uuid::new_v4().simple()
            ));
            backing.database_url = Some(format!("sqlite://{}?mode=rwc", file.display()));
        }
        backing.master_key = Some(fresh_master_key());
        Ok(backing)
    }

    /// State several nodes can share: needs PostgreSQL (`DATABASE_URL`) and Redis
    /// (`REDIS_URL`); `None` when either is not configured. The nodes share a master key.
    pub async fn shared() -> anyhow::Result<Option<Self>> {
        let backing = Self::fresh().await?;
        if backing.database_url.is_none() || backing.redis_url.is_none() {
            return Ok(None);
        }
        Ok(Some(Self {
            master_key: Some(fresh_master_key()),
            ..backing
        }))
    }
}

/// 32 random bytes in hex, as `master_key` takes them.
pub fn fresh_master_key() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// A Redis key prefix of its own per test deployment, so tests sharing one Redis never meet.
pub fn fresh_redis_prefix() -> String {
    format!("poort-e2e:{}:", uuid::Uuid::new_v4().simple())
}

/// Starts a server with default configuration and fresh state, adjusted by `tweak`.
pub async fn start_server(tweak: impl FnOnce(&mut Config)) -> anyhow::Result<TestServer> {
    start_node(&Backing::fresh().await?, tweak).await
}

/// Starts a server on `backing` (shared with other nodes started on it), adjusted by `tweak`.
pub async fn start_node(
    backing: &Backing,
    tweak: impl FnOnce(&mut Config),
) -> anyhow::Result<TestServer> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let data_dir =
        std::env::temp_dir().join(format!("poort-e2e-{}", uuid::Uuid::new_v4().simple()));
    let mut config = Config {
        issuer: format!("http://{addr}"),
        bind: addr,
        data_dir: data_dir.clone(),
        database_url: backing.database_url.clone(),
        redis_url: backing.redis_url.clone(),
        redis_key_prefix: backing.redis_key_prefix.clone(),
        master_key: backing.master_key.clone(),
        // Small argon2 parameters keep the suite fast; the algorithm and code path are the real ones.
        argon2_memory_kib: 4096,
        argon2_iterations: 1,
        // Receivers of outbound requests (client key sets, back-channel logout) run on 127.0.0.1.
        outbound: poort_server::outbound::OutboundConfig {
            allow_loopback: true,
            ..Default::default()
        },
        ..Config::default()
    };
    tweak(&mut config);
    // Usually `http://{addr}`; tests that need a domain (WebAuthn) use `http://localhost:{port}`,
    // and tests with a made-up public issuer still reach the node by its address.
    let base = match config.issuer().ends_with(&format!(":{}", addr.port())) {
        true => config.issuer().to_string(),
        false => format!("http://{addr}"),
    };
    let clock = Arc::new(OffsetClock::default());
    let app = App::build_with(config, clock.clone()).await?;
    let state = app.state.clone();
    let (tx, rx) = oneshot::channel::<()>();
    tokio::spawn(app.serve(listener, async {
        let _ = rx.await;
    }));
    Ok(TestServer {
        base,
        state,
        clock,
        data_dir,
        shutdown: Some(tx),
        _backing: backing.clone(),
    })
}

/// What a test client looks like.
pub struct ClientSpec {
    pub public: bool,
    pub first_party: bool,
    pub grants: Vec<GrantType>,
    pub id_token_alg: SigningAlg,
    pub redirect_uri: String,
    pub post_logout_redirect_uri: String,
    /// For `client_credentials`: the scopes and resource URIs its tokens may carry.
    pub allowed_scopes: Vec<String>,
    pub audiences: Vec<String>,
    /// Whether authorization requests must carry PKCE. The server's default is `true`; the
    /// harness's clients are opted out (legacy confidential clients) so that tests about
    /// something else may redeem codes without a verifier. Tests of PKCE set it.
    pub pkce_required: bool,
    /// Web origins (CORS) registered for it; empty: the default.
    pub web_origins: Vec<String>,
    /// Where its logout tokens go (Back-Channel Logout), e.g. a [`backchannel::LogoutReceiver`];
    /// checked by the server's outbound policy (the harness allows loopback).
    pub backchannel_logout_uri: Option<String>,
    /// How it authenticates at the token endpoint: `None` is the default for its kind (a secret
    /// by Basic or POST, `none` for a public client). `jwks` (a JWKS document) or `jwks_uri`
    /// go with `private_key_jwt`; the harness registers them without the outbound check.
    pub auth_method: Option<ClientAuthMethod>,
    pub jwks: Option<String>,
    pub jwks_uri: Option<String>,
    /// Its token exchange registration (RFC 8693; with the grant).
    pub token_exchange: Option<poort_store::clients::TokenExchange>,
}

impl Default for ClientSpec {
    fn default() -> Self {
        Self {
            public: false,
            first_party: true,
            grants: vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
            id_token_alg: SigningAlg::RS256,
            redirect_uri: "http://127.0.0.1:9999/callback".into(),
            post_logout_redirect_uri: "http://127.0.0.1:9999/".into(),
            allowed_scopes: Vec::new(),
            audiences: Vec::new(),
            pkce_required: false,
            web_origins: Vec::new(),
            backchannel_logout_uri: None,
            auth_method: None,
            jwks: None,
            jwks_uri: None,
            token_exchange: None,
        }
    }
}

pub struct TestClient {
    pub id: String,
    pub secret: Option<String>,
    pub redirect_uri: String,
    pub post_logout_redirect_uri: String,
}

impl TestServer {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    pub async fn create_user(&self, email: &str, password: &str) -> anyhow::Result<String> {
        let user = users::create(
            &self.state.db,
            &self.state.hashing,
            UserInput {
                email: email.into(),
                username: None,
                name: Some("Test User".into()),
                password: password.into(),
            },
            self.now(),
        )
        .await?;
        Ok(user.id)
    }

    pub async fn create_client(&self, spec: ClientSpec) -> anyhow::Result<TestClient> {
        let backchannel_logout = match &spec.backchannel_logout_uri {
            Some(uri) => Some(clients::BackchannelLogout::check(
                &self.state.outbound,
                uri,
                true,
            )?),
            None => None,
        };
        let auth = AuthSettings {
            method: spec.auth_method,
            jwks: spec.jwks,
            jwks_uri: spec.jwks_uri,
        };
        let created = clients::create_with_auth(
            &self.state.db,
            &self.state.master_key,
            ClientInput {
                name: "Test app".into(),
                redirect_uris: vec![spec.redirect_uri.clone()],
                post_logout_redirect_uris: vec![spec.post_logout_redirect_uri.clone()],
                public: spec.public,
                first_party: spec.first_party,
                grant_types: spec.grants,
                id_token_alg: spec.id_token_alg,
                allowed_scopes: spec.allowed_scopes,
                audiences: spec.audiences,
                org_id: None,
                // A public client cannot be opted out.
                pkce_required: spec.pkce_required || spec.public,
                web_origins: spec.web_origins,
                backchannel_logout,
                token_exchange: spec.token_exchange,
            },
            auth,
            self.now(),
            &poort_server::flows::orgs::Actor::operator(),
        )
        .await?;
        Ok(TestClient {
            id: created.client.id,
            secret: created.secret,
            redirect_uri: spec.redirect_uri,
            post_logout_redirect_uri: spec.post_logout_redirect_uri,
        })
    }

    pub fn browser(&self) -> Browser {
        Browser::new(&self.base)
    }
}

/// Test user credentials used by the helpers below.
pub const EMAIL: &str = "grace@example.com";
pub const PASSWORD: &str = "a long and unguessable passphrase";

/// A PKCE pair (RFC 7636 S256).
pub struct Pkce {
    pub verifier: String,
    pub challenge: String,
}

impl Pkce {
    pub fn new() -> Self {
        let verifier = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        let challenge = poort_oidc::pkce::challenge_s256(&verifier);
        Self {
            verifier,
            challenge,
        }
    }
}

impl Default for Pkce {
    fn default() -> Self {
        Self::new()
    }
}

impl TestServer {
    /// An authorize URL for `client` with sane defaults; `params` add to or replace them
    /// (an empty value removes a default).
    pub fn authorize_url(&self, client: &TestClient, params: &[(&str, &str)]) -> String {
        let mut all: Vec<(String, String)> = vec![
            ("client_id".into(), client.id.clone()),
            ("redirect_uri".into(), client.redirect_uri.clone()),
            ("response_type".into(), "code".into()),
            ("scope".into(), "openid email".into()),
            ("state".into(), "st4te".into()),
            ("nonce".into(), "n0nce".into()),
        ];
        for (name, value) in params {
            all.retain(|(n, _)| n != name);
            if !value.is_empty() {
                all.push((name.to_string(), value.to_string()));
            }
        }
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(all)
            .finish();
        self.url(&format!("/authorize?{query}"))
    }

    /// Logs in (if needed) and returns an authorization code issued with `pkce`.
    pub async fn obtain_code(
        &self,
        browser: &Browser,
        client: &TestClient,
        pkce: Option<&Pkce>,
    ) -> anyhow::Result<String> {
        let mut params = vec![];
        if let Some(p) = pkce {
            params.push(("code_challenge", p.challenge.as_str()));
            params.push(("code_challenge_method", "S256"));
        }
        let url = self.authorize_url(client, &params);
        let back = browser.login_through(&url, EMAIL, PASSWORD).await?.away()?;
        browser::Landing::query(&back, "code").ok_or_else(|| anyhow::anyhow!("no code in {back}"))
    }

    /// POSTs a form to the token endpoint, authenticating with HTTP Basic when the client has a secret.
    pub async fn token(
        &self,
        client: &TestClient,
        form: &[(&str, &str)],
    ) -> anyhow::Result<reqwest::Response> {
        let http = reqwest::Client::new();
        let mut request = http.post(self.url("/token")).form(form);
        match &client.secret {
            Some(secret) => request = request.basic_auth(&client.id, Some(secret)),
            None => {
                let mut with_id: Vec<(&str, &str)> = form.to_vec();
                with_id.push(("client_id", &client.id));
                request = http.post(self.url("/token")).form(&with_id);
            }
        }
        Ok(request.send().await?)
    }

    /// Redeems a code; returns the parsed JSON and the status.
    pub async fn redeem(
        &self,
        client: &TestClient,
        code: &str,
        verifier: Option<&str>,
    ) -> anyhow::Result<(reqwest::StatusCode, serde_json::Value)> {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", client.redirect_uri.as_str()),
        ];
        if let Some(v) = verifier {
            form.push(("code_verifier", v));
        }
        let response = self.token(client, &form).await?;
        let status = response.status();
        Ok((status, response.json().await?))
    }
}

/// A server with the standard test user and one client.
pub async fn setup(
    spec: ClientSpec,
    tweak: impl FnOnce(&mut Config),
) -> anyhow::Result<(TestServer, TestClient, Browser)> {
    let server = start_server(tweak).await?;
    server.create_user(EMAIL, PASSWORD).await?;
    let client = server.create_client(spec).await?;
    let browser = server.browser();
    Ok((server, client, browser))
}
