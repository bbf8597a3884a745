//! RP-Initiated Logout 1.0: the end-session request and the redirect back to the client.

use url::Url;

use crate::form::{FormFields, ParamsError};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndSessionParams {
    pub id_token_hint: Option<String>,
    pub post_logout_redirect_uri: Option<String>,
    pub state: Option<String>,
    pub client_id: Option<String>,
    pub logout_hint: Option<String>,
    pub ui_locales: Option<String>,
}

const NAMES: &[&str] = &[
    "id_token_hint",
    "post_logout_redirect_uri",
    "state",
    "client_id",
    "logout_hint",
    "ui_locales",
];

impl EndSessionParams {
    /// Reads the decoded query or form pairs; a parameter sent twice is refused.
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<Self, ParamsError> {
        let fields = FormFields::collect(pairs, NAMES, &[])?;
        Ok(Self {
            id_token_hint: fields.owned("id_token_hint"),
            post_logout_redirect_uri: fields.owned("post_logout_redirect_uri"),
            state: fields.owned("state"),
            client_id: fields.owned("client_id"),
            logout_hint: fields.owned("logout_hint"),
            ui_locales: fields.owned("ui_locales"),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LogoutRedirectError {
    /// Not exactly one of the client's registered post-logout redirect URIs: show our own
    /// "logged out" page instead of redirecting.
    #[error("post_logout_redirect_uri is not registered for this client")]
    NotRegistered,
    #[error("post_logout_redirect_uri is not an absolute URL")]
    InvalidUrl,
}

/// The redirect after logout: `requested` must equal one of `registered` exactly; `state`
/// is appended to its query, which is otherwise kept as registered.
pub fn post_logout_redirect_url(
    registered: &[String],
    requested: &str,
    state: Option<&str>,
) -> Result<Url, LogoutRedirectError> {
    if !registered.iter().any(|uri| uri == requested) {
        return Err(LogoutRedirectError::NotRegistered);
    }
    let mut url = Url::parse(requested).map_err(|_| LogoutRedirectError::InvalidUrl)?;
    if let Some(state) = state {
        url.query_pairs_mut().append_pair("state", state);
    }
    Ok(url)
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
    fn reads_parameters_and_refuses_duplicates() {
        let params = EndSessionParams::from_pairs(&pairs(&[
            ("id_token_hint", "eyJ"),
            ("post_logout_redirect_uri", "https://app.example.com/bye"),
            ("state", "s"),
            ("ui_locales", ""),
        ]))
        .unwrap();
        assert_eq!(params.id_token_hint.as_deref(), Some("eyJ"));
        assert_eq!(
            params.post_logout_redirect_uri.as_deref(),
            Some("https://app.example.com/bye")
        );
        assert_eq!(params.state.as_deref(), Some("s"));
        assert_eq!(params.ui_locales, None);
        assert_eq!(
            EndSessionParams::from_pairs(&pairs(&[("state", "a"), ("state", "b")])),
            Err(ParamsError::Duplicate {
                name: "state".into()
            })
        );
    }

    #[test]
    fn redirects_only_to_a_registered_uri_and_appends_state() {
        let registered = vec!["https://app.example.com/bye?from=idp".to_owned()];
        let url = post_logout_redirect_url(
            &registered,
            "https://app.example.com/bye?from=idp",
            Some("a b"),
        )
        .unwrap();
        assert_eq!(
            url.as_str(),
            "https://app.example.com/bye?from=idp&state=a+b"
        );
        let without_state = post_logout_redirect_url(&registered, &registered[0], None).unwrap();
        assert_eq!(without_state.as_str(), registered[0]);
        assert_eq!(
            post_logout_redirect_url(&registered, "https://app.example.com/bye", None),
            Err(LogoutRedirectError::NotRegistered)
        );
        let relative = vec!["/bye".to_owned()];
        assert_eq!(
            post_logout_redirect_url(&relative, "/bye", None),
            Err(LogoutRedirectError::InvalidUrl)
        );
    }
}
