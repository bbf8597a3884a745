//! The `backchannel_logouts` row: one logout token to deliver to a client (or given up on).
//! The token is signed at each attempt; the row names whom it is about.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "backchannel_logouts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub id: String,
    #[sea_orm(column_type = "Text")]
    pub client_id: String,
    /// The user (`sub`); `None` when only the session is named.
    #[sea_orm(column_type = "Text", nullable)]
    pub sub: Option<String>,
    /// The session (`sid`); `None` when every session of `sub` at the client ends.
    #[sea_orm(column_type = "Text", nullable)]
    pub sid: Option<String>,
    pub attempts: i32,
    pub next_attempt_at: i64,
    pub claimed_until: i64,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub failed_at: Option<i64>,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
