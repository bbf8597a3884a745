//! Password state on the `users` row and its history: changing the password (keeping the old
//! hash in `password_history`), upgrading a hash in place, the admin's "change at next login"
//! flag and the lockout reset time.

use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, sea_query::Condition,
};

use crate::db::Db;
use crate::entities::password_history::{self, Entity as History};
use crate::entities::users::{self, Column, Entity as Users};
use crate::error::StoreError;
use crate::id::new_id;
use crate::tx::begin_write;

/// The user's earlier password hashes (not the current one), newest first, at most `limit`.
pub async fn history(db: &Db, user_id: &str, limit: u64) -> Result<Vec<String>, StoreError> {
    Ok(History::find()
        .filter(password_history::Column::UserId.eq(user_id))
        .order_by_desc(password_history::Column::CreatedAt)
        .order_by_desc(password_history::Column::Id)
        .limit(limit)
        .all(db.conn())
        .await?
        .into_iter()
        .map(|row| row.password_hash)
        .collect())
}

/// Matches the row only while its hash is still `expected` (compare-and-set).
fn current_hash_is(expected: Option<&str>) -> Condition {
    match expected {
        Some(hash) => Condition::all().add(Column::PasswordHash.eq(hash)),
        None => Condition::all().add(Column::PasswordHash.is_null()),
    }
}

/// What commits with a password change besides the password itself.
#[derive(Default)]
pub struct Alongside<'a> {
    /// The change's audit entry.
    pub audit: Option<crate::audit::NewAuditEntry>,
    /// The session (`sid`) that stays signed in: every other session of the user ends with the
    /// old password, and their back-channel logout tokens are queued.
    pub kept_session: Option<&'a str>,
}

/// Sets a new password chosen by the user, in one transaction: the hash must still be
/// `expected_current` (else nothing changes and `false` is returned, e.g. after a concurrent
/// change), the old hash joins the history, which is trimmed to its newest `keep` entries,
/// `password_changed_at` becomes `now` and the "change at next login" flag is cleared; the
/// audit entry and the logout tokens of the other sessions commit with it (`alongside`).
pub async fn change(
    db: &Db,
    user_id: &str,
    expected_current: Option<&str>,
    new_hash: &str,
    now: i64,
    keep: u64,
    alongside: Alongside<'_>,
) -> Result<bool, StoreError> {
    let txn = begin_write(db).await?;
    let updated = Users::update_many()
        .set(users::ActiveModel {
            password_hash: Set(Some(new_hash.to_owned())),
            password_changed_at: Set(Some(now)),
            force_password_change: Set(false),
            updated_at: Set(now),
            ..Default::default()
        })
        .filter(Column::Id.eq(user_id))
        .filter(current_hash_is(expected_current))
        .exec(&txn)
        .await?;
    if updated.rows_affected == 0 {
        txn.rollback().await?;
        return Ok(false);
    }
    if let Some(old) = expected_current {
        let row = password_history::Model {
            id: new_id(),
            user_id: user_id.to_owned(),
            password_hash: old.to_owned(),
            created_at: now,
        };
        History::insert(row.into_active_model())
            .exec_without_returning(&txn)
            .await?;
    }
    trim_history(&txn, user_id, keep).await?;
    if let Some(entry) = alongside.audit {
        crate::audit::append_in(&txn, db.backend(), entry).await?;
    }
    // Every other session of the user ends with the old password: their clients are told.
    crate::backchannel_logouts::enqueue_for_user_in(&txn, user_id, alongside.kept_session, now)
        .await?;
    txn.commit().await?;
    Ok(true)
}

