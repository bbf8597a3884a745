//! The `clients` row: a registered relying party. Use [`crate::clients::Client`] for the
//! decoded form; the list columns here are raw JSON text.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "clients")]
pub struct Model {
    /// The public `client_id`.
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub id: String,
    #[sea_orm(column_type = "Text")]
    pub name: String,
    /// Hex SHA-256 of the client secret; `None` for public clients.
    #[sea_orm(column_type = "Text", nullable)]
    pub secret_digest: Option<String>,
    pub public: bool,
    pub first_party: bool,
    /// JSON array of strings.
    #[sea_orm(column_type = "Text")]
    pub redirect_uris: String,
    /// JSON array of strings.
    #[sea_orm(column_type = "Text")]
    pub post_logout_redirect_uris: String,
    /// JSON array of grant type names.
    #[sea_orm(column_type = "Text")]
    pub grant_types: String,
    #[sea_orm(column_type = "Text")]
    pub id_token_alg: String,
    pub created_at: i64,
    /// JSON array of the scopes a `client_credentials` token may carry.
    #[sea_orm(column_type = "Text")]
    #[serde(default = "empty_list")]
    pub allowed_scopes: String,
    /// JSON array of the resource URIs (RFC 8707) its `client_credentials` tokens may name.
    #[sea_orm(column_type = "Text")]
    #[serde(default = "empty_list")]
    pub audiences: String,
    /// The organisation that manages the client; `None` for the platform's own.
    #[sea_orm(column_type = "Text", nullable)]
    pub org_id: Option<String>,
    /// JSON array of the web origins (CORS) it may call the endpoints from; empty: the default
    /// (see `poort_oidc::web_origin::effective_web_origins`).
    #[sea_orm(column_type = "Text")]
    #[serde(default = "empty_list")]
    pub web_origins: String,
    /// Whether an authorization request must carry a PKCE `code_challenge` (public clients
    /// always must). Rows from backups taken before the column get the default, `true`.
    #[serde(default = "required")]
    pub pkce_required: bool,
    /// Where logout tokens are POSTed when a session it signed in to ends (Back-Channel
    /// Logout 1.0); `None`: it is not told.
    #[sea_orm(column_type = "Text", nullable)]
    #[serde(default)]
    pub backchannel_logout_uri: Option<String>,
    /// Whether every logout token it gets must carry `sid` (default true).
    #[serde(default = "required")]
    pub backchannel_logout_session_required: bool,
    /// The one method it authenticates with at the token endpoint (`private_key_jwt`,
    /// `client_secret_jwt`, ...); `None`: the default (secrets by Basic or POST for a
    /// confidential client, none for a public one).
    #[sea_orm(column_type = "Text", nullable)]
    #[serde(default)]
    pub token_endpoint_auth_method: Option<String>,
    /// Its public keys for `private_key_jwt`, a JWKS document (validated at registration).
    #[sea_orm(column_type = "Text", nullable)]
    #[serde(default)]
    pub jwks: Option<String>,
    /// Where its public keys are served, for `private_key_jwt`.
    #[sea_orm(column_type = "Text", nullable)]
    #[serde(default)]
    pub jwks_uri: Option<String>,
    /// For `client_secret_jwt` only: the secret sealed with the master key (the HMAC key of its
    /// assertions); opaque bytes to the store.
    #[serde(default)]
    pub secret_sealed: Option<Vec<u8>>,
    /// What it may exchange users' tokens for (RFC 8693), JSON (`TokenExchange`); `None`:
    /// nothing.
    #[sea_orm(column_type = "Text", nullable)]
    #[serde(default)]
    pub token_exchange: Option<String>,
}

/// PKCE is required unless the operator opted a legacy client out; logout tokens carry `sid`
/// unless the client said it does not need it.
fn required() -> bool {
    true
}

/// What rows from backups taken before these columns existed hold.
fn empty_list() -> String {
    "[]".to_owned()
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::refresh_tokens::Entity")]
    RefreshTokens,
    #[sea_orm(has_many = "super::consents::Entity")]
    Consents,
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

impl ActiveModelBehavior for ActiveModel {}
