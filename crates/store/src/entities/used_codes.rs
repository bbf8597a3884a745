//! The `used_codes` row: a redeemed authorization code (by digest) and what it produced.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "used_codes")]
pub struct Model {
    /// Hex SHA-256 of the code.
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub digest: String,
    #[sea_orm(column_type = "Text")]
    pub client_id: String,
    /// The refresh-token family the redemption started, if the client gets refresh tokens.
    #[sea_orm(column_type = "Text", nullable)]
    pub family_id: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub access_jti: String,
    pub access_expires_at: i64,
    pub created_at: i64,
    pub expires_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
