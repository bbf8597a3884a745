//! The second-factor pages: the login's second step, the account's factor list, enrollment of
//! authenticator apps and WebAuthn credentials, recovery codes, and the "2FA required" page.

use askama::Template;

#[derive(Template)]
#[template(path = "mfa_challenge.html")]
pub struct ChallengePage {
    pub t: crate::i18n::Tr,
    pub csrf: String,
    pub tx: String,
    pub email: String,
    pub has_totp: bool,
    /// Options for `navigator.credentials.get`, when the user has WebAuthn credentials.
    pub webauthn_options: Option<String>,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "mfa_recovery_used.html")]
pub struct RecoveryUsedPage {
    pub t: crate::i18n::Tr,
    pub remaining: u64,
    pub next: String,
}

pub struct FactorView {
    pub id: String,
    pub name: String,
    /// Translated: "Authenticator app", "Passkey", "Security key".
    pub kind: String,
    pub added: String,
    pub last_used: Option<String>,
}

#[derive(Template)]
#[template(path = "account_mfa.html")]
pub struct AccountMfaPage {
    pub t: crate::i18n::Tr,
    pub csrf: String,
    pub email: String,
    pub factors: Vec<FactorView>,
    pub recovery_remaining: u64,
    pub webauthn: bool,
    pub message: Option<String>,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "mfa_totp_enroll.html")]
pub struct TotpEnrollPage {
    pub t: crate::i18n::Tr,
    pub csrf: String,
    pub tx: String,
    /// The seed in base32, grouped by four for reading.
    pub secret: String,
    /// Inline `<svg>` made by `poort_mfa::qr_svg` (our own markup, not user input).
    pub qr_svg: String,
    pub name: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "mfa_webauthn_enroll.html")]
pub struct WebauthnEnrollPage {
    pub t: crate::i18n::Tr,
    pub csrf: String,
    pub tx: String,
    /// A passkey (else a security key).
    pub passkey: bool,
    /// Options for `navigator.credentials.create`.
    pub options: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "mfa_recovery_codes.html")]
pub struct RecoveryCodesPage {
    pub t: crate::i18n::Tr,
    pub codes: Vec<String>,
    /// A `data:text/plain` URL of the codes, for the download link.
    pub download: String,
    pub next: String,
}

pub struct PostponeView {
    /// "You can put this off 2 more times, until 2026-12-01.", translated.
    pub text: String,
}

#[derive(Template)]
#[template(path = "mfa_required.html")]
pub struct RequiredPage {
    pub t: crate::i18n::Tr,
    pub csrf: String,
    pub tx: String,
    pub webauthn: bool,
    pub postpone: Option<PostponeView>,
}

/// A unix time as a calendar date (UTC), for "added on" and "until".
pub fn date(unix: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp(unix) {
        Ok(t) => format!("{}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day()),
        Err(_) => String::from("-"),
    }
}

/// A `data:` URL carrying `text` (everything but unreserved characters percent-encoded).
pub fn text_data_url(text: &str) -> String {
    let mut url = String::from("data:text/plain;charset=utf-8,");
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            url.push(char::from(byte));
        } else {
            url.push_str(&format!("%{byte:02X}"));
        }
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_data_urls() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(1_700_000_000), "2023-11-14");
        assert_eq!(
            text_data_url("a b\n<c>"),
            "data:text/plain;charset=utf-8,a%20b%0A%3Cc%3E"
        );
    }
}
