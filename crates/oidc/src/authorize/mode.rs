//! `response_mode` (OAuth 2.0 Multiple Response Type Encoding Practices §2.1 and OAuth 2.0
//! Form Post Response Mode): how the authorization response travels back to the client.

use serde::{Deserialize, Serialize};

use crate::error::OAuthError;

/// The response modes this provider answers in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseMode {
    /// Parameters in the redirect URI's query: the default for `response_type=code`.
    #[default]
    Query,
    /// Parameters in the redirect URI's fragment, which the browser keeps from the server.
    Fragment,
    /// Parameters POSTed to the redirect URI by an auto-submitting HTML form.
    FormPost,
}

impl ResponseMode {
    /// Every mode, in the order discovery lists them.
    pub const ALL: [ResponseMode; 3] = [Self::Query, Self::Fragment, Self::FormPost];

    /// The mode exactly as the specifications spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Query => "query",
            Self::Fragment => "fragment",
            Self::FormPost => "form_post",
        }
    }

    /// The request's `response_mode`: absent means the default for `code` (query); an
    /// unknown value is `invalid_request`.
    pub fn parse(value: Option<&str>) -> Result<Self, OAuthError> {
        let Some(value) = value else {
            return Ok(Self::default());
        };
        Self::ALL
            .into_iter()
            .find(|mode| mode.as_str() == value)
            .ok_or_else(|| OAuthError::invalid_request("unsupported response_mode"))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn parses_every_mode_and_defaults_to_query() {
        assert_eq!(ResponseMode::parse(None).unwrap(), ResponseMode::Query);
        for mode in ResponseMode::ALL {
            assert_eq!(ResponseMode::parse(Some(mode.as_str())).unwrap(), mode);
        }
    }

    #[test]
    fn refuses_unknown_and_differently_spelled_modes() {
        for value in ["web_message", "FORM_POST", "query.jwt", "form_post ", "jwt"] {
            assert_eq!(
                ResponseMode::parse(Some(value)).unwrap_err().code,
                ErrorCode::InvalidRequest,
                "{value}"
            );
        }
    }

    #[test]
    fn serialises_as_the_spec_spells_it() {
        assert_eq!(
            serde_json::to_string(&ResponseMode::FormPost).unwrap(),
            "\"form_post\""
        );
    }
}
