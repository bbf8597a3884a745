//! The npm `openid-client` relying party (`tests/interop/openid-client/rp.mjs`) with a test
//! server and the user's browser: the end-to-end interop tests drive it step by step.

use poort_oidc::jose::SigningAlg;
use serde_json::{Value, json};

use crate::browser::Browser;
use crate::node_rp::NodeRp;
use crate::{ClientSpec, EMAIL, PASSWORD, TestClient, TestServer, start_server};

/// A server with the test user, a browser, and the JavaScript relying party.
pub struct Interop {
    pub server: TestServer,
    pub browser: Browser,
    pub rp: NodeRp,
    pub user_id: String,
}

impl Interop {
    pub async fn start() -> anyhow::Result<Self> {
        Self::start_with(|_| {}).await
    }

    /// The same with the server's configuration adjusted by `tweak`.
    pub async fn start_with(tweak: impl FnOnce(&mut poort_server::Config)) -> anyhow::Result<Self> {
        let rp = NodeRp::start()?;
        let server = start_server(tweak).await?;
        let user_id = server.create_user(EMAIL, PASSWORD).await?;
        let browser = server.browser();
        Ok(Self {
            server,
            browser,
            rp,
            user_id,
        })
    }

    /// Registers `spec` with Poort and has the script discover the provider (OIDC discovery)
    /// for it under `name`, authenticating with `auth`.
    pub async fn register(
        &mut self,
        name: &str,
        spec: ClientSpec,
        auth: &str,
    ) -> anyhow::Result<(TestClient, Value)> {
        let alg = spec.id_token_alg.as_str();
        let client = self.server.create_client(spec).await?;
        let discovered = self
            .discover(name, &client, auth, alg, "oidc", json!({}))
            .await?;
        Ok((client, discovered))
    }

    /// Has the script discover the provider (`algorithm`: "oidc" or "oauth2") and register
    /// `client` under `name`; `extra` adds registration fields for the script (a private key).
    pub async fn discover(
        &mut self,
        name: &str,
        client: &TestClient,
        auth: &str,
        alg: &str,
        algorithm: &str,
        extra: Value,
    ) -> anyhow::Result<Value> {
        let mut command = json!({
            "step": "discovery",
            "client": name,
            "issuer": self.server.base,
            "algorithm": algorithm,
            "registration": {
                "id": client.id,
                "secret": client.secret,
                "auth": auth,
                "alg": alg,
                "redirect_uri": client.redirect_uri,
                "post_logout_redirect_uri": client.post_logout_redirect_uri,
            },
        });
        if let (Some(registration), Value::Object(more)) =
            (command["registration"].as_object_mut(), extra)
        {
            registration.extend(more);
        }
        self.rp.ok(&self.browser, command).await
    }

    /// Runs `step` for client `name` with `extra` parameters; it must succeed.
    pub async fn ok(&mut self, step: &str, name: &str, extra: Value) -> anyhow::Result<Value> {
        self.rp.ok(&self.browser, command(step, name, extra)).await
    }

    /// Runs `step` for client `name`; it must fail with the OAuth error `error`.
    pub async fn fails(
        &mut self,
        step: &str,
        name: &str,
        extra: Value,
        error: &str,
    ) -> anyhow::Result<String> {
        self.rp
            .fails(&self.browser, command(step, name, extra), error)
            .await
    }

    /// The code flow's result, checked: our user, the registered algorithm, an email.
    pub async fn sign_in(
        &mut self,
        name: &str,
        alg: SigningAlg,
        extra: Value,
    ) -> anyhow::Result<Value> {
        let result = self.ok("code", name, extra).await?;
        assert_eq!(result["sub"], self.user_id.as_str(), "{result}");
        assert_eq!(result["alg"], alg.as_str(), "{result}");
        assert_eq!(result["email"], EMAIL, "{result}");
        assert!(
            result["token_type"]
                .as_str()
                .is_some_and(|t| t.eq_ignore_ascii_case("bearer")),
            "{result}"
        );
        Ok(result)
    }
}

pub fn command(step: &str, name: &str, extra: Value) -> Value {
    let mut command = json!({ "step": step, "client": name });
    if let (Some(all), Value::Object(more)) = (command.as_object_mut(), extra) {
        all.extend(more);
    }
    command
}

/// A confidential web app with PKCE required, ID tokens signed with `alg`.
pub fn web_app(alg: SigningAlg) -> ClientSpec {
    ClientSpec {
        id_token_alg: alg,
        pkce_required: true,
        ..ClientSpec::default()
    }
}
