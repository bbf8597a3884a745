//! Listing tokens, and deleting those expired long enough ago.

use poort_store::api_tokens as store;

use super::view::{TokenView, views};
use crate::flows::FlowError;
use crate::state::AppState;

pub async fn list_for_user(state: &AppState, user_id: &str) -> Result<Vec<TokenView>, FlowError> {
    views(store::list_for_user(&state.db, user_id).await?, state.now())
}

/// Every token of an organisation. The caller checks the `tokens.read` permission.
pub async fn list_for_org(state: &AppState, org_id: &str) -> Result<Vec<TokenView>, FlowError> {
    views(store::list_for_org(&state.db, org_id).await?, state.now())
}

/// Every token (operators, on the command line).
pub async fn list_all(state: &AppState) -> Result<Vec<TokenView>, FlowError> {
    views(store::list_all(&state.db).await?, state.now())
}

/// Deletes tokens expired more than `keep_expired_days` ago; returns how many.
pub async fn delete_expired(state: &AppState) -> Result<usize, FlowError> {
    let keep = i64::from(state.config.api_tokens.keep_expired_days) * 86_400;
    let deleted = store::delete_expired(&state.db, state.now() - keep).await?;
    for row in &deleted {
        let mut entry = crate::flows::audit::AuditEntry::about(
            "api_token.expired",
            &row.user_id,
            serde_json::json!({ "token_id": row.id }),
        );
        entry.actor = None;
        entry.org_id = row.org_id.clone();
        crate::flows::audit::record(state, entry).await?;
        tracing::info!(token_id = %row.id, user_id = %row.user_id, "expired API token deleted");
    }
    Ok(deleted.len())
}

/// Runs [`delete_expired`] every hour while the server serves (every node does; the deletes
/// are idempotent).
pub async fn sweep_expired_forever(state: crate::state::SharedState) {
    loop {
        tokio::time::sleep(std::time::Duration::from_secs(3_600)).await;
        if let Err(e) = delete_expired(&state).await {
            tracing::warn!(error = %e, "deleting expired API tokens failed; will retry");
        }
    }
}
