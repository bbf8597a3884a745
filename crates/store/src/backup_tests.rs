//! Backups round-trip every table on every configured backend (and across them), refuse a
//! non-empty target or another schema, and write nothing when they fail.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::{Snapshot, export, import};
use crate::db::{Db, connect};
use crate::error::StoreError;
use crate::refresh_tokens::{self, NewRefreshToken};
use crate::signing_keys::{self, NewSigningKey};
use crate::testing::{fresh_dbs, fresh_sqlite_url};
use crate::{consents, fixtures, new_id, users};

/// A user with a password and odd characters, clients, keys (binary), tokens and a consent.
async fn populate(db: &Db) {
    let user = users::create(
        db,
        users::NewUser {
            email: "Zoë@Example.com".into(),
            username: Some("zoë \"quoted\"".into()),
            name: Some("Zoë\nNewline".into()),
            password_hash: Some("$argon2id$v=19$m=4096,t=1,p=1$c2FsdA$aGFzaA".into()),
        },
        5,
    )
    .await
    .unwrap()
    .id;
    let other = fixtures::user(db, "other@example.com").await;
    let client = fixtures::client(db, "rp-one").await;
    fixtures::client(db, "rp-two").await;
    for (kid, alg) in [("k-es", "ES256"), ("k-rs", "RS256")] {
        signing_keys::insert(
            db,
            NewSigningKey {
                kid: kid.into(),
                alg: alg.into(),
                private_key: (0..=255).collect(),
            },
            7,
        )
        .await
        .unwrap();
    }
    signing_keys::retire_active(db, 8).await.unwrap();
    for owner in [&user, &other] {
        refresh_tokens::insert(
            db,
            NewRefreshToken {
                id: new_id(),
                token_digest: format!("digest-{}", new_id()),
                family_id: new_id(),
                client_id: client.clone(),
                user_id: owner.clone(),
                scope: "openid offline_access".into(),
                resources: Vec::new(),
                auth_time: 9,
                amr: vec!["pwd".into()],
                sid: None,
                access_jti: new_id(),
                access_expires_at: 99,
                created_at: 9,
                expires_at: 1_000,
            },
        )
        .await
        .unwrap();
    }
    consents::upsert(db, &user, &client, "openid email", 10)
        .await
        .unwrap();
    // Credentials and second factors: history, events, a TOTP factor (binary secret),
    // recovery codes and a 2FA grace period.
    let hash = "$argon2id$v=19$m=4096,t=1,p=1$c2FsdA$aGFzaA";
    assert!(
        crate::passwords::change(db, &user, Some(hash), "$argon2id$new", 11, 5, None)
            .await
            .unwrap()
    );
    crate::auth_events::record(
        db,
        crate::auth_events::NewAuthEvent {
            kind: crate::auth_events::Kind::LoginFailed,
            user_id: Some(user.clone()),
            subject: "zoë@example.com".into(),
            ip: Some("2001:db8::1".into()),
            at: 12,
            details: serde_json::json!({"reason": "password"}),
        },
    )
    .await
    .unwrap();
    crate::mfa_factors::insert(
        db,
        crate::mfa_factors::NewFactor {
            id: new_id(),
            user_id: user.clone(),
            kind: crate::mfa_factors::KIND_TOTP,
            name: "Phone".into(),
            secret: Some(vec![0, 1, 2, 255]),
            credential: None,
            credential_id: None,
            passkey: false,
            last_used_step: Some(3),
            created_at: 13,
        },
        None,
    )
    .await
    .unwrap();
    crate::recovery_codes::replace_for_user(db, &user, &["d1".into(), "d2".into()], 14)
        .await
        .unwrap();
    crate::mfa_grace::start(db, &other, 15).await.unwrap();
}

/// Rows `populate` writes.
const POPULATED_ROWS: usize = 2 + 2 + 2 + 2 + 1 + 1 + 1 + 1 + 2 + 1;

