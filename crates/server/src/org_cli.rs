//! The operator's organisation commands: `poort admin create`, `poort org …` and
//! `poort audit verify`. Each opens the configured database, runs a flow as the operator
//! (audited with no actor) and prints text or `--json`.

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use poort_store::entities::organisations::Model as Org;
use poort_store::entities::users::Model as User;
use poort_store::{Db, orgs, platform_admins, users};
use serde_json::json;

use crate::app::open_database;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::flows::audit::{self, AuditEntry};
use crate::flows::orgs::manage::{self, Authority};
use crate::flows::orgs::{Actor, OrgSettings};

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Make an existing user a platform administrator (manages every organisation).
    Create {
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand)]
pub enum OrgCommand {
    /// Create an organisation, optionally with its first owner.
    Create {
        #[arg(long)]
        name: String,
        /// Email of an existing user who becomes the owner.
        #[arg(long)]
        owner: Option<String>,
    },
    /// List organisations.
    List,
    /// Show an organisation: settings, members and custom roles.
    Show(OrgRef),
    /// Add an existing user as a member (default role: member).
    AddMember(MemberArgs),
    /// Invite an email address; prints the single-use link (valid --days, default 7).
    Invite {
        #[command(flatten)]
        member: MemberArgs,
        #[arg(long, default_value_t = crate::flows::orgs::invitations::DEFAULT_DAYS)]
        days: u32,
    },
    /// Replace a member's roles.
    SetRoles(MemberArgs),
    /// Remove a member (never the last owner).
    RemoveMember(MemberArgs),
    /// Change settings: key=value… (lists comma-separated, empty value clears).
    Set {
        #[command(flatten)]
        org: OrgRef,
        #[arg(required = true)]
        assignments: Vec<String>,
    },
    /// Define a custom role.
    CreateRole {
        #[command(flatten)]
        org: OrgRef,
        #[arg(long)]
        name: String,
        #[arg(long = "permission")]
        permissions: Vec<String>,
    },
    /// Delete a custom role.
    DeleteRole {
        #[command(flatten)]
        org: OrgRef,
        #[arg(long)]
        name: String,
    },
}

#[derive(Args)]
pub struct OrgRef {
    /// Organisation id or name.
    #[arg(long)]
    org: String,
}

#[derive(Args)]
pub struct MemberArgs {
    #[command(flatten)]
    org: OrgRef,
    #[arg(long)]
    email: String,
    /// A role (repeat for several).
    #[arg(long = "role")]
    roles: Vec<String>,
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Recompute the audit chains; names the first broken entry and fails if there is one.
    Verify {
        /// Only this organisation's chain (id or name); default: every chain.
        #[arg(long)]
        org: Option<String>,
    },
}

fn print(json_mode: bool, value: serde_json::Value, text: &str) {
    match json_mode {
        true => println!("{value}"),
        false => println!("{text}"),
    }
}

/// `poort org remove-member`: removes the member and revokes their tokens of the organisation;
/// returns what to print (JSON, text).
pub async fn remove_member(
    state: &crate::state::AppState,
    org: &str,
    email: &str,
) -> anyhow::Result<(serde_json::Value, String)> {
    let org = find_org(&state.db, org).await?;
    let user = find_user(&state.db, email).await?;
    let actor = Actor::operator();
    manage::remove_member_and_tokens(state, &actor, &Authority::Operator, &org, &user.id).await??;
    Ok((
        json!({"org": org.id, "user_id": user.id, "removed": true}),
        format!("Removed {} from {}", user.email, org.name),
    ))
}

/// An organisation named by its id or its name; an unknown one is an error.
pub(crate) async fn find_org(db: &Db, reference: &str) -> anyhow::Result<Org> {
    if let Some(org) = orgs::find(db, reference).await? {
        return Ok(org);
    }
    orgs::find_by_name(db, reference)
        .await?
        .with_context(|| format!("no organisation {reference:?}"))
}

async fn find_user(db: &Db, email: &str) -> anyhow::Result<User> {
    users::find_by_email(db, email)
        .await?
        .with_context(|| format!("no user with the email {:?}", email.trim()))
}

