//! The `Hasher` through the public API: round trips, wrong passwords, normalisation, long
//! passwords, peppers and `needs_rehash`.

#![allow(clippy::unwrap_used)]

use poort_credentials::{CredentialError, HashAlgorithm, Hasher, PEPPER_PREFIX, Password, Pepper};

/// Cheap parameters keep the debug-build tests fast; the defaults have their own test.
const FAST_ARGON2: HashAlgorithm = HashAlgorithm::Argon2id {
    m_kib: 64,
    t: 1,
    p: 1,
};
const FAST_PBKDF2: HashAlgorithm = HashAlgorithm::Pbkdf2Sha512 { rounds: 1000 };

fn password(s: &str) -> Password {
    Password::new(s).unwrap()
}

fn pepper(id: &str) -> Pepper {
    Pepper::new(id, format!("secret of pepper {id}").as_bytes()).unwrap()
}

#[test]
fn phc_round_trip_for_both_algorithms_at_default_parameters() {
    for (algorithm, prefix) in [
        (HashAlgorithm::default(), "$argon2id$v=19$m=19456,t=2,p=1$"),
        (
            HashAlgorithm::pbkdf2_default(),
            "$pbkdf2-sha512$i=210000,l=64$",
        ),
    ] {
        let hasher = Hasher::new(algorithm, Vec::new()).unwrap();
        let stored = hasher.hash(&password("s3cret pass")).unwrap();
        assert!(stored.as_str().starts_with(prefix), "{}", stored.as_str());
        assert!(
            hasher
                .verify(&password("s3cret pass"), stored.as_str())
                .unwrap()
        );
        assert!(
            !hasher
                .verify(&password("s3cret pasS"), stored.as_str())
                .unwrap()
        );
        assert!(!hasher.needs_rehash(stored.as_str()));
    }
}

#[test]
fn each_hash_has_its_own_salt() {
    let hasher = Hasher::new(FAST_ARGON2, Vec::new()).unwrap();
    let a = hasher.hash(&password("same")).unwrap();
    let b = hasher.hash(&password("same")).unwrap();
    assert_ne!(a, b);
}

#[test]
fn hashes_made_with_one_algorithm_verify_under_the_other_default() {
    let argon2 = Hasher::new(FAST_ARGON2, Vec::new()).unwrap();
    let pbkdf2 = Hasher::new(FAST_PBKDF2, Vec::new()).unwrap();
    let from_argon2 = argon2.hash(&password("pw")).unwrap();
    let from_pbkdf2 = pbkdf2.hash(&password("pw")).unwrap();
    assert!(
        pbkdf2
            .verify(&password("pw"), from_argon2.as_str())
            .unwrap()
    );
    assert!(
        argon2
            .verify(&password("pw"), from_pbkdf2.as_str())
            .unwrap()
    );
}

#[test]
fn normalisation_makes_equivalent_spellings_the_same_password() {
    let hasher = Hasher::new(FAST_ARGON2, Vec::new()).unwrap();
    let ligature = hasher.hash(&password("\u{FB01}ne")).unwrap();
    assert!(hasher.verify(&password("fine"), ligature.as_str()).unwrap());
    let composed = hasher.hash(&password("caf\u{E9}")).unwrap();
    assert!(
        hasher
            .verify(&password("cafe\u{301}"), composed.as_str())
            .unwrap()
    );
    assert!(!hasher.verify(&password("cafe"), composed.as_str()).unwrap());
}

#[test]
fn long_passwords_are_not_truncated() {
    let hasher = Hasher::new(FAST_PBKDF2, Vec::new()).unwrap();
    let long = "x".repeat(1023) + "a";
    let stored = hasher.hash(&password(&long)).unwrap();
    assert!(hasher.verify(&password(&long), stored.as_str()).unwrap());
    let last_byte_changed = "x".repeat(1023) + "b";
    assert!(
        !hasher
            .verify(&password(&last_byte_changed), stored.as_str())
            .unwrap()
    );

    let argon2 = Hasher::new(FAST_ARGON2, Vec::new()).unwrap();
    let stored = argon2.hash(&password(&long)).unwrap();
    assert!(
        !argon2
            .verify(&password(&last_byte_changed), stored.as_str())
            .unwrap()
    );
}

