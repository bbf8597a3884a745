//! The `initial_access_tokens` row: permission to register clients dynamically (RFC 7591 §3).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "initial_access_tokens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub id: String,
    /// Hex SHA-256 of the token.
    #[sea_orm(column_type = "Text", unique)]
    pub token_digest: String,
    /// The organisation the clients it registers belong to; `None`: the platform.
    #[sea_orm(column_type = "Text", nullable)]
    pub org_id: Option<String>,
    /// Who minted it; `None`: the operator.
    #[sea_orm(column_type = "Text", nullable)]
    pub created_by: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub max_uses: i64,
    pub uses: i64,
    pub revoked_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
