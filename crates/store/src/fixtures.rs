//! Rows the repository tests need as foreign-key parents.

#![allow(clippy::unwrap_used)]

use crate::clients::{self, NewClient};
use crate::db::Db;
use crate::users::{self, NewUser};

/// Creates a user with this email and returns its id.
pub(crate) async fn user(db: &Db, email: &str) -> String {
    let user = NewUser {
        email: email.to_owned(),
        username: None,
        name: None,
        password_hash: None,
    };
    users::create(db, user, 1).await.unwrap().id
}

/// Creates a confidential client with this id and returns the id.
pub(crate) async fn client(db: &Db, id: &str) -> String {
    let client = NewClient {
        id: id.to_owned(),
        name: format!("Client {id}"),
        secret_digest: Some("00".repeat(32)),
        public: false,
        first_party: false,
        redirect_uris: vec![format!("https://{id}.example/cb")],
        post_logout_redirect_uris: vec![],
        grant_types: vec!["authorization_code".to_owned(), "refresh_token".to_owned()],
        id_token_alg: "RS256".to_owned(),
        allowed_scopes: Vec::new(),
        audiences: Vec::new(),
        web_origins: Vec::new(),
        backchannel_logout_uri: None,
        backchannel_logout_session_required: true,
        auth: Default::default(),
        token_exchange: None,
        org_id: None,
        pkce_required: true,
    };
    clients::create(db, client, 1, Vec::new()).await.unwrap().id
}
