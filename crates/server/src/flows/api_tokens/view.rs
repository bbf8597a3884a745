//! A token as its owner, an organisation admin or an operator sees it: never the secret.

use poort_store::entities::api_tokens::Model;
use serde::Serialize;

use crate::flows::FlowError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenStatus {
    Active,
    Expired,
    Revoked,
}

impl TokenStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TokenView {
    pub id: String,
    pub user_id: String,
    pub org_id: Option<String>,
    pub name: String,
    pub hint: String,
    pub scopes: Vec<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub last_used_at: Option<i64>,
    pub last_used_ip: Option<String>,
    pub revoked_at: Option<i64>,
    pub status: TokenStatus,
}

impl TokenView {
    pub fn from_row(row: Model, now: i64) -> Result<Self, FlowError> {
        let scopes = row.scope_values()?;
        let status = match (row.revoked_at, row.expires_at <= now) {
            (Some(_), _) => TokenStatus::Revoked,
            (None, true) => TokenStatus::Expired,
            (None, false) => TokenStatus::Active,
        };
        Ok(Self {
            id: row.id,
            user_id: row.user_id,
            org_id: row.org_id,
            name: row.name,
            hint: row.hint,
            scopes,
            created_at: row.created_at,
            expires_at: row.expires_at,
            last_used_at: row.last_used_at,
            last_used_ip: row.last_used_ip,
            revoked_at: row.revoked_at,
            status,
        })
    }
}

pub(super) fn views(rows: Vec<Model>, now: i64) -> Result<Vec<TokenView>, FlowError> {
    rows.into_iter()
        .map(|row| TokenView::from_row(row, now))
        .collect()
}
