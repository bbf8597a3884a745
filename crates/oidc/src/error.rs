//! OAuth 2.0 / OpenID Connect protocol errors: the registered error codes and the
//! `{"error", "error_description"}` value the endpoints send back.

use std::fmt;

use serde::{Serialize, Serializer};

/// An error code registered by RFC 6749, RFC 6750, RFC 7009 or OpenID Connect Core §3.1.2.6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    InvalidScope,
    AccessDenied,
    UnsupportedResponseType,
    ServerError,
    TemporarilyUnavailable,
    LoginRequired,
    ConsentRequired,
    InteractionRequired,
    AccountSelectionRequired,
    InvalidToken,
    InsufficientScope,
    UnsupportedTokenType,
    RequestNotSupported,
    RequestUriNotSupported,
    RegistrationNotSupported,
    /// RFC 8707 §2: a `resource` that is malformed or not allowed for the client.
    InvalidTarget,
    /// RFC 9470 §3: the authentication behind the token is too weak for this resource
    /// (e.g. one factor where two are required).
    InsufficientUserAuthentication,
    /// RFC 7591 §3.2.2: dynamic client registration refusals.
    InvalidRedirectUri,
    InvalidClientMetadata,
    InvalidSoftwareStatement,
    /// RFC 8628 §3.5: the user has not yet answered the device authorization request.
    AuthorizationPending,
    /// RFC 8628 §3.5: still pending, and the device polls faster than its interval.
    SlowDown,
    /// RFC 8628 §3.5: the device code has expired; the device starts again.
    ExpiredToken,
}

