//! The organisation admin pages under `/admin/orgs` (askama, CSRF on every form): the list
//! of the user's organisations, one organisation's members, roles and settings, and its audit
//! log. Every page and form is signed in through the `SignedIn` extractor and authorised by
//! `flows::gate::may`, like the API.

mod audit;
mod changes;
mod overview;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};

use super::error::{PageError, Text};
use crate::flows::gate::{self, Principal};
use crate::flows::orgs::Permission;
use crate::flows::orgs::access::{Denied, Membership};
use crate::flows::orgs::manage::OrgError;
use crate::state::SharedState;

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/admin/orgs", get(overview::list))
        .route("/admin/orgs/{org}", get(overview::show))
        .route("/admin/orgs/{org}/members", post(changes::add_member))
        .route(
            "/admin/orgs/{org}/members/{user}/roles",
            post(changes::set_roles),
        )
        .route(
            "/admin/orgs/{org}/members/{user}/remove",
            post(changes::remove_member),
        )
        .route("/admin/orgs/{org}/invitations", post(changes::invite))
        .route("/admin/orgs/{org}/roles", post(changes::create_role))
        .route(
            "/admin/orgs/{org}/roles/{name}/delete",
            post(changes::delete_role),
        )
        .route("/admin/orgs/{org}/settings", post(changes::settings))
        .route("/admin/orgs/{org}/audit", get(audit::show))
        .route("/admin/orgs/{org}/audit/export", get(audit::export))
}

fn denied_page(denied: Denied) -> PageError {
    match denied {
        Denied::NotFound => PageError::not_found(),
        Denied::IpNotAllowed => PageError::new(
            StatusCode::FORBIDDEN,
            "error.forbidden_title",
            "error.org_ip_not_allowed",
        ),
        Denied::SecondFactorRequired => PageError::new(
            StatusCode::FORBIDDEN,
            "error.forbidden_title",
            "error.org_requires_2fa",
        ),
        Denied::Forbidden(permission) => PageError::new(
            StatusCode::FORBIDDEN,
            "error.forbidden_title",
            PageError::with_arg(
                "error.needs_permission",
                "permission",
                permission.to_string(),
            ),
        ),
    }
}

/// The principal's membership if the gate lets it act with `permission` (`None`: any
/// membership).
async fn authorise(
    state: &SharedState,
    principal: &Principal,
    org_id: &str,
    permission: Option<Permission>,
) -> Result<Membership, PageError> {
    gate::may(state, principal, permission, org_id)
        .await?
        .map_err(denied_page)
}

fn org_error_page(e: OrgError) -> PageError {
    let status = match e {
        OrgError::NoSuchUser | OrgError::NotMember | OrgError::NoSuchRole => StatusCode::NOT_FOUND,
        OrgError::AlreadyMember
        | OrgError::RoleExists
        | OrgError::NameTaken
        | OrgError::LastOwner => StatusCode::CONFLICT,
        OrgError::CannotGrant(_)
        | OrgError::EmailDomainNotAllowed
        | OrgError::InvitationRequired
        | OrgError::SelfSignupNeedsOperator => StatusCode::FORBIDDEN,
        _ => StatusCode::BAD_REQUEST,
    };
    PageError::new(status, "error.change_not_made_title", org_error_text(e))
}

/// Why a change was refused, as a catalog key (settings' reasons stay as the parser says).
fn org_error_text(e: OrgError) -> Text {
    let key = match e {
        OrgError::InvalidName => "org_admin_error.invalid_name",
        OrgError::NameTaken => "org_admin_error.name_taken",
        OrgError::NoSuchUser => "org_admin_error.no_such_user",
        OrgError::AlreadyMember => "org_admin_error.already_member",
        OrgError::NotMember => "org_admin_error.not_member",
        OrgError::LastOwner => "org_admin_error.last_owner",
        OrgError::EmailDomainNotAllowed => "org_admin_error.domain_not_allowed",
        OrgError::InvalidEmail(refusal) if refusal.is_look_alike() => {
            "org_admin_error.lookalike_email"
        }
        OrgError::InvalidEmail(_) => "org_admin_error.invalid_email",
        OrgError::InvalidRoleName => "org_admin_error.invalid_role_name",
        OrgError::RoleExists => "org_admin_error.role_exists",
        OrgError::NoSuchRole => "org_admin_error.no_such_role",
        OrgError::InvitationRequired => "org_admin_error.invitation_required",
        OrgError::SelfSignupNeedsOperator => "org_admin_error.self_signup_needs_operator",
        OrgError::UnknownRole(role) => {
            return PageError::with_arg("org_admin_error.unknown_role", "role", role);
        }
        OrgError::UnknownPermission(permission) => {
            return PageError::with_arg(
                "org_admin_error.unknown_permission",
                "permission",
                permission,
            );
        }
        OrgError::CannotGrant(role) => {
            return PageError::with_arg("org_admin_error.cannot_grant", "role", role);
        }
        OrgError::InvalidSettings(reason) => {
            return PageError::with_arg("error.settings_not_saved", "reason", reason);
        }
    };
    Text::from(key)
}

/// A comma-separated form field as a list.
fn list_field(value: Option<&str>) -> Vec<String> {
    value
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .collect()
}
