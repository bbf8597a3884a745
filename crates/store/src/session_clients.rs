//! Repository for `session_clients`: which clients each browser session signed in to, so that
//! the ones with a `backchannel_logout_uri` can be told when it ends (`backchannel_logouts`
//! turns these rows into queued logout tokens and removes them in the same transaction).

use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder};

use crate::db::Db;
use crate::entities::session_clients::{self, Column, Entity};
use crate::error::StoreError;

/// Records that session `sid` of `user_id` signed in to `client_id`, until `expires_at` (the
/// session's end at the latest). Recording it again moves the end. One statement
/// (`INSERT … ON CONFLICT DO UPDATE`), so concurrent calls cannot collide.
pub async fn record(
    db: &Db,
    sid: &str,
    client_id: &str,
    user_id: &str,
    now: i64,
    expires_at: i64,
) -> Result<(), StoreError> {
    let row = session_clients::Model {
        sid: sid.to_owned(),
        client_id: client_id.to_owned(),
        user_id: user_id.to_owned(),
        created_at: now,
        expires_at,
    };
    Entity::insert(row.into_active_model())
        .on_conflict(
            OnConflict::columns([Column::Sid, Column::ClientId])
                .update_column(Column::ExpiresAt)
                .to_owned(),
        )
        .exec_without_returning(db.writer())
        .await?;
    Ok(())
}

/// Moves the end of every row of session `sid` (a session that was saved again lives longer).
pub async fn extend(db: &Db, sid: &str, expires_at: i64) -> Result<(), StoreError> {
    Entity::update_many()
        .col_expr(
            Column::ExpiresAt,
            sea_orm::sea_query::Expr::value(expires_at),
        )
        .filter(Column::Sid.eq(sid))
        .filter(Column::ExpiresAt.lt(expires_at))
        .exec(db.writer())
        .await?;
    Ok(())
}

/// The clients of one session, oldest first.
pub async fn of_session(db: &Db, sid: &str) -> Result<Vec<session_clients::Model>, StoreError> {
    Ok(Entity::find()
        .filter(Column::Sid.eq(sid))
        .order_by_asc(Column::CreatedAt)
        .order_by_asc(Column::ClientId)
        .all(db.conn())
        .await?)
}

/// Drops the rows of sessions that have ended by themselves; returns how many.
pub async fn sweep_expired(db: &Db, now: i64) -> Result<u64, StoreError> {
    Ok(Entity::delete_many()
        .filter(Column::ExpiresAt.lte(now))
        .exec(db.writer())
        .await?
        .rows_affected)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::fixtures;
    use crate::testing::fresh_dbs;

    #[tokio::test]
    async fn a_session_remembers_each_client_once_until_it_expires() {
        for (db, _guard) in fresh_dbs().await.unwrap() {
            let user = fixtures::user(&db, "ann@example.com").await;
            let a = fixtures::client(&db, "app-a").await;
            let b = fixtures::client(&db, "app-b").await;
            record(&db, "s1", &a, &user, 10, 100).await.unwrap();
            record(&db, "s1", &b, &user, 11, 100).await.unwrap();
            // Again: one row, with the later end.
            record(&db, "s1", &a, &user, 12, 150).await.unwrap();
            record(&db, "s2", &a, &user, 13, 90).await.unwrap();
            let rows = of_session(&db, "s1").await.unwrap();
            let clients: Vec<_> = rows.iter().map(|r| r.client_id.as_str()).collect();
            assert_eq!(clients, ["app-a", "app-b"]);
            assert_eq!(rows[0].expires_at, 150);
            extend(&db, "s2", 200).await.unwrap();
            extend(&db, "s2", 50).await.unwrap();
            assert_eq!(of_session(&db, "s2").await.unwrap()[0].expires_at, 200);
            assert_eq!(sweep_expired(&db, 100).await.unwrap(), 1, "s1's app-b");
            assert_eq!(of_session(&db, "s1").await.unwrap().len(), 1);
            assert_eq!(of_session(&db, "s2").await.unwrap().len(), 1);
        }
    }
}
