//! Token signing and verification speed per algorithm (aws-lc-rs), on a typical
//! access token's claims.

use criterion::{Criterion, criterion_group, criterion_main};
use poort_oidc::claims::{AccessTokenClaims, Audience};
use poort_oidc::jose::{KeySet, SigningAlg, SigningKey, TYP_ACCESS_TOKEN, sign_jwt, verify_jwt};
use poort_oidc::scope::Scopes;

fn claims() -> Result<AccessTokenClaims, poort_oidc::OAuthError> {
    Ok(AccessTokenClaims {
        iss: "https://id.example.com".into(),
        sub: "0196a7b0-7c1e-7d2f-9a3b-4c5d6e7f8091".into(),
        aud: Audience::one("https://api.example.com"),
        exp: 1_700_000_300,
        iat: 1_700_000_000,
        jti: "0196a7b0-7c1e-7d2f-9a3b-4c5d6e7f8092".into(),
        client_id: "relying-party".into(),
        scope: Scopes::parse("openid profile email")?,
        auth_time: Some(1_699_999_990),
        sid: Some("0196a7b0-7c1e-7d2f-9a3b-4c5d6e7f8093".into()),
        amr: Some(vec!["pwd".into()]),
        act: None,
    })
}

fn bench_sign(c: &mut Criterion) -> Result<(), Box<dyn std::error::Error>> {
    let claims = claims()?;
    for alg in [SigningAlg::ES256, SigningAlg::RS256, SigningAlg::EdDSA] {
        let (key, _) = SigningKey::generate(alg)?;
        c.bench_function(&format!("sign {alg}"), |b| {
            b.iter(|| sign_jwt(&key, TYP_ACCESS_TOKEN, &claims))
        });
    }
    let (key, _) = SigningKey::generate(SigningAlg::ES256)?;
    let kid = key.kid().to_owned();
    let token = sign_jwt(&key, TYP_ACCESS_TOKEN, &claims)?;
    let keys = KeySet::new(vec![key], &[kid])?;
    c.bench_function("verify ES256", |b| {
        b.iter(|| verify_jwt::<AccessTokenClaims>(&keys, &token, TYP_ACCESS_TOKEN))
    });
    Ok(())
}

fn benches(c: &mut Criterion) {
    if let Err(error) = bench_sign(c) {
        eprintln!("benchmark setup failed: {error}");
        std::process::exit(1);
    }
}

criterion_group!(sign, benches);
criterion_main!(sign);
