//! `poort token create|list|revoke`: API tokens for operators and scripts. The commands run
//! the same flows as the API (a revocation also writes the shared marker, so with Redis every
//! serving node refuses the token at once).

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use poort_store::api_tokens::RevokeScope;
use serde_json::json;

use crate::app::App;
use crate::config::Config;
use crate::flows::api_tokens::{self as flow, MintRequest, TokenView};
use crate::flows::gate::principal::OPERATOR_AMR;
use crate::org_cli::find_org;
use crate::pages::api_tokens::date_time;
use crate::state::AppState;

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Mint a token for a user; prints the secret (only this once).
    Create(TokenCreate),
    /// List tokens: a user's, an organisation's, or all.
    List(TokenList),
    /// Revoke a token by id (effective at once).
    Revoke { id: String },
}

#[derive(Args)]
pub struct TokenCreate {
    /// The owner's email address (or username).
    #[arg(long)]
    user: String,
    #[arg(long)]
    name: String,
    /// A scope (repeatable): admin:read, admin:write, tokens:read, tokens:write,
    /// profile:read, audit:read.
    #[arg(long = "scope", required = true)]
    scopes: Vec<String>,
    /// Lifetime: 90m, 12h, 30d or 52w; required, at most `api_tokens.max_lifetime_days`.
    #[arg(long, value_name = "LIFETIME")]
    expires_in: String,
    /// The organisation the token acts for (its id or name).
    #[arg(long)]
    org: Option<String>,
}

#[derive(Args)]
#[group(multiple = false)]
pub struct TokenList {
    /// Only this user's tokens (email address or username).
    #[arg(long)]
    user: Option<String>,
    /// Only the tokens that can act on this organisation (its id or name).
    #[arg(long)]
    org: Option<String>,
}

/// `poort token …` arguments after `token` (for tests and scripts that drive [`execute`]).
pub fn parse<I, T>(args: I) -> Result<TokenCommand, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    #[derive(clap::Parser)]
    struct Wrapper {
        #[command(subcommand)]
        command: TokenCommand,
    }
    let args =
        std::iter::once(std::ffi::OsString::from("token")).chain(args.into_iter().map(Into::into));
    <Wrapper as clap::Parser>::try_parse_from(args).map(|w| w.command)
}

pub async fn run(config: Config, command: TokenCommand, json_mode: bool) -> anyhow::Result<()> {
    let app = App::build(config).await?;
    println!("{}", execute(&app.state, command, json_mode).await?);
    Ok(())
}

/// Runs one command against a server's state; returns what to print.
pub async fn execute(
    state: &AppState,
    command: TokenCommand,
    json_mode: bool,
) -> anyhow::Result<String> {
    Ok(match command {
        TokenCommand::Create(args) => {
            let Some(expires_in_secs) = poort_api_tokens::parse_lifetime(&args.expires_in) else {
                bail!("--expires-in must look like 90m, 12h, 30d or 52w");
            };
            let user = find_user(state, &args.user).await?;
            let org_id = match &args.org {
                Some(reference) => Some(find_org(&state.db, reference).await?.id),
                None => None,
            };
            let request = MintRequest {
                user_id: user.id,
                org_id,
                name: args.name,
                scopes: args.scopes,
                expires_in_secs,
                amr: vec![OPERATOR_AMR.to_owned()],
                not_after: None,
            };
            let minted = match flow::mint(state, request).await? {
                Ok(minted) => minted,
                Err(e) => bail!("{e}"),
            };
            if json_mode {
                let mut value = serde_json::to_value(&minted.token)?;
                if let Some(object) = value.as_object_mut() {
                    object.insert("token".into(), minted.secret.into());
                }
                value.to_string()
            } else {
                format!(
                    "id:      {}\ntoken:   {}\nexpires: {}\nThe token is shown only this once; store it now.",
                    minted.token.id,
                    minted.secret,
                    date_time(minted.token.expires_at)
                )
            }
        }
        TokenCommand::List(args) => {
            let tokens = match (args.user, args.org) {
                (Some(login), _) => {
                    let user = find_user(state, &login).await?;
                    flow::list_for_user(state, &user.id).await?
                }
                (None, Some(org)) => {
                    let org = find_org(&state.db, &org).await?;
                    flow::list_for_org(state, &org.id).await?
                }
                (None, None) => flow::list_all(state).await?,
            };
            if json_mode {
                serde_json::to_value(&tokens)?.to_string()
            } else {
                tokens.iter().map(line).collect::<Vec<_>>().join("\n")
            }
        }
        TokenCommand::Revoke { id } => {
            let Some(token) = flow::revoke(state, &id, RevokeScope::Any).await? else {
                bail!("no token {id}");
            };
            if json_mode {
                json!({"id": token.id, "revoked_at": token.revoked_at}).to_string()
            } else {
                format!("Revoked {} ({}).", token.id, token.name)
            }
        }
    })
}

async fn find_user(
    state: &AppState,
    login: &str,
) -> anyhow::Result<poort_store::entities::users::Model> {
    poort_store::users::find_by_login(&state.db, login)
        .await
        .context("looking up the user")?
        .with_context(|| format!("no user {login}"))
}

fn line(token: &TokenView) -> String {
    let used = match (token.last_used_at, &token.last_used_ip) {
        (Some(at), Some(ip)) => format!("last used {} from {ip}", date_time(at)),
        (Some(at), None) => format!("last used {}", date_time(at)),
        _ => "never used".into(),
    };
    format!(
        "{}  {}  {}  {}  [{}]  expires {}  {used}",
        token.id,
        token.status.as_str(),
        token.hint,
        token.name,
        token.scopes.join(" "),
        date_time(token.expires_at),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use clap::Parser;

    use crate::cli::Cli;

    #[test]
    fn token_commands_parse() {
        for args in [
            &[
                "poort",
                "token",
                "create",
                "--user",
                "a@example.com",
                "--name",
                "ci",
                "--scope",
                "tokens:read",
                "--scope",
                "profile:read",
                "--expires-in",
                "30d",
                "--json",
            ][..],
            &[
                "poort",
                "token",
                "create",
                "--user",
                "a@example.com",
                "--name",
                "ci",
                "--scope",
                "admin:read",
                "--expires-in",
                "12h",
                "--org",
                "org-1",
            ],
            &["poort", "token", "list", "--json"],
            &["poort", "token", "list", "--user", "a@example.com"],
            &["poort", "token", "list", "--org", "org-1"],
            &["poort", "token", "revoke", "0193-id"],
        ] {
            assert!(Cli::try_parse_from(args).is_ok(), "{args:?}");
        }
        for bad in [
            &[
                "poort",
                "token",
                "list",
                "--user",
                "a@example.com",
                "--org",
                "o",
            ][..],
            &[
                "poort",
                "token",
                "create",
                "--user",
                "a@example.com",
                "--name",
                "x",
                "--expires-in",
                "1d",
            ],
            &[
                "poort",
                "token",
                "create",
                "--user",
                "a@example.com",
                "--name",
                "x",
                "--scope",
                "profile:read",
            ],
        ] {
            assert!(Cli::try_parse_from(bad).is_err(), "{bad:?}");
        }
    }
}
