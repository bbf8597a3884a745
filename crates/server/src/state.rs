//! `AppState`: everything a request needs, built once by `App::build` and shared. No globals, so a
//! test can run several servers in one process.

use std::sync::Arc;

use poort_oidc::jose::SigningAlg;
use poort_store::Db;
use poort_store::ephemeral::Ephemeral;

use crate::cache::Caches;
use crate::clock::SharedClock;
use crate::config::Config;
use crate::hashing::HashingPool;
use crate::keyring::KeyRing;
use crate::master_key::MasterKey;
use crate::metrics::Metrics;
use crate::password_settings::PasswordSettings;

pub struct AppState {
    pub config: Config,
    pub db: Db,
    pub ephemeral: Arc<dyn Ephemeral>,
    pub keys: KeyRing,
    pub clock: SharedClock,
    pub hashing: HashingPool,
    /// Password policy, common-password list and lockout rules.
    pub passwords: PasswordSettings,
    pub access_token_alg: SigningAlg,
    /// The discovery document, serialised once: it never changes while running.
    pub discovery_json: axum::body::Bytes,
    /// The RFC 8414 metadata, taken from the discovery document and serialised once.
    pub oauth_metadata_json: axum::body::Bytes,
    pub master_key: MasterKey,
    pub metrics: Arc<Metrics>,
    /// The WebAuthn relying party; `None` when WebAuthn is off (see `flows::mfa::webauthn::rp`).
    pub webauthn: Option<webauthn_rs::Webauthn>,
    /// Verified tokens, clients and users on the hot read paths (cache.rs).
    pub caches: Caches,
    /// Outgoing mail: the transport the queue worker sends through (mail/).
    pub mail: crate::mail::Mailer,
    /// Requests to other servers (client key sets, back-channel logout), under one policy.
    pub outbound: crate::outbound::Outbound,
    /// Live API tokens by digest, revoked through a shared marker (flows/api_tokens).
    pub api_tokens: crate::flows::api_tokens::TokenCache,
    /// Refresh-token rotations, committed in groups by one writer task (store `rotations`).
    pub rotations: poort_store::rotations::RotationQueue,
    /// How far this node knows the security markers go (flows/durable_markers).
    pub markers: crate::flows::durable_markers::NodeMarkers,
}

pub type SharedState = Arc<AppState>;

impl AppState {
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    pub fn issuer(&self) -> &str {
        self.config.issuer()
    }

    /// Retired signing keys stay published this long: the longest lifetime of a token they signed.
    pub fn keep_retired_secs(&self) -> i64 {
        keep_retired_secs(&self.config)
    }
}

pub fn keep_retired_secs(config: &Config) -> i64 {
    config.access_token_ttl_secs.max(config.id_token_ttl_secs) + 300
}
