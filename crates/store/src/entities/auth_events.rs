//! The `auth_events` row: one failed login, lockout, unlock or password change.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "auth_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub id: String,
    /// What happened, e.g. `login_failed`; see `poort_store::auth_events::Kind`.
    #[sea_orm(column_type = "Text")]
    pub kind: String,
    /// The account concerned, if one exists (set to NULL if it is deleted later).
    #[sea_orm(column_type = "Text", nullable)]
    pub user_id: Option<String>,
    /// The user id, or `login:<sha256 hex of the lower-cased login>` when no account matched.
    #[sea_orm(column_type = "Text")]
    pub subject: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub ip: Option<String>,
    pub at: i64,
    /// JSON object of details.
    #[sea_orm(column_type = "Text")]
    pub details: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::UserId",
        to = "super::users::Column::Id",
        on_delete = "SetNull"
    )]
    User,
}

impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
