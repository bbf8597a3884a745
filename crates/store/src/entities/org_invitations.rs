//! The `org_invitations` row: one single-use, expiring invitation to an organisation.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "org_invitations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub id: String,
    #[sea_orm(column_type = "Text")]
    pub org_id: String,
    #[sea_orm(column_type = "Text")]
    pub email: String,
    /// JSON array of role names.
    #[sea_orm(column_type = "Text")]
    pub roles: String,
    #[sea_orm(column_type = "Text", unique)]
    pub token_digest: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub invited_by: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub used_by: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
