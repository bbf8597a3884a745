//! Repository for `mfa_grace`: the grace period of a user who must set up a second factor.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, ExprTrait, IntoActiveModel, QueryFilter};

use crate::db::Db;
use crate::entities::mfa_grace::{self, Column, Entity};
use crate::error::StoreError;
use crate::first::First;

/// The user's grace record, started now if there was none (one statement, race-free).
pub async fn start(db: &Db, user_id: &str, now: i64) -> Result<mfa_grace::Model, StoreError> {
    let row = mfa_grace::Model {
        user_id: user_id.to_owned(),
        started_at: now,
        postponements: 0,
    };
    Entity::insert(row.into_active_model())
        .on_conflict_do_nothing()
        .exec_without_returning(db.writer())
        .await?;
    find(db, user_id).await?.ok_or(StoreError::NotFound)
}

pub async fn find(db: &Db, user_id: &str) -> Result<Option<mfa_grace::Model>, StoreError> {
    Ok(Entity::find_by_id(user_id).first(db.conn()).await?)
}

/// Counts one postponement if fewer than `max` were used; true iff this call counted it.
pub async fn postpone(db: &Db, user_id: &str, max: i32) -> Result<bool, StoreError> {
    let changed = Entity::update_many()
        .col_expr(
            Column::Postponements,
            Expr::col(Column::Postponements).add(1),
        )
        .filter(Column::UserId.eq(user_id))
        .filter(Column::Postponements.lt(max))
        .exec(db.writer())
        .await?;
    Ok(changed.rows_affected == 1)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::{find, postpone, start};
    use crate::fixtures;
    use crate::testing::fresh_dbs;

    #[tokio::test]
    async fn grace_starts_once_and_postponements_are_capped() {
        for (db, _guard) in fresh_dbs().await.unwrap() {
            let user = fixtures::user(&db, "grace@example.com").await;
            assert_eq!(find(&db, &user).await.unwrap(), None);
            assert!(!postpone(&db, &user, 2).await.unwrap(), "no record yet");
            let first = start(&db, &user, 100).await.unwrap();
            assert_eq!((first.started_at, first.postponements), (100, 0));
            let again = start(&db, &user, 200).await.unwrap();
            assert_eq!(again.started_at, 100, "the first start is kept");

            assert!(postpone(&db, &user, 2).await.unwrap());
            assert!(postpone(&db, &user, 2).await.unwrap());
            assert!(!postpone(&db, &user, 2).await.unwrap(), "cap reached");
            assert_eq!(find(&db, &user).await.unwrap().unwrap().postponements, 2);
        }
    }
}
