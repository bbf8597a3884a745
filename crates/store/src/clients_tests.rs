//! Tests of the client repository, on every configured backend.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::{
    ClientScope, NewClient, SettingsChange, change_settings, create, delete, find, list,
    list_for_org, set_secret_digest,
};
use crate::audit::{NewAuditEntry, verify_chain};
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
        allowed_scopes: vec!["reports.read".to_owned()],
        audiences: vec!["https://api.example/".to_owned()],
        org_id: None,
        pkce_required: true,
        web_origins: vec![],
        backchannel_logout_uri: None,
        backchannel_logout_session_required: true,
        auth: Default::default(),
        token_exchange: None,
    }
}

#[tokio::test]
async fn json_columns_round_trip() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let created = create(&db, web_app("app"), 7, Vec::new()).await.unwrap();
        let found = find(&db, "app").await.unwrap();
        assert_eq!(found.as_ref(), Some(&created), "{:?}", db.backend());
        let found = found.unwrap();
        assert_eq!(found.redirect_uris, web_app("app").redirect_uris);
        assert!(found.post_logout_redirect_uris.is_empty());
        assert_eq!(found.allowed_scopes, ["reports.read"]);
        assert_eq!(found.audiences, ["https://api.example/"]);
        assert_eq!(found.created_at, 7);
        assert!(found.web_origins.is_empty());
        assert_eq!(find(&db, "nope").await.unwrap(), None);

        let origins = vec!["https://spa.example".to_owned()];
        let other = ClientScope::Org("org-b");
        let origins_change = || SettingsChange {
            web_origins: Some(origins.clone()),
            ..Default::default()
        };
        assert!(
            !change_settings(&db, "app", other, origins_change(), Vec::new())
                .await
                .unwrap()
        );
        assert!(
            change_settings(&db, "app", ClientScope::Any, origins_change(), Vec::new())
                .await
                .unwrap()
        );
        assert_eq!(
            find(&db, "app").await.unwrap().unwrap().web_origins,
            origins
        );
        let listed = super::list_with_web_origins(&db).await.unwrap();
        assert_eq!(listed.len(), 1, "the confidential client with origins");

        create(&db, web_app("second"), 8, Vec::new()).await.unwrap();
        let ids: Vec<String> = list(&db).await.unwrap().into_iter().map(|c| c.id).collect();
        assert_eq!(ids, ["app", "second"]);
    }
}

#[tokio::test]
async fn auth_columns_round_trip_and_change_together() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let signer = NewClient {
            auth: super::ClientAuthColumns {
                method: Some("private_key_jwt".to_owned()),
                jwks: Some(r#"{"keys":[]}"#.to_owned()),
                jwks_uri: None,
                secret_sealed: None,
            },
            secret_digest: None,
            ..web_app("signer")
        };
        let created = create(&db, signer, 1, Vec::new()).await.unwrap();
        assert_eq!(find(&db, "signer").await.unwrap(), Some(created));
        let hmac = super::ClientAuthColumns {
            method: Some("client_secret_jwt".to_owned()),
            jwks: None,
            jwks_uri: None,
            secret_sealed: Some(vec![1, 2, 3]),
        };
        let digest = "cd".repeat(32);
        let other = ClientScope::Org("org-b");
        assert!(
            !super::set_auth(&db, "signer", other, hmac.clone(), None, Vec::new())
                .await
                .unwrap()
        );
        assert!(
            super::set_auth(
                &db,
                "signer",
                ClientScope::Any,
                hmac.clone(),
                Some(digest.clone()),
                Vec::new()
            )
            .await
            .unwrap()
        );
        let found = find(&db, "signer").await.unwrap().unwrap();
        assert_eq!((found.auth, found.secret_digest), (hmac, Some(digest)));
        assert!(
            super::set_secret(
                &db,
                "signer",
                ClientScope::Any,
                "ef",
                Some(vec![9]),
                Vec::new()
            )
            .await
            .unwrap()
        );
        let found = find(&db, "signer").await.unwrap().unwrap();
        assert_eq!(found.auth.secret_sealed, Some(vec![9]));
        assert_eq!(found.secret_digest.as_deref(), Some("ef"));
        let printed = format!("{:?}", found.auth);
        assert!(!printed.contains('9'), "{printed}");
    }
}

fn entry(action: &str) -> NewAuditEntry {
    NewAuditEntry {
        at: 1,
        org_id: Some("org-a".to_owned()),
        actor: None,
        staff: None,
        subject: None,
        action: action.to_owned(),
        target: None,
        ip: None,
        user_agent: None,
        details: serde_json::json!({}),
    }
}

#[tokio::test]
async fn an_organisation_reaches_only_its_own_clients_and_each_change_is_audited() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let owned = NewClient {
            org_id: Some("org-a".to_owned()),
            ..web_app("a-app")
        };
        create(&db, owned, 1, vec![entry("client.created")])
            .await
            .unwrap();
        create(&db, web_app("platform-app"), 2, Vec::new())
            .await
            .unwrap();
        let ids: Vec<String> = list_for_org(&db, "org-a")
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(ids, ["a-app"]);

        let other = ClientScope::Org("org-b");
        let a = ClientScope::Org("org-a");
        let digest = "cd".repeat(32);
        // Out of scope: nothing changes, nothing is recorded.
        assert!(
            !set_secret_digest(&db, "a-app", other, &digest, vec![entry("x")])
                .await
                .unwrap()
        );
        assert!(
            !set_secret_digest(&db, "platform-app", a, &digest, vec![entry("x")])
                .await
                .unwrap()
        );
        assert!(
            !delete(&db, "platform-app", a, vec![entry("x")])
                .await
                .unwrap()
        );
        assert_eq!(verify_chain(&db, "org-a").await.unwrap().entries, 1);

        assert!(
            set_secret_digest(
                &db,
                "a-app",
                a,
                &digest,
                vec![entry("client.secret_rotated")]
            )
            .await
            .unwrap()
        );
        let found = find(&db, "a-app").await.unwrap().unwrap();
        assert_eq!(found.secret_digest.as_deref(), Some(digest.as_str()));
        assert!(
            delete(&db, "a-app", a, vec![entry("client.deleted")])
                .await
                .unwrap()
        );
        assert_eq!(find(&db, "a-app").await.unwrap(), None);
        assert!(
            delete(&db, "platform-app", ClientScope::Any, Vec::new())
                .await
                .unwrap()
        );
        assert_eq!(verify_chain(&db, "org-a").await.unwrap().entries, 3);
    }
}

#[tokio::test]
async fn duplicate_id_is_a_conflict() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        create(&db, web_app("app"), 1, Vec::new()).await.unwrap();
        let err = create(&db, web_app("app"), 2, Vec::new())
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict), "{err:?}");
    }
}

#[tokio::test]
async fn corrupt_json_column_is_an_error() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        create(&db, web_app("app"), 1, Vec::new()).await.unwrap();
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
