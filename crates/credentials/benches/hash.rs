//! Cost of hashing and verifying one password at the default parameters of each algorithm.

// Setup failures should abort the benchmark loudly.
#![allow(clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use poort_credentials::{HashAlgorithm, Hasher, Password};

fn bench_algorithm(c: &mut Criterion, name: &str, algorithm: HashAlgorithm) {
    let hasher = Hasher::new(algorithm, Vec::new()).expect("default parameters are valid");
    let password = Password::new("correct horse battery staple").expect("short password");
    let stored = hasher.hash(&password).expect("hashing works");

    let mut group = c.benchmark_group(name);
    // Each iteration takes milliseconds; fewer samples keep a run under a minute.
    group.sample_size(20);
    group.bench_function("hash", |b| {
        b.iter(|| hasher.hash(black_box(&password)).expect("hashing works"));
    });
    group.bench_function("verify", |b| {
        b.iter(|| {
            hasher
                .verify(black_box(&password), black_box(stored.as_str()))
                .expect("readable hash")
        });
    });
    group.finish();
}

fn argon2id_default(c: &mut Criterion) {
    bench_algorithm(c, "argon2id_default", HashAlgorithm::default());
}

fn pbkdf2_sha512_default(c: &mut Criterion) {
    bench_algorithm(c, "pbkdf2_sha512_default", HashAlgorithm::pbkdf2_default());
}

criterion_group!(benches, argon2id_default, pbkdf2_sha512_default);
criterion_main!(benches);
