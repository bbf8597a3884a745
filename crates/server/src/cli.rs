//! The operator's command line: `poort [serve]`, `migrate`, `user create|reset-mfa`, `client create|list`,
//! `keys rotate`. Every command takes `--json` for scripts.

use std::io::Read;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use poort_oidc::jose::SigningAlg;
use poort_oidc::token_request::GrantType;
use serde_json::json;

use crate::app::{App, hashing_pool, master_key, open_database};
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::flows::clients::{self as client_flow, ClientInput};
use crate::flows::users::{self as user_flow, UserInput};
use crate::keyring;
use crate::state::keep_retired_secs;

#[derive(Parser)]
#[command(
    name = "poort",
    version,
    about = "Poort: an OpenID Connect identity provider"
)]
pub struct Cli {
    /// Configuration file (default: ./poort.toml if present).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Machine-readable output.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve,
    /// Create or upgrade the database schema, then exit.
    Migrate,
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage OAuth clients (relying parties).
    #[command(subcommand)]
    Client(ClientCommand),
    /// Manage signing keys.
    #[command(subcommand)]
    Keys(KeysCommand),
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user; the password is read from standard input.
    Create(UserCreate),
    /// Remove all second factors and recovery codes of a user who lost them.
    ResetMfa(UserResetMfa),
}

#[derive(Args)]
struct UserResetMfa {
    /// Email address or username.
    #[arg(long)]
    login: String,
}

#[derive(Args)]
struct UserCreate {
    #[arg(long)]
    email: String,
    #[arg(long)]
    name: Option<String>,
    #[arg(long)]
    username: Option<String>,
    /// Read the password from standard input (first line).
    #[arg(long, required = true)]
    password_stdin: bool,
}

#[derive(Subcommand)]
enum ClientCommand {
    /// Register a client; prints its id and, for confidential clients, its secret (once).
    Create(ClientCreate),
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
struct ClientCreate {
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
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Make new active signing keys; old ones stay published until their tokens expire.
    Rotate,
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::load(cli.config.as_deref())?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await,
        Command::Migrate => {
            open_database(&config).await?;
            print(
                cli.json,
                json!({"migrated": true}),
                "Database is up to date.",
            );
            Ok(())
        }
        Command::User(UserCommand::Create(args)) => create_user(config, args, cli.json).await,
        Command::User(UserCommand::ResetMfa(args)) => reset_mfa(config, args, cli.json).await,
        Command::Client(ClientCommand::Create(args)) => create_client(config, args, cli.json).await,
        Command::Client(ClientCommand::List) => list_clients(config, cli.json).await,
        Command::Keys(KeysCommand::Rotate) => {
            let db = open_database(&config).await?;
            let master = master_key(&config)?;
            let kids = keyring::rotate(&db, &master, SystemClock.now(), keep_retired_secs(&config))
                .await?;
            print(
                cli.json,
                json!({"active_kids": kids}),
                &format!("New active keys: {}", kids.join(", ")),
            );
            Ok(())
        }
    }
}

fn print(json_mode: bool, value: serde_json::Value, text: &str) {
    if json_mode {
        println!("{value}");
    } else {
        println!("{text}");
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let bind = config.bind;
    let issuer = config.issuer().to_string();
    let app = App::build(config).await?;
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    tracing::info!(%bind, %issuer, "Poort is serving");
    app.serve(listener, shutdown_signal()).await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

async fn create_user(config: Config, args: UserCreate, json_mode: bool) -> anyhow::Result<()> {
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input)?;
    let password = input.lines().next().unwrap_or_default().to_string();
    if password.is_empty() {
        bail!("no password on standard input");
    }
    let db = open_database(&config).await?;
    let user = user_flow::create(
        &db,
        &hashing_pool(&config)?,
        UserInput {
            email: args.email,
            username: args.username,
            name: args.name,
            password,
        },
        SystemClock.now(),
    )
    .await?;
    print(
        json_mode,
        json!({"id": user.id, "email": user.email}),
        &format!("Created user {} ({})", user.email, user.id),
    );
    Ok(())
}

async fn reset_mfa(config: Config, args: UserResetMfa, json_mode: bool) -> anyhow::Result<()> {
    let db = open_database(&config).await?;
    let Some((user, removed)) =
        crate::flows::mfa::factors::reset_for_login(&db, &args.login).await?
    else {
        bail!("no user {}", args.login);
    };
    print(
        json_mode,
        json!({"id": user.id, "email": user.email, "factors_removed": removed}),
        &format!(
            "Removed {removed} second factor(s) and the recovery codes of {}; the password alone signs in again.",
            user.email
        ),
    );
    Ok(())
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
        },
        SystemClock.now(),
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

async fn list_clients(config: Config, json_mode: bool) -> anyhow::Result<()> {
    let db = open_database(&config).await?;
    let clients = poort_store::clients::list(&db).await?;
    if json_mode {
        let list: Vec<_> = clients
            .iter()
            .map(|c| {
                json!({
                    "client_id": c.id, "name": c.name, "public": c.public,
                    "first_party": c.first_party, "redirect_uris": c.redirect_uris,
                    "post_logout_redirect_uris": c.post_logout_redirect_uris,
                    "grant_types": c.grant_types, "id_token_alg": c.id_token_alg,
                })
            })
            .collect();
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
