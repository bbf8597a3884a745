//! This machine's own limits for the work that bounds each phase, measured in-process with the
//! product's code: JWS signing (RS256, ES256, EdDSA) of an access token's claims with
//! `poort_oidc::jose` keys, ES256 verification, and argon2id at the configured parameters
//! through `poort_credentials::Hasher` — on one core (the server's, for the pinned phases) and
//! on all cores.

use std::time::{Duration, Instant};

use poort_credentials::{HashAlgorithm, Hasher, Password};
use poort_oidc::claims::{AccessTokenClaims, Audience};
use poort_oidc::jose::{KeySet, SigningAlg, SigningKey, sign_jwt, verify_jwt};
use poort_oidc::scope::Scopes;
use serde::Serialize;

use crate::load::{available_cores, pin_current_thread};

#[derive(Clone, Debug, Serialize)]
pub struct Rate {
    /// Operations per wall-clock second on one pinned thread.
    pub one_core: f64,
    /// Operations per CPU-second of that thread: what a core does when it is all ours (the
    /// machine is shared; this is the figure comparable across noisy runs).
    pub one_core_cpu: f64,
    pub all_cores: f64,
}

/// CPU time the calling thread has used, in seconds (first field of its schedstat, in ns).
fn thread_cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map(|ns| ns / 1e9)
        .unwrap_or(0.0)
}

#[derive(Clone, Debug, Serialize)]
pub struct Limits {
    pub rs256_signs: Rate,
    pub es256_signs: Rate,
    pub eddsa_signs: Rate,
    pub es256_verifies: Rate,
    pub argon2id_hashes: Rate,
    pub argon2_params: String,
    pub cores: usize,
}

pub struct Argon2Params {
    pub m_kib: u32,
    pub t: u32,
    pub p: u32,
}

fn claims() -> anyhow::Result<AccessTokenClaims> {
    Ok(AccessTokenClaims {
        iss: "http://127.0.0.1:8080".into(),
        sub: "0190f2a4-7c1e-7b3a-9c41-1f2e3d4c5b6a".into(),
        aud: Audience::one("0190f2a4-7c1e-7b3a-9c41-1f2e3d4c5b6b"),
        exp: 1_900_000_600,
        iat: 1_900_000_000,
        jti: "0190f2a4-7c1e-7b3a-9c41-1f2e3d4c5b6c".into(),
        client_id: "0190f2a4-7c1e-7b3a-9c41-1f2e3d4c5b6b".into(),
        scope: Scopes::parse("openid email profile").map_err(|e| anyhow::anyhow!("{e:?}"))?,
        auth_time: Some(1_900_000_000),
        sid: Some("0190f2a4-7c1e-7b3a-9c41-1f2e3d4c5b6d".into()),
        amr: Some(vec!["pwd".into()]),
        act: None,
    })
}

/// Runs `work` in a loop for about `span` on `threads` threads (thread i pinned to core i when
/// `pin` is set) and returns completed operations per wall-clock second and per CPU-second.
fn rate<F>(
    threads: usize,
    pin: Option<usize>,
    span: Duration,
    work: F,
) -> anyhow::Result<(f64, f64)>
where
    F: Fn() -> anyhow::Result<()> + Sync,
{
    let work = &work;
    let started = Instant::now();
    let counts: Vec<anyhow::Result<(u64, f64)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|index| {
                scope.spawn(move || -> anyhow::Result<(u64, f64)> {
                    if let Some(first) = pin {
                        pin_current_thread(first + index)?;
                    }
                    let cpu_before = thread_cpu_seconds();
                    let until = Instant::now() + span;
                    let mut done = 0u64;
                    while Instant::now() < until {
                        work()?;
                        done += 1;
                    }
                    Ok((done, thread_cpu_seconds() - cpu_before))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("a limit thread panicked")))
            })
            .collect()
    });
    let elapsed = started.elapsed().as_secs_f64();
    let (mut total, mut cpu) = (0, 0.0);
    for count in counts {
        let (done, seconds) = count?;
        total += done;
        cpu += seconds;
    }
    let per_cpu = if cpu > 0.0 { total as f64 / cpu } else { 0.0 };
    Ok((total as f64 / elapsed, per_cpu))
}

fn both<F>(core: usize, span: Duration, work: F) -> anyhow::Result<Rate>
where
    F: Fn() -> anyhow::Result<()> + Sync,
{
    let (one_core, one_core_cpu) = rate(1, Some(core), span, &work)?;
    Ok(Rate {
        one_core,
        one_core_cpu,
        all_cores: rate(available_cores(), None, span, &work)?.0,
    })
}

/// Measures every limit; `core` is the server's core, `span` the time per measurement.
pub fn measure(core: usize, span: Duration, argon2: &Argon2Params) -> anyhow::Result<Limits> {
    let claims = claims()?;
    let mut signs = Vec::new();
    for alg in [SigningAlg::RS256, SigningAlg::ES256, SigningAlg::EdDSA] {
        let (key, _) = SigningKey::generate(alg)?;
        signs.push(both(core, span, || {
            sign_jwt(&key, "at+jwt", &claims)?;
            Ok(())
        })?);
    }
    let (key, _) = SigningKey::generate(SigningAlg::ES256)?;
    let token = sign_jwt(&key, "at+jwt", &claims)?;
    let kid = key.kid().to_string();
    let keys = KeySet::new(vec![key], &[kid])?;
    let es256_verifies = both(core, span, || {
        verify_jwt::<AccessTokenClaims>(&keys, &token, "at+jwt")?;
        Ok(())
    })?;

    let hasher = Hasher::new(
        HashAlgorithm::Argon2id {
            m_kib: argon2.m_kib,
            t: argon2.t,
            p: argon2.p,
        },
        Vec::new(),
    )?;
    let password = Password::new("correct horse battery staple")?;
    let stored = hasher.hash(&password)?;
    // A login verifies; verification costs one hash at the stored parameters.
    let argon2id_hashes = both(core, span.max(Duration::from_secs(2)), || {
        anyhow::ensure!(hasher.verify(&password, stored.as_str())?, "verify failed");
        Ok(())
    })?;
    let mut signs = signs.into_iter();
    let mut next = || signs.next().ok_or_else(|| anyhow::anyhow!("missing rate"));
    Ok(Limits {
        rs256_signs: next()?,
        es256_signs: next()?,
        eddsa_signs: next()?,
        es256_verifies,
        argon2id_hashes,
        argon2_params: format!("m={},t={},p={}", argon2.m_kib, argon2.t, argon2.p),
        cores: available_cores(),
    })
}
