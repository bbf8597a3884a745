//! The `session_clients` row: a client a browser session signed in to (Back-Channel Logout).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "session_clients")]
pub struct Model {
    /// The session's public id (`sid` in its ID tokens), never the cookie.
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub sid: String,
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub client_id: String,
    #[sea_orm(column_type = "Text")]
    pub user_id: String,
    pub created_at: i64,
    /// When the session ends at the latest; the row is swept after it.
    pub expires_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
