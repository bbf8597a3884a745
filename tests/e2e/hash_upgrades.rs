//! Changing the hashing configuration of a running installation: hashes made under the old
//! settings keep working and are upgraded at each user's next login (pepper rotation, a new
//! algorithm), and a hash whose pepper is gone does not log in.

use poort_server::password_settings::PepperSetting;
use poort_store::users;
use poort_tests::forms::login;
use poort_tests::{EMAIL, PASSWORD, TestServer, start_server};
use reqwest::StatusCode;

fn pepper(id: &str) -> PepperSetting {
    PepperSetting {
        id: id.into(),
        secret: format!("the secret of pepper {id}, long enough"),
    }
}

/// A second server on the first one's database and master key, with other settings.
async fn restart_with(
    first: &TestServer,
    tweak: impl FnOnce(&mut poort_server::Config),
) -> anyhow::Result<TestServer> {
    let data_dir = first.state.config.data_dir.clone();
    let database_url = first.state.config.database_url.clone();
    start_server(move |config| {
        config.data_dir = data_dir;
        config.database_url = database_url;
        tweak(config);
    })
    .await
}

async fn stored_hash(server: &TestServer) -> anyhow::Result<String> {
    users::find_by_login(&server.state.db, EMAIL)
        .await?
        .and_then(|u| u.password_hash)
        .ok_or_else(|| anyhow::anyhow!("no hash"))
}

#[tokio::test]
async fn rotated_pepper_and_new_algorithm_are_applied_at_the_next_login() -> anyhow::Result<()> {
    let first = start_server(|config| config.peppers = vec![pepper("k1")]).await?;
    first.create_user(EMAIL, PASSWORD).await?;
    assert!(
        stored_hash(&first)
            .await?
            .starts_with("$poort-pepper$k1$argon2id$")
    );

    // k2 becomes current; k1 stays listed so old hashes still verify.
    let rotated = restart_with(&first, |config| {
        config.peppers = vec![pepper("k2"), pepper("k1")];
    })
    .await?;
    let reply = login(&rotated.browser(), EMAIL, PASSWORD).await?;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert!(
        stored_hash(&rotated)
            .await?
            .starts_with("$poort-pepper$k2$argon2id$")
    );

    // PBKDF2-SHA512 as the default: the argon2id hash is replaced by one.
    let pbkdf2 = restart_with(&first, |config| {
        config.peppers = vec![pepper("k2")];
        config.password_hash_algorithm = "pbkdf2-sha512".into();
        config.pbkdf2_iterations = 20_000;
    })
    .await?;
    let reply = login(&pbkdf2.browser(), EMAIL, PASSWORD).await?;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let hash = stored_hash(&pbkdf2).await?;
    assert!(
        hash.starts_with("$poort-pepper$k2$pbkdf2-sha512$i=20000,l=64$"),
        "{hash}"
    );

    // Without its pepper a hash cannot be verified: no login (and it is logged).
    let pepperless = restart_with(&first, |config| config.peppers = Vec::new()).await?;
    let reply = login(&pepperless.browser(), EMAIL, PASSWORD).await?;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(stored_hash(&pepperless).await?, hash);
    Ok(())
}
