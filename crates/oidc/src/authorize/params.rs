//! The raw parameters of an authorization request, as read from the query or form.

use crate::form::{FormFields, ParamsError};

/// Every authorization request parameter we read (OAuth 2.0 and OpenID Connect Core §3.1.2.1).
/// A missing parameter and one sent with an empty value are both `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthorizeParams {
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub response_type: Option<String>,
    pub scope: Option<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub prompt: Option<String>,
    pub max_age: Option<String>,
    pub login_hint: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub response_mode: Option<String>,
    pub ui_locales: Option<String>,
    pub id_token_hint: Option<String>,
    pub acr_values: Option<String>,
    pub request: Option<String>,
    pub request_uri: Option<String>,
    pub display: Option<String>,
    pub claims: Option<String>,
    pub registration: Option<String>,
    /// RFC 8707 resource indicators, the only repeatable parameter, in request order.
    pub resource: Vec<String>,
}

const NAMES: &[&str] = &[
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "nonce",
    "prompt",
    "max_age",
    "login_hint",
    "code_challenge",
    "code_challenge_method",
    "response_mode",
    "ui_locales",
    "id_token_hint",
    "acr_values",
    "request",
    "request_uri",
    "display",
    "claims",
    "registration",
];
const REPEATED: &[&str] = &["resource"];

impl AuthorizeParams {
    /// Reads the decoded query (or form) pairs. A known parameter sent twice is refused
    /// (RFC 6749 §3.1); unknown parameters are ignored.
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<Self, ParamsError> {
        let fields = FormFields::collect(pairs, NAMES, REPEATED)?;
        Ok(Self {
            client_id: fields.owned("client_id"),
            redirect_uri: fields.owned("redirect_uri"),
            response_type: fields.owned("response_type"),
            scope: fields.owned("scope"),
            state: fields.owned("state"),
            nonce: fields.owned("nonce"),
            prompt: fields.owned("prompt"),
            max_age: fields.owned("max_age"),
            login_hint: fields.owned("login_hint"),
            code_challenge: fields.owned("code_challenge"),
            code_challenge_method: fields.owned("code_challenge_method"),
            response_mode: fields.owned("response_mode"),
            ui_locales: fields.owned("ui_locales"),
            id_token_hint: fields.owned("id_token_hint"),
            acr_values: fields.owned("acr_values"),
            request: fields.owned("request"),
            request_uri: fields.owned("request_uri"),
            display: fields.owned("display"),
            claims: fields.owned("claims"),
            registration: fields.owned("registration"),
            resource: fields.all("resource"),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn reads_every_known_parameter() {
        let input: Vec<(String, String)> = NAMES
            .iter()
            .map(|name| ((*name).to_owned(), format!("v-{name}")))
            .collect();
        let params = AuthorizeParams::from_pairs(&input).unwrap();
        assert_eq!(params.client_id.as_deref(), Some("v-client_id"));
        assert_eq!(params.registration.as_deref(), Some("v-registration"));
        assert_eq!(
            params.code_challenge_method.as_deref(),
            Some("v-code_challenge_method")
        );
        assert_eq!(params.claims.as_deref(), Some("v-claims"));
    }

    #[test]
    fn a_repeated_parameter_is_refused() {
        let input = pairs(&[("client_id", "a"), ("state", "1"), ("state", "2")]);
        assert_eq!(
            AuthorizeParams::from_pairs(&input),
            Err(ParamsError::Duplicate {
                name: "state".into()
            })
        );
    }

    #[test]
    fn empty_values_are_absent_and_unknown_names_ignored() {
        let input = pairs(&[
            ("state", ""),
            ("nonce", "n"),
            ("utm_source", "x"),
            ("utm_source", "y"),
        ]);
        let params = AuthorizeParams::from_pairs(&input).unwrap();
        assert_eq!(params.state, None);
        assert_eq!(params.nonce.as_deref(), Some("n"));
    }
}
