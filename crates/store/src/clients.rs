//! Repository for `clients`, with the JSON list columns decoded into [`Client`].

use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
};

use crate::audit::{NewAuditEntry, commit_with};
use crate::tx::begin_write;

use crate::db::Db;
use crate::entities::clients::{self, Column, Entity};
use crate::error::StoreError;
use crate::first::First;
use crate::json_list;

/// A client to register. `id` is the public `client_id`, chosen by the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewClient {
    pub id: String,
    pub name: String,
    /// Hex SHA-256 of the secret; `None` for public clients.
    pub secret_digest: Option<String>,
    pub public: bool,
    pub first_party: bool,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub grant_types: Vec<String>,
    pub id_token_alg: String,
    /// Scopes its `client_credentials` tokens may carry.
    pub allowed_scopes: Vec<String>,
    /// Resource URIs (RFC 8707) its `client_credentials` tokens may be issued for.
    pub audiences: Vec<String>,
    /// The organisation that manages it; `None` for the platform's own.
    pub org_id: Option<String>,
    /// Whether its authorization requests must carry a PKCE `code_challenge`.
    pub pkce_required: bool,
    /// Web origins (CORS) registered for it; empty: the default.
    pub web_origins: Vec<String>,
    /// Where logout tokens go (Back-Channel Logout 1.0), validated by the caller.
    pub backchannel_logout_uri: Option<String>,
    /// Whether every logout token must carry `sid`.
    pub backchannel_logout_session_required: bool,
    /// How it authenticates at the token endpoint and where its keys are.
    pub auth: ClientAuthColumns,
    /// What it may exchange users' tokens for (RFC 8693); `None`: nothing.
    pub token_exchange: Option<TokenExchange>,
}

/// A client's token exchange registration (RFC 8693), checked by the caller: the audiences
/// (besides its own id) of user tokens it may exchange, the audiences it may get tokens for,
/// and whether it may impersonate (exchange without an actor token).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TokenExchange {
    #[serde(default)]
    pub subject_audiences: Vec<String>,
    #[serde(default)]
    pub audiences: Vec<String>,
    #[serde(default)]
    pub impersonation: bool,
}

impl TokenExchange {
    fn encode(setting: Option<&TokenExchange>) -> Option<String> {
        setting.map(|s| serde_json::to_string(s).unwrap_or_else(|_| "{}".into()))
    }

    fn decode(column: Option<&str>) -> Result<Option<TokenExchange>, StoreError> {
        column
            .map(|text| {
                serde_json::from_str(text).map_err(|_| StoreError::CorruptColumn {
                    column: "clients.token_exchange",
                })
            })
            .transpose()
    }
}

/// The client-authentication columns: the registered method (`None`: the default for the
/// client's kind), its public keys (`jwks` or `jwks_uri`) and, for `client_secret_jwt`, the
/// secret sealed with the master key.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ClientAuthColumns {
    pub method: Option<String>,
    pub jwks: Option<String>,
    pub jwks_uri: Option<String>,
    pub secret_sealed: Option<Vec<u8>>,
}

// By hand: even the sealed secret stays out of logs.
impl std::fmt::Debug for ClientAuthColumns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientAuthColumns")
            .field("method", &self.method)
            .field("jwks", &self.jwks.as_ref().map(|_| "<jwks>"))
            .field("jwks_uri", &self.jwks_uri)
            .field(
                "secret_sealed",
                &self.secret_sealed.as_ref().map(|_| "<sealed>"),
            )
            .finish()
    }
}

/// A registered client with its list columns decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Client {
    pub id: String,
    pub name: String,
    pub secret_digest: Option<String>,
    pub public: bool,
    pub first_party: bool,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub grant_types: Vec<String>,
    pub id_token_alg: String,
    pub created_at: i64,
    pub allowed_scopes: Vec<String>,
    pub audiences: Vec<String>,
    pub org_id: Option<String>,
    pub pkce_required: bool,
    pub web_origins: Vec<String>,
    pub backchannel_logout_uri: Option<String>,
    pub backchannel_logout_session_required: bool,
    pub auth: ClientAuthColumns,
    pub token_exchange: Option<TokenExchange>,
}

