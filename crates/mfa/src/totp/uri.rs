//! The `otpauth://totp/...` provisioning URI (Google's Key URI Format) that authenticator apps
//! read from a QR code or a link.

use std::fmt::Write;

use super::{TOTP_DIGITS, TOTP_PERIOD_SECONDS, TotpSecret};

/// Why a provisioning URI could not be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ProvisioningError {
    /// The issuer (the name the app shows for the service) is empty.
    #[error("the TOTP issuer is empty")]
    EmptyIssuer,
    /// The account name is empty.
    #[error("the TOTP account name is empty")]
    EmptyAccount,
    /// The Key URI Format separates issuer and account with `:`, so neither may contain one.
    #[error("the TOTP issuer contains ':'")]
    ColonInIssuer,
    /// As above, for the account name.
    #[error("the TOTP account name contains ':'")]
    ColonInAccount,
}

/// Builds `otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=ISSUER&algorithm=SHA1&digits=6&period=30`.
///
/// The issuer appears both in the label and as a parameter, as the format recommends; the
/// algorithm, digits and period are spelled out even though they are the defaults, so no app
/// has to guess. The URI contains the secret: show it only to the enrolling user.
pub fn provisioning_uri(
    secret: &TotpSecret,
    issuer: &str,
    account: &str,
) -> Result<String, ProvisioningError> {
    if issuer.is_empty() {
        return Err(ProvisioningError::EmptyIssuer);
    }
    if account.is_empty() {
        return Err(ProvisioningError::EmptyAccount);
    }
    if issuer.contains(':') {
        return Err(ProvisioningError::ColonInIssuer);
    }
    if account.contains(':') {
        return Err(ProvisioningError::ColonInAccount);
    }
    let issuer = percent_encode(issuer);
    let account = percent_encode(account);
    let secret = secret.to_base32();
    Ok(format!(
        "otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}\
         &algorithm=SHA1&digits={TOTP_DIGITS}&period={TOTP_PERIOD_SECONDS}"
    ))
}

/// Percent-encodes everything except RFC 3986 unreserved characters, so the result is safe
/// both in the label (a path) and in a query value.
fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            // Writing to a String cannot fail.
            let _ = write!(encoded, "%{byte:02X}");
        }
    }
    encoded
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use totp_rs::{Algorithm, Totp};

    use super::*;

    fn rfc_secret() -> TotpSecret {
        TotpSecret::from_bytes(b"12345678901234567890").unwrap()
    }

    #[test]
    fn uri_has_the_expected_shape() {
        let uri = provisioning_uri(&rfc_secret(), "Poort", "alice@example.com").unwrap();
        assert_eq!(
            uri,
            "otpauth://totp/Poort:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\
             &issuer=Poort&algorithm=SHA1&digits=6&period=30"
        );
    }

    #[test]
    fn spaces_and_non_ascii_are_percent_encoded() {
        let uri = provisioning_uri(&rfc_secret(), "Acme Corp", "zoë&co?").unwrap();
        assert!(
            uri.starts_with("otpauth://totp/Acme%20Corp:zo%C3%AB%26co%3F?"),
            "{uri}"
        );
        assert!(uri.contains("&issuer=Acme%20Corp&"), "{uri}");
    }

    #[test]
    fn an_authenticator_reading_the_uri_generates_our_codes() {
        let secret = rfc_secret();
        let uri = provisioning_uri(&secret, "Acme Corp", "zoë@example.com").unwrap();
        let app = Totp::from_url(&uri).unwrap();
        assert_eq!(app.issuer(), Some("Acme Corp"));
        assert_eq!(app.account_name(), "zoë@example.com");
        assert_eq!(app.algorithm(), Algorithm::SHA1);
        assert_eq!(app.digits(), 6);
        assert_eq!(app.step(), 30);
        assert_eq!(app.secret().as_bytes(), secret.as_bytes());
        // RFC 6238 Appendix B at t=59, last six digits.
        assert_eq!(app.generate(59).to_string(), "287082");
    }

    #[test]
    fn empty_or_colon_names_are_refused() {
        let secret = rfc_secret();
        assert_eq!(
            provisioning_uri(&secret, "", "alice"),
            Err(ProvisioningError::EmptyIssuer)
        );
        assert_eq!(
            provisioning_uri(&secret, "Poort", ""),
            Err(ProvisioningError::EmptyAccount)
        );
        assert_eq!(
            provisioning_uri(&secret, "Po:ort", "alice"),
            Err(ProvisioningError::ColonInIssuer)
        );
        assert_eq!(
            provisioning_uri(&secret, "Poort", "al:ice"),
            Err(ProvisioningError::ColonInAccount)
        );
    }
}
