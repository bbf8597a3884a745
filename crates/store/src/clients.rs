//! Repository for `clients`, with the JSON list columns decoded into [`Client`].

use sea_orm::{EntityTrait, IntoActiveModel, QueryOrder};

use crate::db::Db;
use crate::entities::clients::{self, Column, Entity};
use crate::error::StoreError;
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
            id: row.id,
            name: row.name,
            secret_digest: row.secret_digest,
            public: row.public,
            first_party: row.first_party,
            id_token_alg: row.id_token_alg,
            created_at: row.created_at,
        })
    }
}

/// Registers a client; [`StoreError::Conflict`] if the id is taken.
pub async fn create(db: &Db, client: NewClient, now: i64) -> Result<Client, StoreError> {
    let row = clients::Model {
        id: client.id.clone(),
        name: client.name.clone(),
        secret_digest: client.secret_digest.clone(),
        public: client.public,
        first_party: client.first_party,
        redirect_uris: json_list::encode(&client.redirect_uris),
        post_logout_redirect_uris: json_list::encode(&client.post_logout_redirect_uris),
        grant_types: json_list::encode(&client.grant_types),
        id_token_alg: client.id_token_alg.clone(),
        created_at: now,
    };
    Entity::insert(row.into_active_model())
        .exec_without_returning(db.writer())
        .await?;
    Ok(Client {
        id: client.id,
        name: client.name,
        secret_digest: client.secret_digest,
        public: client.public,
        first_party: client.first_party,
        redirect_uris: client.redirect_uris,
        post_logout_redirect_uris: client.post_logout_redirect_uris,
        grant_types: client.grant_types,
        id_token_alg: client.id_token_alg,
        created_at: now,
    })
}

/// Registers many clients in one transaction (load-test seeding, imports). All or nothing:
/// [`StoreError::Conflict`] if any id is taken.
pub async fn create_many(db: &Db, new_clients: Vec<NewClient>, now: i64) -> Result<(), StoreError> {
    let rows = new_clients
        .into_iter()
        .map(|client| clients::Model {
            redirect_uris: json_list::encode(&client.redirect_uris),
            post_logout_redirect_uris: json_list::encode(&client.post_logout_redirect_uris),
            grant_types: json_list::encode(&client.grant_types),
            id: client.id,
            name: client.name,
            secret_digest: client.secret_digest,
            public: client.public,
            first_party: client.first_party,
            id_token_alg: client.id_token_alg,
            created_at: now,
        })
        .collect();
    crate::bulk::insert_rows::<Entity, _>(db, rows).await
}

pub async fn find(db: &Db, id: &str) -> Result<Option<Client>, StoreError> {
    Entity::find_by_id(id)
        .one(db.conn())
        .await?
        .map(Client::try_from)
        .transpose()
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
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

    use super::{NewClient, create, find, list};
    use crate::entities::clients::{Column, Entity};
    use crate::error::StoreError;
    use crate::testing::fresh_dbs;

    fn web_app(id: &str) -> NewClient {
        NewClient {
            id: id.to_owned(),
            name: "Web app".to_owned(),
            secret_digest: Some("ab".repeat(32)),
            public: false,
            first_party: true,
            redirect_uris: vec![
                "https://app.example/cb".to_owned(),
                "https://app.example/cb?next=\"x\"".to_owned(),
            ],
            post_logout_redirect_uris: vec![],
            grant_types: vec!["authorization_code".to_owned(), "refresh_token".to_owned()],
            id_token_alg: "ES256".to_owned(),
        }
    }

    #[tokio::test]
    async fn json_columns_round_trip() {
        for (db, _guard) in fresh_dbs().await.unwrap() {
            let created = create(&db, web_app("app"), 7).await.unwrap();
            let found = find(&db, "app").await.unwrap();
            assert_eq!(found.as_ref(), Some(&created), "{:?}", db.backend());
            let found = found.unwrap();
            assert_eq!(found.redirect_uris, web_app("app").redirect_uris);
            assert!(found.post_logout_redirect_uris.is_empty());
            assert_eq!(found.created_at, 7);
            assert_eq!(find(&db, "nope").await.unwrap(), None);

            create(&db, web_app("second"), 8).await.unwrap();
            let ids: Vec<String> = list(&db).await.unwrap().into_iter().map(|c| c.id).collect();
            assert_eq!(ids, ["app", "second"]);
        }
    }

    #[tokio::test]
    async fn duplicate_id_is_a_conflict() {
        for (db, _guard) in fresh_dbs().await.unwrap() {
            create(&db, web_app("app"), 1).await.unwrap();
            let err = create(&db, web_app("app"), 2).await.unwrap_err();
            assert!(matches!(err, StoreError::Conflict), "{err:?}");
        }
    }

    #[tokio::test]
    async fn corrupt_json_column_is_an_error() {
        for (db, _guard) in fresh_dbs().await.unwrap() {
            create(&db, web_app("app"), 1).await.unwrap();
            Entity::update_many()
                .col_expr(Column::GrantTypes, Expr::value("authorization_code"))
                .filter(Column::Id.eq("app"))
                .exec(db.writer())
                .await
                .unwrap();
            let err = find(&db, "app").await.unwrap_err();
            assert!(
                matches!(
                    err,
                    StoreError::CorruptColumn {
                        column: "clients.grant_types"
                    }
                ),
                "{err:?}"
            );
            assert!(list(&db).await.is_err());
        }
    }
}