impl TryFrom<clients::Model> for Client {
    type Error = StoreError;

    /// Fails with [`StoreError::CorruptColumn`] if a list column is not a JSON string array.
    fn try_from(row: clients::Model) -> Result<Self, StoreError> {
        Ok(Self {
            redirect_uris: json_list::decode(&row.redirect_uris, "clients.redirect_uris")?,
            post_logout_redirect_uris: json_list::decode(
                &row.post_logout_redirect_uris,
                "clients.post_logout_redirect_uris",
            )?,
            grant_types: json_list::decode(&row.grant_types, "clients.grant_types")?,
            allowed_scopes: json_list::decode(&row.allowed_scopes, "clients.allowed_scopes")?,
            audiences: json_list::decode(&row.audiences, "clients.audiences")?,
            web_origins: json_list::decode(&row.web_origins, "clients.web_origins")?,
            token_exchange: TokenExchange::decode(row.token_exchange.as_deref())?,
            id: row.id,
            name: row.name,
            secret_digest: row.secret_digest,
            public: row.public,
            first_party: row.first_party,
            id_token_alg: row.id_token_alg,
            created_at: row.created_at,
            org_id: row.org_id,
            pkce_required: row.pkce_required,
            backchannel_logout_uri: row.backchannel_logout_uri,
            backchannel_logout_session_required: row.backchannel_logout_session_required,
            auth: ClientAuthColumns {
                method: row.token_endpoint_auth_method,
                jwks: row.jwks,
                jwks_uri: row.jwks_uri,
                secret_sealed: row.secret_sealed,
            },
        })
    }
}

/// Registers a client with the audit entries that record it, in one transaction;
/// [`StoreError::Conflict`] if the id is taken.
pub async fn create(
    db: &Db,
    client: NewClient,
    now: i64,
    audit: Vec<NewAuditEntry>,
) -> Result<Client, StoreError> {
    let row = row_of(client, now);
    let txn = begin_write(db).await?;
    Entity::insert(row.clone().into_active_model())
        .exec_without_returning(&txn)
        .await?;
    commit_with(txn, db.backend(), audit).await?;
    Client::try_from(row)
}

/// Which clients a change may touch: any (the operator) or one organisation's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientScope<'a> {
    Any,
    Org(&'a str),
}

impl ClientScope<'_> {
    fn condition(self, id: &str) -> Condition {
        let by_id = Condition::all().add(Column::Id.eq(id));
        match self {
            Self::Any => by_id,
            Self::Org(org_id) => by_id.add(Column::OrgId.eq(org_id)),
        }
    }
}

/// Deletes the client (its refresh tokens and consents go with it, by foreign key) with its
/// audit entries; `false`, and nothing written, when no such client is within `scope`.
pub async fn delete(
    db: &Db,
    id: &str,
    scope: ClientScope<'_>,
    audit: Vec<NewAuditEntry>,
) -> Result<bool, StoreError> {
    let txn = begin_write(db).await?;
    let deleted = Entity::delete_many()
        .filter(scope.condition(id))
        .exec(&txn)
        .await?;
    if deleted.rows_affected == 0 {
        return Ok(false);
    }
    commit_with(txn, db.backend(), audit).await?;
    Ok(true)
}

/// The confidential client `id` within `scope` (secrets and authentication methods).
fn confidential(scope: ClientScope<'_>, id: &str) -> Condition {
    scope.condition(id).add(Column::Public.eq(false))
}

/// Writes `changes` (an `ActiveModel` with only the changed columns set) to the client that
/// `which` selects, with its audit entries, in one transaction; `false`, and nothing written,
/// when there is no such client. Every change of a client's settings goes through here.
async fn update_settings(
    db: &Db,
    which: Condition,
    changes: clients::ActiveModel,
    audit: Vec<NewAuditEntry>,
) -> Result<bool, StoreError> {
    let txn = begin_write(db).await?;
    let changed = Entity::update_many()
        .set(changes)
        .filter(which)
        .exec(&txn)
        .await?;
    if changed.rows_affected == 0 {
        return Ok(false);
    }
    commit_with(txn, db.backend(), audit).await?;
    Ok(true)
}

