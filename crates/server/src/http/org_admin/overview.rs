//! `GET /admin/orgs` and `GET /admin/orgs/{org}`.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::super::error::PageError;
use super::super::locale::RequestLang;
use super::super::render;
use super::super::signed_in::SignedIn;
use super::authorise;
use crate::flows::orgs::access::{Membership, custom_roles};
use crate::flows::orgs::overview::{self, organisations_of};
use crate::flows::orgs::{BuiltinRole, OrgSettings, Permission};
use crate::i18n::Tr;
use crate::pages::orgs::{AdminOrgPage, AdminOrgsPage, MemberRow, OrgRow, RoleRow, SettingsView};
use crate::state::SharedState;

pub async fn list(
    State(state): State<SharedState>,
    signed: SignedIn,
    lang: RequestLang,
) -> Result<Response, PageError> {
    let user = signed.user();
    let orgs = organisations_of(&state.db, &user.id)
        .await?
        .into_iter()
        .map(|(org, roles)| OrgRow {
            id: org.id,
            name: org.name,
            roles: roles.join(", "),
        })
        .collect();
    let t = lang.tr(user.locale.as_deref(), None);
    Ok(render(StatusCode::OK, &AdminOrgsPage { t, orgs }))
}

#[derive(Deserialize)]
pub struct Notice {
    done: Option<String>,
}

/// The catalog key of what a finished change says on the page it returns to.
fn notice_key(code: &str) -> Option<&'static str> {
    Some(match code {
        "member_added" => "org_admin.done_member_added",
        "roles_saved" => "org_admin.done_roles_saved",
        "member_removed" => "org_admin.done_member_removed",
        "role_created" => "org_admin.done_role_created",
        "role_deleted" => "org_admin.done_role_deleted",
        "settings_saved" => "org_admin.done_settings_saved",
        _ => return None,
    })
}

pub async fn show(
    State(state): State<SharedState>,
    signed: SignedIn,
    lang: RequestLang,
    Path(org_id): Path<String>,
    Query(query): Query<Notice>,
) -> Result<Response, PageError> {
    let membership = authorise(&state, &signed.principal, &org_id, None).await?;
    let t = lang.tr(signed.user().locale.as_deref(), None);
    let notice = query
        .done
        .as_deref()
        .and_then(notice_key)
        .map(|key| t.get(key).to_owned());
    let page = org_page(
        &state,
        t,
        &membership,
        signed.live.data.csrf.clone(),
        notice,
    )
    .await?;
    Ok(render(StatusCode::OK, &page))
}

/// The organisation page for `membership`, showing only what it may see and change.
pub(super) async fn org_page(
    state: &SharedState,
    t: Tr,
    membership: &Membership,
    csrf: String,
    notice: Option<String>,
) -> Result<AdminOrgPage, PageError> {
    let org = &membership.org;
    let overview = overview::overview(&state.db, org).await?;
    let can_read_members = membership.has(Permission::MembersRead);
    let members = match can_read_members {
        true => overview
            .members
            .into_iter()
            .map(|(member, user)| MemberRow {
                user_id: user.id,
                email: user.email,
                roles: member.roles.join(", "),
            })
            .collect(),
        false => Vec::new(),
    };
    let builtin_roles = BuiltinRole::ALL
        .iter()
        .map(|role| RoleRow {
            name: role.as_str().to_owned(),
            permissions: names(t, role.permissions().iter().map(|p| p.as_str())),
        })
        .collect();
    let custom = custom_roles(&state.db, &org.id).await?;
    let custom_rows: Vec<RoleRow> = custom
        .iter()
        .map(|role| RoleRow {
            name: role.name.clone(),
            permissions: names(t, role.permissions.iter().map(|p| p.as_str())),
        })
        .collect();
    let role_names = names(
        t,
        BuiltinRole::ALL
            .iter()
            .map(|r| r.as_str())
            .chain(custom.iter().map(|r| r.name.as_str())),
    );
    Ok(AdminOrgPage {
        t,
        csrf,
        id: org.id.clone(),
        name: org.name.clone(),
        your_roles: match (membership.platform_admin, membership.staff) {
            (true, _) if membership.roles.is_empty() => {
                t.get("org_admin.platform_admin").to_owned()
            }
            (_, true) => t.get("org_admin.support_staff").to_owned(),
            _ => membership.roles.join(", "),
        },
        notice,
        can_read_members,
        can_write_members: membership.has(Permission::MembersWrite),
        for_the_platform: membership.platform_admin,
        can_write_roles: membership.has(Permission::RolesWrite),
        can_write_security: membership.has(Permission::SecurityWrite),
        members,
        builtin_roles,
        custom_roles: custom_rows,
        role_names,
        permission_names: names(t, Permission::ALL.iter().map(|p| p.as_str())),
        settings: settings_view(&overview.settings),
    })
}

fn names<'a>(t: Tr, items: impl Iterator<Item = &'a str>) -> String {
    let all: Vec<&str> = items.collect();
    match all.is_empty() {
        true => t.get("org_admin.none").to_owned(),
        false => all.join(", "),
    }
}

fn optional<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

fn settings_view(settings: &OrgSettings) -> SettingsView {
    let ranges: Vec<String> = settings.ip_allowlist.clone().into();
    let domains: Vec<String> = settings.email_domains.clone().into();
    let json = settings.to_json();
    SettingsView {
        require_2fa: settings.require_2fa,
        support_access: settings.support_access,
        self_signup: settings.self_signup,
        ip_allowlist: ranges.join(", "),
        email_domains: domains.join(", "),
        max_token_lifetime_days: optional(settings.max_token_lifetime_days),
        session_lifetime_secs: optional(settings.session_lifetime_secs),
        lockout_max_failures: optional(settings.lockout_max_failures),
        lockout_duration_secs: optional(settings.lockout_duration_secs),
        password_preset: json["password_preset"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        password_renewal_days: optional(settings.password_renewal_days),
    }
}
