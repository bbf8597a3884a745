//! `poort client create|update|list`: registering relying parties and service accounts from the
//! command line, changing their web origins, back-channel logout URI and how they
//! authenticate (`--auth-method`, `--jwks-uri`, `--jwks-file`), opting a legacy confidential
//! client out of PKCE (each audited in the platform chain by the flow).

use clap::{Args, Subcommand, ValueEnum};
use poort_oidc::client_auth::ClientAuthMethod;
use poort_oidc::jose::SigningAlg;
use poort_oidc::token_request::GrantType;
use poort_store::Db;
use poort_store::clients::ClientScope;
use serde_json::json;

mod auth_args;
mod exchange_args;
mod registration_token;

use auth_args::AuthArgs;
use exchange_args::ExchangeArgs;

use crate::app::{master_key, open_database};
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::flows::client_auth_settings::registered_method;
use crate::flows::client_update::{ClientChanges, UpdateContext, UpdatedClient, update};
use crate::flows::clients::{self as client_flow, BackchannelLogout, ClientInput};
use crate::flows::orgs::Actor;
use crate::flows::web_origins::accepted_by;
use crate::master_key::MasterKey;
use crate::outbound::Outbound;
use crate::registration_config::RegistrationConfig;
use crate::state::AppState;

#[derive(Subcommand)]
pub enum ClientCommand {
    /// Register a client; prints its id and, for confidential clients, its secret (once).
    Create(ClientCreate),
    /// Change a client's web origins (CORS) or PKCE requirement.
    Update(ClientUpdate),
    /// List registered clients.
    List,
    /// Initial access tokens for dynamic client registration (RFC 7591).
    #[command(subcommand)]
    RegistrationToken(registration_token::RegistrationTokenCommand),
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
    /// A legacy confidential client that cannot send PKCE: do not require a code_challenge
    /// (every other client must send one).
    #[arg(long)]
    no_pkce: bool,
    /// Allowed grants (default: authorization_code and refresh_token): authorization_code,
    /// refresh_token, client_credentials, urn:ietf:params:oauth:grant-type:token-exchange,
    /// urn:ietf:params:oauth:grant-type:device_code (or device_code).
    #[arg(long = "grant", value_parser = grant_type)]
    grants: Vec<GrantType>,
    #[arg(long, value_enum, default_value = "RS256")]
    id_token_alg: AlgArg,
    /// A scope its client_credentials tokens may carry (repeatable; with --grant client-credentials).
    #[arg(long = "scope")]
    allowed_scopes: Vec<String>,
    /// A resource URI (RFC 8707) its access tokens may be issued for (repeatable).
    #[arg(long = "audience")]
    audiences: Vec<String>,
    /// An origin (https://host[:port]) a browser app may call the token, userinfo and revocation
    /// endpoints from (repeatable). Default for a public client: its redirect URIs' origins.
    #[arg(long = "web-origin")]
    web_origins: Vec<String>,
    /// Where logout tokens are POSTed when a session that signed in to it ends (OpenID Connect
    /// Back-Channel Logout 1.0): https, no fragment, no private address.
    #[arg(long)]
    backchannel_logout_uri: Option<String>,
    /// Whether every logout token must carry the session id `sid` (default true).
    #[arg(long, action = clap::ArgAction::Set, value_name = "true|false", requires = "backchannel_logout_uri")]
    backchannel_logout_session_required: Option<bool>,
    #[command(flatten)]
    auth: AuthArgs,
    #[command(flatten)]
    exchange: ExchangeArgs,
}

/// A grant type by its protocol name (any the token endpoint knows), or `device_code` for the
/// device grant's URN.
fn grant_type(name: &str) -> Result<GrantType, String> {
    if name == "device_code" {
        return Ok(GrantType::DeviceCode);
    }
    name.parse().map_err(|_| {
        let known: Vec<&str> = GrantType::ALL.iter().map(|g| g.as_str()).collect();
        format!("unknown grant type; one of {}", known.join(", "))
    })
}

#[derive(Args)]
pub struct ClientUpdate {
    /// The client's id.
    client_id: String,
    /// The origins a browser app may call from (repeatable); replaces the registered ones.
    #[arg(long = "web-origin")]
    web_origins: Vec<String>,
    /// Drop the registered origins: back to the default (a public client's redirect URI
    /// origins, none for a confidential client).
    #[arg(long, conflicts_with = "web_origins")]
    default_web_origins: bool,
    /// Whether authorization requests must carry a PKCE code_challenge; `false` only for a
    /// legacy confidential client that cannot send one.
    #[arg(long, action = clap::ArgAction::Set, value_name = "true|false")]
    pkce_required: Option<bool>,
    /// The RFC 8707 resources its access tokens may be for (repeatable); replaces the
    /// registered ones.
    #[arg(long = "audience")]
    audiences: Vec<String>,
    /// Drop every registered audience: its tokens are for itself only.
    #[arg(long, conflicts_with = "audiences")]
    no_audiences: bool,
    /// Where logout tokens go (Back-Channel Logout); `""` stops them.
    #[arg(long)]
    backchannel_logout_uri: Option<String>,
    /// Whether every logout token must carry the session id `sid`.
    #[arg(long, action = clap::ArgAction::Set, value_name = "true|false")]
    backchannel_logout_session_required: Option<bool>,
    /// A new authentication method (a new secret is printed when it needs one).
    #[command(flatten)]
    auth: AuthArgs,
    #[command(flatten)]
    exchange: ExchangeArgs,
    /// Remove its token exchange registration.
    #[arg(long, conflicts_with = "exchange_audiences")]
    no_token_exchange: bool,
}

