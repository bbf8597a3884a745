//! Changing organisations: create, members, roles, settings. Each change is validated here,
//! checked against what the caller may grant, and stored together with its audit entry.
//!
//! Who may call what is decided before (the gate, `gate::may`, for members, the CLI for the
//! operator); here an [`Authority`] only limits what can be handed out: nobody grants, takes
//! away or defines permissions they do not hold themselves, and only owners touch the owner
//! role. That keeps an admin from creating a role with `security.write` and taking it.
//!
//! Nobody is put under an organisation's rules without saying yes: adding an existing account
//! directly and opening self sign-up need the platform's authority; an organisation's own
//! admins invite (`invitations`), and the person joins by accepting.

use std::collections::BTreeSet;

use poort_allowlist::{EmailRefusal, normalise_email};
use poort_store::entities::organisations::Model as Org;
use poort_store::entities::users::Model as User;
use poort_store::orgs::{self, Member, MemberChange, NewOrg, Role};
use poort_store::{Db, StoreError, new_id, users};
use serde_json::json;

use super::Actor;
use super::access::{Membership, custom_roles};
use super::permission::{
    BuiltinRole, CustomRole, Permission, permissions_of, valid_custom_role_name,
};
use super::settings::OrgSettings;
use crate::flows::FlowError;
use crate::flows::audit::AuditEntry;

/// On whose authority a change is made.
#[derive(Clone, Debug)]
pub enum Authority {
    /// The operator (CLI): anything.
    Operator,
    /// A member (or platform administrator) who passed the gate (`gate::may`).
    Member(Box<Membership>),
}

/// Why a change is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OrgError {
    #[error("an organisation name is 1 to 100 characters, without control characters")]
    InvalidName,
    #[error("an organisation with this name already exists")]
    NameTaken,
    #[error("no account has this email address")]
    NoSuchUser,
    #[error("{0}")]
    InvalidEmail(EmailRefusal),
    #[error("this user is already a member")]
    AlreadyMember,
    #[error("this user is not a member")]
    NotMember,
    #[error("the organisation must keep at least one owner")]
    LastOwner,
    #[error("the email address is not in one of the organisation's allowed domains")]
    EmailDomainNotAllowed,
    #[error("there is no role {0:?}")]
    UnknownRole(String),
    #[error("there is no permission {0:?}")]
    UnknownPermission(String),
    #[error("a custom role name is 1 to 64 of a-z, 0-9, '-', '_', '.' and not a built-in role")]
    InvalidRoleName,
    #[error("a role with this name already exists")]
    RoleExists,
    #[error("there is no custom role of this name")]
    NoSuchRole,
    #[error("you cannot grant or take away the role {0:?}: it has permissions you do not have")]
    CannotGrant(String),
    #[error("{0}")]
    InvalidSettings(String),
    #[error("organisation admins invite people, who join by accepting the invitation")]
    InvitationRequired,
    #[error("only the platform's operators open self sign-up or change the domains it admits")]
    SelfSignupNeedsOperator,
}

pub type Outcome<T> = Result<Result<T, OrgError>, FlowError>;

fn entry(action: &'static str, org_id: &str, actor: &Actor) -> AuditEntry {
    actor.entry(action, Some(org_id))
}

fn valid_org_name(name: &str) -> bool {
    !name.trim().is_empty() && name.chars().count() <= 100 && !name.chars().any(char::is_control)
}

/// Creates an organisation (the operator, or a platform administrator), with `owner` as its
/// first owner.
pub async fn create_org(
    db: &Db,
    now: i64,
    actor: &Actor,
    name: &str,
    owner: Option<&User>,
) -> Outcome<Org> {
    let name = name.trim();
    if !valid_org_name(name) {
        return Ok(Err(OrgError::InvalidName));
    }
    let id = new_id();
    let mut audit = vec![
        AuditEntry {
            details: json!({ "name": name }),
            ..entry("org.created", &id, actor)
        }
        .into_new(now),
    ];
    if let Some(owner) = owner {
        audit.push(
            AuditEntry {
                subject: Some(owner.id.clone()),
                target: Some(owner.id.clone()),
                details: json!({ "roles": [orgs::OWNER_ROLE], "email": owner.email }),
                ..entry("member.added", &id, actor)
            }
            .into_new(now),
        );
    }
    let new = NewOrg {
        id,
        name: name.to_owned(),
        settings: OrgSettings::default().to_json().to_string(),
    };
    match orgs::create(db, new, owner.map(|o| o.id.as_str()), now, audit).await {
        Ok(org) => Ok(Ok(org)),
        Err(StoreError::Conflict) => Ok(Err(OrgError::NameTaken)),
        Err(e) => Err(e.into()),
    }
}

