//! Example relying party: a small web app that logs users in through Poort (or any
//! OpenID Connect provider) and shows who they are. See README.md for how to run it.

mod config;
mod http_client;
mod oidc;
mod pages;
mod routes;
mod session;

#[cfg(test)]
mod flow_tests;

use std::sync::Arc;

use anyhow::Context;
use tracing_subscriber::EnvFilter;

use crate::config::Config;
use crate::http_client::HttpClient;
use crate::oidc::Provider;
use crate::routes::AppState;
use crate::session::{SESSION_IDLE_TIMEOUT, SessionStore};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();

    let config = Config::from_env()?;
    let http = HttpClient::new()?;
    // Discovery runs once: the endpoints and signing keys are then fixed for this process.
    let provider = Provider::discover(&config, http)
        .await
        .with_context(|| format!("cannot reach the provider at {}", config.issuer.as_str()))?;

    let state = AppState {
        provider,
        sessions: SessionStore::new(SESSION_IDLE_TIMEOUT),
    };
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("cannot listen on {}", config.bind))?;
    tracing::info!(
        "example app on {} (logging in with {}, client {})",
        config.base_url,
        config.issuer.as_str(),
        config.client_id.as_str()
    );
    axum::serve(listener, routes::router(Arc::new(state)))
        .with_graceful_shutdown(async {
            // If the signal handler cannot be installed, run until killed.
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        })
        .await?;
    Ok(())
}
