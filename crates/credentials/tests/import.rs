//! Imported hashes through the public API: published and generated vectors for every accepted
//! format, their conversion to stored strings, and malformed input.

#![allow(clippy::unwrap_used)]

use poort_credentials::{CredentialError, HashAlgorithm, Hasher, Password, parse_imported_hash};

fn verify(stored: &str, password: &str) -> bool {
    let hasher = Hasher::new(HashAlgorithm::default(), Vec::new()).unwrap();
    hasher
        .verify(&Password::new(password).unwrap(), stored)
        .unwrap()
}

/// Imports `hash`, then checks the stored form verifies `password` and refuses a near miss.
fn import_and_check(hash: &str, password: &str, expected_stored: &str) {
    let stored = parse_imported_hash(hash).unwrap();
    assert_eq!(stored.as_str(), expected_stored);
    assert!(verify(stored.as_str(), password), "{hash}");
    assert!(!verify(stored.as_str(), &format!("{password}!")), "{hash}");
    // The original form verifies the same way.
    assert!(verify(hash.trim(), password), "{hash}");
}

#[test]
fn pbkdf2_vectors_from_python_hashlib() {
    // hashlib.pbkdf2_hmac("sha512", b"correct horse battery staple",
    //                     bytes(range(0x10, 0x20)), 1000, 64)
    let sha512 = "$pbkdf2-sha512$i=1000,l=64$EBESExQVFhcYGRobHB0eHw$xeAWlXA/EfX0Y8ZX8Y+T+OYQM1tHzdEqqF7KfPA5rQKsJemXZwjEFm0o+nsJuaEtHdYTz8+Aws29+avdGZOzjQ";
    import_and_check(sha512, "correct horse battery staple", sha512);
    // hashlib.pbkdf2_hmac("sha256", b"Tr0ub4dor&3", b"poort-pbkdf2-256", 2000, 32)
    let sha256 = "$pbkdf2-sha256$i=2000,l=32$cG9vcnQtcGJrZGYyLTI1Ng$uE0m59OOFWicytZs9VdnUvLSH6cmagVfa9sjh7u/4IQ";
    import_and_check(sha256, "Tr0ub4dor&3", sha256);
    // Without `l`, and with surrounding whitespace: stored in canonical form.
    let without_l = "  $pbkdf2-sha256$i=2000$cG9vcnQtcGJrZGYyLTI1Ng$uE0m59OOFWicytZs9VdnUvLSH6cmagVfa9sjh7u/4IQ\n";
    import_and_check(without_l, "Tr0ub4dor&3", sha256);
}

#[test]
fn argon2_reference_vectors() {
    // Output of the argon2 reference implementation for "password" and salt "somesalt".
    let argon2id =
        "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
    import_and_check(argon2id, "password", argon2id);
    let argon2i = "$argon2i$v=19$m=65536,t=1,p=1$c29tZXNhbHQAAAAAAAAAAA$+r0d29hqEB0yasKr55ZgICsQGSkl0v0kgwhd+U3wyRo";
    import_and_check(argon2i, "password", argon2i);
}

#[test]
fn aspnet_core_identity_v3_published_hashes() {
    // Real ASP.NET Core Identity hashes published in public repositories' test fixtures:
    // HMACSHA256, 10,000 rounds (.NET Core 3 - 6), password "admin" ...
    let sha256 =
        "AQAAAAEAACcQAAAAEJDFPxHcK/TpfOQyuHQjbiwGLOJlCaNHmZBCuLAmyNK5pGCjEK1el2FLxpB/DvaDgw==";
    let stored = parse_imported_hash(sha256).unwrap();
    assert!(stored.as_str().starts_with("$pbkdf2-sha256$i=10000,l=32$"));
    assert!(verify(stored.as_str(), "admin"));
    assert!(!verify(stored.as_str(), "Admin"));
    assert!(verify(sha256, "admin"));
    // ... and HMACSHA512, 100,000 rounds (.NET 7+), password "Test123$".
    let sha512 =
        "AQAAAAIAAYagAAAAENoVftXbReMcFkOwzlfLFgFkx1tZ2PVoFwKaz/7UP6r5rlrymlHMFjMgowJCZl+6YA==";
    let stored = parse_imported_hash(sha512).unwrap();
    assert!(stored.as_str().starts_with("$pbkdf2-sha512$i=100000,l=32$"));
    assert!(verify(stored.as_str(), "Test123$"));
    assert!(!verify(stored.as_str(), "Test123"));
}

