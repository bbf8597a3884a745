//! Revoking tokens: in the database (scoped, idempotent), then announced to every node.

use poort_store::api_tokens::{self as store, RevokeScope};

use super::authenticate::announce_revocation;
use super::view::TokenView;
use crate::flows::FlowError;
use crate::state::AppState;

/// Revokes token `id` if `scope` covers it; `None` when there is no such token within it (the
/// same answer as for a missing id, so ids of others reveal nothing).
pub async fn revoke(
    state: &AppState,
    id: &str,
    scope: RevokeScope<'_>,
) -> Result<Option<TokenView>, FlowError> {
    if id.is_empty() || id.len() > 64 {
        return Ok(None);
    }
    let now = state.now();
    let Some(row) = store::revoke(&state.db, id, scope, now).await? else {
        return Ok(None);
    };
    announce_revocation(state, &row.id, &row.digest).await?;
    if row.revoked_at == Some(now) {
        let mut entry = crate::flows::audit::AuditEntry::about(
            "api_token.revoked",
            &row.user_id,
            serde_json::json!({ "token_id": row.id }),
        );
        entry.org_id = row.org_id.clone();
        crate::flows::audit::record(state, entry).await?;
        tracing::info!(token_id = %row.id, user_id = %row.user_id, "API token revoked");
    }
    Ok(Some(TokenView::from_row(row, now)?))
}

/// A member left `org_id`: revokes the tokens they minted for it. The caller (organisation
/// membership, issue 5) checks who may do this.
pub async fn revoke_for_member_of_org(
    state: &AppState,
    org_id: &str,
    user_id: &str,
) -> Result<Vec<TokenView>, FlowError> {
    let now = state.now();
    let rows = store::revoke_for_member_of_org(&state.db, org_id, user_id, now).await?;
    let mut views = Vec::with_capacity(rows.len());
    for row in rows {
        announce_revocation(state, &row.id, &row.digest).await?;
        let mut entry = crate::flows::audit::AuditEntry::about(
            "api_token.revoked",
            &row.user_id,
            serde_json::json!({ "token_id": row.id, "reason": "left_organisation" }),
        );
        entry.org_id = row.org_id.clone();
        crate::flows::audit::record(state, entry).await?;
        views.push(TokenView::from_row(row, now)?);
    }
    Ok(views)
}
