//! Repository for `email_links`: single-use links sent by mail (password reset, address
//! verification). Only the SHA-256 digest of a link's token is stored; using a link is a
//! compare-and-set on `used_at`, so of two concurrent uses one wins.

use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
};

use crate::db::Db;
use crate::entities::email_links::{self, Column, Entity};
use crate::error::StoreError;
use crate::first::First;
use crate::id::new_id;

/// What a link is for.
pub mod purpose {
    pub const PASSWORD_RESET: &str = "password_reset";
    pub const VERIFY_EMAIL: &str = "verify_email";
    pub const EMAIL_CHANGE: &str = "email_change";
}

#[derive(Clone, Debug)]
pub struct NewLink {
    pub purpose: &'static str,
    pub user_id: String,
    pub token_digest: String,
    pub binding: String,
    pub expires_at: i64,
}

pub async fn insert(db: &Db, link: NewLink, now: i64) -> Result<email_links::Model, StoreError> {
    let row = email_links::Model {
        id: new_id(),
        purpose: link.purpose.to_owned(),
        user_id: link.user_id,
        token_digest: link.token_digest,
        binding: link.binding,
        expires_at: link.expires_at,
        used_at: None,
        created_at: now,
    };
    Entity::insert(row.clone().into_active_model())
        .exec_without_returning(db.conn())
        .await?;
    Ok(row)
}

/// The link with this token digest and purpose, used or not, expired or not.
pub async fn find(
    db: &Db,
    purpose: &str,
    token_digest: &str,
) -> Result<Option<email_links::Model>, StoreError> {
    Ok(Entity::find()
        .filter(Column::TokenDigest.eq(token_digest))
        .filter(Column::Purpose.eq(purpose))
        .first(db.conn())
        .await?)
}

/// Whether the user was ever sent a link of this purpose.
pub async fn exists_for_user(db: &Db, user_id: &str, purpose: &str) -> Result<bool, StoreError> {
    Ok(Entity::find()
        .filter(Column::UserId.eq(user_id))
        .filter(Column::Purpose.eq(purpose))
        .count(db.conn())
        .await?
        > 0)
}

/// Marks the link used; true iff this call did (it was unused).
pub async fn mark_used(db: &Db, id: &str, now: i64) -> Result<bool, StoreError> {
    let updated = Entity::update_many()
        .set(email_links::ActiveModel {
            used_at: Set(Some(now)),
            ..Default::default()
        })
        .filter(Column::Id.eq(id))
        .filter(Column::UsedAt.is_null())
        .exec(db.conn())
        .await?;
    Ok(updated.rows_affected == 1)
}

/// Ends every unused link of this purpose of the user (e.g. the other reset links once one
/// was used); returns how many.
pub async fn use_up_all(
    db: &Db,
    user_id: &str,
    purpose: &str,
    now: i64,
) -> Result<u64, StoreError> {
    let updated = Entity::update_many()
        .set(email_links::ActiveModel {
            used_at: Set(Some(now)),
            ..Default::default()
        })
        .filter(Column::UserId.eq(user_id))
        .filter(Column::Purpose.eq(purpose))
        .filter(Column::UsedAt.is_null())
        .exec(db.conn())
        .await?;
    Ok(updated.rows_affected)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::fixtures;
    use crate::testing::fresh_dbs;

    #[tokio::test]
    async fn a_link_is_found_by_digest_and_purpose_and_used_once() {
        for (db, _guard) in fresh_dbs().await.unwrap() {
            let user = fixtures::user(&db, "links@example.com").await;
            let new = |digest: &str| NewLink {
                purpose: purpose::PASSWORD_RESET,
                user_id: user.clone(),
                token_digest: digest.into(),
                binding: "b".into(),
                expires_at: 500,
            };
            let link = insert(&db, new("d1"), 100).await.unwrap();
            insert(&db, new("d2"), 100).await.unwrap();
            assert!(matches!(
                insert(&db, new("d1"), 100).await,
                Err(StoreError::Conflict)
            ));
            assert!(
                find(&db, purpose::VERIFY_EMAIL, "d1")
                    .await
                    .unwrap()
                    .is_none()
            );
            let found = find(&db, purpose::PASSWORD_RESET, "d1")
                .await
                .unwrap()
                .unwrap();
            assert_eq!(found.id, link.id);
            let (a, b) = tokio::join!(mark_used(&db, &link.id, 200), mark_used(&db, &link.id, 200));
            assert!(a.unwrap() ^ b.unwrap(), "exactly one use wins");
            assert_eq!(
                use_up_all(&db, &user, purpose::PASSWORD_RESET, 300)
                    .await
                    .unwrap(),
                1
            );
            let other = find(&db, purpose::PASSWORD_RESET, "d2")
                .await
                .unwrap()
                .unwrap();
            assert_eq!(other.used_at, Some(300));
        }
    }
}
