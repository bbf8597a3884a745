//! Revoking tokens: in the database (scoped, idempotent), then announced to every node.

use poort_store::api_tokens::{self as store, RevokeScope};

use super::authenticate::announce_revocation;
use super::view::TokenView;
use crate::flows::FlowError;
use crate::flows::audit::AuditEntry;
use crate::flows::orgs::Actor;
use crate::state::AppState;

/// Revokes token `id` if `scope` covers it; `None` when there is no such token within it (the
/// same answer as for a missing id, so ids of others reveal nothing).
pub async fn revoke(
    state: &AppState,
    id: &str,
    scope: RevokeScope<'_>,
) -> Result<Option<TokenView>, FlowError> {
    revoke_by(state, id, scope, None).await
}

/// [`revoke`] by someone other than the token's owner (an organisation's admin or support
/// staff), whom the audit entry names as actor (and in its `staff` column when staff).
pub async fn revoke_by(
    state: &AppState,
    id: &str,
    scope: RevokeScope<'_>,
    by: Option<&Actor>,
) -> Result<Option<TokenView>, FlowError> {
    if id.is_empty() || id.len() > 64 {
        return Ok(None);
    }
    let now = state.now();
    let audit = |row: &poort_store::entities::api_tokens::Model| {
        revoked_entry(row, serde_json::json!({ "token_id": row.id }), by).into_new(now)
    };
    let Some(row) = store::revoke(&state.db, id, scope, now, audit).await? else {
        return Ok(None);
    };
    announce_revocation(state, &row.id, &row.digest).await?;
    if row.revoked_at == Some(now) {
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
    revoke_for_member_of_org_by(state, org_id, user_id, None).await
}

/// [`revoke_for_member_of_org`], the entries naming `by` (who removed the member) as actor.
pub async fn revoke_for_member_of_org_by(
    state: &AppState,
    org_id: &str,
    user_id: &str,
    by: Option<&Actor>,
) -> Result<Vec<TokenView>, FlowError> {
    let now = state.now();
    let audit = |row: &poort_store::entities::api_tokens::Model| {
        let details = serde_json::json!({ "token_id": row.id, "reason": "left_organisation" });
        revoked_entry(row, details, by).into_new(now)
    };
    let rows = store::revoke_for_member_of_org(&state.db, org_id, user_id, now, audit).await?;
    let mut views = Vec::with_capacity(rows.len());
    for row in rows {
        announce_revocation(state, &row.id, &row.digest).await?;
        views.push(TokenView::from_row(row, now)?);
    }
    Ok(views)
}

/// The `api_token.revoked` entry, naming `by` (when given) as the actor, with its staff
/// identity and address.
fn revoked_entry(
    row: &poort_store::entities::api_tokens::Model,
    details: serde_json::Value,
    by: Option<&Actor>,
) -> AuditEntry {
    let mut entry = AuditEntry::about("api_token.revoked", &row.user_id, details);
    entry.org_id = row.org_id.clone();
    if let Some(by) = by {
        entry.actor = by.user_id.clone();
        entry.staff = by.staff_id();
        entry.ip = by.ip;
        entry.user_agent = by.user_agent.clone();
    }
    entry
}
