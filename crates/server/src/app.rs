//! Building and running the server: `App::build(config)` wires the database, the ephemeral store,
//! the keys and the clock into an `AppState`; `serve` runs it until shutdown.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use poort_oidc::discovery::{AuthorizationServerMetadata, provider_metadata};
use poort_oidc::jose::SigningAlg;
use poort_store::Db;
use poort_store::ephemeral::{Ephemeral, EphemeralError, MemoryStore, RedisStore};
use tokio::net::TcpListener;

use crate::cache::Caches;
use crate::clock::{SharedClock, SystemClock};
use crate::config::{Config, ConfigError};
use crate::hashing::HashingPool;
use crate::keyring::{self, KeyError, KeyRing};
use crate::master_key::{MasterKey, MasterKeyError};
use crate::metrics::{CountingEphemeral, Metrics};
use crate::password_settings::PasswordSettings;
use crate::state::{AppState, SharedState, keep_retired_secs};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("database: {0}")]
    Store(#[from] poort_store::StoreError),
    #[error("master key: {0}")]
    MasterKey(#[from] MasterKeyError),
    #[error("signing keys: {0}")]
    Keys(#[from] KeyError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("ephemeral store: {0}")]
    Ephemeral(#[from] EphemeralError),
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsError),
}

pub struct App {
    pub state: SharedState,
    /// The certificate when Poort serves TLS itself (`[tls]`), read at start so a bad file
    /// stops the start with its path.
    tls: Option<Arc<crate::tls::ReloadingCert>>,
}

pub fn hashing_pool(config: &Config) -> Result<HashingPool, StartError> {
    let hasher = crate::password_settings::hasher(config)?;
    Ok(HashingPool::new(
        hasher,
        config.hashing_concurrency,
        config.hashing_queue,
    ))
}

pub fn master_key(config: &Config) -> Result<MasterKey, MasterKeyError> {
    match &config.master_key {
        Some(text) => MasterKey::parse(text),
        None => MasterKey::load_or_create_file(&config.data_dir.join("master.key")),
    }
}

/// Redis when `redis_url` is set (several nodes share it), otherwise this process's memory.
pub fn open_ephemeral(config: &Config) -> Result<Arc<dyn Ephemeral>, StartError> {
    Ok(match &config.redis_url {
        Some(url) => Arc::new(RedisStore::new(url, &config.redis_key_prefix)?),
        None => Arc::new(MemoryStore::new()),
    })
}

/// Opens (creating and migrating if needed) the configured database.
pub async fn open_database(config: &Config) -> Result<Db, StartError> {
    if config.database_url.is_none() {
        std::fs::create_dir_all(&config.data_dir)?;
    }
    Ok(poort_store::connect(&config.database_url()).await?)
}

impl App {
    pub async fn build(config: Config) -> Result<App, StartError> {
        Self::build_with(config, Arc::new(SystemClock)).await
    }

    /// As `build`, with an injected clock (tests move time forward with it).
    pub async fn build_with(config: Config, clock: SharedClock) -> Result<App, StartError> {
        config.validate()?;
        let access_token_alg: SigningAlg = config.access_token_alg.parse().map_err(|_| {
            ConfigError::Invalid("access_token_alg must be RS256, ES256 or EdDSA".into())
        })?;
        let db = open_database(&config).await?;
        let master = master_key(&config)?;
        let keys = keyring::load(&db, &master, clock.now(), keep_retired_secs(&config)).await?;
        let mut metadata = provider_metadata(
            config.issuer(),
            &keyring::ALGS,
            &crate::flows::authorize::SUPPORTED_SCOPES,
            &[
                "sub",
                "iss",
                "aud",
                "exp",
                "iat",
                "auth_time",
                "nonce",
                "at_hash",
                "azp",
                "sid",
                "amr",
                "acr",
                "email",
                "email_verified",
                "name",
                "preferred_username",
                "updated_at",
            ],
        );
        if config.registration.enabled {
            metadata.registration_endpoint = Some(format!(
                "{}/register",
                config.issuer().trim_end_matches('/')
            ));
        }
        metadata.acr_values_supported = crate::flows::mfa::acr::ACR_VALUES_SUPPORTED
            .iter()
            .map(|v| (*v).to_owned())
            .collect();
        let discovery_json = serde_json::to_vec(&metadata)
            .map_err(|e| ConfigError::Invalid(format!("discovery document: {e}")))?;
        let oauth_metadata_json = serde_json::to_vec(&AuthorizationServerMetadata::from(&metadata))
            .map_err(|e| ConfigError::Invalid(format!("authorization server metadata: {e}")))?;
        let webauthn = crate::flows::mfa::webauthn::rp::relying_party(&config)?;
        let metrics = Arc::new(Metrics::new());
        let ephemeral = Arc::new(CountingEphemeral::new(
            open_ephemeral(&config)?,
            metrics.clone(),
        ));
        let caches = Caches::new(config.cache_ttl_secs);
        let mail = crate::mail::Mailer::from_config(&config)?;
        let outbound = crate::outbound::Outbound::new(&config.outbound)
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        let config_cache_ttl = config.cache_ttl_secs;
        let state = Arc::new(AppState {
            hashing: hashing_pool(&config)?,
            passwords: PasswordSettings::load(&config)?,
            config,
            rotations: poort_store::rotations::RotationQueue::spawn(db.clone()),
            db,
            ephemeral,
            keys: KeyRing::new(keys),
            clock,
            access_token_alg,
            discovery_json: discovery_json.into(),
            oauth_metadata_json: oauth_metadata_json.into(),
            master_key: master,
            metrics,
            webauthn,
            api_tokens: crate::flows::api_tokens::TokenCache::new(config_cache_ttl),
            caches,
            mail,
            outbound,
            markers: crate::flows::durable_markers::NodeMarkers::new(),
            backchannel: crate::backchannel::Backchannel::default(),
        });
        let tls = match state.config.tls.files().map_err(ConfigError::Invalid)? {
            Some((cert, key)) => Some(crate::tls::ReloadingCert::load(&cert, &key)?),
            None => None,
        };
        Ok(App { state, tls })
    }

    pub fn router(&self) -> Router {
        crate::http::router(self.state.clone())
    }

    /// Serves until `shutdown` resolves, then finishes in-flight requests; over TLS when `[tls]`
    /// names a certificate and key (`crate::tls`).
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let reload = tokio::spawn(reload_keys(self.state.clone()));
        let purge = tokio::spawn(crate::flows::retention::purge_periodically(
            self.state.clone(),
        ));
        let mail = tokio::spawn(crate::mail::worker::run(self.state.clone()));
        let logouts = tokio::spawn(crate::backchannel::worker::run(self.state.clone()));
        let sweep = tokio::spawn(crate::flows::api_tokens::sweep_expired_forever(
            self.state.clone(),
        ));
        let markers = tokio::spawn(crate::flows::durable_markers::watch(self.state.clone()));
        let router = self.router();
        let result = match self.tls.clone() {
            Some(cert) => {
                let tls = &self.state.config.tls;
                let every = Duration::from_secs(tls.reload_secs.max(1));
                let watch = tokio::spawn(crate::tls::watch(cert.clone(), every));
                let config = crate::tls::server_config(cert, tls.allow_tls12)
                    .map_err(std::io::Error::other)?;
                let listener = crate::tls::TlsListener::new(listener, config)?;
                // axum gives `ConnectInfo` for TCP listeners only: each connection's service
                // carries its peer address the same way (`http::client_ip` reads it).
                let make = tower::service_fn(
                    move |incoming: axum::serve::IncomingStream<'_, crate::tls::TlsListener>| {
                        let peer = axum::extract::ConnectInfo(*incoming.remote_addr());
                        let service = tower::Layer::layer(&axum::Extension(peer), router.clone());
                        async move { Ok::<_, std::convert::Infallible>(service) }
                    },
                );
                let served = axum::serve(listener, make)
                    .with_graceful_shutdown(shutdown)
                    .await;
                watch.abort();
                served
            }
            None => {
                let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
                axum::serve(listener, service)
                    .with_graceful_shutdown(shutdown)
                    .await
            }
        };
        reload.abort();
        purge.abort();
        mail.abort();
        logouts.abort();
        sweep.abort();
        markers.abort();
        result
    }
}

/// Picks up key rotations made by other nodes or the CLI.
async fn reload_keys(state: SharedState) {
    let every = Duration::from_secs(state.config.key_reload_secs.max(1));
    loop {
        tokio::time::sleep(every).await;
        match keyring::load(
            &state.db,
            &state.master_key,
            state.now(),
            state.keep_retired_secs(),
        )
        .await
        {
            Ok(keys) => state.keys.replace(keys),
            Err(e) => {
                tracing::warn!(error = %e, "reloading signing keys failed; keeping the current ones")
            }
        }
    }
}
