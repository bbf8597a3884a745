//! The `api_tokens` row: one personal API token, as its SHA-256 digest and display hint.

use sea_orm::entity::prelude::*;

use crate::error::StoreError;
use crate::json_list;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "api_tokens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub id: String,
    #[sea_orm(column_type = "Text")]
    pub user_id: String,
    /// The organisation the token acts for, if any.
    #[sea_orm(column_type = "Text", nullable)]
    pub org_id: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub name: String,
    /// Hex SHA-256 of the whole token.
    #[sea_orm(column_type = "Text", unique)]
    pub digest: String,
    /// `poort_pat_...` + the last four characters.
    #[sea_orm(column_type = "Text")]
    pub hint: String,
    /// JSON array of scope strings; read it with [`Model::scope_values`].
    #[sea_orm(column_type = "Text")]
    pub scopes: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub last_used_at: Option<i64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_used_ip: Option<String>,
    pub revoked_at: Option<i64>,
    /// JSON array of the `amr` values of the authentication that minted the token (`["cli"]`
    /// for the operator); NULL for tokens older than the column: one factor.
    #[sea_orm(column_type = "Text", nullable)]
    pub amr: Option<String>,
}

impl Model {
    /// The decoded scope list; an error if the column does not hold a JSON array of strings.
    pub fn scope_values(&self) -> Result<Vec<String>, StoreError> {
        json_list::decode(&self.scopes, "api_tokens.scopes")
    }

    /// How the minting was authenticated (empty for tokens older than the column).
    pub fn amr_values(&self) -> Result<Vec<String>, StoreError> {
        match &self.amr {
            Some(amr) => json_list::decode(amr, "api_tokens.amr"),
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
}

impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
