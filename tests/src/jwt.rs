//! Reading a JWT the way a resource server does without calling us: its claims, unverified
//! (the tests that need a signature check verify against the JWKS themselves).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

/// The token's claims, unverified.
pub fn claims_of(jwt: &str) -> anyhow::Result<Value> {
    let payload = jwt
        .split('.')
        .nth(1)
        .ok_or_else(|| anyhow::anyhow!("not a JWT"))?;
    Ok(serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload)?)?)
}

/// The token's own `aud` (RFC 9068 §2.2), one string or a list, as a list.
pub fn audience_of(jwt: &str) -> anyhow::Result<Vec<String>> {
    let claims = claims_of(jwt)?;
    Ok(match &claims["aud"] {
        Value::String(one) => vec![one.clone()],
        Value::Array(many) => many
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        other => anyhow::bail!("aud is {other}"),
    })
}
