//! Errors of the admin REST API as JSON (`{"error", "error_description"}`), with the RFC 6750
//! challenge on 401 and on `insufficient_scope`. Infrastructure failures are a logged 503.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use poort_oidc::bearer::www_authenticate;
use poort_oidc::{ErrorCode, OAuthError};

use crate::flows::FlowError;
use crate::flows::orgs::access::Denied;
use crate::flows::orgs::manage::OrgError;

#[derive(Debug)]
pub struct ApiProblem {
    pub status: StatusCode,
    pub error: &'static str,
    pub description: String,
    pub www_authenticate: Option<String>,
}

impl ApiProblem {
    pub fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        Self {
            status,
            error,
            description: description.into(),
            www_authenticate: None,
        }
    }

    /// No credentials: a bare challenge (RFC 6750 §3.1).
    pub fn unauthenticated() -> Self {
        Self {
            www_authenticate: Some(www_authenticate(None)),
            ..Self::new(
                StatusCode::UNAUTHORIZED,
                "invalid_request",
                "an access token is required",
            )
        }
    }

    pub fn invalid_token(description: impl Into<String>) -> Self {
        let description = description.into();
        let challenge = OAuthError::new(ErrorCode::InvalidToken, description.clone());
        Self {
            www_authenticate: Some(www_authenticate(Some(&challenge))),
            ..Self::new(StatusCode::UNAUTHORIZED, "invalid_token", description)
        }
    }

    pub fn insufficient_scope(scope: &str) -> Self {
        let description = format!("the access token lacks the {scope} scope");
        let challenge = OAuthError::new(ErrorCode::InsufficientScope, description.clone());
        Self {
            www_authenticate: Some(format!(
                "{}, scope=\"{scope}\"",
                www_authenticate(Some(&challenge))
            )),
            ..Self::new(StatusCode::FORBIDDEN, "insufficient_scope", description)
        }
    }

    /// RFC 9470 §3: the token's authentication is too weak here (one factor where the
    /// organisation requires two); the challenge says so.
    pub fn insufficient_user_authentication() -> Self {
        let description = "the organisation requires two-step verification: this token was \
                           minted, or its session signed in, with one factor";
        let challenge = OAuthError::new(ErrorCode::InsufficientUserAuthentication, description);
        Self {
            www_authenticate: Some(www_authenticate(Some(&challenge))),
            ..Self::new(
                StatusCode::UNAUTHORIZED,
                "insufficient_user_authentication",
                description,
            )
        }
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "no such object")
    }

    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }
}

impl From<FlowError> for ApiProblem {
    fn from(e: FlowError) -> Self {
        super::super::error::unavailable(&e);
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "temporarily_unavailable",
            "the service is temporarily unavailable, try again",
        )
    }
}

impl From<Denied> for ApiProblem {
    fn from(denied: Denied) -> Self {
        match denied {
            Denied::NotFound => Self::not_found(),
            Denied::IpNotAllowed => Self::new(
                StatusCode::FORBIDDEN,
                "access_denied",
                "the organisation's IP allowlist does not include this address",
            ),
            Denied::SecondFactorRequired => Self::insufficient_user_authentication(),
            Denied::Forbidden(permission) => Self::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                format!("this needs the {permission} permission in the organisation"),
            ),
        }
    }
}

impl From<OrgError> for ApiProblem {
    fn from(e: OrgError) -> Self {
        let (status, error) = match e {
            OrgError::NoSuchUser | OrgError::NotMember | OrgError::NoSuchRole => {
                (StatusCode::NOT_FOUND, "not_found")
            }
            OrgError::AlreadyMember | OrgError::RoleExists | OrgError::NameTaken => {
                (StatusCode::CONFLICT, "conflict")
            }
            OrgError::LastOwner => (StatusCode::CONFLICT, "last_owner"),
            OrgError::CannotGrant(_) | OrgError::SelfSignupNeedsOperator => {
                (StatusCode::FORBIDDEN, "forbidden")
            }
            OrgError::InvitationRequired => (StatusCode::FORBIDDEN, "invitation_required"),
            OrgError::EmailDomainNotAllowed => (StatusCode::FORBIDDEN, "email_domain_not_allowed"),
            OrgError::InvalidEmail(_) => (StatusCode::BAD_REQUEST, "invalid_email"),
            OrgError::InvalidName
            | OrgError::UnknownRole(_)
            | OrgError::UnknownPermission(_)
            | OrgError::InvalidRoleName
            | OrgError::InvalidSettings(_) => (StatusCode::BAD_REQUEST, "invalid_request"),
        };
        Self::new(status, error, e.to_string())
    }
}

impl IntoResponse for ApiProblem {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "error": self.error,
            "error_description": self.description,
        });
        let mut response = (self.status, axum::Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(value) = self
            .www_authenticate
            .and_then(|v| HeaderValue::from_str(&v).ok())
        {
            headers.insert(header::WWW_AUTHENTICATE, value);
        }
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}