/// Changes of a client's settings, written together (`None`: unchanged). Checked by the caller.
#[derive(Debug, Default)]
pub struct SettingsChange {
    pub name: Option<String>,
    pub redirect_uris: Option<Vec<String>>,
    pub post_logout_redirect_uris: Option<Vec<String>>,
    pub web_origins: Option<Vec<String>>,
    pub audiences: Option<Vec<String>>,
    pub pkce_required: Option<bool>,
    /// Where logout tokens go (`None` inside: nowhere) and whether they must carry `sid`.
    pub backchannel_logout: Option<(Option<String>, bool)>,
    /// How it authenticates, and the new secret's digest when the change issued one. Only a
    /// confidential client can be changed this way: for a public one nothing is written.
    pub auth: Option<(ClientAuthColumns, Option<String>)>,
    /// Its token exchange registration (`None` inside: none).
    pub token_exchange: Option<Option<TokenExchange>>,
}

/// Writes every change of `change` to client `id` within `scope` with its audit entries, in
/// one transaction: all of it or, when there is no such client, nothing (`false`).
pub async fn change_settings(
    db: &Db,
    id: &str,
    scope: ClientScope<'_>,
    change: SettingsChange,
    audit: Vec<NewAuditEntry>,
) -> Result<bool, StoreError> {
    let mut row = clients::ActiveModel::default();
    if let Some(name) = &change.name {
        row.name = Set(name.clone());
    }
    if let Some(uris) = &change.redirect_uris {
        row.redirect_uris = Set(json_list::encode(uris));
    }
    if let Some(uris) = &change.post_logout_redirect_uris {
        row.post_logout_redirect_uris = Set(json_list::encode(uris));
    }
    if let Some(origins) = &change.web_origins {
        row.web_origins = Set(json_list::encode(origins));
    }
    if let Some(audiences) = &change.audiences {
        row.audiences = Set(json_list::encode(audiences));
    }
    if let Some(required) = change.pkce_required {
        row.pkce_required = Set(required);
    }
    if let Some(setting) = &change.token_exchange {
        row.token_exchange = Set(TokenExchange::encode(setting.as_ref()));
    }
    if let Some((uri, session_required)) = change.backchannel_logout {
        row.backchannel_logout_uri = Set(uri);
        row.backchannel_logout_session_required = Set(session_required);
    }
    let which = match change.auth {
        Some((auth, digest)) => {
            row.token_endpoint_auth_method = Set(auth.method);
            row.jwks = Set(auth.jwks);
            row.jwks_uri = Set(auth.jwks_uri);
            row.secret_sealed = Set(auth.secret_sealed);
            if let Some(digest) = digest {
                row.secret_digest = Set(Some(digest));
            }
            confidential(scope, id)
        }
        None => scope.condition(id),
    };
    update_settings(db, which, row, audit).await
}

/// Replaces the secret's digest (rotation) with its audit entries; `false`, and nothing
/// written, when no such confidential client is within `scope`.
pub async fn set_secret_digest(
    db: &Db,
    id: &str,
    scope: ClientScope<'_>,
    digest: &str,
    audit: Vec<NewAuditEntry>,
) -> Result<bool, StoreError> {
    let changes = clients::ActiveModel {
        secret_digest: Set(Some(digest.to_owned())),
        ..Default::default()
    };
    update_settings(db, confidential(scope, id), changes, audit).await
}

/// Replaces the secret: its digest and, for a `client_secret_jwt` client, the sealed secret
/// (`None` clears it), with the audit entries; `false`, and nothing written, when no such
/// confidential client is within `scope`.
pub async fn set_secret(
    db: &Db,
    id: &str,
    scope: ClientScope<'_>,
    digest: &str,
    sealed: Option<Vec<u8>>,
    audit: Vec<NewAuditEntry>,
) -> Result<bool, StoreError> {
    let changes = clients::ActiveModel {
        secret_digest: Set(Some(digest.to_owned())),
        secret_sealed: Set(sealed),
        ..Default::default()
    };
    update_settings(db, confidential(scope, id), changes, audit).await
}

