//! Addresses are stored and found in canonical form; rows stored the old way are rewritten.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sea_orm::{EntityTrait, IntoActiveModel};

use super::{NewUser, create, email_key, find_by_email, find_by_id, find_by_login};
use crate::entities::users::{self, Entity};
use crate::error::StoreError;
use crate::testing::fresh_dbs;

fn new_user(email: &str, username: Option<&str>) -> NewUser {
    NewUser {
        email: email.to_owned(),
        username: username.map(str::to_owned),
        name: None,
        password_hash: None,
    }
}

/// A row as the code before canonical forms wrote it: trimmed and lower-cased only.
async fn insert_lower_cased(db: &crate::Db, id: &str, email: &str) {
    let row = users::Model {
        id: id.to_owned(),
        email: email.to_lowercase(),
        username: None,
        name: None,
        password_hash: None,
        password_changed_at: None,
        email_verified: false,
        disabled: false,
        force_password_change: false,
        unlocked_at: None,
        deleted_at: None,
        created_at: 1,
        updated_at: 1,
        locale: None,
    };
    Entity::insert(row.into_active_model())
        .exec_without_returning(db.writer())
        .await
        .unwrap();
}

#[test]
fn keys_are_canonical_addresses_or_lower_cased_logins() {
    assert_eq!(email_key("ＡＤＡ@Example.com"), "ada@example.com");
    assert_eq!(
        email_key(" ada@BÜCHER.example "),
        "ada@xn--bcher-kva.example"
    );
    assert_eq!(email_key("Alice"), "alice");
    // A look-alike is no valid address: only lower-cased, so it never meets `ada@example.com`.
    assert_eq!(email_key("ADA@\u{415}xample.com"), "ada@\u{435}xample.com");
}

#[tokio::test]
async fn addresses_are_stored_and_found_in_canonical_form() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let ada = create(&db, new_user("ＡＤＡ@Example.COM", Some("ada")), 1)
            .await
            .unwrap();
        assert_eq!(ada.email, "ada@example.com");
        for login in [
            "ada@example.com",
            "ＡＤＡ@example.com",
            "ａｄａ＠ｅｘａｍｐｌｅ．ｃｏｍ",
        ] {
            let found = find_by_login(&db, login).await.unwrap();
            assert_eq!(found.map(|u| u.id), Some(ada.id.clone()), "{login}");
            let found = find_by_email(&db, login).await.unwrap();
            assert_eq!(found.map(|u| u.id), Some(ada.id.clone()), "{login}");
        }
        // By username through find_by_login only.
        assert!(find_by_login(&db, "ada").await.unwrap().is_some());
        assert!(find_by_email(&db, "ada").await.unwrap().is_none());
        // The look-alike is not Ada.
        assert!(
            find_by_login(&db, "ada@\u{435}xample.com")
                .await
                .unwrap()
                .is_none()
        );

        let bob = create(&db, new_user("bob@bu\u{308}cher.example", None), 2)
            .await
            .unwrap();
        assert_eq!(bob.email, "bob@xn--bcher-kva.example");
        let found = find_by_login(&db, "BOB@BÜCHER.example").await.unwrap();
        assert_eq!(found.map(|u| u.id), Some(bob.id));
        // Another spelling of a stored address is the same address.
        let err = create(&db, new_user("bob@xn--bcher-kva.example", None), 3)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict), "{err:?}");
    }
}

#[tokio::test]
async fn the_migration_rewrites_old_rows_it_can() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        insert_lower_cased(&db, "u1", "ann@bücher.example").await;
        insert_lower_cased(&db, "u2", "fu\u{308}zz@example.com").await;
        // Its canonical form is u4's address: a duplicate, left for an operator.
        insert_lower_cased(&db, "u3", "ｆｕｚｚ@example.com").await;
        insert_lower_cased(&db, "u4", "fuzz@example.com").await;
        // Refused now (Cyrillic е in a Latin label): left as it is, still found by itself.
        insert_lower_cased(&db, "u5", "fuzz@\u{435}xample.com").await;
        insert_lower_cased(&db, "u6", "plain@example.org").await;

        poort_migrations::rewrite_user_emails(db.writer())
            .await
            .unwrap();

        let email = |id: &'static str| {
            let db = db.clone();
            async move { find_by_id(&db, id).await.unwrap().unwrap().email }
        };
        assert_eq!(email("u1").await, "ann@xn--bcher-kva.example");
        assert_eq!(email("u2").await, "f\u{fc}zz@example.com");
        assert_eq!(email("u3").await, "ｆｕｚｚ@example.com");
        assert_eq!(email("u4").await, "fuzz@example.com");
        assert_eq!(email("u5").await, "fuzz@\u{435}xample.com");
        assert_eq!(email("u6").await, "plain@example.org");
        let found = find_by_login(&db, "ann@bücher.example").await.unwrap();
        assert_eq!(found.map(|u| u.id).as_deref(), Some("u1"));
        let found = find_by_login(&db, "fuzz@\u{435}xample.com").await.unwrap();
        assert_eq!(found.map(|u| u.id).as_deref(), Some("u5"));
        // Running it again changes nothing.
        poort_migrations::rewrite_user_emails(db.writer())
            .await
            .unwrap();
        assert_eq!(email("u3").await, "ｆｕｚｚ@example.com");
    }
}
