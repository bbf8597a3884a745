//! Password hashing and secret digests for Poort. Pure: no I/O, no threads.
//!
//! - Passwords chosen by people are NFKC-normalised ([`Password`]) and hashed slowly by a
//!   [`Hasher`]: argon2id by default, PBKDF2-HMAC-SHA512 selectable, both stored as PHC strings.
//!   `verify` also reads argon2i/argon2d, PBKDF2-SHA256 and ASP.NET Core Identity v3 hashes;
//!   `needs_rehash` says when a stored hash should be replaced after a successful login.
//! - An optional [`Pepper`] (server-side secret) is mixed in with HMAC-SHA256. A peppered hash is
//!   stored as [`PEPPER_PREFIX`] + pepper id + PHC string, e.g.
//!   `$poort-pepper$2024-01$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`.
//! - Hashes from other systems are validated and converted by [`parse_imported_hash`].
//! - High-entropy secrets we generate are made by [`generate_secret`] and stored as
//!   [`digest_secret`] digests, compared with [`digests_equal`].
//!
//! Every KDF parameter read from a stored string is capped ([`limits`]), so a hostile or broken
//! hash cannot make a verification hang or allocate without bound.

mod algorithm;
mod argon2_hash;
mod aspnet;
mod error;
mod hasher;
mod import;
pub mod limits;
mod password;
mod pbkdf2_hash;
mod pepper;
mod phc;
mod secret;
mod stored;

pub use algorithm::HashAlgorithm;
pub use error::CredentialError;
pub use hasher::Hasher;
pub use import::parse_imported_hash;
pub use password::{MAX_PASSWORD_BYTES, Password};
pub use pepper::Pepper;
pub use secret::{digest_secret, digests_equal, generate_secret};
pub use stored::{PEPPER_PREFIX, PasswordHash, StoredHash};