/// `poort admin …`
pub async fn admin(config: &Config, command: AdminCommand, json_mode: bool) -> anyhow::Result<()> {
    let AdminCommand::Create { email } = command;
    let db = open_database(config).await?;
    let user = find_user(&db, &email).await?;
    let now = SystemClock.now();
    let entry = AuditEntry {
        subject: Some(user.id.clone()),
        target: Some(user.id.clone()),
        details: json!({ "email": user.email }),
        ..AuditEntry::new("platform_admin.granted")
    };
    let granted = platform_admins::grant(&db, &user.id, now, entry.into_new(now)).await?;
    print(
        json_mode,
        json!({"id": user.id, "email": user.email, "platform_admin": true, "changed": granted}),
        &format!("{} is a platform administrator.", user.email),
    );
    Ok(())
}

/// `poort org …`
pub async fn org(config: &Config, command: OrgCommand, json_mode: bool) -> anyhow::Result<()> {
    let db = open_database(config).await?;
    let now = SystemClock.now();
    let actor = Actor::operator();
    let authority = Authority::Operator;
    match command {
        OrgCommand::Create { name, owner } => {
            let owner = match owner {
                Some(email) => Some(find_user(&db, &email).await?),
                None => None,
            };
            let org = manage::create_org(&db, now, &actor, &name, owner.as_ref()).await??;
            print(
                json_mode,
                json!({"id": org.id, "name": org.name, "owner": owner.map(|o| o.email)}),
                &format!("Created organisation {} ({})", org.name, org.id),
            );
        }
        OrgCommand::List => {
            let all = orgs::list(&db).await?;
            if json_mode {
                let list: Vec<_> = all
                    .iter()
                    .map(|o| json!({"id": o.id, "name": o.name, "created_at": o.created_at}))
                    .collect();
                println!("{}", serde_json::Value::Array(list));
            } else {
                for o in all {
                    println!("{}  {}", o.id, o.name);
                }
            }
        }
        OrgCommand::Show(reference) => show(&db, &reference.org, json_mode).await?,
        OrgCommand::AddMember(args) => {
            let org = find_org(&db, &args.org.org).await?;
            let (member, user) =
                manage::add_member(&db, now, &actor, &authority, &org, &args.email, args.roles)
                    .await??;
            print(
                json_mode,
                json!({"org": org.id, "user_id": user.id, "email": user.email, "roles": member.roles}),
                &format!(
                    "Added {} to {} as {}",
                    user.email,
                    org.name,
                    member.roles.join(", ")
                ),
            );
        }
        OrgCommand::Invite { member, days } => {
            let org = find_org(&db, &member.org.org).await?;
            let created = crate::flows::orgs::invitations::create(
                &db,
                now,
                config.issuer(),
                &actor,
                &authority,
                &org,
                &member.email,
                member.roles,
                days,
            )
            .await??;
            print(
                json_mode,
                json!({"org": org.id, "email": created.invitation.email, "roles": created.invitation.roles,
                       "expires_at": created.invitation.expires_at, "link": created.link}),
                &format!(
                    "Invitation for {} to {}: {}\nThe link works once, until it expires.",
                    created.invitation.email, org.name, created.link
                ),
            );
        }
        OrgCommand::SetRoles(args) => {
            let org = find_org(&db, &args.org.org).await?;
            let user = find_user(&db, &args.email).await?;
            let member =
                manage::set_roles(&db, now, &actor, &authority, &org, &user.id, args.roles)
                    .await??;
            print(
                json_mode,
                json!({"org": org.id, "user_id": user.id, "email": user.email, "roles": member.roles}),
                &format!(
                    "{} in {}: {}",
                    user.email,
                    org.name,
                    member.roles.join(", ")
                ),
            );
        }
        OrgCommand::RemoveMember(args) => {
            // The server's state, so the tokens the member minted for the organisation are
            // revoked (and the revocation announced) exactly as when an admin removes them.
            let app = crate::app::App::build(config.clone()).await?;
            let (value, text) = remove_member(&app.state, &args.org.org, &args.email).await?;
            print(json_mode, value, &text);
        }
        OrgCommand::Set { org, assignments } => {
            let org = find_org(&db, &org.org).await?;
            let current = OrgSettings::from_stored(&org.settings)?;
            let updated = current.with_assignments(&assignments)?;
            let stored =
                manage::update_settings(&db, now, &actor, &authority, &org, updated).await??;
            print(
                json_mode,
                json!({"org": org.id, "settings": stored.to_json()}),
                &format!("Settings of {}: {}", org.name, stored.to_json()),
            );
        }
        OrgCommand::CreateRole {
            org,
            name,
            permissions,
        } => {
            let org = find_org(&db, &org.org).await?;
            let role = manage::create_role(&db, now, &actor, &authority, &org, &name, permissions)
                .await??;
            print(
                json_mode,
                json!({"org": org.id, "name": role.name, "permissions": role.permissions}),
                &format!("Created role {} in {}", role.name, org.name),
            );
        }
        OrgCommand::DeleteRole { org, name } => {
            let org = find_org(&db, &org.org).await?;
            manage::delete_role(&db, now, &actor, &authority, &org, &name).await??;
            print(
                json_mode,
                json!({"org": org.id, "name": name, "deleted": true}),
                &format!("Deleted role {name} from {}", org.name),
            );
        }
    }
    Ok(())
}