impl ErrorCode {
    /// The code exactly as the specifications spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
            Self::AccessDenied => "access_denied",
            Self::UnsupportedResponseType => "unsupported_response_type",
            Self::ServerError => "server_error",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
            Self::LoginRequired => "login_required",
            Self::ConsentRequired => "consent_required",
            Self::InteractionRequired => "interaction_required",
            Self::AccountSelectionRequired => "account_selection_required",
            Self::InvalidToken => "invalid_token",
            Self::InsufficientScope => "insufficient_scope",
            Self::UnsupportedTokenType => "unsupported_token_type",
            Self::RequestNotSupported => "request_not_supported",
            Self::RequestUriNotSupported => "request_uri_not_supported",
            Self::RegistrationNotSupported => "registration_not_supported",
            Self::InvalidTarget => "invalid_target",
            Self::InsufficientUserAuthentication => "insufficient_user_authentication",
            Self::InvalidRedirectUri => "invalid_redirect_uri",
            Self::InvalidClientMetadata => "invalid_client_metadata",
            Self::InvalidSoftwareStatement => "invalid_software_statement",
            Self::AuthorizationPending => "authorization_pending",
            Self::SlowDown => "slow_down",
            Self::ExpiredToken => "expired_token",
        }
    }

    /// The HTTP status an endpoint answers with when it returns this error directly
    /// (not by redirect): RFC 6749 §5.2 and RFC 6750 §3.1.
    pub fn http_status(self) -> u16 {
        match self {
            Self::InvalidClient | Self::InvalidToken | Self::InsufficientUserAuthentication => 401,
            Self::InsufficientScope => 403,
            Self::ServerError => 500,
            Self::TemporarilyUnavailable => 503,
            Self::InvalidRequest
            | Self::InvalidGrant
            | Self::UnauthorizedClient
            | Self::UnsupportedGrantType
            | Self::InvalidScope
            | Self::AccessDenied
            | Self::UnsupportedResponseType
            | Self::LoginRequired
            | Self::ConsentRequired
            | Self::InteractionRequired
            | Self::AccountSelectionRequired
            | Self::UnsupportedTokenType
            | Self::RequestNotSupported
            | Self::RequestUriNotSupported
            | Self::RegistrationNotSupported
            | Self::InvalidTarget
            | Self::InvalidRedirectUri
            | Self::InvalidClientMetadata
            | Self::InvalidSoftwareStatement
            | Self::AuthorizationPending
            | Self::SlowDown
            | Self::ExpiredToken => 400,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A protocol error as sent to the client. The description is for developers of the
/// client: keep it short, ASCII, and free of internals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{code}: {description}")]
pub struct OAuthError {
    #[serde(rename = "error")]
    pub code: ErrorCode,
    #[serde(rename = "error_description", skip_serializing_if = "String::is_empty")]
    pub description: String,
}

macro_rules! constructors {
    ($($name:ident => $code:ident),* $(,)?) => {
        impl OAuthError {
            $(
                #[doc = concat!("An `", stringify!($name), "` error with this description.")]
                pub fn $name(description: impl Into<String>) -> Self {
                    Self::new(ErrorCode::$code, description)
                }
            )*
        }
    };
}

impl OAuthError {
    pub fn new(code: ErrorCode, description: impl Into<String>) -> Self {
        Self {
            code,
            description: description.into(),
        }
    }

    /// Shorthand for `self.code.http_status()`.
    pub fn http_status(&self) -> u16 {
        self.code.http_status()
    }
}

constructors! {
    invalid_request => InvalidRequest,
    invalid_client => InvalidClient,
    invalid_grant => InvalidGrant,
    unauthorized_client => UnauthorizedClient,
    unsupported_grant_type => UnsupportedGrantType,
    invalid_scope => InvalidScope,
    access_denied => AccessDenied,
    unsupported_response_type => UnsupportedResponseType,
    server_error => ServerError,
    temporarily_unavailable => TemporarilyUnavailable,
    login_required => LoginRequired,
    consent_required => ConsentRequired,
    interaction_required => InteractionRequired,
    account_selection_required => AccountSelectionRequired,
    invalid_token => InvalidToken,
    insufficient_scope => InsufficientScope,
    unsupported_token_type => UnsupportedTokenType,
    request_not_supported => RequestNotSupported,
    request_uri_not_supported => RequestUriNotSupported,
    registration_not_supported => RegistrationNotSupported,
    invalid_target => InvalidTarget,
    insufficient_user_authentication => InsufficientUserAuthentication,
    invalid_redirect_uri => InvalidRedirectUri,
    invalid_client_metadata => InvalidClientMetadata,
    authorization_pending => AuthorizationPending,
    slow_down => SlowDown,
    expired_token => ExpiredToken,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn serialises_to_the_rfc_6749_shape() {
        let error = OAuthError::invalid_grant("code expired");
        assert_eq!(
            serde_json::to_string(&error).unwrap(),
            r#"{"error":"invalid_grant","error_description":"code expired"}"#
        );
    }

    #[test]
    fn omits_an_empty_description() {
        let error = OAuthError::access_denied("");
        assert_eq!(
            serde_json::to_string(&error).unwrap(),
            r#"{"error":"access_denied"}"#
        );
    }

    #[test]
    fn statuses_follow_rfc_6749_and_6750() {
        assert_eq!(ErrorCode::InvalidRequest.http_status(), 400);
        assert_eq!(ErrorCode::InvalidClient.http_status(), 401);
        assert_eq!(ErrorCode::InvalidToken.http_status(), 401);
        assert_eq!(ErrorCode::InsufficientScope.http_status(), 403);
        assert_eq!(ErrorCode::ServerError.http_status(), 500);
        assert_eq!(ErrorCode::TemporarilyUnavailable.http_status(), 503);
        assert_eq!(ErrorCode::UnsupportedTokenType.http_status(), 400);
    }

    #[test]
    fn codes_are_spelled_as_registered() {
        assert_eq!(
            ErrorCode::AccountSelectionRequired.as_str(),
            "account_selection_required"
        );
        assert_eq!(
            ErrorCode::RequestUriNotSupported.as_str(),
            "request_uri_not_supported"
        );
        assert_eq!(
            OAuthError::insufficient_scope("x").to_string(),
            "insufficient_scope: x"
        );
        // RFC 8628 §3.5, answered with 400 like the other token endpoint errors.
        for (error, text) in [
            (
                OAuthError::authorization_pending(""),
                "authorization_pending",
            ),
            (OAuthError::slow_down(""), "slow_down"),
            (OAuthError::expired_token(""), "expired_token"),
        ] {
            assert_eq!(error.code.as_str(), text);
            assert_eq!(error.http_status(), 400);
        }
    }
}