/// Checks role names against the organisation's roles; the custom roles' permissions.
fn known_roles(roles: &[String], custom: &[CustomRole]) -> Result<(), OrgError> {
    for role in roles {
        if BuiltinRole::parse(role).is_none() && !custom.iter().any(|c| &c.name == role) {
            return Err(OrgError::UnknownRole(role.clone()));
        }
    }
    Ok(())
}

/// Whether `authority` may hand out (or take away) every role in `roles`.
fn may_grant(
    authority: &Authority,
    roles: &BTreeSet<&String>,
    custom: &[CustomRole],
) -> Result<(), OrgError> {
    let Authority::Member(caller) = authority else {
        return Ok(());
    };
    if caller.platform_admin {
        return Ok(());
    }
    for role in roles {
        let needs_owner = role.as_str() == orgs::OWNER_ROLE;
        let granted = permissions_of(std::slice::from_ref(*role), custom);
        if (needs_owner && !caller.is_owner()) || !granted.is_subset(&caller.permissions) {
            return Err(OrgError::CannotGrant((*role).clone()));
        }
    }
    Ok(())
}

fn dedup(roles: Vec<String>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    roles
        .into_iter()
        .map(|r| r.trim().to_owned())
        .filter(|r| seen.insert(r.clone()))
        .collect()
}

/// The roles a new member gets (default `member`): known in `org` and grantable by
/// `authority`.
pub(super) async fn check_new_roles(
    db: &Db,
    authority: &Authority,
    org: &Org,
    roles: Vec<String>,
) -> Outcome<Vec<String>> {
    let roles = match roles.is_empty() {
        true => vec![BuiltinRole::Member.as_str().to_owned()],
        false => dedup(roles),
    };
    let custom = custom_roles(db, &org.id).await?;
    if let Err(e) = known_roles(&roles, &custom) {
        return Ok(Err(e));
    }
    if let Err(e) = may_grant(authority, &roles.iter().collect(), &custom) {
        return Ok(Err(e));
    }
    Ok(Ok(roles))
}

/// Whether `authority` speaks for the platform (the operator, a platform administrator) rather
/// than for one organisation.
fn for_the_platform(authority: &Authority) -> bool {
    match authority {
        Authority::Operator => true,
        Authority::Member(caller) => caller.platform_admin,
    }
}

/// Adds the account with `email` to `org` with `roles` (default: `member`), without asking
/// them: only on the platform's authority. Membership puts a person under the organisation's
/// rules (its IP allowlist applies to every sign-in of theirs, its `require_2fa` to every
/// request), so an organisation's own admins invite, and the person joins by accepting
/// (`invitations`). The refusal comes before the address is looked up: it tells nobody
/// whether an account exists.
pub async fn add_member(
    db: &Db,
    now: i64,
    actor: &Actor,
    authority: &Authority,
    org: &Org,
    email: &str,
    roles: Vec<String>,
) -> Outcome<(Member, User)> {
    if !for_the_platform(authority) {
        return Ok(Err(OrgError::InvitationRequired));
    }
    let roles = match check_new_roles(db, authority, org, roles).await? {
        Ok(roles) => roles,
        Err(e) => return Ok(Err(e)),
    };
    let email = match normalise_email(email) {
        Ok(email) => email,
        Err(refusal) => return Ok(Err(OrgError::InvalidEmail(refusal))),
    };
    let settings = OrgSettings::from_stored(&org.settings)?;
    if !settings.email_domains.allows_email(email.as_str()) {
        return Ok(Err(OrgError::EmailDomainNotAllowed));
    }
    let Some(user) = users::find_by_email(db, email.as_str()).await? else {
        return Ok(Err(OrgError::NoSuchUser));
    };
    let audit = vec![
        AuditEntry {
            subject: Some(user.id.clone()),
            target: Some(user.id.clone()),
            details: json!({ "roles": roles, "email": user.email }),
            ..entry("member.added", &org.id, actor)
        }
        .into_new(now),
    ];
    match orgs::add_member(db, &org.id, &user.id, &roles, now, audit).await {
        Ok(member) => Ok(Ok((member, user))),
        Err(StoreError::Conflict) => Ok(Err(OrgError::AlreadyMember)),
        Err(e) => Err(e.into()),
    }
}

