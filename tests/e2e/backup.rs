//! Backups while serving: populate through real flows, back up (encrypted), change and delete
//! things, restore next to the live database and compare — everything from the snapshot is
//! there, and a node started on the restored copy serves what was backed up.

use poort_server::backup::{BackupError, backup, restore};
use poort_server::master_key::MasterKey;
use poort_store::StoreError;
use poort_store::entities::refresh_tokens;
use poort_tests::{Backing, ClientSpec, EMAIL, PASSWORD, Pkce, start_node};
use reqwest::StatusCode;
use sea_orm::EntityTrait;
use serde_json::Value;

#[tokio::test]
async fn back_up_change_restore_to_the_side_and_compare() -> anyhow::Result<()> {
    let backing = Backing::shareable().await?;
    let live = start_node(&backing, |_| {}).await?;
    live.create_user(EMAIL, PASSWORD).await?;
    let client = live.create_client(ClientSpec::default()).await?;
    let browser = live.browser();
    let pkce = Pkce::new();
    let code = live.obtain_code(&browser, &client, Some(&pkce)).await?;
    let (status, tokens) = live.redeem(&client, &code, Some(&pkce.verifier)).await?;
    assert!(status.is_success(), "{tokens}");
    let refresh = tokens["refresh_token"]
        .as_str()
        .unwrap_or_default()
        .to_string();

    let db = &live.state.db;
    let master = &live.state.master_key;
    let dir = std::env::temp_dir().join(format!("poort-e2e-backup-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("poort.backup");
    let before = poort_store::backup::export(db).await?;
    let summary = backup(db, &file, Some(master), live.now()).await?;
    assert!(summary.encrypted);
    assert_eq!(summary.rows, before.row_count());
    let bytes = std::fs::read(&file)?;
    assert!(!bytes.windows(EMAIL.len()).any(|w| w == EMAIL.as_bytes()));

    // Change and delete things on the live database.
    live.create_user("later@example.com", PASSWORD).await?;
    let rotated = live
        .token(
            &client,
            &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
        )
        .await?;
    assert!(rotated.status().is_success());
    poort_server::keyring::rotate(db, master, live.now(), live.state.keep_retired_secs()).await?;
    refresh_tokens::Entity::delete_many()
        .exec(db.conn())
        .await?;
    let after = poort_store::backup::export(db).await?;
    assert_ne!(after, before);

    // Restore next to it: exactly the snapshot.
    let side_url = format!("sqlite://{}?mode=rwc", dir.join("side.db").display());
    let side = poort_store::connect(&side_url).await?;
    let restored = restore(&side, &file, master).await?;
    assert_eq!(restored.rows, before.row_count());
    assert_eq!(poort_store::backup::export(&side).await?, before);
    side.close().await?;

    // Never into a database that holds data; the live one is left as it was.
    let refused = restore(db, &file, master).await;
    assert!(
        matches!(refused, Err(BackupError::Store(StoreError::NotEmpty))),
        "{refused:?}"
    );
    assert_eq!(poort_store::backup::export(db).await?, after);
    // Nor with another master key.
    let other = MasterKey::parse(&poort_tests::fresh_master_key())?;
    let empty_url = format!("sqlite://{}?mode=rwc", dir.join("empty.db").display());
    let empty = poort_store::connect(&empty_url).await?;
    let refused = restore(&empty, &file, &other).await;
    assert!(matches!(refused, Err(BackupError::WrongKey)), "{refused:?}");
    empty.close().await?;

    // A node on the restored copy serves the snapshot: the refresh token rotated and deleted
    // on the live side is still good there, signed with keys it decrypts.
    let restored_node = start_node(
        &Backing {
            database_url: Some(side_url),
            ..backing.clone()
        },
        |_| {},
    )
    .await?;
    let response = restored_node
        .token(
            &client,
            &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
        )
        .await?;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await?;
    assert!(body["access_token"].is_string());
    drop(restored_node);
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
