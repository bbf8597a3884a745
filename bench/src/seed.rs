//! Seeding the database the server will open, through the product's own layers and never
//! through HTTP: users and clients with the CLI's flows (real argon2id hashes at the configured
//! parameters), refresh tokens and the big scale data set with the store's bulk inserts.

use poort_credentials::{digest_secret, generate_secret};
use poort_oidc::jose::SigningAlg;
use poort_oidc::token_request::GrantType;
use poort_server::Config;
use poort_server::app::{hashing_pool, open_database};
use poort_server::flows::clients::{self as client_flow, ClientInput};
use poort_server::flows::users::{self as user_flow, UserInput};
use poort_store::clients::NewClient;
use poort_store::refresh_tokens::{self, NewRefreshToken};
use poort_store::users::{self, NewUser};
use poort_store::{Db, new_id};

use crate::scenario::ClientCreds;

pub const PASSWORD: &str = "correct horse battery staple";
pub const REDIRECT_URI: &str = "http://127.0.0.1:9/callback";
const REFRESH_SCOPE: &str = "openid email profile offline_access";
/// Rows per bulk call (one transaction each), so a million rows never sit in memory at once.
const BULK_BATCH: usize = 50_000;

pub struct Seeded {
    /// Confidential client allowed `client_credentials` (token phases, introspection caller).
    pub service: ClientCreds,
    /// First-party web app: authorization_code + refresh_token, ID tokens in ES256.
    pub web: ClientCreds,
    /// Login users, one per login connection.
    pub emails: Vec<String>,
    pub first_user_id: String,
}

/// The fixed data every run needs: clients, `users` login users, nothing else.
pub async fn setup(config: &Config, users_count: usize, now: i64) -> anyhow::Result<Seeded> {
    let db = open_database(config).await?;
    let hashing = hashing_pool(config)?;
    let mut emails = Vec::new();
    let mut first_user_id = String::new();
    for n in 0..users_count.max(1) {
        let email = format!("bench{n}@bench.example");
        let user = user_flow::create(
            &db,
            &hashing,
            UserInput {
                email: email.clone(),
                username: None,
                name: Some(format!("Bench User {n}")),
                password: PASSWORD.into(),
            },
            now,
        )
        .await?;
        if n == 0 {
            first_user_id = user.id;
        }
        emails.push(email);
    }
    let service = client_flow::create(
        &db,
        ClientInput {
            name: "bench service".into(),
            redirect_uris: Vec::new(),
            post_logout_redirect_uris: Vec::new(),
            public: false,
            first_party: true,
            grant_types: vec![GrantType::ClientCredentials],
            id_token_alg: SigningAlg::ES256,
            allowed_scopes: Vec::new(),
            audiences: Vec::new(),
            org_id: None,
            pkce_required: true,
            web_origins: Vec::new(),
            backchannel_logout: None,
            token_exchange: None,
        },
        now,
        &poort_server::flows::orgs::Actor::operator(),
    )
    .await?;
    let web = client_flow::create(
        &db,
        ClientInput {
            name: "bench web app".into(),
            redirect_uris: vec![REDIRECT_URI.into()],
            post_logout_redirect_uris: Vec::new(),
            public: false,
            first_party: true,
            grant_types: vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
            id_token_alg: SigningAlg::ES256,
            allowed_scopes: Vec::new(),
            audiences: Vec::new(),
            org_id: None,
            pkce_required: true,
            web_origins: Vec::new(),
            backchannel_logout: None,
            token_exchange: None,
        },
        now,
        &poort_server::flows::orgs::Actor::operator(),
    )
    .await?;
    db.close().await?;
    let creds = |created: client_flow::CreatedClient| -> anyhow::Result<ClientCreds> {
        let secret = created
            .secret
            .ok_or_else(|| anyhow::anyhow!("a confidential client has a secret"))?;
        Ok(ClientCreds::new(&created.client.id, &secret))
    };
    Ok(Seeded {
        service: creds(service)?,
        web: creds(web)?,
        emails,
        first_user_id,
    })
}

fn refresh_row(token: &str, client_id: &str, user_id: &str, now: i64) -> NewRefreshToken {
    NewRefreshToken {
        id: new_id(),
        token_digest: digest_secret(token),
        family_id: new_id(),
        client_id: client_id.to_string(),
        user_id: user_id.to_string(),
        scope: REFRESH_SCOPE.into(),
        resources: Vec::new(),
        auth_time: now,
        amr: vec!["pwd".into()],
        sid: Some(new_id()),
        access_jti: new_id(),
        access_expires_at: now,
        created_at: now,
        expires_at: now + 30 * 24 * 3600,
    }
}

