//! Second factors, the pure parts: TOTP secrets and codes, provisioning URIs and QR codes,
//! single-use recovery codes, and the RFC 8176 `amr` values a login reports.
//!
//! Nothing here does I/O or reads the clock: the caller passes the time and stores what
//! comes back (the last used TOTP step, recovery-code digests).

mod amr;
mod qr;
mod recovery;
mod totp;

pub use amr::{Amr, UnknownAmr};
pub use qr::{QrError, qr_svg};
pub use recovery::{
    RECOVERY_CODE_COUNT, RecoveryCode, find_recovery_code, generate_recovery_codes,
    normalise_recovery_code, recovery_code_digest,
};
pub use totp::{
    ProvisioningError, TOTP_DIGITS, TOTP_PERIOD_SECONDS, TotpCheck, TotpSecret,
    TotpSecretLengthError, provisioning_uri, verify_totp,
};
