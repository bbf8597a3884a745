//! `poort client registration-token create|list|revoke`: the operator's initial access tokens
//! for dynamic client registration (RFC 7591 §3), for an organisation (`--org`, by name or id)
//! or the platform. The token is printed once.

use clap::{Args, Subcommand};
use serde_json::json;

use super::ClientCliEnv;
use crate::flows::orgs::Actor;
use crate::flows::registration::initial_tokens::{self, MintRequest};
use crate::org_cli::find_org;
use crate::registration_config::RegistrationConfig;

#[derive(Subcommand)]
pub enum RegistrationTokenCommand {
    /// Mint a token that lets a developer register clients at /register.
    Create(CreateArgs),
    /// List the tokens (never the tokens themselves) with their state.
    List(OrgArg),
    /// Revoke a token by its id (clients it registered stay).
    Revoke(RevokeArgs),
}

#[derive(Args)]
pub struct OrgArg {
    /// The organisation (name or id) its clients belong to; none: the platform.
    #[arg(long)]
    org: Option<String>,
}

#[derive(Args)]
pub struct CreateArgs {
    #[command(flatten)]
    org: OrgArg,
    /// Seconds until it expires (default: the configured maximum).
    #[arg(long)]
    lifetime_secs: Option<i64>,
    /// How many clients it may register.
    #[arg(long, default_value_t = 1)]
    uses: i64,
}

#[derive(Args)]
pub struct RevokeArgs {
    id: String,
    #[command(flatten)]
    org: OrgArg,
}

async fn org_id(env: &ClientCliEnv<'_>, org: &OrgArg) -> anyhow::Result<Option<String>> {
    match &org.org {
        None => Ok(None),
        Some(reference) => Ok(Some(find_org(env.db, reference).await?.id)),
    }
}

pub(super) async fn execute(
    env: &ClientCliEnv<'_>,
    config: &RegistrationConfig,
    now: i64,
    command: RegistrationTokenCommand,
    json_mode: bool,
) -> anyhow::Result<String> {
    match command {
        RegistrationTokenCommand::Create(args) => {
            let org = org_id(env, &args.org).await?;
            let request = MintRequest {
                lifetime_secs: args.lifetime_secs,
                max_uses: Some(args.uses),
            };
            let minted = initial_tokens::mint(
                env.db,
                config,
                org.as_deref(),
                request,
                &Actor::operator(),
                now,
            )
            .await??;
            if json_mode {
                let mut view = initial_tokens::view(&minted.row, now);
                view["token"] = json!(minted.token);
                return Ok(view.to_string());
            }
            let mut out = format!("token:   {}\nid:      {}\n", minted.token, minted.row.id);
            out.push_str(&format!(
                "expires: {} (unix time), uses: {}\n",
                minted.row.expires_at, minted.row.max_uses
            ));
            if !config.enabled {
                out.push_str("Note: [registration] enabled is false: /register is off.\n");
            }
            out.push_str("The token is shown only this once; hand it to the developer now.");
            Ok(out)
        }
        RegistrationTokenCommand::List(org) => {
            let org = org_id(env, &org).await?;
            let tokens =
                poort_store::client_registrations::list_initial(env.db, org.as_deref()).await?;
            let views: Vec<_> = tokens
                .iter()
                .map(|t| initial_tokens::view(t, now))
                .collect();
            if json_mode {
                return Ok(serde_json::Value::Array(views).to_string());
            }
            let lines: Vec<String> = views
                .iter()
                .map(|v| {
                    format!(
                        "{}  {}  uses {}/{}  expires {}",
                        v["id"].as_str().unwrap_or_default(),
                        v["state"].as_str().unwrap_or_default(),
                        v["uses"],
                        v["max_uses"],
                        v["expires_at"]
                    )
                })
                .collect();
            Ok(lines.join("\n"))
        }
        RegistrationTokenCommand::Revoke(args) => {
            let org = org_id(env, &args.org).await?;
            let revoked =
                initial_tokens::revoke(env.db, &args.id, org.as_deref(), &Actor::operator(), now)
                    .await?;
            anyhow::ensure!(revoked, "no live registration token {}", args.id);
            Ok(match json_mode {
                true => json!({"revoked": args.id}).to_string(),
                false => format!("revoked {}", args.id),
            })
        }
    }
}
