//! The `users` row: one person who can log in.

use std::fmt;

use sea_orm::entity::prelude::*;

#[derive(Clone, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub id: String,
    /// Always lower-case.
    #[sea_orm(column_type = "Text", unique)]
    pub email: String,
    #[sea_orm(column_type = "Text", nullable, unique)]
    pub username: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub name: Option<String>,
    /// PHC string; `None` for accounts without a password (e.g. invited, not yet set).
    #[sea_orm(column_type = "Text", nullable)]
    pub password_hash: Option<String>,
    pub email_verified: bool,
    pub disabled: bool,
    pub password_changed_at: Option<i64>,
    /// An admin asked for a new password: the next login goes to the "choose a new password" page.
    pub force_password_change: bool,
    /// When an admin last cleared this account's lockout; the lockout counters are keyed by it.
    pub unlocked_at: Option<i64>,
    /// When the account was deleted: it is disabled from then on, restorable until the
    /// retention period has passed, and then purged.
    pub deleted_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    /// The language the user chose (`en`, `nl`, `fr`); `None`: the browser's.
    #[sea_orm(column_type = "Text", nullable)]
    pub locale: Option<String>,
}

impl Model {
    /// May sign in and use tokens: neither disabled nor deleted.
    pub fn is_active(&self) -> bool {
        !self.disabled && self.deleted_at.is_none()
    }
}

// Written by hand so a logged row never shows the password hash.
impl fmt::Debug for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("users::Model")
            .field("id", &self.id)
            .field("email", &self.email)
            .field("username", &self.username)
            .field("name", &self.name)
            .field(
                "password_hash",
                &self.password_hash.as_ref().map(|_| "<redacted>"),
            )
            .field("email_verified", &self.email_verified)
            .field("disabled", &self.disabled)
            .field("password_changed_at", &self.password_changed_at)
            .field("force_password_change", &self.force_password_change)
            .field("unlocked_at", &self.unlocked_at)
            .field("deleted_at", &self.deleted_at)
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .field("locale", &self.locale)
            .finish()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::refresh_tokens::Entity")]
    RefreshTokens,
    #[sea_orm(has_many = "super::consents::Entity")]
    Consents,
    #[sea_orm(has_many = "super::password_history::Entity")]
    PasswordHistory,
}

impl Related<super::refresh_tokens::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::RefreshTokens.def()
    }
}

impl Related<super::consents::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Consents.def()
    }
}

impl Related<super::password_history::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::PasswordHistory.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
