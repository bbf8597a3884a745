//! The forms of the organisation page: each checks the CSRF token, authorises, runs one
//! change (audited by the flow) and returns to the page with a notice.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::super::error::PageError;
use super::super::forms::PageForm;
use super::super::locale::RequestLang;
use super::super::signed_in::SignedIn;
use super::super::{render, see_other};
use super::{authorise, list_field, org_error_page};
use crate::flows::orgs::access::Membership;
use crate::flows::orgs::invitations::{self, DEFAULT_DAYS};
use crate::flows::orgs::manage::{self, Authority};
use crate::flows::orgs::{Actor, OrgSettings, Permission};
use crate::flows::session::LiveSession;
use crate::state::SharedState;

/// Signed in, CSRF token right, permission held.
struct Checked {
    live: LiveSession,
    membership: Membership,
    /// Who the audit entries name (with the staff column for support staff).
    actor: Actor,
    /// The caller's saved language.
    locale: Option<String>,
}

/// Signed in (through the gate), CSRF token right, and the gate lets the principal make
/// changes needing `permission` in the organisation.
async fn checked(
    state: &SharedState,
    signed: SignedIn,
    csrf: Option<&str>,
    org_id: &str,
    permission: Permission,
) -> Result<Checked, PageError> {
    signed.check_csrf(csrf)?;
    let membership = authorise(state, &signed.principal, org_id, Some(permission)).await?;
    let seen = &signed.principal.seen;
    let actor = membership.actor(seen.ip, seen.user_agent.clone());
    Ok(Checked {
        locale: signed.principal.user.locale.clone(),
        live: signed.live,
        membership,
        actor,
    })
}

fn back(org_id: &str, done: &str) -> Response {
    see_other(&format!("/admin/orgs/{org_id}?done={done}"))
}

#[derive(Deserialize)]
pub struct MemberForm {
    csrf: Option<String>,
    email: Option<String>,
    roles: Option<String>,
}

pub async fn add_member(
    State(state): State<SharedState>,
    signed: SignedIn,
    Path(org_id): Path<String>,
    PageForm(form): PageForm<MemberForm>,
) -> Result<Response, PageError> {
    let Checked {
        membership, actor, ..
    } = checked(
        &state,
        signed,
        form.csrf.as_deref(),
        &org_id,
        Permission::MembersWrite,
    )
    .await?;
    let org = membership.org.clone();
    manage::add_member(
        &state.db,
        state.now(),
        &actor,
        &Authority::Member(Box::new(membership)),
        &org,
        form.email.as_deref().unwrap_or_default(),
        list_field(form.roles.as_deref()),
    )
    .await?
    .map_err(org_error_page)?;
    Ok(back(&org.id, "member_added"))
}

pub async fn invite(
    State(state): State<SharedState>,
    signed: SignedIn,
    lang: RequestLang,
    Path(org_id): Path<String>,
    PageForm(form): PageForm<MemberForm>,
) -> Result<Response, PageError> {
    let Checked {
        live,
        membership,
        actor,
        locale,
    } = checked(
        &state,
        signed,
        form.csrf.as_deref(),
        &org_id,
        Permission::MembersWrite,
    )
    .await?;
    let created = invitations::create(
        &state.db,
        state.now(),
        state.issuer(),
        &actor,
        &Authority::Member(Box::new(membership.clone())),
        &membership.org,
        form.email.as_deref().unwrap_or_default(),
        list_field(form.roles.as_deref()),
        DEFAULT_DAYS,
    )
    .await?
    .map_err(org_error_page)?;
    // Shown once, on this page: the link is not stored.
    let t = lang.tr(locale.as_deref(), None);
    let notice = t.fmt(
        "org_admin.invitation_link",
        &[
            ("email", &created.invitation.email),
            ("link", &created.link),
            ("days", &DEFAULT_DAYS.to_string()),
        ],
    );
    let page =
        super::overview::org_page(&state, t, &membership, live.data.csrf.clone(), Some(notice))
            .await?;
    Ok(render(StatusCode::OK, &page))
}

#[derive(Deserialize)]
pub struct RolesForm {
    csrf: Option<String>,
    roles: Option<String>,
}

pub async fn set_roles(
    State(state): State<SharedState>,
    signed: SignedIn,
    Path((org_id, user_id)): Path<(String, String)>,
    PageForm(form): PageForm<RolesForm>,
) -> Result<Response, PageError> {
    let Checked {
        membership, actor, ..
    } = checked(
        &state,
        signed,
        form.csrf.as_deref(),
        &org_id,
        Permission::MembersWrite,
    )
    .await?;
    let org = membership.org.clone();
    manage::set_roles(
        &state.db,
        state.now(),
        &actor,
        &Authority::Member(Box::new(membership)),
        &org,
        &user_id,
        list_field(form.roles.as_deref()),
    )
    .await?
    .map_err(org_error_page)?;
    Ok(back(&org.id, "roles_saved"))
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    csrf: Option<String>,
}

