//! Key rotation: new keys sign, old keys stay published (so their tokens still verify) until every
//! token they signed has expired, and running nodes pick the rotation up by themselves.

use std::time::Duration;

use poort_server::keyring;
use poort_tests::{ClientSpec, TestServer, setup};
use serde_json::Value;

async fn kids(server: &TestServer) -> anyhow::Result<Vec<String>> {
    let jwks: Value = reqwest::get(server.url("/jwks")).await?.json().await?;
    Ok(jwks["keys"]
        .as_array()
        .map(|keys| {
            keys.iter()
                .filter_map(|k| k["kid"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default())
}

async fn wait_for_key_count(server: &TestServer, count: usize) -> anyhow::Result<Vec<String>> {
    for _ in 0..100 {
        let now = kids(server).await?;
        if now.len() == count {
            return Ok(now);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("JWKS never reached {count} keys")
}

fn header_kid(jwt: &str) -> anyhow::Result<String> {
    use base64::Engine;
    let header = jwt.split('.').next().unwrap_or_default();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(header)?;
    let value: Value = serde_json::from_slice(&bytes)?;
    Ok(value["kid"].as_str().unwrap_or_default().to_string())
}

#[tokio::test]
async fn rotation_publishes_new_keys_and_keeps_old_ones_until_tokens_expire() -> anyhow::Result<()>
{
    let (server, client, browser) = setup(ClientSpec::default(), |c| c.key_reload_secs = 1).await?;
    let before = kids(&server).await?;
    assert_eq!(before.len(), 3);
    let code = server.obtain_code(&browser, &client, None).await?;
    let (_, tokens) = server.redeem(&client, &code, None).await?;
    let old_access = tokens["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(before.contains(&header_kid(&old_access)?));

    let state = &server.state;
    keyring::rotate(
        &state.db,
        &state.master_key,
        server.now(),
        state.keep_retired_secs(),
    )
    .await?;
    let during = wait_for_key_count(&server, 6).await?;
    assert!(
        before.iter().all(|k| during.contains(k)),
        "old keys still published"
    );

    // New tokens use a new key; the old token still works.
    let code = server.obtain_code(&browser, &client, None).await?;
    let (_, fresh) = server.redeem(&client, &code, None).await?;
    let new_kid = header_kid(fresh["access_token"].as_str().unwrap_or_default())?;
    assert!(!before.contains(&new_kid));
    let userinfo = reqwest::Client::new()
        .get(server.url("/userinfo"))
        .bearer_auth(&old_access)
        .send()
        .await?;
    assert_eq!(userinfo.status(), reqwest::StatusCode::OK);

    // Once every token the old keys signed has expired, they leave the JWKS.
    server.clock.advance(state.keep_retired_secs() + 1);
    let after = wait_for_key_count(&server, 3).await?;
    assert!(before.iter().all(|k| !after.contains(k)));
    Ok(())
}
