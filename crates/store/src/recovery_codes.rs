//! Repository for `recovery_codes`: a user's set is replaced as a whole (in one transaction),
//! and a code is used by a compare-and-set, so it works exactly once.

use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QueryOrder,
};

use crate::db::Db;
use crate::entities::recovery_codes::{self, Column, Entity};
use crate::error::StoreError;
use crate::id::new_id;
use crate::tx::begin_write;

/// Replaces the user's codes (used or not) with new ones, given as digests.
pub async fn replace_for_user(
    db: &Db,
    user_id: &str,
    digests: &[String],
    now: i64,
) -> Result<(), StoreError> {
    let txn = begin_write(db).await?;
    Entity::delete_many()
        .filter(Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    let rows = digests.iter().map(|digest| {
        recovery_codes::Model {
            id: new_id(),
            user_id: user_id.to_owned(),
            digest: digest.clone(),
            created_at: now,
            used_at: None,
        }
        .into_active_model()
    });
    if !digests.is_empty() {
        Entity::insert_many(rows)
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// The user's codes that have not been used, oldest first.
pub async fn unused_for_user(
    db: &Db,
    user_id: &str,
) -> Result<Vec<recovery_codes::Model>, StoreError> {
    Ok(Entity::find()
        .filter(Column::UserId.eq(user_id))
        .filter(Column::UsedAt.is_null())
        .order_by_asc(Column::Id)
        .all(db.conn())
        .await?)
}

pub async fn count_unused(db: &Db, user_id: &str) -> Result<u64, StoreError> {
    Ok(Entity::find()
        .filter(Column::UserId.eq(user_id))
        .filter(Column::UsedAt.is_null())
        .count(db.conn())
        .await?)
}

/// Marks a code used if it is not yet; true iff this call did (of concurrent callers, one).
pub async fn mark_used(db: &Db, id: &str, now: i64) -> Result<bool, StoreError> {
    let changed = Entity::update_many()
        .set(recovery_codes::ActiveModel {
            used_at: Set(Some(now)),
            ..Default::default()
        })
        .filter(Column::Id.eq(id))
        .filter(Column::UsedAt.is_null())
        .exec(db.writer())
        .await?;
    Ok(changed.rows_affected == 1)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::{count_unused, mark_used, replace_for_user, unused_for_user};
    use crate::fixtures;
    use crate::testing::fresh_dbs;

    fn digests(prefix: &str) -> Vec<String> {
        (0..10).map(|n| format!("{prefix}-{n}")).collect()
    }

    #[tokio::test]
    async fn a_code_is_used_once_and_regeneration_replaces_the_set() {
        for (db, _guard) in fresh_dbs().await.unwrap() {
            let user = fixtures::user(&db, "rc@example.com").await;
            let other = fixtures::user(&db, "other@example.com").await;
            replace_for_user(&db, &user, &digests("a"), 10)
                .await
                .unwrap();
            replace_for_user(&db, &other, &digests("x"), 10)
                .await
                .unwrap();
            assert_eq!(count_unused(&db, &user).await.unwrap(), 10);

            let codes = unused_for_user(&db, &user).await.unwrap();
            assert!(codes.iter().all(|c| c.digest.starts_with("a-")));
            assert!(mark_used(&db, &codes[0].id, 20).await.unwrap());
            assert!(!mark_used(&db, &codes[0].id, 21).await.unwrap(), "twice");
            assert_eq!(count_unused(&db, &user).await.unwrap(), 9);

            replace_for_user(&db, &user, &digests("b"), 30)
                .await
                .unwrap();
            let fresh = unused_for_user(&db, &user).await.unwrap();
            assert_eq!(fresh.len(), 10);
            assert!(fresh.iter().all(|c| c.digest.starts_with("b-")));
            // The other user's set is untouched.
            assert_eq!(count_unused(&db, &other).await.unwrap(), 10);
        }
    }

    #[tokio::test]
    async fn codes_go_with_their_user() {
        for (db, _guard) in fresh_dbs().await.unwrap() {
            let user = fixtures::user(&db, "gone@example.com").await;
            replace_for_user(&db, &user, &digests("a"), 10)
                .await
                .unwrap();
            use sea_orm::EntityTrait;
            crate::entities::users::Entity::delete_by_id(user.clone())
                .exec(db.writer())
                .await
                .unwrap();
            assert_eq!(count_unused(&db, &user).await.unwrap(), 0);
        }
    }
}