/// Replaces how the client authenticates (method, keys, sealed secret; and the digest when
/// `digest` is given) with the audit entries; `false`, and nothing written, when no such
/// confidential client is within `scope`.
pub async fn set_auth(
    db: &Db,
    id: &str,
    scope: ClientScope<'_>,
    auth: ClientAuthColumns,
    digest: Option<String>,
    audit: Vec<NewAuditEntry>,
) -> Result<bool, StoreError> {
    let mut changes = clients::ActiveModel {
        token_endpoint_auth_method: Set(auth.method),
        jwks: Set(auth.jwks),
        jwks_uri: Set(auth.jwks_uri),
        secret_sealed: Set(auth.secret_sealed),
        ..Default::default()
    };
    if let Some(digest) = digest {
        changes.secret_digest = Set(Some(digest));
    }
    update_settings(db, confidential(scope, id), changes, audit).await
}

/// The clients an organisation manages, oldest first.
pub async fn list_for_org(db: &Db, org_id: &str) -> Result<Vec<Client>, StoreError> {
    Entity::find()
        .filter(Column::OrgId.eq(org_id))
        .order_by_asc(Column::CreatedAt)
        .order_by_asc(Column::Id)
        .all(db.conn())
        .await?
        .into_iter()
        .map(Client::try_from)
        .collect()
}

pub(crate) fn row_of(client: NewClient, now: i64) -> clients::Model {
    clients::Model {
        redirect_uris: json_list::encode(&client.redirect_uris),
        post_logout_redirect_uris: json_list::encode(&client.post_logout_redirect_uris),
        grant_types: json_list::encode(&client.grant_types),
        allowed_scopes: json_list::encode(&client.allowed_scopes),
        audiences: json_list::encode(&client.audiences),
        web_origins: json_list::encode(&client.web_origins),
        token_exchange: TokenExchange::encode(client.token_exchange.as_ref()),
        id: client.id,
        name: client.name,
        secret_digest: client.secret_digest,
        public: client.public,
        first_party: client.first_party,
        id_token_alg: client.id_token_alg,
        created_at: now,
        org_id: client.org_id,
        pkce_required: client.pkce_required,
        backchannel_logout_uri: client.backchannel_logout_uri,
        backchannel_logout_session_required: client.backchannel_logout_session_required,
        token_endpoint_auth_method: client.auth.method,
        jwks: client.auth.jwks,
        jwks_uri: client.auth.jwks_uri,
        secret_sealed: client.auth.secret_sealed,
    }
}

/// Registers many clients in one transaction (load-test seeding, imports). All or nothing:
/// [`StoreError::Conflict`] if any id is taken.
pub async fn create_many(db: &Db, new_clients: Vec<NewClient>, now: i64) -> Result<(), StoreError> {
    let rows = new_clients
        .into_iter()
        .map(|client| row_of(client, now))
        .collect();
    crate::bulk::insert_rows::<Entity, _>(db, rows).await
}

pub async fn find(db: &Db, id: &str) -> Result<Option<Client>, StoreError> {
    Entity::find_by_id(id)
        .first(db.conn())
        .await?
        .map(Client::try_from)
        .transpose()
}

/// The clients that may have web origins (CORS): public ones (their redirect URIs' origins by
/// default) and those with registered origins.
pub async fn list_with_web_origins(db: &Db) -> Result<Vec<Client>, StoreError> {
    Entity::find()
        .filter(
            Condition::any()
                .add(Column::Public.eq(true))
                .add(Column::WebOrigins.ne("[]")),
        )
        .all(db.conn())
        .await?
        .into_iter()
        .map(Client::try_from)
        .collect()
}

/// Every client, oldest first.
pub async fn list(db: &Db) -> Result<Vec<Client>, StoreError> {
    Entity::find()
        .order_by_asc(Column::CreatedAt)
        .order_by_asc(Column::Id)
        .all(db.conn())
        .await?
        .into_iter()
        .map(Client::try_from)
        .collect()
}

#[cfg(test)]
#[path = "clients_tests.rs"]
mod tests;
