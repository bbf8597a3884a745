//! Pages of the organisations issue.

use askama::Template;

use crate::i18n::Tr;

/// The invitation link's page: join as the signed-in user, or sign in first.
#[derive(Template)]
#[template(path = "invite.html")]
pub struct InvitePage {
    pub t: Tr,
    pub csrf: String,
    pub token: String,
    pub org_name: String,
    pub invited_email: String,
    /// The signed-in user's email, if any.
    pub user_email: Option<String>,
}

pub struct OrgRow {
    pub id: String,
    pub name: String,
    /// Comma-separated role names.
    pub roles: String,
}

/// `/admin/orgs`: the organisations the user can open.
#[derive(Template)]
#[template(path = "admin_orgs.html")]
pub struct AdminOrgsPage {
    pub t: Tr,
    pub orgs: Vec<OrgRow>,
}

pub struct MemberRow {
    pub user_id: String,
    pub email: String,
    pub roles: String,
}

pub struct RoleRow {
    pub name: String,
    pub permissions: String,
}

/// Settings as form values (lists comma-separated, absent numbers empty).
pub struct SettingsView {
    pub require_2fa: bool,
    pub support_access: bool,
    pub self_signup: bool,
    pub ip_allowlist: String,
    pub email_domains: String,
    pub max_token_lifetime_days: String,
    pub session_lifetime_secs: String,
    pub lockout_max_failures: String,
    pub lockout_duration_secs: String,
    pub password_preset: String,
    pub password_renewal_days: String,
}

/// `/admin/orgs/{org}`: members, roles and settings, with the forms the caller may use.
#[derive(Template)]
#[template(path = "admin_org.html")]
pub struct AdminOrgPage {
    pub t: Tr,
    pub csrf: String,
    pub id: String,
    pub name: String,
    pub your_roles: String,
    pub notice: Option<String>,
    pub can_read_members: bool,
    pub can_write_members: bool,
    /// The caller speaks for the platform: adds existing accounts directly, opens self
    /// sign-up. Organisation admins invite instead.
    pub for_the_platform: bool,
    pub can_write_roles: bool,
    pub can_write_security: bool,
    pub members: Vec<MemberRow>,
    pub builtin_roles: Vec<RoleRow>,
    pub custom_roles: Vec<RoleRow>,
    pub role_names: String,
    pub permission_names: String,
    pub settings: SettingsView,
}

pub struct AuditRow {
    pub seq: i64,
    pub time: String,
    pub action: String,
    pub actor: String,
    /// The support-staff identity, when the actor acted as staff (empty otherwise).
    pub staff: String,
    pub target: String,
    pub ip: String,
    pub details: String,
}

/// `/admin/orgs/{org}/audit`: filtered, paged entries, newest first.
#[derive(Template)]
#[template(path = "admin_audit.html")]
pub struct AdminAuditPage {
    pub t: Tr,
    pub id: String,
    pub name: String,
    pub actor: String,
    pub action: String,
    pub from: String,
    pub to: String,
    /// The filters as a query string, for the export links.
    pub filter_query: String,
    pub entries: Vec<AuditRow>,
    pub next_page: Option<String>,
}
