//! Authentication Method Reference values (RFC 8176) for the `amr` claim of ID tokens.

use std::fmt;
use std::str::FromStr;

/// How the user authenticated. The full RFC 8176 registry, so a value read back (from a session
/// or an upstream token) always parses; Poort itself produces `pwd`, `otp`, `hwk`, `swk`, `user`,
/// `pin` and `mfa`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Amr {
    /// Biometric: facial recognition.
    Face,
    /// Biometric: fingerprint.
    Fpt,
    /// Geolocation.
    Geo,
    /// Proof of possession of a hardware-secured key (e.g. a security key).
    Hwk,
    /// Biometric: iris scan.
    Iris,
    /// Knowledge-based authentication.
    Kba,
    /// Multiple-channel authentication.
    Mca,
    /// Multiple-factor authentication.
    Mfa,
    /// One-time password (TOTP, HOTP).
    Otp,
    /// Personal identification number or pattern.
    Pin,
    /// Proof of possession of a key (unspecified storage).
    Pop,
    /// Password.
    Pwd,
    /// Risk-based authentication.
    Rba,
    /// Biometric: retina scan.
    Retina,
    /// Smart card.
    Sc,
    /// Confirmation by SMS to a registered number.
    Sms,
    /// Proof of possession of a software-secured key (e.g. a synced passkey).
    Swk,
    /// Confirmation by telephone call.
    Tel,
    /// User presence test.
    User,
    /// Biometric: voiceprint.
    Vbm,
    /// Windows integrated authentication.
    Wia,
}

impl Amr {
    /// Every registered value, in registry order.
    pub const ALL: [Self; 21] = [
        Self::Face,
        Self::Fpt,
        Self::Geo,
        Self::Hwk,
        Self::Iris,
        Self::Kba,
        Self::Mca,
        Self::Mfa,
        Self::Otp,
        Self::Pin,
        Self::Pop,
        Self::Pwd,
        Self::Rba,
        Self::Retina,
        Self::Sc,
        Self::Sms,
        Self::Swk,
        Self::Tel,
        Self::User,
        Self::Vbm,
        Self::Wia,
    ];

    /// The registered claim value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Face => "face",
            Self::Fpt => "fpt",
            Self::Geo => "geo",
            Self::Hwk => "hwk",
            Self::Iris => "iris",
            Self::Kba => "kba",
            Self::Mca => "mca",
            Self::Mfa => "mfa",
            Self::Otp => "otp",
            Self::Pin => "pin",
            Self::Pop => "pop",
            Self::Pwd => "pwd",
            Self::Rba => "rba",
            Self::Retina => "retina",
            Self::Sc => "sc",
            Self::Sms => "sms",
            Self::Swk => "swk",
            Self::Tel => "tel",
            Self::User => "user",
            Self::Vbm => "vbm",
            Self::Wia => "wia",
        }
    }
}

impl fmt::Display for Amr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is not an RFC 8176 value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown amr value {0:?}")]
pub struct UnknownAmr(pub String);

impl FromStr for Amr {
    type Err = UnknownAmr;

    /// Exact, case-sensitive match: the registered values are lower case.
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|amr| amr.as_str() == value)
            .ok_or_else(|| UnknownAmr(value.to_owned()))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn the_values_poort_emits_have_their_rfc_8176_spelling() {
        assert_eq!(Amr::Pwd.as_str(), "pwd");
        assert_eq!(Amr::Otp.as_str(), "otp");
        assert_eq!(Amr::Hwk.as_str(), "hwk");
        assert_eq!(Amr::Swk.as_str(), "swk");
        assert_eq!(Amr::Mfa.as_str(), "mfa");
        assert_eq!(Amr::User.as_str(), "user");
        assert_eq!(Amr::Pin.as_str(), "pin");
        assert_eq!(Amr::Retina.to_string(), "retina");
    }

    #[test]
    fn every_value_round_trips_and_is_distinct() {
        let spellings: HashSet<&str> = Amr::ALL.iter().map(|amr| amr.as_str()).collect();
        assert_eq!(spellings.len(), Amr::ALL.len());
        for amr in Amr::ALL {
            assert_eq!(amr.as_str().parse::<Amr>().unwrap(), amr);
        }
    }

    #[test]
    fn unknown_or_miscased_values_are_refused() {
        assert_eq!("PWD".parse::<Amr>(), Err(UnknownAmr("PWD".to_owned())));
        assert!("password".parse::<Amr>().is_err());
        assert!("".parse::<Amr>().is_err());
    }
}
