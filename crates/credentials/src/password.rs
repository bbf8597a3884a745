//! A password as typed by a person: length-checked, NFKC-normalised, redacted in `Debug`.

use std::fmt;

use unicode_normalization::UnicodeNormalization;

use crate::CredentialError;

/// Longest password accepted, in bytes of UTF-8, checked before and after normalisation.
pub const MAX_PASSWORD_BYTES: usize = 4096;

/// A password, normalised to Unicode NFKC so that e.g. "ﬁ" and "fi", or a composed and a
/// decomposed "é", are the same password. Never truncated.
#[derive(Clone)]
pub struct Password {
    normalized: String,
    /// The exact input when it differs from `normalized`. Hashes imported from systems that
    /// did not normalise (ASP.NET Identity, most PHC producers) were made from these bytes.
    as_typed: Option<String>,
}

impl Password {
    /// Normalises `typed` to NFKC.
    ///
    /// # Errors
    /// [`CredentialError::TooLong`] when the input or its normalised form exceeds
    /// [`MAX_PASSWORD_BYTES`]; the input is checked first so a huge input costs no work.
    pub fn new(typed: &str) -> Result<Self, CredentialError> {
        if typed.len() > MAX_PASSWORD_BYTES {
            return Err(CredentialError::TooLong);
        }
        let normalized: String = typed.nfkc().collect();
        if normalized.len() > MAX_PASSWORD_BYTES {
            return Err(CredentialError::TooLong);
        }
        let as_typed = (normalized != typed).then(|| typed.to_owned());
        Ok(Self {
            normalized,
            as_typed,
        })
    }

    /// The normalised password, e.g. for strength checks. Handle with care: it is the secret.
    #[must_use]
    pub fn normalized(&self) -> &str {
        &self.normalized
    }

    /// The input exactly as typed, only when normalisation changed it.
    pub(crate) fn as_typed_if_changed(&self) -> Option<&str> {
        self.as_typed.as_deref()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password([redacted])")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn ligature_and_decomposed_forms_normalise_to_the_same_password() {
        assert_eq!(Password::new("\u{FB01}sh").unwrap().normalized(), "fish");
        let composed = Password::new("caf\u{E9}").unwrap();
        let decomposed = Password::new("cafe\u{301}").unwrap();
        assert_eq!(composed.normalized(), decomposed.normalized());
        assert_eq!(composed.normalized(), "café");
    }

    #[test]
    fn keeps_the_typed_form_only_when_normalisation_changed_it() {
        assert_eq!(Password::new("plain").unwrap().as_typed_if_changed(), None);
        assert_eq!(
            Password::new("\u{FB01}").unwrap().as_typed_if_changed(),
            Some("\u{FB01}")
        );
    }

    #[test]
    fn refuses_more_than_the_maximum_without_truncating() {
        let longest = "a".repeat(MAX_PASSWORD_BYTES);
        assert_eq!(Password::new(&longest).unwrap().normalized(), longest);
        let too_long = "a".repeat(MAX_PASSWORD_BYTES + 1);
        assert!(matches!(
            Password::new(&too_long),
            Err(CredentialError::TooLong)
        ));
    }

    #[test]
    fn refuses_input_that_grows_past_the_maximum_when_normalised() {
        // U+FDFA (3 bytes) expands to 18 Arabic letters (33 bytes) under NFKC.
        let expanding = "\u{FDFA}".repeat(200);
        assert!(expanding.len() <= MAX_PASSWORD_BYTES);
        assert!(matches!(
            Password::new(&expanding),
            Err(CredentialError::TooLong)
        ));
    }

    #[test]
    fn debug_does_not_show_the_password() {
        let shown = format!("{:?}", Password::new("hunter2").unwrap());
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
