//! The `client_registrations` row: a dynamically registered client and the digest of its
//! registration access token (RFC 7592).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "client_registrations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub client_id: String,
    /// Hex SHA-256 of the registration access token.
    #[sea_orm(column_type = "Text", unique)]
    pub token_digest: String,
    #[sea_orm(column_type = "Text")]
    pub initial_token_id: String,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