#[test]
fn aspnet_core_identity_v3_generated_hashes() {
    // Built by Python from the documented layout: HMACSHA256, 10,000 rounds,
    // salt b"0123456789abcdef", password "hunter2".
    import_and_check(
        "AQAAAAEAACcQAAAAEDAxMjM0NTY3ODlhYmNkZWZdXre5Eff7OTLw74Q+TGzX+D8REwcBGrO2j99GmC3YAw==",
        "hunter2",
        "$pbkdf2-sha256$i=10000,l=32$MDEyMzQ1Njc4OWFiY2RlZg$XV63uRH3+zky8O+EPkxs1/g/ERMHARqzto/fRpgt2AM",
    );
    // HMACSHA512, 5,000 rounds, over the raw UTF-8 of "ﬁsh & chips" (ligature, not NFKC):
    // ASP.NET does not normalise, so this must verify when the user types the same thing.
    let ligature =
        "AQAAAAIAABOIAAAAEKWlpaWlpaWlAAECAwQFBgeBwowILovXSg2HIhYL48EPGxjYiHjT+63ok/7R7Xai5w==";
    import_and_check(
        ligature,
        "\u{FB01}sh & chips",
        "$pbkdf2-sha512$i=5000,l=32$paWlpaWlpaUAAQIDBAUGBw$gcKMCC6L10oNhyIWC+PBDxsY2Ih40/ut6JP+0e12ouc",
    );
}

#[test]
fn imported_hashes_are_rehashed_on_login() {
    let hasher = Hasher::new(HashAlgorithm::default(), Vec::new()).unwrap();
    let aspnet =
        "AQAAAAEAACcQAAAAEJDFPxHcK/TpfOQyuHQjbiwGLOJlCaNHmZBCuLAmyNK5pGCjEK1el2FLxpB/DvaDgw==";
    assert!(hasher.needs_rehash(aspnet));
    assert!(hasher.needs_rehash(parse_imported_hash(aspnet).unwrap().as_str()));
}

#[test]
fn malformed_and_unsupported_hashes_are_refused() {
    let bcrypt = "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW";
    assert!(matches!(
        parse_imported_hash(bcrypt),
        Err(CredentialError::Unsupported(_))
    ));
    let peppered = "$poort-pepper$k1$pbkdf2-sha256$i=2000,l=32$cG9vcnQtcGJrZGYyLTI1Ng$uE0m59OOFWicytZs9VdnUvLSH6cmagVfa9sjh7u/4IQ";
    assert!(matches!(
        parse_imported_hash(peppered),
        Err(CredentialError::Unsupported(_))
    ));
    for (input, why) in [
        ("", "empty"),
        ("garbage", "garbage"),
        ("{\"hash\": 1}", "json"),
        (
            "AQAAAAEAACcQAAAAEJDFPxHcK/TpfOQyuHQjbiwGLOJlCaN",
            "truncated base64",
        ),
        (
            "$pbkdf2-sha512$i=0,l=64$EBESExQVFhcYGRobHB0eHw$xeAWlXA/EfX0Y8ZX8Y+T+OYQM1tHzdEqqF7KfPA5rQKsJemXZwjEFm0o+nsJuaEtHdYTz8+Aws29+avdGZOzjQ",
            "0 rounds",
        ),
        (
            "$pbkdf2-sha512$i=4294967295,l=64$EBESExQVFhcYGRobHB0eHw$xeAWlXA/EfX0Y8ZX8Y+T+OYQM1tHzdEqqF7KfPA5rQKsJemXZwjEFm0o+nsJuaEtHdYTz8+Aws29+avdGZOzjQ",
            "2^32-1 rounds",
        ),
        (
            "$argon2id$v=19$m=4294967295,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
            "4 TiB of memory",
        ),
        ("$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ", "no hash"),
        (
            "$pbkdf2-sha256$i=2000,l=32$$uE0m59OOFWicytZs9VdnUvLSH6cmagVfa9sjh7u/4IQ",
            "empty salt",
        ),
    ] {
        assert!(parse_imported_hash(input).is_err(), "accepted {why}");
    }
}
