//! Time-based one-time passwords (RFC 6238): SHA-1, 6 digits, 30-second steps, the parameters
//! every authenticator app understands.

mod secret;
mod uri;
mod verify;

pub use secret::{TotpSecret, TotpSecretLengthError};
pub use uri::{ProvisioningError, provisioning_uri};
pub use verify::{TotpCheck, verify_totp};

/// Digits in a code.
pub const TOTP_DIGITS: usize = 6;

/// Length of one time step, in seconds.
pub const TOTP_PERIOD_SECONDS: u64 = 30;
