//! Repository for `auth_events`: the record of failed logins, lockouts, unlocks and password
//! changes (until the audit log takes it over).

use sea_orm::{
    ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::db::Db;
use crate::entities::auth_events::{self, Column, Entity};
use crate::error::StoreError;
use crate::id::new_id;

/// What an event records. Stored as its [`Kind::as_str`] text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A login attempt that did not log in: wrong password, unknown account, locked, throttled.
    LoginFailed,
    /// Too many failures locked the account (or the login name, if no account has it).
    AccountLocked,
    /// An admin cleared the lockout.
    AccountUnlocked,
    /// The user chose a new password.
    PasswordChanged,
    /// An admin required a new password at the next login.
    PasswordChangeForced,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::LoginFailed,
        Kind::AccountLocked,
        Kind::AccountUnlocked,
        Kind::PasswordChanged,
        Kind::PasswordChangeForced,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::LoginFailed => "login_failed",
            Kind::AccountLocked => "account_locked",
            Kind::AccountUnlocked => "account_unlocked",
            Kind::PasswordChanged => "password_changed",
            Kind::PasswordChangeForced => "password_change_forced",
        }
    }
}

/// An event to record; `details` is a JSON object.
#[derive(Clone, Debug, PartialEq)]
pub struct NewAuthEvent {
    pub kind: Kind,
    pub user_id: Option<String>,
    pub subject: String,
    pub ip: Option<String>,
    pub at: i64,
    pub details: serde_json::Value,
}

pub async fn record(db: &Db, event: NewAuthEvent) -> Result<auth_events::Model, StoreError> {
    let row = auth_events::Model {
        id: new_id(),
        kind: event.kind.as_str().to_owned(),
        user_id: event.user_id,
        subject: event.subject,
        ip: event.ip,
        at: event.at,
        details: event.details.to_string(),
    };
    Entity::insert(row.clone().into_active_model())
        .exec_without_returning(db.writer())
        .await?;
    Ok(row)
}

/// The newest `limit` events about `subject`, newest first.
pub async fn for_subject(
    db: &Db,
    subject: &str,
    limit: u64,
) -> Result<Vec<auth_events::Model>, StoreError> {
    Ok(Entity::find()
        .filter(Column::Subject.eq(subject))
        .order_by_desc(Column::At)
        .order_by_desc(Column::Id)
        .limit(limit)
        .all(db.conn())
        .await?)
}

/// How many events of `kind` concern `subject`.
pub async fn count(db: &Db, subject: &str, kind: Kind) -> Result<u64, StoreError> {
    Ok(Entity::find()
        .filter(Column::Subject.eq(subject))
        .filter(Column::Kind.eq(kind.as_str()))
        .count(db.conn())
        .await?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use serde_json::json;

    use super::{Kind, NewAuthEvent, count, for_subject, record};
    use crate::fixtures;
    use crate::testing::fresh_dbs;

    fn event(kind: Kind, user_id: Option<&str>, subject: &str, at: i64) -> NewAuthEvent {
        NewAuthEvent {
            kind,
            user_id: user_id.map(str::to_owned),
            subject: subject.to_owned(),
            ip: Some("192.0.2.7".to_owned()),
            at,
            details: json!({"reason": "bad_password"}),
        }
    }

    #[tokio::test]
    async fn records_and_lists_newest_first_and_counts_by_kind() {
        for (db, _guard) in fresh_dbs().await.unwrap() {
            let user = fixtures::user(&db, "e@example.com").await;
            record(&db, event(Kind::LoginFailed, Some(&user), &user, 10))
                .await
                .unwrap();
            record(&db, event(Kind::AccountLocked, Some(&user), &user, 20))
                .await
                .unwrap();
            record(&db, event(Kind::LoginFailed, None, "login:abc", 15))
                .await
                .unwrap();
            let listed = for_subject(&db, &user, 10).await.unwrap();
            let kinds: Vec<&str> = listed.iter().map(|e| e.kind.as_str()).collect();
            assert_eq!(kinds, ["account_locked", "login_failed"]);
            assert_eq!(listed[1].ip.as_deref(), Some("192.0.2.7"));
            let details: serde_json::Value = serde_json::from_str(&listed[1].details).unwrap();
            assert_eq!(details["reason"], "bad_password");
            assert_eq!(count(&db, &user, Kind::LoginFailed).await.unwrap(), 1);
            assert_eq!(count(&db, "login:abc", Kind::LoginFailed).await.unwrap(), 1);
            assert_eq!(count(&db, &user, Kind::AccountUnlocked).await.unwrap(), 0);
        }
    }

    #[tokio::test]
    async fn events_outlive_the_user_with_a_null_user_id() {
        use sea_orm::EntityTrait;
        for (db, _guard) in fresh_dbs().await.unwrap() {
            let user = fixtures::user(&db, "gone@example.com").await;
            record(&db, event(Kind::PasswordChanged, Some(&user), &user, 5))
                .await
                .unwrap();
            crate::entities::users::Entity::delete_by_id(user.clone())
                .exec(db.writer())
                .await
                .unwrap();
            let kept = for_subject(&db, &user, 10).await.unwrap();
            assert_eq!(kept.len(), 1, "{:?}", db.backend());
            assert_eq!(kept[0].user_id, None);
        }
    }

    #[test]
    fn kind_names_are_distinct() {
        let mut names: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Kind::ALL.len());
    }
}