/// The tables of the migrated schema, from the database's own catalogue.
async fn schema_tables(db: &Db) -> Vec<String> {
    use sea_orm::{ConnectionTrait, Statement};
    let sql = match db.backend() {
        crate::db::Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        }
        crate::db::Backend::Postgres => {
            "SELECT table_name AS name FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        }
    };
    let backend = db.conn().get_database_backend();
    let mut names: Vec<String> = db
        .conn()
        .query_all_raw(Statement::from_string(backend, sql))
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get::<String>("", "name").unwrap())
        .filter(|name| name != "seaql_migrations")
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn every_table_of_the_schema_is_in_the_snapshot() {
    for (db, _guard) in fresh_dbs().await.unwrap() {
        let mut listed: Vec<String> = Snapshot::tables().into_iter().map(String::from).collect();
        listed.sort();
        assert_eq!(
            schema_tables(&db).await,
            listed,
            "{:?}: add new tables to snapshot_tables! in backup.rs",
            db.backend()
        );
    }
}

#[tokio::test]
async fn a_snapshot_restores_exactly_on_every_backend() {
    for (source, _guard) in fresh_dbs().await.unwrap() {
        populate(&source).await;
        let snapshot = export(&source).await.unwrap();
        assert_eq!(snapshot.users.len(), 2);
        assert_eq!(snapshot.row_count(), POPULATED_ROWS);
        // Through the file format (JSON) and back.
        let text = serde_json::to_string(&snapshot).unwrap();
        let parsed: Snapshot = serde_json::from_str(&text).unwrap();
        for (target, _target_guard) in fresh_dbs().await.unwrap() {
            import(&target, parsed.clone()).await.unwrap();
            assert_eq!(
                export(&target).await.unwrap(),
                snapshot,
                "{:?} → {:?}",
                source.backend(),
                target.backend()
            );
        }
    }
}

#[tokio::test]
async fn a_non_empty_target_is_refused_and_left_alone() {
    for (source, _guard) in fresh_dbs().await.unwrap() {
        populate(&source).await;
        let snapshot = export(&source).await.unwrap();
        let err = import(&source, snapshot.clone()).await.unwrap_err();
        assert!(matches!(err, StoreError::NotEmpty), "{err:?}");

        // A target holding only one row of one table is not empty either.
        let target_guard = fresh_sqlite_url();
        let target = connect(target_guard.url()).await.unwrap();
        fixtures::user(&target, "squatter@example.com").await;
        let err = import(&target, snapshot).await.unwrap_err();
        assert!(matches!(err, StoreError::NotEmpty), "{err:?}");
        assert_eq!(export(&target).await.unwrap().row_count(), 1);
    }
}

#[tokio::test]
async fn another_schema_is_refused() {
    let (source, _guard) = fresh_dbs().await.unwrap().remove(0);
    populate(&source).await;
    let mut snapshot = export(&source).await.unwrap();
    snapshot
        .schema
        .push("m29991231_000001_from_the_future".into());
    let target_guard = fresh_sqlite_url();
    let target = connect(target_guard.url()).await.unwrap();
    let err = import(&target, snapshot).await.unwrap_err();
    assert!(matches!(err, StoreError::BackupSchemaMismatch), "{err:?}");
}

#[tokio::test]
async fn a_failing_restore_writes_nothing() {
    let (source, _guard) = fresh_dbs().await.unwrap().remove(0);
    populate(&source).await;
    let mut snapshot = export(&source).await.unwrap();
    // A consent pointing at a user that is not in the backup violates a foreign key late in
    // the restore, after users, clients, keys and tokens were inserted.
    snapshot.consents[0].user_id = "no-such-user".into();
    for (target, _target_guard) in fresh_dbs().await.unwrap() {
        assert!(import(&target, snapshot.clone()).await.is_err());
        assert_eq!(export(&target).await.unwrap().row_count(), 0);
    }
}
