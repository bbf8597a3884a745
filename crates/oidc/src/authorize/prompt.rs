//! The OpenID Connect `prompt` parameter (Core §3.1.2.1): which interactions the client
//! asks for, or forbids (`none`).

use serde::{Deserialize, Serialize};

use crate::error::OAuthError;

/// The set of prompt values; all false when the client sent none.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prompt {
    pub none: bool,
    pub login: bool,
    pub consent: bool,
    pub select_account: bool,
}

impl Prompt {
    /// Parses a space-separated list of prompt values. `none` with any other value, or an
    /// unknown value, is `invalid_request`.
    pub fn parse(input: &str) -> Result<Self, OAuthError> {
        let mut prompt = Prompt::default();
        for value in input.split(' ').filter(|value| !value.is_empty()) {
            match value {
                "none" => prompt.none = true,
                "login" => prompt.login = true,
                "consent" => prompt.consent = true,
                "select_account" => prompt.select_account = true,
                _ => return Err(OAuthError::invalid_request("unknown prompt value")),
            }
        }
        if prompt.none && (prompt.login || prompt.consent || prompt.select_account) {
            return Err(OAuthError::invalid_request(
                "prompt none cannot be combined with other values",
            ));
        }
        Ok(prompt)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_combinations() {
        let prompt = Prompt::parse("login  consent").unwrap();
        assert!(prompt.login && prompt.consent && !prompt.none && !prompt.select_account);
        assert_eq!(
            Prompt::parse("none").unwrap(),
            Prompt {
                none: true,
                ..Prompt::default()
            }
        );
        assert_eq!(Prompt::parse("").unwrap(), Prompt::default());
    }

    #[test]
    fn refuses_none_with_others_and_unknown_values() {
        assert!(Prompt::parse("none login").is_err());
        assert!(Prompt::parse("select_account none").is_err());
        assert!(Prompt::parse("Login").is_err());
        assert!(Prompt::parse("create").is_err());
    }
}