/// [`remove_member`], then the tokens the member minted for the organisation are revoked (on
/// every node at once): what a member leaving takes along. Adapters with an `AppState` call
/// this one.
pub async fn remove_member_and_tokens(
    state: &crate::state::AppState,
    actor: &Actor,
    authority: &Authority,
    org: &Org,
    user_id: &str,
) -> Outcome<Member> {
    let removed = remove_member(&state.db, state.now(), actor, authority, org, user_id).await?;
    if removed.is_ok() {
        crate::flows::api_tokens::revoke_for_member_of_org_by(state, &org.id, user_id, Some(actor))
            .await?;
    }
    Ok(removed)
}

/// Replaces a member's roles.
pub async fn set_roles(
    db: &Db,
    now: i64,
    actor: &Actor,
    authority: &Authority,
    org: &Org,
    user_id: &str,
    roles: Vec<String>,
) -> Outcome<Member> {
    let roles = dedup(roles);
    let custom = custom_roles(db, &org.id).await?;
    if let Err(e) = known_roles(&roles, &custom) {
        return Ok(Err(e));
    }
    let Some(current) = orgs::find_member(db, &org.id, user_id).await? else {
        return Ok(Err(OrgError::NotMember));
    };
    let before: BTreeSet<&String> = current.roles.iter().collect();
    let after: BTreeSet<&String> = roles.iter().collect();
    let changed: BTreeSet<&String> = before.symmetric_difference(&after).copied().collect();
    if let Err(e) = may_grant(authority, &changed, &custom) {
        return Ok(Err(e));
    }
    let audit = vec![
        AuditEntry {
            subject: Some(user_id.to_owned()),
            target: Some(user_id.to_owned()),
            details: json!({ "before": current.roles, "after": roles }),
            ..entry("member.roles_changed", &org.id, actor)
        }
        .into_new(now),
    ];
    Ok(
        match orgs::set_member_roles(db, &org.id, user_id, &roles, now, audit).await? {
            MemberChange::Done(member) => Ok(member),
            MemberChange::NotFound => Err(OrgError::NotMember),
            MemberChange::LastOwner => Err(OrgError::LastOwner),
        },
    )
}

/// Removes a member.
pub async fn remove_member(
    db: &Db,
    now: i64,
    actor: &Actor,
    authority: &Authority,
    org: &Org,
    user_id: &str,
) -> Outcome<Member> {
    let Some(current) = orgs::find_member(db, &org.id, user_id).await? else {
        return Ok(Err(OrgError::NotMember));
    };
    let custom = custom_roles(db, &org.id).await?;
    if let Err(e) = may_grant(authority, &current.roles.iter().collect(), &custom) {
        return Ok(Err(e));
    }
    let audit = vec![
        AuditEntry {
            subject: Some(user_id.to_owned()),
            target: Some(user_id.to_owned()),
            details: json!({ "roles": current.roles }),
            ..entry("member.removed", &org.id, actor)
        }
        .into_new(now),
    ];
    Ok(
        match orgs::remove_member(db, &org.id, user_id, audit).await? {
            MemberChange::Done(member) => Ok(member),
            MemberChange::NotFound => Err(OrgError::NotMember),
            MemberChange::LastOwner => Err(OrgError::LastOwner),
        },
    )
}

/// Whether `after` lets new accounts join on their own that `before` did not: self sign-up
/// turned on, or its domains changed while it is on. Joining that way puts people under the
/// organisation's rules without an invitation, so an organisation could otherwise claim
/// everyone who signs up with a public mail domain.
fn widens_self_signup(before: &OrgSettings, after: &OrgSettings) -> bool {
    after.self_signup && (!before.self_signup || before.email_domains != after.email_domains)
}

