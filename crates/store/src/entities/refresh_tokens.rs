//! The `refresh_tokens` row: one issued refresh token (stored as a digest), part of a
//! rotation family.

use sea_orm::entity::prelude::*;

use crate::error::StoreError;
use crate::json_list;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "refresh_tokens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub id: String,
    /// Hex SHA-256 of the token.
    #[sea_orm(column_type = "Text", unique)]
    pub token_digest: String,
    /// Shared by a token and all its rotated successors.
    #[sea_orm(column_type = "Text")]
    pub family_id: String,
    #[sea_orm(column_type = "Text")]
    pub client_id: String,
    #[sea_orm(column_type = "Text")]
    pub user_id: String,
    /// Space-separated scopes.
    #[sea_orm(column_type = "Text")]
    pub scope: String,
    /// JSON array of the grant's RFC 8707 resources; NULL when it names none. Read it with
    /// [`Model::resource_list`]. (Defaulted so backups written before the column restore.)
    #[sea_orm(column_type = "Text", nullable)]
    #[serde(default)]
    pub resources: Option<String>,
    pub auth_time: i64,
    /// JSON array of `amr` values; read it with [`Model::amr_values`].
    #[sea_orm(column_type = "Text")]
    pub amr: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub sid: Option<String>,
    /// `jti` of the access token issued together with this refresh token.
    #[sea_orm(column_type = "Text")]
    pub access_jti: String,
    pub access_expires_at: i64,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// The token this one replaced in a rotation; NULL for the first token of a family.
    /// (Defaulted so backups written before the column restore.)
    #[sea_orm(column_type = "Text", nullable)]
    #[serde(default)]
    pub parent_id: Option<String>,
}

impl Model {
    /// The decoded `amr` list; an error if the column does not hold a JSON array of strings.
    pub fn amr_values(&self) -> Result<Vec<String>, StoreError> {
        json_list::decode(&self.amr, "refresh_tokens.amr")
    }

    /// The decoded resources of the grant (empty when it names none).
    pub fn resource_list(&self) -> Result<Vec<String>, StoreError> {
        match &self.resources {
            Some(json) => json_list::decode(json, "refresh_tokens.resources"),
            None => Ok(Vec::new()),
        }
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
    #[sea_orm(
        belongs_to = "super::clients::Entity",
        from = "Column::ClientId",
        to = "super::clients::Column::Id",
        on_delete = "Cascade"
    )]
    Client,
}

impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl Related<super::clients::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Client.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