const NOTHING_TO_CHANGE: &str = "client update needs --web-origin, --default-web-origins, \
     --audience, --no-audiences, --pkce-required, --backchannel-logout-uri, --backchannel-logout-session-required, \
     --auth-method, --exchange-audience or --no-token-exchange";

impl ClientUpdate {
    fn changes_nothing(&self) -> bool {
        self.web_origins.is_empty()
            && !self.default_web_origins
            && self.pkce_required.is_none()
            && self.audiences.is_empty()
            && !self.no_audiences
            && self.backchannel_logout_uri.is_none()
            && self.backchannel_logout_session_required.is_none()
            && !self.auth.given()
            && !self.exchange.given()
            && !self.no_token_exchange
    }
}

/// Parses `poort client ARGS` (without the leading `client`).
pub fn parse<I, T>(args: I) -> Result<ClientCommand, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    #[derive(clap::Parser)]
    struct Wrapper {
        #[command(subcommand)]
        command: ClientCommand,
    }
    let args =
        std::iter::once(std::ffi::OsString::from("client")).chain(args.into_iter().map(Into::into));
    let command = <Wrapper as clap::Parser>::try_parse_from(args)?.command;
    if let ClientCommand::Update(update) = &command
        && update.changes_nothing()
    {
        return Err(clap::Error::raw(
            clap::error::ErrorKind::MissingRequiredArgument,
            format!("{NOTHING_TO_CHANGE}\n"),
        ));
    }
    if let ClientCommand::Update(update) = &command
        && update.auth.given()
        && update.auth.auth_method.is_none()
    {
        return Err(clap::Error::raw(
            clap::error::ErrorKind::MissingRequiredArgument,
            "--jwks-uri and --jwks-file come with --auth-method\n",
        ));
    }
    Ok(command)
}

/// What the client commands work with: the database, the master key (a `client_secret_jwt`
/// secret is stored sealed) and the outbound policy (a `jwks_uri` must pass it).
pub struct ClientCliEnv<'a> {
    pub db: &'a Db,
    pub master_key: &'a MasterKey,
    pub outbound: &'a Outbound,
    pub registration: &'a RegistrationConfig,
}

impl<'a> ClientCliEnv<'a> {
    /// The environment of a running server (tests drive the CLI through it).
    pub fn of(state: &'a AppState) -> Self {
        Self {
            db: &state.db,
            master_key: &state.master_key,
            outbound: &state.outbound,
            registration: &state.config.registration,
        }
    }
}

pub async fn run(config: Config, command: ClientCommand, json_mode: bool) -> anyhow::Result<()> {
    let db = open_database(&config).await?;
    let master_key = master_key(&config)?;
    let outbound = Outbound::new(&config.outbound)?;
    let env = ClientCliEnv {
        db: &db,
        master_key: &master_key,
        outbound: &outbound,
        registration: &config.registration,
    };
    let output = execute(&env, SystemClock.now(), command, json_mode).await?;
    if !output.is_empty() {
        println!("{output}");
    }
    Ok(())
}

/// Runs one command as the operator; returns what to print.
pub async fn execute(
    env: &ClientCliEnv<'_>,
    now: i64,
    command: ClientCommand,
    json_mode: bool,
) -> anyhow::Result<String> {
    match command {
        ClientCommand::Create(args) => create_client(env, now, args, json_mode).await,
        ClientCommand::Update(args) => update_client(env, now, args, json_mode).await,
        ClientCommand::List => list_clients(env.db, json_mode).await,
        ClientCommand::RegistrationToken(command) => {
            registration_token::execute(env, env.registration, now, command, json_mode).await
        }
    }
}