async fn show(db: &Db, reference: &str, json_mode: bool) -> anyhow::Result<()> {
    let org = find_org(db, reference).await?;
    let settings = OrgSettings::from_stored(&org.settings)?;
    let members = orgs::members(db, &org.id).await?;
    let roles = orgs::roles(db, &org.id).await?;
    if json_mode {
        let members: Vec<_> = members
            .iter()
            .map(|(m, u)| json!({"user_id": u.id, "email": u.email, "roles": m.roles}))
            .collect();
        let roles: Vec<_> = roles
            .iter()
            .map(|r| json!({"name": r.name, "permissions": r.permissions}))
            .collect();
        println!(
            "{}",
            json!({"id": org.id, "name": org.name, "settings": settings.to_json(),
                   "members": members, "roles": roles})
        );
    } else {
        println!("{} ({})", org.name, org.id);
        println!("settings: {}", settings.to_json());
        for (member, user) in members {
            println!("member:   {}  {}", user.email, member.roles.join(", "));
        }
        for role in roles {
            println!("role:     {}  {}", role.name, role.permissions.join(", "));
        }
    }
    Ok(())
}

/// `poort audit …`
pub async fn audit(config: &Config, command: AuditCommand, json_mode: bool) -> anyhow::Result<()> {
    let AuditCommand::Verify { org } = command;
    let db = open_database(config).await?;
    let chain = match org {
        Some(reference) => Some(find_org(&db, &reference).await?.id),
        None => None,
    };
    let report = audit::verify(&db, chain.as_deref()).await?;
    let broken = report
        .first_broken()
        .and_then(|c| c.broken.as_ref().map(|b| (c.chain.clone(), b.clone())));
    if json_mode {
        let chains: Vec<_> = report
            .chains
            .iter()
            .map(|c| json!({"chain": c.chain, "entries": c.entries, "intact": c.broken.is_none()}))
            .collect();
        let first_broken = broken.as_ref().map(|(chain, b)| {
            json!({"chain": chain, "id": b.id, "seq": b.seq, "reason": b.reason.to_string()})
        });
        println!(
            "{}",
            json!({"intact": broken.is_none(), "chains": chains, "first_broken": first_broken})
        );
    } else {
        for chain in &report.chains {
            let state = if chain.broken.is_some() {
                "BROKEN"
            } else {
                "ok"
            };
            println!("{}: {} entries, {state}", chain.chain, chain.entries);
        }
    }
    if let Some((chain, b)) = broken {
        bail!(
            "audit chain {chain} is broken at entry {} (#{}): {}",
            b.id,
            b.seq,
            b.reason
        );
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use clap::Parser;

    use crate::cli::Cli;

    #[test]
    fn organisation_commands_parse() {
        for args in [
            &["poort", "admin", "create", "--email", "a@example.com"][..],
            &[
                "poort",
                "org",
                "create",
                "--name",
                "Acme",
                "--owner",
                "a@example.com",
            ],
            &[
                "poort",
                "org",
                "add-member",
                "--org",
                "Acme",
                "--email",
                "b@x",
                "--role",
                "admin",
                "--role",
                "auditor",
            ],
            &[
                "poort",
                "org",
                "set",
                "--org",
                "Acme",
                "require_2fa=true",
                "ip_allowlist=10.0.0.0/8",
            ],
            &["poort", "org", "list", "--json"],
            &["poort", "audit", "verify"],
            &["poort", "audit", "verify", "--org", "Acme"],
        ] {
            assert!(Cli::try_parse_from(args).is_ok(), "{args:?}");
        }
        assert!(Cli::try_parse_from(["poort", "org", "set", "--org", "Acme"]).is_err());
        assert!(Cli::try_parse_from(["poort", "org", "create"]).is_err());
    }
}