async fn trim_history(
    conn: &impl ConnectionTrait,
    user_id: &str,
    keep: u64,
) -> Result<(), StoreError> {
    // A user's history is short (one row per change, trimmed here), so the ids are read and
    // skipped in Rust; SQLite has no OFFSET without LIMIT.
    let ids: Vec<String> = History::find()
        .select_only()
        .column(password_history::Column::Id)
        .filter(password_history::Column::UserId.eq(user_id))
        .order_by_desc(password_history::Column::CreatedAt)
        .order_by_desc(password_history::Column::Id)
        .into_tuple()
        .all(conn)
        .await?;
    let keep = usize::try_from(keep).unwrap_or(usize::MAX);
    let surplus: Vec<String> = ids.into_iter().skip(keep).collect();
    if !surplus.is_empty() {
        History::delete_many()
            .filter(password_history::Column::Id.is_in(surplus))
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// Replaces `old` by a stronger hash of the same password (rehash at login). The password's
/// age and history are untouched. `false` if the hash changed meanwhile (then nothing is done).
pub async fn upgrade_hash(
    db: &Db,
    user_id: &str,
    old: &str,
    new: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let updated = Users::update_many()
        .set(users::ActiveModel {
            password_hash: Set(Some(new.to_owned())),
            updated_at: Set(now),
            ..Default::default()
        })
        .filter(Column::Id.eq(user_id))
        .filter(Column::PasswordHash.eq(old))
        .exec(db.writer())
        .await?;
    Ok(updated.rows_affected == 1)
}

/// Sets or clears the admin's "choose a new password at the next login" flag.
pub async fn set_force_change(
    db: &Db,
    user_id: &str,
    force: bool,
    now: i64,
) -> Result<(), StoreError> {
    update_one(
        db,
        user_id,
        users::ActiveModel {
            force_password_change: Set(force),
            updated_at: Set(now),
            ..Default::default()
        },
    )
    .await
}

/// Records an admin unlock at `now`; lockout counters keyed by the old value are abandoned.
pub async fn set_unlocked_at(db: &Db, user_id: &str, now: i64) -> Result<(), StoreError> {
    update_one(
        db,
        user_id,
        users::ActiveModel {
            unlocked_at: Set(Some(now)),
            updated_at: Set(now),
            ..Default::default()
        },
    )
    .await
}

async fn update_one(db: &Db, user_id: &str, values: users::ActiveModel) -> Result<(), StoreError> {
    let updated = Users::update_many()
        .set(values)
        .filter(Column::Id.eq(user_id))
        .exec(db.writer())
        .await?;
    if updated.rows_affected == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::{Alongside, change, history, set_force_change, set_unlocked_at, upgrade_hash};
    use crate::error::StoreError;
    use crate::testing::fresh_dbs;
    use crate::users::{self, NewUser};

    async fn user_with(db: &crate::Db, hash: Option<&str>) -> String {
        let user = NewUser {
            email: "h@example.com".to_owned(),
            username: None,
            name: None,
            password_hash: hash.map(str::to_owned),
        };
        users::create(db, user, 1).await.unwrap().id
    }

    #[tokio::test]
    async fn change_keeps_old_hashes_newest_first_and_trims() {
        for (db, _guard) in fresh_dbs().await.unwrap() {
            let id = user_with(&db, Some("$h0")).await;
            set_force_change(&db, &id, true, 2).await.unwrap();
            let mut current = "$h0".to_owned();
            for n in 1..=4 {
                let next = format!("$h{n}");
                assert!(
                    change(
                        &db,
                        &id,
                        Some(&current),
                        &next,
                        10 + n,
                        2,
                        Alongside::default()
                    )
                    .await
                    .unwrap()
                );
                current = next;
            }
            // Two kept, newest first; the current hash lives on the user row.
            assert_eq!(history(&db, &id, 10).await.unwrap(), ["$h3", "$h2"]);
            assert_eq!(history(&db, &id, 1).await.unwrap(), ["$h3"]);
            let user = users::find_by_id(&db, &id).await.unwrap().unwrap();
            assert_eq!(user.password_hash.as_deref(), Some("$h4"));
            assert_eq!(user.password_changed_at, Some(14));
            assert!(!user.force_password_change, "a change clears the flag");
        }
    }

    #[tokio::test]
    async fn change_is_refused_when_the_hash_moved_on() {
        for (db, _guard) in fresh_dbs().await.unwrap() {
            let id = user_with(&db, Some("$a")).await;
            assert!(
                !change(&db, &id, Some("$stale"), "$b", 5, 5, Alongside::default())
                    .await
                    .unwrap()
            );
            assert!(
                !change(&db, &id, None, "$b", 5, 5, Alongside::default())
                    .await
                    .unwrap()
            );
            assert!(history(&db, &id, 5).await.unwrap().is_empty());
            let user = users::find_by_id(&db, &id).await.unwrap().unwrap();
            assert_eq!(user.password_hash.as_deref(), Some("$a"));
            // A user without a password gets one; there is nothing to keep.
            let other = NewUser {
                email: "n@example.com".to_owned(),
                username: None,
                name: None,
                password_hash: None,
            };
            let other = users::create(&db, other, 1).await.unwrap().id;
            assert!(
                change(&db, &other, None, "$first", 6, 5, Alongside::default())
                    .await
                    .unwrap()
            );
            assert!(history(&db, &other, 5).await.unwrap().is_empty());
        }
    }

    #[tokio::test]
    async fn upgrade_replaces_the_hash_but_not_its_age() {
        for (db, _guard) in fresh_dbs().await.unwrap() {
            let id = user_with(&db, Some("$weak")).await;
            assert!(
                upgrade_hash(&db, &id, "$weak", "$strong", 50)
                    .await
                    .unwrap()
            );
            assert!(!upgrade_hash(&db, &id, "$weak", "$other", 51).await.unwrap());
            let user = users::find_by_id(&db, &id).await.unwrap().unwrap();
            assert_eq!(user.password_hash.as_deref(), Some("$strong"));
            assert_eq!(user.password_changed_at, Some(1));
            assert!(history(&db, &id, 5).await.unwrap().is_empty());
        }
    }

    #[tokio::test]
    async fn flags_are_set_or_report_a_missing_user() {
        for (db, _guard) in fresh_dbs().await.unwrap() {
            let id = user_with(&db, None).await;
            set_force_change(&db, &id, true, 3).await.unwrap();
            set_unlocked_at(&db, &id, 4).await.unwrap();
            let user = users::find_by_id(&db, &id).await.unwrap().unwrap();
            assert!(user.force_password_change);
            assert_eq!(user.unlocked_at, Some(4));
            for result in [
                set_force_change(&db, "missing", true, 3).await,
                set_unlocked_at(&db, "missing", 3).await,
            ] {
                assert!(matches!(result, Err(StoreError::NotFound)), "{result:?}");
            }
        }
    }
}