/// `count` fresh refresh tokens of `client_id` for `user_id`; returns the tokens themselves.
pub async fn refresh_tokens_for(
    config: &Config,
    client_id: &str,
    user_id: &str,
    count: usize,
    now: i64,
) -> anyhow::Result<Vec<String>> {
    let db = open_database(config).await?;
    let tokens: Vec<String> = (0..count).map(|_| generate_secret(32)).collect();
    let rows = tokens
        .iter()
        .map(|t| refresh_row(t, client_id, user_id, now))
        .collect();
    refresh_tokens::insert_many(&db, rows).await?;
    db.close().await?;
    Ok(tokens)
}

/// One API token of `user_id` (scopes `profile:read tokens:read`, a year), stored as the
/// product stores it; returns the secret, for the introspection phase.
pub async fn api_token_for(config: &Config, user_id: &str, now: i64) -> anyhow::Result<String> {
    let db = open_database(config).await?;
    let token = poort_api_tokens::ApiToken::generate();
    poort_store::api_tokens::insert(
        &db,
        poort_store::api_tokens::NewApiToken {
            user_id: user_id.to_owned(),
            org_id: None,
            name: "bench".into(),
            digest: token.digest(),
            hint: token.hint(),
            scopes: vec!["profile:read".into(), "tokens:read".into()],
            expires_at: now + 365 * 86_400,
            amr: vec!["cli".into()],
        },
        now,
        |_| poort_store::audit::NewAuditEntry::new(now, "api_token.minted"),
    )
    .await?;
    db.close().await?;
    Ok(token.as_str().to_owned())
}

pub struct ScaleCounts {
    pub users: usize,
    pub clients: usize,
    pub refresh_tokens: usize,
}

#[derive(Debug, serde::Serialize)]
pub struct ScaleReport {
    pub users: usize,
    pub clients: usize,
    pub refresh_tokens: usize,
    pub seconds: f64,
    pub password_hash: &'static str,
}

/// The scale data set: users (all with one precomputed hash — a million argon2id hashes would
/// take hours), clients, and refresh tokens spread over them.
pub async fn scale(config: &Config, counts: &ScaleCounts, now: i64) -> anyhow::Result<ScaleReport> {
    let started = std::time::Instant::now();
    let db = open_database(config).await?;
    let hash = hashing_pool(config)?
        .hasher()
        .hash(&poort_credentials::Password::new(PASSWORD)?)?
        .into_string();
    let mut user_ids = Vec::with_capacity(counts.users);
    let mut n = 0;
    while n < counts.users {
        let batch: Vec<NewUser> = (n..(n + BULK_BATCH).min(counts.users))
            .map(|i| NewUser {
                email: format!("scale{i}@scale.example"),
                username: Some(format!("scale{i}")),
                name: Some(format!("Scale User {i}")),
                password_hash: Some(hash.clone()),
            })
            .collect();
        n += batch.len();
        user_ids.extend(users::create_many(&db, batch, now).await?);
    }
    let client_ids: Vec<String> = (0..counts.clients).map(|_| new_id()).collect();
    for chunk in client_ids.chunks(BULK_BATCH) {
        let batch = chunk
            .iter()
            .map(|id| NewClient {
                id: id.clone(),
                name: "scale client".into(),
                secret_digest: Some(digest_secret(&generate_secret(32))),
                public: false,
                first_party: false,
                redirect_uris: vec!["https://app.scale.example/callback".into()],
                post_logout_redirect_uris: Vec::new(),
                grant_types: vec!["authorization_code".into(), "refresh_token".into()],
                id_token_alg: "RS256".into(),
                allowed_scopes: Vec::new(),
                audiences: Vec::new(),
                web_origins: Vec::new(),
                auth: Default::default(),
                token_exchange: None,
                org_id: None,
                pkce_required: true,
                backchannel_logout_uri: None,
                backchannel_logout_session_required: true,
            })
            .collect();
        poort_store::clients::create_many(&db, batch, now).await?;
    }
    insert_scale_tokens(&db, &user_ids, &client_ids, counts.refresh_tokens, now).await?;
    db.close().await?;
    Ok(ScaleReport {
        users: counts.users,
        clients: counts.clients,
        refresh_tokens: counts.refresh_tokens,
        seconds: started.elapsed().as_secs_f64(),
        password_hash: "one precomputed argon2id hash shared by all scale users",
    })
}

async fn insert_scale_tokens(
    db: &Db,
    user_ids: &[String],
    client_ids: &[String],
    count: usize,
    now: i64,
) -> anyhow::Result<()> {
    if user_ids.is_empty() || client_ids.is_empty() {
        return Ok(());
    }
    let mut n = 0;
    while n < count {
        let batch = (n..(n + BULK_BATCH).min(count))
            .map(|i| {
                refresh_row(
                    &generate_secret(32),
                    &client_ids[i % client_ids.len()],
                    &user_ids[(i * 7919) % user_ids.len()],
                    now,
                )
            })
            .collect::<Vec<_>>();
        n += batch.len();
        refresh_tokens::insert_many(db, batch).await?;
    }
    Ok(())
}
