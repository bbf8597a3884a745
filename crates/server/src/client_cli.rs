//! `poort client create|update|list`: registering relying parties and service accounts from the
//! command line (audited in the platform chain by the flow).

use clap::{Args, Subcommand, ValueEnum};
use poort_oidc::jose::SigningAlg;
use poort_oidc::token_request::GrantType;
use serde_json::json;

use poort_store::clients::ClientScope;

use crate::app::open_database;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::flows::clients::{self as client_flow, ClientInput};
use crate::flows::orgs::Actor;

#[derive(Subcommand)]
pub enum ClientCommand {
    /// Register a client; prints its id and, for confidential clients, its secret (once).
    Create(ClientCreate),
    /// Change a client's web origins (CORS).
    Update(ClientUpdate),
    /// List registered clients.
    List,
}

#[derive(Clone, Copy, ValueEnum)]
enum GrantArg {
    #[value(name = "authorization_code")]
    AuthorizationCode,
    #[value(name = "refresh_token")]
    RefreshToken,
    #[value(name = "client_credentials")]
    ClientCredentials,
}

#[derive(Clone, Copy, ValueEnum)]
enum AlgArg {
    #[value(name = "RS256")]
    Rs256,
    #[value(name = "ES256")]
    Es256,
    #[value(name = "EdDSA")]
    EdDsa,
}

#[derive(Args)]
pub struct ClientCreate {
    #[arg(long)]
    name: String,
    #[arg(long = "redirect-uri")]
    redirect_uris: Vec<String>,
    #[arg(long = "post-logout-redirect-uri")]
    post_logout_redirect_uris: Vec<String>,
    /// A public client (no secret; PKCE required), e.g. a single-page or native app.
    #[arg(long)]
    public: bool,
    /// Trusted first-party app: no consent screen.
    #[arg(long)]
    first_party: bool,
    /// Allowed grants (default: authorization_code and refresh_token).
    #[arg(long = "grant", value_enum)]
    grants: Vec<GrantArg>,
    #[arg(long, value_enum, default_value = "RS256")]
    id_token_alg: AlgArg,
    /// A scope its client_credentials tokens may carry (repeatable; with --grant client-credentials).
    #[arg(long = "scope")]
    allowed_scopes: Vec<String>,
    /// A resource URI (RFC 8707) its client_credentials tokens may be issued for (repeatable).
    #[arg(long = "audience")]
    audiences: Vec<String>,
    /// An origin (https://host[:port]) a browser app may call the token, userinfo and revocation
    /// endpoints from (repeatable). Default for a public client: its redirect URIs' origins.
    #[arg(long = "web-origin")]
    web_origins: Vec<String>,
}

#[derive(Args)]
pub struct ClientUpdate {
    /// The client's id.
    client_id: String,
    /// The origins a browser app may call from (repeatable); replaces the registered ones.
    #[arg(long = "web-origin", required_unless_present = "default_web_origins")]
    web_origins: Vec<String>,
    /// Drop the registered origins: back to the default (a public client's redirect URI
    /// origins, none for a confidential client).
    #[arg(long, conflicts_with = "web_origins")]
    default_web_origins: bool,
}

pub async fn run(config: Config, command: ClientCommand, json_mode: bool) -> anyhow::Result<()> {
    match command {
        ClientCommand::Create(args) => create_client(config, args, json_mode).await,
        ClientCommand::Update(args) => update_client(config, args, json_mode).await,
        ClientCommand::List => list_clients(config, json_mode).await,
    }
}