/// Defines a custom role.
pub async fn create_role(
    db: &Db,
    now: i64,
    actor: &Actor,
    authority: &Authority,
    org: &Org,
    name: &str,
    permissions: Vec<String>,
) -> Outcome<Role> {
    let name = name.trim();
    if !valid_custom_role_name(name) {
        return Ok(Err(OrgError::InvalidRoleName));
    }
    let mut parsed = BTreeSet::new();
    for permission in &permissions {
        match Permission::parse(permission.trim()) {
            Some(p) => parsed.insert(p),
            None => return Ok(Err(OrgError::UnknownPermission(permission.clone()))),
        };
    }
    if let Authority::Member(caller) = authority
        && !caller.platform_admin
        && !parsed.is_subset(&caller.permissions)
    {
        return Ok(Err(OrgError::CannotGrant(name.to_owned())));
    }
    let names: Vec<String> = parsed.iter().map(|p| p.as_str().to_owned()).collect();
    let audit = vec![
        AuditEntry {
            target: Some(name.to_owned()),
            details: json!({ "permissions": names }),
            ..entry("role.created", &org.id, actor)
        }
        .into_new(now),
    ];
    match orgs::create_role(db, &org.id, name, &names, now, audit).await {
        Ok(role) => Ok(Ok(role)),
        Err(StoreError::Conflict) => Ok(Err(OrgError::RoleExists)),
        Err(e) => Err(e.into()),
    }
}

/// Deletes a custom role (members who had it lose it).
pub async fn delete_role(
    db: &Db,
    now: i64,
    actor: &Actor,
    authority: &Authority,
    org: &Org,
    name: &str,
) -> Outcome<()> {
    let custom = custom_roles(db, &org.id).await?;
    let Some(role) = custom.iter().find(|c| c.name == name) else {
        return Ok(Err(OrgError::NoSuchRole));
    };
    let role_name = role.name.clone();
    if let Err(e) = may_grant(authority, &[&role_name].into_iter().collect(), &custom) {
        return Ok(Err(e));
    }
    let audit = vec![
        AuditEntry {
            target: Some(role_name.clone()),
            ..entry("role.deleted", &org.id, actor)
        }
        .into_new(now),
    ];
    Ok(
        match orgs::delete_role(db, &org.id, &role_name, now, audit).await? {
            true => Ok(()),
            false => Err(OrgError::NoSuchRole),
        },
    )
}

/// Replaces the organisation's settings. The entry lists each changed setting's old and new
/// value (an allowlist change is `settings.changed` with `ip_allowlist` among them).
pub async fn update_settings(
    db: &Db,
    now: i64,
    actor: &Actor,
    authority: &Authority,
    org: &Org,
    settings: OrgSettings,
) -> Outcome<OrgSettings> {
    if let Err(e) = settings.validate() {
        return Ok(Err(OrgError::InvalidSettings(e.0)));
    }
    let current = OrgSettings::from_stored(&org.settings)?;
    if widens_self_signup(&current, &settings) && !for_the_platform(authority) {
        return Ok(Err(OrgError::SelfSignupNeedsOperator));
    }
    let before = current.to_json();
    let after = settings.to_json();
    let mut changes = serde_json::Map::new();
    if let (Some(old), Some(new)) = (before.as_object(), after.as_object()) {
        for (key, value) in new {
            let previous = old.get(key).cloned().unwrap_or_default();
            if &previous != value {
                changes.insert(key.clone(), json!({ "before": previous, "after": value }));
            }
        }
    }
    if changes.is_empty() {
        return Ok(Ok(settings));
    }
    let audit = vec![
        AuditEntry {
            target: Some(org.id.clone()),
            details: serde_json::Value::Object(changes),
            ..entry("settings.changed", &org.id, actor)
        }
        .into_new(now),
    ];
    match orgs::update_settings(db, &org.id, &after.to_string(), now, audit).await? {
        true => Ok(Ok(settings)),
        false => Err(FlowError::Store(StoreError::NotFound)),
    }
}
