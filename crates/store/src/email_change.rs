//! Applying a change of email address through its mailed link, in one write transaction: the
//! link is used (compare-and-set on `used_at`, still unexpired), the address is replaced only
//! if it is still the one the link was sent for (compare-and-set on the old address), it is
//! marked verified, the user's other open links (address changes, password resets mailed to
//! the old address) are used up, and the audit entry is appended. Any refusal rolls it all
//! back.

use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

use crate::audit::{NewAuditEntry, append_in};
use crate::db::Db;
use crate::email_links::purpose;
use crate::entities::{email_links, users};
use crate::error::StoreError;
use crate::tx::begin_write;

/// The outcome of [`apply`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    Changed,
    /// The link was used (or expired) meanwhile.
    LinkUsed,
    /// The user's address is no longer the one the link was sent for (or the user is gone).
    Stale,
    /// Another account has the new address (the unique key refused it).
    Taken,
}

/// The change to apply.
#[derive(Clone, Debug)]
pub struct EmailChange<'a> {
    pub link_id: &'a str,
    pub user_id: &'a str,
    /// The address the link was sent for (lower-case).
    pub old_email: &'a str,
    /// The new address (lower-case).
    pub new_email: &'a str,
}

/// Uses the link and changes the address, with `audit`, all or nothing.
pub async fn apply(
    db: &Db,
    change: EmailChange<'_>,
    now: i64,
    audit: NewAuditEntry,
) -> Result<Applied, StoreError> {
    let txn = begin_write(db).await?;
    let used = email_links::Entity::update_many()
        .set(email_links::ActiveModel {
            used_at: Set(Some(now)),
            ..Default::default()
        })
        .filter(email_links::Column::Id.eq(change.link_id))
        .filter(email_links::Column::UserId.eq(change.user_id))
        .filter(email_links::Column::UsedAt.is_null())
        .filter(email_links::Column::ExpiresAt.gt(now))
        .exec(&txn)
        .await?;
    if used.rows_affected != 1 {
        return Ok(Applied::LinkUsed);
    }
    let updated = users::Entity::update_many()
        .set(users::ActiveModel {
            email: Set(change.new_email.to_lowercase()),
            email_verified: Set(true),
            updated_at: Set(now),
            ..Default::default()
        })
        .filter(users::Column::Id.eq(change.user_id))
        .filter(users::Column::Email.eq(change.old_email))
        .exec(&txn)
        .await
        .map_err(StoreError::from);
    match updated {
        Ok(result) if result.rows_affected == 1 => {}
        // Dropping the transaction rolls the use of the link back.
        Ok(_) => return Ok(Applied::Stale),
        Err(StoreError::Conflict) => return Ok(Applied::Taken),
        Err(e) => return Err(e),
    }
    email_links::Entity::update_many()
        .set(email_links::ActiveModel {
            used_at: Set(Some(now)),
            ..Default::default()
        })
        .filter(email_links::Column::UserId.eq(change.user_id))
        .filter(
            email_links::Column::Purpose.is_in([purpose::EMAIL_CHANGE, purpose::PASSWORD_RESET]),
        )
        .filter(email_links::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    append_in(&txn, db.backend(), audit).await?;
    txn.commit().await?;
    Ok(Applied::Changed)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::email_links::{self as links, NewLink};
    use crate::fixtures;
    use crate::testing::fresh_dbs;

    fn note(user: &str) -> NewAuditEntry {
        NewAuditEntry {
            at: 200,
            org_id: None,
            actor: Some(user.to_owned()),
            staff: None,
            subject: Some(user.to_owned()),
            action: "email.changed".into(),
            target: None,
            ip: None,
            user_agent: None,
            details: serde_json::json!({}),
        }
    }

    async fn link(db: &Db, user: &str, purpose: &'static str, digest: &str) -> String {
        let new = NewLink {
            purpose,
            user_id: user.to_owned(),
            token_digest: digest.into(),
            binding: "b".into(),
            expires_at: 500,
        };
        links::insert(db, new, 100).await.unwrap().id
    }

    async fn audit_count(db: &Db) -> usize {
        crate::entities::audit_log::Entity::find()
            .all(db.conn())
            .await
            .unwrap()
            .len()
    }

    #[tokio::test]
    async fn a_change_applies_once_and_all_or_nothing() {
        for (db, _guard) in fresh_dbs().await.unwrap() {
            let user = fixtures::user(&db, "old@example.com").await;
            fixtures::user(&db, "taken@example.com").await;
            let first = link(&db, &user, purpose::EMAIL_CHANGE, "c1").await;
            link(&db, &user, purpose::PASSWORD_RESET, "r1").await;
            let change = |link_id, new_email| EmailChange {
                link_id,
                user_id: &user,
                old_email: "old@example.com",
                new_email,
            };

            // Taken: nothing changes, the link is still unused.
            let taken = apply(&db, change(&first, "taken@example.com"), 200, note(&user));
            assert_eq!(taken.await.unwrap(), Applied::Taken);
            let row = links::find(&db, purpose::EMAIL_CHANGE, "c1").await.unwrap();
            assert_eq!(row.unwrap().used_at, None);
            assert_eq!(audit_count(&db).await, 0);

            // Expired: refused.
            let late = apply(&db, change(&first, "new@example.com"), 600, note(&user));
            assert_eq!(late.await.unwrap(), Applied::LinkUsed);

            let done = apply(&db, change(&first, "New@Example.com"), 200, note(&user));
            assert_eq!(done.await.unwrap(), Applied::Changed);
            let row = crate::users::find_by_id(&db, &user).await.unwrap().unwrap();
            assert_eq!(row.email, "new@example.com");
            assert!(row.email_verified);
            assert_eq!(audit_count(&db).await, 1);
            let reset = links::find(&db, purpose::PASSWORD_RESET, "r1")
                .await
                .unwrap();
            assert!(reset.unwrap().used_at.is_some(), "old reset links die");

            // Used twice: refused; a second link for the old address is stale.
            let again = apply(&db, change(&first, "new@example.com"), 200, note(&user));
            assert_eq!(again.await.unwrap(), Applied::LinkUsed);
            let second = link(&db, &user, purpose::EMAIL_CHANGE, "c2").await;
            let stale = apply(&db, change(&second, "other@example.com"), 200, note(&user));
            assert_eq!(stale.await.unwrap(), Applied::Stale);
            let row = links::find(&db, purpose::EMAIL_CHANGE, "c2").await.unwrap();
            assert_eq!(row.unwrap().used_at, None, "rolled back");
            assert_eq!(audit_count(&db).await, 1);
        }
    }
}
