//! Second factors: TOTP authenticators, recovery codes and WebAuthn credentials; the login's
//! second step and step-up; and the "2FA required" enforcement. The pure parts (codes, seeds,
//! QR codes, `amr` values) are the `poort-mfa` crate; this is the use-case layer over the store.

pub mod acr;
pub mod enforcement;
pub mod factors;
pub mod gate;
pub mod pending;
pub mod reauth;
pub mod recovery;
pub mod throttle;
pub mod totp;
pub mod webauthn;

use poort_store::entities::mfa_factors::Model as Factor;

/// A newly stored factor, and the recovery codes when it was the user's first.
pub struct Enrolled {
    pub factor: Factor,
    /// Shown once, right now; only their digests are kept.
    pub recovery_codes: Option<Vec<String>>,
}
