//! Repository for `consents`.

use sea_orm::sea_query::OnConflict;
use sea_orm::{EntityTrait, IntoActiveModel};

use crate::db::Db;
use crate::entities::consents::{self, Column, Entity};
use crate::error::StoreError;
use crate::first::First;

pub async fn find(
    db: &Db,
    user_id: &str,
    client_id: &str,
) -> Result<Option<consents::Model>, StoreError> {
    Ok(
        Entity::find_by_id((user_id.to_owned(), client_id.to_owned()))
            .first(db.conn())
            .await?,
    )
}

/// Records the scopes a user granted a client, replacing any earlier grant (its `created_at`
/// is kept). One statement (`INSERT … ON CONFLICT DO UPDATE`), so concurrent calls cannot
/// collide.
pub async fn upsert(
    db: &Db,
    user_id: &str,
    client_id: &str,
    scope: &str,
    now: i64,
) -> Result<consents::Model, StoreError> {
    let row = consents::Model {
        user_id: user_id.to_owned(),
        client_id: client_id.to_owned(),
        scope: scope.to_owned(),
        created_at: now,
        updated_at: now,
    };
    Entity::insert(row.into_active_model())
        .on_conflict(
            OnConflict::columns([Column::UserId, Column::ClientId])
                .update_columns([Column::Scope, Column::UpdatedAt])
                .to_owned(),
        )
        .exec_without_returning(db.writer())
        .await?;
    find(db, user_id, client_id)
        .await?
        .ok_or(StoreError::NotFound)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::{find, upsert};
    use crate::error::StoreError;
    use crate::fixtures;
    use crate::testing::fresh_dbs;

    #[tokio::test]
    async fn upsert_inserts_then_replaces_scope_keeping_created_at() {
        for (db, _guard) in fresh_dbs().await.unwrap() {
            let user = fixtures::user(&db, "u@example.com").await;
            let client = fixtures::client(&db, "third-party").await;
            assert_eq!(find(&db, &user, &client).await.unwrap(), None);

            let first = upsert(&db, &user, &client, "openid", 10).await.unwrap();
            assert_eq!((first.scope.as_str(), first.created_at), ("openid", 10));

            let second = upsert(&db, &user, &client, "openid email", 20)
                .await
                .unwrap();
            assert_eq!(second.scope, "openid email");
            assert_eq!((second.created_at, second.updated_at), (10, 20));
            assert_eq!(find(&db, &user, &client).await.unwrap(), Some(second));
        }
    }

    #[tokio::test]
    async fn consent_needs_an_existing_user_and_client() {
        for (db, _guard) in fresh_dbs().await.unwrap() {
            let err = upsert(&db, "ghost", "nobody", "openid", 1)
                .await
                .unwrap_err();
            assert!(matches!(err, StoreError::Db(_)), "{err:?}");
        }
    }
}
