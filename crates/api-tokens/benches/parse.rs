//! Cost of validating a presented token before the database lookup: parse (prefix, length,
//! alphabet, CRC32) and SHA-256 digest.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use poort_api_tokens::{ApiToken, parse};

fn parse_and_digest(c: &mut Criterion) {
    let token = ApiToken::generate();
    let presented = token.as_str().to_owned();

    c.bench_function("parse", |b| b.iter(|| parse(black_box(&presented))));
    c.bench_function("parse+digest", |b| {
        b.iter(|| parse(black_box(&presented)).map(|token| token.digest()))
    });
    // The whole offline check of a presented token against its stored digest.
    let stored = token.digest();
    c.bench_function("parse+verify", |b| {
        b.iter(|| parse(black_box(&presented)).map(|token| token.matches_digest(&stored)))
    });
    c.bench_function("parse rejects bad checksum", |b| {
        let mut tampered = presented.clone().into_bytes();
        if let Some(first_random) = tampered.get_mut(poort_api_tokens::PREFIX.len()) {
            *first_random = if *first_random == b'a' { b'b' } else { b'a' };
        }
        let tampered = String::from_utf8(tampered).unwrap_or_default();
        b.iter(|| parse(black_box(&tampered)))
    });
}

criterion_group!(benches, parse_and_digest);
criterion_main!(benches);
