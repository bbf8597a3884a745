//! Repository for `users`.

use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect,
};

use crate::db::Db;
use crate::entities::users::{self, Column, Entity};
use crate::error::StoreError;
use crate::first::First;
use crate::id::new_id;

/// A user to create. The email is stored under its [`email_key`]; callers refuse addresses
/// `poort_allowlist::normalise_email` refuses before they get here.
#[derive(Clone, PartialEq, Eq)]
pub struct NewUser {
    pub email: String,
    pub username: Option<String>,
    pub name: Option<String>,
    /// PHC string, already hashed by the caller.
    pub password_hash: Option<String>,
}

impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("email", &self.email)
            .field("username", &self.username)
            .field("name", &self.name)
            .field(
                "password_hash",
                &self.password_hash.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl NewUser {
    fn into_row(self, now: i64) -> users::Model {
        users::Model {
            id: new_id(),
            email: email_key(&self.email),
            username: self.username,
            name: self.name,
            password_changed_at: self.password_hash.as_ref().map(|_| now),
            password_hash: self.password_hash,
            email_verified: false,
            disabled: false,
            force_password_change: false,
            unlocked_at: None,
            deleted_at: None,
            created_at: now,
            updated_at: now,
            locale: None,
        }
    }
}

/// Creates a user with a new id; [`StoreError::Conflict`] if the email or username is taken.
pub async fn create(db: &Db, user: NewUser, now: i64) -> Result<users::Model, StoreError> {
    let model = user.into_row(now);
    Entity::insert(model.clone().into_active_model())
        .exec_without_returning(db.writer())
        .await?;
    Ok(model)
}

/// Creates many users in one transaction (imports, load-test seeding) and returns their new ids
/// in input order. All or nothing: [`StoreError::Conflict`] if any email or username is taken.
pub async fn create_many(
    db: &Db,
    new_users: Vec<NewUser>,
    now: i64,
) -> Result<Vec<String>, StoreError> {
    let rows: Vec<users::Model> = new_users.into_iter().map(|u| u.into_row(now)).collect();
    let ids = rows.iter().map(|row| row.id.clone()).collect();
    crate::bulk::insert_rows::<Entity, _>(db, rows).await?;
    Ok(ids)
}

pub async fn find_by_id(db: &Db, id: &str) -> Result<Option<users::Model>, StoreError> {
    Ok(Entity::find_by_id(id).first(db.conn()).await?)
}

/// What an address is stored and looked up as: its canonical form
/// (`poort_allowlist::normalise_email`: NFKC, lower case, IDNA domain), so `ＡＤＡ@Example.com`
/// finds `ada@example.com`. Text that is no valid address (a username, or an address stored
/// before canonical forms that is refused now) is only lower-cased, as before.
pub fn email_key(login: &str) -> String {
    match poort_allowlist::normalise_email(login) {
        Ok(email) => email.into_string(),
        Err(_) => login.to_lowercase(),
    }
}

/// Finds a user by email (in canonical form, see [`email_key`]) or by exact username. If one
/// user's username equals another user's email, the email match wins.
pub async fn find_by_login(db: &Db, login: &str) -> Result<Option<users::Model>, StoreError> {
    let email = email_key(login);
    let mut matches = Entity::find()
        .filter(
            Condition::any()
                .add(Column::Email.eq(email.as_str()))
                .add(Column::Username.eq(login)),
        )
        .all(db.conn())
        .await?;
    let by_email = matches.iter().position(|user| user.email == email);
    Ok(match by_email {
        Some(index) => Some(matches.swap_remove(index)),
        None => matches.pop(),
    })
}

/// Finds a user by email only (in canonical form, see [`email_key`]), never by username.
pub async fn find_by_email(db: &Db, email: &str) -> Result<Option<users::Model>, StoreError> {
    Ok(Entity::find()
        .filter(Column::Email.eq(email_key(email)))
        .first(db.conn())
        .await?)
}

/// Replaces the password hash and records when it changed.
pub async fn set_password_hash(db: &Db, id: &str, hash: &str, now: i64) -> Result<(), StoreError> {
    let changed = Entity::update_many()
        .set(users::ActiveModel {
            password_hash: Set(Some(hash.to_owned())),
            password_changed_at: Set(Some(now)),
            updated_at: Set(now),
            ..Default::default()
        })
        .filter(Column::Id.eq(id))
        .exec(db.writer())
        .await?;
    if changed.rows_affected == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// A page of users, oldest first.
/// Marks the user's address verified (or not).
pub async fn set_email_verified(
    db: &Db,
    id: &str,
    verified: bool,
    now: i64,
) -> Result<(), StoreError> {
    Entity::update_many()
        .set(users::ActiveModel {
            email_verified: Set(verified),
            updated_at: Set(now),
            ..Default::default()
        })
        .filter(Column::Id.eq(id))
        .exec(db.conn())
        .await?;
    Ok(())
}

/// Saves the user's language (`None`: follow the browser).
pub async fn set_locale(
    db: &Db,
    id: &str,
    locale: Option<&str>,
    now: i64,
) -> Result<(), StoreError> {
    let updated = Entity::update_many()
        .set(users::ActiveModel {
            locale: Set(locale.map(str::to_owned)),
            updated_at: Set(now),
            ..Default::default()
        })
        .filter(Column::Id.eq(id))
        .exec(db.conn())
        .await?;
    match updated.rows_affected {
        0 => Err(StoreError::NotFound),
        _ => Ok(()),
    }
}

pub async fn list(db: &Db, limit: u64, offset: u64) -> Result<Vec<users::Model>, StoreError> {
    Ok(Entity::find()
        .order_by_asc(Column::CreatedAt)
        .order_by_asc(Column::Id)
        .limit(limit)
        .offset(offset)
        .all(db.conn())
        .await?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::{NewUser, create, find_by_id, find_by_login, list, set_password_hash};
    use crate::error::StoreError;
    use crate::testing::fresh_dbs;

    fn alice() -> NewUser {
        NewUser {
            email: "Alice@Example.COM".to_owned(),
            username: Some("alice".to_owned()),
            name: Some("Alice".to_owned()),
            password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned()),
        }
    }

    #[tokio::test]
    async fn create_and_find_case_insensitively() {
        for (db, _guard) in fresh_dbs().await.unwrap() {
            let backend = db.backend();
            let created = create(&db, alice(), 100).await.unwrap();
            assert_eq!(created.email, "alice@example.com");
            assert_eq!(created.password_changed_at, Some(100));
            assert!(!created.email_verified && !created.disabled);

            let by_id = find_by_id(&db, &created.id).await.unwrap();
            assert_eq!(by_id.as_ref(), Some(&created), "{backend:?}");
            for login in ["alice@example.com", "ALICE@example.com", "alice"] {
                let found = find_by_login(&db, login).await.unwrap();
                assert_eq!(found.map(|u| u.id), Some(created.id.clone()), "{login}");
            }
            // Usernames match exactly.
            assert_eq!(find_by_login(&db, "ALICE").await.unwrap(), None);
            assert_eq!(find_by_id(&db, "missing").await.unwrap(), None);
        }
    }

    #[tokio::test]
    async fn duplicate_email_or_username_is_a_conflict() {
        for (db, _guard) in fresh_dbs().await.unwrap() {
            create(&db, alice(), 1).await.unwrap();
            let same_email = NewUser {
                email: "ALICE@example.com".to_owned(),
                username: None,
                ..alice()
            };
            let err = create(&db, same_email, 2).await.unwrap_err();
            assert!(matches!(err, StoreError::Conflict), "{err:?}");
            let same_username = NewUser {
                email: "other@example.com".to_owned(),
                ..alice()
            };
            let err = create(&db, same_username, 2).await.unwrap_err();
            assert!(matches!(err, StoreError::Conflict), "{err:?}");
            // Several users without a username are fine.
            for email in ["b@example.com", "c@example.com"] {
                let user = NewUser {
                    email: email.to_owned(),
                    username: None,
                    name: None,
                    password_hash: None,
                };
                create(&db, user, 3).await.unwrap();
            }
        }
    }

    #[tokio::test]
    async fn email_match_wins_over_username_match() {
        for (db, _guard) in fresh_dbs().await.unwrap() {
            let owner = create(&db, alice(), 1).await.unwrap();
            let squatter = NewUser {
                email: "bob@example.com".to_owned(),
                username: Some("alice@example.com".to_owned()),
                name: None,
                password_hash: None,
            };
            create(&db, squatter, 2).await.unwrap();
            let found = find_by_login(&db, "alice@example.com").await.unwrap();
            assert_eq!(found.map(|u| u.id), Some(owner.id));
        }
    }

    #[tokio::test]
    async fn set_password_hash_updates_or_reports_missing() {
        for (db, _guard) in fresh_dbs().await.unwrap() {
            let user = create(&db, alice(), 1).await.unwrap();
            set_password_hash(&db, &user.id, "$new", 50).await.unwrap();
            let stored = find_by_id(&db, &user.id).await.unwrap().unwrap();
            assert_eq!(stored.password_hash.as_deref(), Some("$new"));
            assert_eq!(stored.password_changed_at, Some(50));
            assert_eq!(stored.updated_at, 50);
            assert_eq!(stored.created_at, 1);
            let err = set_password_hash(&db, "missing", "$x", 5)
                .await
                .unwrap_err();
            assert!(matches!(err, StoreError::NotFound), "{err:?}");
        }
    }

    #[tokio::test]
    async fn list_pages_in_creation_order() {
        for (db, _guard) in fresh_dbs().await.unwrap() {
            for n in 0..5_i64 {
                let user = NewUser {
                    email: format!("u{n}@example.com"),
                    username: None,
                    name: None,
                    password_hash: None,
                };
                create(&db, user, n).await.unwrap();
            }
            let page: Vec<String> = list(&db, 2, 1)
                .await
                .unwrap()
                .into_iter()
                .map(|u| u.email)
                .collect();
            assert_eq!(page, ["u1@example.com", "u2@example.com"]);
            assert_eq!(list(&db, 10, 4).await.unwrap().len(), 1);
        }
    }

    #[test]
    fn debug_redacts_the_password_hash() {
        let shown = format!("{:?}", alice());
        assert!(!shown.contains("argon2"), "{shown}");
        assert!(shown.contains("<redacted>"));
    }
}

#[cfg(test)]
#[path = "users_email_tests.rs"]
mod email_tests;