#[test]
fn peppered_hashes_name_their_pepper_and_need_it() {
    let hasher = Hasher::new(FAST_ARGON2, vec![pepper("k1")]).unwrap();
    let stored = hasher.hash(&password("pw")).unwrap();
    assert!(
        stored
            .as_str()
            .starts_with(&format!("{PEPPER_PREFIX}k1$argon2id$")),
        "{}",
        stored.as_str()
    );
    assert!(hasher.verify(&password("pw"), stored.as_str()).unwrap());
    assert!(!hasher.verify(&password("pW"), stored.as_str()).unwrap());

    // The same id with another secret cannot verify it: the pepper really is mixed in.
    let other_secret = Pepper::new("k1", b"a different secret value").unwrap();
    let impostor = Hasher::new(FAST_ARGON2, vec![other_secret]).unwrap();
    assert!(!impostor.verify(&password("pw"), stored.as_str()).unwrap());

    let without = Hasher::new(FAST_ARGON2, Vec::new()).unwrap();
    assert_eq!(
        without.verify(&password("pw"), stored.as_str()),
        Err(CredentialError::UnknownPepper("k1".to_owned()))
    );
}

#[test]
fn pepper_rotation_keeps_old_hashes_verifiable_and_asks_for_rehash() {
    let before = Hasher::new(FAST_ARGON2, vec![pepper("k1")]).unwrap();
    let old = before.hash(&password("pw")).unwrap();
    let after = Hasher::new(FAST_ARGON2, vec![pepper("k2"), pepper("k1")]).unwrap();
    assert!(after.verify(&password("pw"), old.as_str()).unwrap());
    assert!(after.needs_rehash(old.as_str()));
    let new = after.hash(&password("pw")).unwrap();
    assert!(new.as_str().starts_with(&format!("{PEPPER_PREFIX}k2$")));
    assert!(!after.needs_rehash(new.as_str()));

    let unpeppered = Hasher::new(FAST_ARGON2, Vec::new()).unwrap();
    let plain = unpeppered.hash(&password("pw")).unwrap();
    assert!(after.needs_rehash(plain.as_str()), "pepper added later");
    assert!(unpeppered.needs_rehash(new.as_str()), "pepper removed");
}

#[test]
fn needs_rehash_when_algorithm_differs_or_parameters_are_weaker() {
    let argon2_default = Hasher::new(HashAlgorithm::default(), Vec::new()).unwrap();
    let pbkdf2 = Hasher::new(FAST_PBKDF2, Vec::new()).unwrap();
    let weak_argon2 = Hasher::new(FAST_ARGON2, Vec::new()).unwrap();

    let pbkdf2_hash = pbkdf2.hash(&password("pw")).unwrap();
    assert!(
        argon2_default.needs_rehash(pbkdf2_hash.as_str()),
        "pbkdf2 -> argon2id"
    );
    let weak = weak_argon2.hash(&password("pw")).unwrap();
    assert!(
        argon2_default.needs_rehash(weak.as_str()),
        "weaker argon2 parameters"
    );
    assert!(!weak_argon2.needs_rehash(weak.as_str()));

    let stronger = HashAlgorithm::Pbkdf2Sha512 { rounds: 2000 };
    let stronger_pbkdf2 = Hasher::new(stronger, Vec::new()).unwrap();
    assert!(
        stronger_pbkdf2.needs_rehash(pbkdf2_hash.as_str()),
        "fewer rounds"
    );
    let strong_hash = stronger_pbkdf2.hash(&password("pw")).unwrap();
    assert!(
        !pbkdf2.needs_rehash(strong_hash.as_str()),
        "more rounds than needed"
    );

    // argon2i is not argon2id, even at higher cost.
    let argon2i = "$argon2i$v=19$m=65536,t=1,p=1$c29tZXNhbHQAAAAAAAAAAA$+r0d29hqEB0yasKr55ZgICsQGSkl0v0kgwhd+U3wyRo";
    assert!(argon2_default.needs_rehash(argon2i));
    assert!(argon2_default.needs_rehash("garbage"));
}

#[test]
fn verify_reports_unreadable_hashes_as_errors() {
    let hasher = Hasher::new(FAST_ARGON2, Vec::new()).unwrap();
    for stored in ["", "garbage", "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ"] {
        assert!(
            matches!(
                hasher.verify(&password("pw"), stored),
                Err(CredentialError::UnreadableHash(_))
            ),
            "{stored:?}"
        );
    }
    let absurd = "$pbkdf2-sha512$i=4294967295,l=64$EBESExQVFhcYGRobHB0eHw$xeAWlXA/EfX0Y8ZX8Y+T+OYQM1tHzdEqqF7KfPA5rQKsJemXZwjEFm0o+nsJuaEtHdYTz8+Aws29+avdGZOzjQ";
    assert!(matches!(
        hasher.verify(&password("pw"), absurd),
        Err(CredentialError::OutOfRange(_))
    ));
}

#[test]
fn new_refuses_invalid_settings() {
    assert!(Hasher::new(HashAlgorithm::Pbkdf2Sha512 { rounds: 0 }, Vec::new()).is_err());
    assert!(Hasher::new(FAST_ARGON2, vec![pepper("k1"), pepper("k1")]).is_err());
}