async fn create_client(config: Config, args: ClientCreate, json_mode: bool) -> anyhow::Result<()> {
    let db = open_database(&config).await?;
    let grant_types = args
        .grants
        .iter()
        .map(|g| match g {
            GrantArg::AuthorizationCode => GrantType::AuthorizationCode,
            GrantArg::RefreshToken => GrantType::RefreshToken,
            GrantArg::ClientCredentials => GrantType::ClientCredentials,
        })
        .collect();
    let id_token_alg = match args.id_token_alg {
        AlgArg::Rs256 => SigningAlg::RS256,
        AlgArg::Es256 => SigningAlg::ES256,
        AlgArg::EdDsa => SigningAlg::EdDSA,
    };
    let created = client_flow::create(
        &db,
        ClientInput {
            name: args.name,
            redirect_uris: args.redirect_uris,
            post_logout_redirect_uris: args.post_logout_redirect_uris,
            public: args.public,
            first_party: args.first_party,
            grant_types,
            id_token_alg,
            allowed_scopes: args.allowed_scopes,
            audiences: args.audiences,
            org_id: None,
            web_origins: args.web_origins,
        },
        SystemClock.now(),
        &Actor::operator(),
    )
    .await?;
    let client = created.client;
    if json_mode {
        println!(
            "{}",
            json!({"client_id": client.id, "client_secret": created.secret, "name": client.name})
        );
    } else {
        println!("client_id:     {}", client.id);
        match created.secret {
            Some(secret) => {
                println!("client_secret: {secret}");
                println!("The secret is shown only this once; store it now.");
            }
            None => println!("(public client: no secret; PKCE is required)"),
        }
    }
    Ok(())
}

async fn update_client(config: Config, args: ClientUpdate, json_mode: bool) -> anyhow::Result<()> {
    let db = open_database(&config).await?;
    let origins = if args.default_web_origins {
        Vec::new()
    } else {
        args.web_origins
    };
    let updated = client_flow::set_web_origins(
        &db,
        SystemClock.now(),
        &args.client_id,
        ClientScope::Any,
        origins,
        &Actor::operator(),
    )
    .await?;
    let Some(client) = updated else {
        anyhow::bail!("no client {}", args.client_id);
    };
    if json_mode {
        println!("{}", client_flow::view(&client));
    } else {
        println!("client_id:   {}", client.id);
        println!(
            "web origins: {}",
            crate::flows::web_origins::accepted_by(&client).join(" ")
        );
    }
    Ok(())
}

async fn list_clients(config: Config, json_mode: bool) -> anyhow::Result<()> {
    let db = open_database(&config).await?;
    let clients = poort_store::clients::list(&db).await?;
    if json_mode {
        let list: Vec<_> = clients.iter().map(client_flow::view).collect();
        println!("{}", serde_json::Value::Array(list));
    } else {
        for c in clients {
            let kind = if c.public { "public" } else { "confidential" };
            println!(
                "{}  {}  ({kind}, {})  {}",
                c.id,
                c.name,
                c.id_token_alg,
                c.redirect_uris.join(" ")
            );
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use clap::Parser;

    use super::ClientCommand;

    /// `poort client …` on its own, as `cli.rs` nests it.
    #[derive(Parser)]
    struct Wrapper {
        #[command(subcommand)]
        command: ClientCommand,
    }

    #[test]
    fn a_service_client_takes_scopes_and_audiences() {
        let parsed = Wrapper::try_parse_from([
            "client",
            "create",
            "--name",
            "exporter",
            "--grant",
            "client_credentials",
            "--scope",
            "reports.read",
            "--scope",
            "reports.write",
            "--audience",
            "https://reports.example/api",
        ])
        .unwrap();
        let ClientCommand::Create(args) = parsed.command else {
            panic!("not a client create command");
        };
        assert_eq!(args.allowed_scopes, ["reports.read", "reports.write"]);
        assert_eq!(args.audiences, ["https://reports.example/api"]);
    }

    #[test]
    fn update_takes_web_origins_or_the_default_but_not_both_nor_neither() {
        let parse = |extra: &[&str]| {
            let mut argv = vec!["client", "update", "abc"];
            argv.extend_from_slice(extra);
            Wrapper::try_parse_from(argv)
        };
        let Ok(Wrapper {
            command: ClientCommand::Update(args),
        }) = parse(&[
            "--web-origin",
            "https://a.example",
            "--web-origin",
            "http://localhost:3000",
        ])
        else {
            panic!("not a client update command");
        };
        assert_eq!(
            args.web_origins,
            ["https://a.example", "http://localhost:3000"]
        );
        assert!(parse(&["--default-web-origins"]).is_ok());
        assert!(parse(&[]).is_err());
        assert!(parse(&["--default-web-origins", "--web-origin", "https://a.example"]).is_err());
    }
}
