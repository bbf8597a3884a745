//! The `mfa_factors` row: one confirmed second factor of a user (a TOTP authenticator or a
//! WebAuthn credential).

use std::fmt;

use sea_orm::entity::prelude::*;

#[derive(Clone, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "mfa_factors")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub id: String,
    #[sea_orm(column_type = "Text")]
    pub user_id: String,
    /// `totp` or `webauthn` (see [`crate::mfa_factors::KIND_TOTP`] and friends).
    #[sea_orm(column_type = "Text")]
    pub kind: String,
    #[sea_orm(column_type = "Text")]
    pub name: String,
    /// TOTP seed, encrypted by the caller; opaque bytes to the store.
    pub secret: Option<Vec<u8>>,
    /// WebAuthn credential as JSON (public key, signature counter, flags).
    #[sea_orm(column_type = "Text", nullable)]
    pub credential: Option<String>,
    /// WebAuthn credential id, base64url.
    #[sea_orm(column_type = "Text", nullable, unique)]
    pub credential_id: Option<String>,
    /// A discoverable WebAuthn credential registered with user verification.
    pub passkey: bool,
    /// TOTP: the last accepted time step (replay protection).
    pub last_used_step: Option<i64>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

// Written by hand: even an encrypted seed stays out of logs.
impl fmt::Debug for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("mfa_factors::Model")
            .field("id", &self.id)
            .field("user_id", &self.user_id)
            .field("kind", &self.kind)
            .field("name", &self.name)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field("credential_id", &self.credential_id)
            .field("passkey", &self.passkey)
            .field("last_used_step", &self.last_used_step)
            .field("created_at", &self.created_at)
            .field("last_used_at", &self.last_used_at)
            .finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::UserId",
        to = "super::users::Column::Id",
        on_delete = "Cascade"
    )]
    User,
}

impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
