//! The `signing_keys` row: one token signing key, its private half encrypted by the caller.

use std::fmt;

use sea_orm::entity::prelude::*;

#[derive(Clone, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "signing_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub kid: String,
    #[sea_orm(column_type = "Text")]
    pub alg: String,
    /// Encrypted private key; opaque bytes to the store.
    pub private_key: Vec<u8>,
    pub created_at: i64,
    /// `None` while the key signs new tokens.
    pub retired_at: Option<i64>,
}

// Written by hand: even encrypted key material stays out of logs.
impl fmt::Debug for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("signing_keys::Model")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field(
                "private_key",
                &format_args!("<{} bytes redacted>", self.private_key.len()),
            )
            .field("created_at", &self.created_at)
            .field("retired_at", &self.retired_at)
            .finish()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