pub async fn remove_member(
    State(state): State<SharedState>,
    signed: SignedIn,
    Path((org_id, user_id)): Path<(String, String)>,
    PageForm(form): PageForm<CsrfOnly>,
) -> Result<Response, PageError> {
    let Checked {
        membership, actor, ..
    } = checked(
        &state,
        signed,
        form.csrf.as_deref(),
        &org_id,
        Permission::MembersWrite,
    )
    .await?;
    let org = membership.org.clone();
    manage::remove_member_and_tokens(
        &state,
        &actor,
        &Authority::Member(Box::new(membership)),
        &org,
        &user_id,
    )
    .await?
    .map_err(org_error_page)?;
    Ok(back(&org.id, "member_removed"))
}

#[derive(Deserialize)]
pub struct RoleForm {
    csrf: Option<String>,
    name: Option<String>,
    permissions: Option<String>,
}

pub async fn create_role(
    State(state): State<SharedState>,
    signed: SignedIn,
    Path(org_id): Path<String>,
    PageForm(form): PageForm<RoleForm>,
) -> Result<Response, PageError> {
    let Checked {
        membership, actor, ..
    } = checked(
        &state,
        signed,
        form.csrf.as_deref(),
        &org_id,
        Permission::RolesWrite,
    )
    .await?;
    let org = membership.org.clone();
    manage::create_role(
        &state.db,
        state.now(),
        &actor,
        &Authority::Member(Box::new(membership)),
        &org,
        form.name.as_deref().unwrap_or_default(),
        list_field(form.permissions.as_deref()),
    )
    .await?
    .map_err(org_error_page)?;
    Ok(back(&org.id, "role_created"))
}

pub async fn delete_role(
    State(state): State<SharedState>,
    signed: SignedIn,
    Path((org_id, name)): Path<(String, String)>,
    PageForm(form): PageForm<CsrfOnly>,
) -> Result<Response, PageError> {
    let Checked {
        membership, actor, ..
    } = checked(
        &state,
        signed,
        form.csrf.as_deref(),
        &org_id,
        Permission::RolesWrite,
    )
    .await?;
    let org = membership.org.clone();
    manage::delete_role(
        &state.db,
        state.now(),
        &actor,
        &Authority::Member(Box::new(membership)),
        &org,
        &name,
    )
    .await?
    .map_err(org_error_page)?;
    Ok(back(&org.id, "role_deleted"))
}

#[derive(Deserialize)]
pub struct SettingsForm {
    csrf: Option<String>,
    require_2fa: Option<String>,
    support_access: Option<String>,
    self_signup: Option<String>,
    ip_allowlist: Option<String>,
    email_domains: Option<String>,
    max_token_lifetime_days: Option<String>,
    session_lifetime_secs: Option<String>,
    lockout_max_failures: Option<String>,
    lockout_duration_secs: Option<String>,
    password_preset: Option<String>,
    password_renewal_days: Option<String>,
}

impl SettingsForm {
    /// The form as `key=value` assignments (an unchecked box is `false`).
    fn assignments(&self) -> Vec<String> {
        let checkbox = |v: &Option<String>| if v.is_some() { "true" } else { "false" };
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        vec![
            format!("require_2fa={}", checkbox(&self.require_2fa)),
            format!("support_access={}", checkbox(&self.support_access)),
            format!("self_signup={}", checkbox(&self.self_signup)),
            format!("ip_allowlist={}", text(&self.ip_allowlist)),
            format!("email_domains={}", text(&self.email_domains)),
            format!(
                "max_token_lifetime_days={}",
                text(&self.max_token_lifetime_days)
            ),
            format!(
                "session_lifetime_secs={}",
                text(&self.session_lifetime_secs)
            ),
            format!("lockout_max_failures={}", text(&self.lockout_max_failures)),
            format!(
                "lockout_duration_secs={}",
                text(&self.lockout_duration_secs)
            ),
            format!("password_preset={}", text(&self.password_preset)),
            format!(
                "password_renewal_days={}",
                text(&self.password_renewal_days)
            ),
        ]
    }
}

pub async fn settings(
    State(state): State<SharedState>,
    signed: SignedIn,
    Path(org_id): Path<String>,
    PageForm(form): PageForm<SettingsForm>,
) -> Result<Response, PageError> {
    let Checked {
        membership, actor, ..
    } = checked(
        &state,
        signed,
        form.csrf.as_deref(),
        &org_id,
        Permission::SecurityWrite,
    )
    .await?;
    let current = OrgSettings::from_stored(&membership.org.settings)?;
    let updated = current.with_assignments(&form.assignments()).map_err(|e| {
        PageError::bad_request(PageError::with_arg(
            "error.settings_not_saved",
            "reason",
            e.to_string(),
        ))
    })?;
    let org = membership.org.clone();
    let authority = Authority::Member(Box::new(membership));
    manage::update_settings(&state.db, state.now(), &actor, &authority, &org, updated)
        .await?
        .map_err(org_error_page)?;
    Ok(back(&org.id, "settings_saved"))
}
