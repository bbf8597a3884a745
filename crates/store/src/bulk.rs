//! Inserting many rows at once: multi-row `INSERT`s in chunks, inside one write transaction, so
//! seeding a million rows takes seconds instead of a million round trips.

use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, ModelTrait};

use crate::db::Db;
use crate::error::StoreError;
use crate::tx::begin_write;

/// Rows per statement: well under SQLite's 32,766 and PostgreSQL's 65,535 bind parameters for
/// our widest table (15 columns).
const ROWS_PER_STATEMENT: usize = 1_000;

/// Inserts `rows` in chunks within one transaction; nothing is written if any chunk fails.
pub(crate) async fn insert_rows<E, M>(db: &Db, rows: Vec<M>) -> Result<(), StoreError>
where
    E: EntityTrait<Model = M>,
    M: ModelTrait<Entity = E> + IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    if rows.is_empty() {
        return Ok(());
    }
    let txn = begin_write(db).await?;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<E::ActiveModel> = rows
            .by_ref()
            .take(ROWS_PER_STATEMENT)
            .map(IntoActiveModel::into_active_model)
            .collect();
        E::insert_many(chunk).exec_without_returning(&txn).await?;
    }
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use crate::clients::{self, NewClient};
    use crate::error::StoreError;
    use crate::id::new_id;
    use crate::refresh_tokens::{self, NewRefreshToken};
    use crate::testing::fresh_dbs;
    use crate::users::{self, NewUser};

    fn user(n: usize) -> NewUser {
        NewUser {
            email: format!("User{n}@Example.com"),
            username: None,
            name: Some(format!("User {n}")),
            password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned()),
        }
    }

    fn client(id: String) -> NewClient {
        NewClient {
            id,
            name: "Seeded".to_owned(),
            secret_digest: Some("ab".repeat(32)),
            public: false,
            first_party: true,
            redirect_uris: vec!["https://app.example/cb".to_owned()],
            post_logout_redirect_uris: vec![],
            grant_types: vec!["client_credentials".to_owned()],
            id_token_alg: "ES256".to_owned(),
            allowed_scopes: Vec::new(),
            audiences: Vec::new(),
            web_origins: Vec::new(),
            backchannel_logout_uri: None,
            backchannel_logout_session_required: true,
            auth: Default::default(),
            token_exchange: None,
            org_id: None,
            pkce_required: true,
        }
    }

    #[tokio::test]
    async fn many_rows_across_several_statements_are_all_stored() {
        for (db, _guard) in fresh_dbs().await.unwrap() {
            // 2,500 rows: three statements, the last one partial.
            let ids = users::create_many(&db, (0..2_500).map(user).collect(), 5)
                .await
                .unwrap();
            assert_eq!(ids.len(), 2_500);
            let last = users::find_by_id(&db, &ids[2_499]).await.unwrap().unwrap();
            assert_eq!(last.email, "user2499@example.com");
            assert_eq!(last.password_changed_at, Some(5));
            let found = users::find_by_login(&db, "USER1000@example.com")
                .await
                .unwrap();
            assert_eq!(found.map(|u| u.id), Some(ids[1_000].clone()));

            let client_ids: Vec<String> = (0..1_200).map(|n| format!("c{n}")).collect();
            clients::create_many(&db, client_ids.iter().cloned().map(client).collect(), 6)
                .await
                .unwrap();
            let seeded = clients::find(&db, "c1199").await.unwrap().unwrap();
            assert_eq!(seeded.grant_types, ["client_credentials"]);
            assert_eq!(seeded.created_at, 6);

            let tokens: Vec<NewRefreshToken> = (0..1_500)
                .map(|n| NewRefreshToken {
                    id: new_id(),
                    token_digest: format!("digest-{n}"),
                    family_id: new_id(),
                    client_id: client_ids[n % client_ids.len()].clone(),
                    user_id: ids[n].clone(),
                    scope: "openid offline_access".to_owned(),
                    resources: Vec::new(),
                    auth_time: 1,
                    amr: vec!["pwd".to_owned()],
                    sid: None,
                    access_jti: new_id(),
                    access_expires_at: 10,
                    created_at: 1,
                    expires_at: 1_000,
                })
                .collect();
            refresh_tokens::insert_many(&db, tokens).await.unwrap();
            let row = refresh_tokens::find_by_digest(&db, "digest-1499")
                .await
                .unwrap()
                .unwrap();
            assert_eq!(row.user_id, ids[1_499]);
            assert_eq!(row.amr_values().unwrap(), ["pwd"]);
        }
    }

    #[tokio::test]
    async fn a_conflict_in_a_later_chunk_writes_nothing() {
        for (db, _guard) in fresh_dbs().await.unwrap() {
            users::create(&db, user(1_500), 1).await.unwrap();
            let err = users::create_many(&db, (0..2_000).map(user).collect(), 2)
                .await
                .unwrap_err();
            assert!(matches!(err, StoreError::Conflict), "{err:?}");
            assert_eq!(
                users::find_by_login(&db, "user0@example.com")
                    .await
                    .unwrap(),
                None,
                "{:?}: the first chunk must be rolled back",
                db.backend()
            );
            assert!(
                users::create_many(&db, Vec::new(), 3)
                    .await
                    .unwrap()
                    .is_empty()
            );
        }
    }
}