async fn create_client(
    env: &ClientCliEnv<'_>,
    now: i64,
    args: ClientCreate,
    json_mode: bool,
) -> anyhow::Result<String> {
    let grant_types = args.grants;
    let id_token_alg = match args.id_token_alg {
        AlgArg::Rs256 => SigningAlg::RS256,
        AlgArg::Es256 => SigningAlg::ES256,
        AlgArg::EdDsa => SigningAlg::EdDSA,
    };
    let backchannel_logout = match args.backchannel_logout_uri.as_deref() {
        None | Some("") => None,
        Some(uri) => Some(BackchannelLogout::check(
            env.outbound,
            uri,
            args.backchannel_logout_session_required.unwrap_or(true),
        )?),
    };
    let auth = args.auth.settings(env.outbound)?;
    let created = client_flow::create_with_auth(
        env.db,
        env.master_key,
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
            pkce_required: !args.no_pkce,
            web_origins: args.web_origins,
            backchannel_logout,
            token_exchange: args.exchange.setting(),
        },
        auth,
        now,
        &Actor::operator(),
    )
    .await?;
    let client = created.client;
    if json_mode {
        return Ok(
            json!({"client_id": client.id, "client_secret": created.secret, "name": client.name})
                .to_string(),
        );
    }
    let mut out = format!("client_id:     {}\n", client.id);
    match created.secret {
        Some(secret) => {
            out.push_str(&format!("client_secret: {secret}\n"));
            out.push_str("The secret is shown only this once; store it now.");
        }
        None if client.public => out.push_str("(public client: no secret; PKCE is required)"),
        None => out.push_str("(private_key_jwt: no secret; it signs with its registered keys)"),
    }
    Ok(out)
}

async fn update_client(
    env: &ClientCliEnv<'_>,
    now: i64,
    args: ClientUpdate,
    json_mode: bool,
) -> anyhow::Result<String> {
    anyhow::ensure!(!args.changes_nothing(), NOTHING_TO_CHANGE);
    let id = args.client_id.as_str();
    let auth = match args.auth.given() {
        true => {
            anyhow::ensure!(
                args.auth.auth_method.is_some(),
                "--jwks-uri and --jwks-file come with --auth-method"
            );
            Some(args.auth.settings(env.outbound)?)
        }
        false => None,
    };
    let changes = ClientChanges {
        web_origins: match args.default_web_origins {
            true => Some(Vec::new()),
            false => (!args.web_origins.is_empty()).then_some(args.web_origins),
        },
        audiences: match args.no_audiences {
            true => Some(Vec::new()),
            false => (!args.audiences.is_empty()).then_some(args.audiences),
        },
        pkce_required: args.pkce_required,
        backchannel_logout_uri: args.backchannel_logout_uri,
        backchannel_logout_session_required: args.backchannel_logout_session_required,
        auth,
        token_exchange: match args.no_token_exchange {
            true => Some(None),
            false => args.exchange.setting().map(Some),
        },
        ..Default::default()
    };
    let context = UpdateContext {
        db: env.db,
        master_key: env.master_key,
        outbound: env.outbound,
    };
    let updated = update(
        &context,
        id,
        ClientScope::Any,
        changes,
        now,
        &Actor::operator(),
    )
    .await?;
    let Some(UpdatedClient {
        client,
        secret: new_secret,
        ..
    }) = updated
    else {
        anyhow::bail!("no client {id}");
    };
    Ok(if json_mode {
        let mut view = client_flow::view(&client);
        if let Some(secret) = &new_secret {
            view["client_secret"] = json!(secret);
        }
        view.to_string()
    } else {
        let mut out = format!(
            "client_id:   {}\nweb origins: {}\nPKCE:        {}\nauth method: {}\nlogout URI:  {}\nexchange:    {}",
            client.id,
            accepted_by(&client).join(" "),
            pkce_text(&client),
            auth_text(&client),
            backchannel_text(&client),
            exchange_args::text(&client)
        );
        if let Some(secret) = new_secret {
            out.push_str(&format!(
                "\nclient_secret: {secret}\nThe new secret is shown only this once; store it now."
            ));
        }
        out
    })
}

fn auth_text(client: &poort_store::clients::Client) -> &'static str {
    registered_method(client).map_or("unknown", ClientAuthMethod::as_str)
}

fn pkce_text(client: &poort_store::clients::Client) -> &'static str {
    match client.public || client.pkce_required {
        true => "required",
        false => "not required",
    }
}

/// The back-channel logout URI, and `(sid optional)` when the client does not need `sid`.
fn backchannel_text(client: &poort_store::clients::Client) -> String {
    match (
        &client.backchannel_logout_uri,
        client.backchannel_logout_session_required,
    ) {
        (None, _) => "-".to_owned(),
        (Some(uri), true) => uri.clone(),
        (Some(uri), false) => format!("{uri} (sid optional)"),
    }
}

async fn list_clients(db: &Db, json_mode: bool) -> anyhow::Result<String> {
    let clients = poort_store::clients::list(db).await?;
    if json_mode {
        let list: Vec<_> = clients.iter().map(client_flow::view).collect();
        return Ok(serde_json::Value::Array(list).to_string());
    }
    let lines: Vec<String> = clients
        .iter()
        .map(|c| {
            let kind = if c.public { "public" } else { "confidential" };
            format!(
                "{}  {}  ({kind}, {}, PKCE {}, {})  {}  logout: {}",
                c.id,
                c.name,
                auth_text(c),
                pkce_text(c),
                c.id_token_alg,
                c.redirect_uris.join(" "),
                backchannel_text(c)
            )
        })
        .collect();
    Ok(lines.join("\n"))
}

#[cfg(test)]
mod tests;
