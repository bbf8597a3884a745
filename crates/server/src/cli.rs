//! The operator's command line: `poort [serve]`, `migrate`, `user create|import|unlock|
//! force-password-change|reset-mfa`, `client create|list`, `keys rotate`, `backup`, `restore`.
//! Every command takes `--json` for scripts.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use poort_credentials::Password;
use serde_json::json;

use crate::admin;
use crate::app::{App, hashing_pool, master_key, open_database};
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::flows::passwords;
use crate::flows::users::{self as user_flow, UserInput};
use crate::keyring;
use crate::pages::password::describe;
use crate::password_settings::PasswordSettings;
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
    Client(crate::client_cli::ClientCommand),
    /// Manage signing keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Write a consistent backup of the database to FILE (safe while serving).
    Backup(BackupArgs),
    /// Restore a backup into the configured database (which must be empty), or next to it.
    Restore(RestoreArgs),
    /// Purge accounts deleted longer ago than the retention period, and expired tokens, now.
    Purge,
    /// Manage personal API tokens.
    #[command(subcommand)]
    Token(crate::token_cli::TokenCommand),
    /// Platform administrators.
    #[command(subcommand)]
    Admin(crate::org_cli::AdminCommand),
    /// Organisations: members, roles, settings.
    #[command(subcommand)]
    Org(crate::org_cli::OrgCommand),
    /// The audit log.
    #[command(subcommand)]
    Audit(crate::org_cli::AuditCommand),
    /// Support staff: platform users who may help in organisations that allow it.
    #[command(subcommand)]
    Support(crate::support_cli::SupportCommand),
}

#[derive(Args)]
struct BackupArgs {
    file: PathBuf,
    /// Encrypt the file with the master key (it then restores only with that key).
    #[arg(long)]
    encrypt: bool,
}

#[derive(Args)]
struct RestoreArgs {
    file: PathBuf,
    /// Restore into this database instead: a directory (a new SQLite database in it) or a
    /// database URL; the live database is not touched.
    #[arg(long, value_name = "DIR|URL")]
    to_side: Option<String>,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user; the password is read from standard input.
    Create(UserCreate),
    /// Import users with their password hashes from another system: a file of JSON lines
    /// {"email", "name", "password_hash"} (PHC argon2/PBKDF2 or ASP.NET Core Identity v3).
    Import { file: PathBuf },
    /// Clear an account's lockout after failed logins.
    Unlock { email: String },
    /// Require the account to choose a new password at its next login.
    ForcePasswordChange { email: String },
    /// Remove all second factors and recovery codes of a user who lost them.
    ResetMfa(UserLogin),
    /// Delete an account: it stops working at once and is purged after the retention period.
    Delete(UserLogin),
    /// Restore a deleted account within its retention period.
    Restore(UserLogin),
    /// Disable an account: signed out everywhere, every token revoked, until enabled.
    Disable(UserLogin),
    /// Enable a disabled account (it signs in again; revoked tokens stay revoked).
    Enable(UserLogin),
}

#[derive(Args)]
struct UserLogin {
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
enum KeysCommand {
    /// Make new active signing keys; old ones stay published until their tokens expire.
    Rotate,
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::load(cli.config.as_deref())?;
    crate::logging::init(&config.log_format);
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
        Command::User(UserCommand::Import { file }) => import_users(config, &file, cli.json).await,
        Command::User(UserCommand::Unlock { email }) => {
            let user = admin::unlock(&config, &email, SystemClock.now()).await?;
            print(
                cli.json,
                json!({"id": user.id, "email": user.email, "unlocked": true}),
                &format!(
                    "Unlocked {}: failed-login counters start afresh.",
                    user.email
                ),
            );
            Ok(())
        }
        Command::User(UserCommand::ForcePasswordChange { email }) => {
            let user = admin::force_password_change(&config, &email, SystemClock.now()).await?;
            print(
                cli.json,
                json!({"id": user.id, "email": user.email, "force_password_change": true}),
                &format!(
                    "{} must choose a new password at the next login.",
                    user.email
                ),
            );
            Ok(())
        }
        Command::User(UserCommand::ResetMfa(args)) => reset_mfa(config, args, cli.json).await,
        Command::User(UserCommand::Delete(args)) => {
            admin::delete_user(config, &args.login).await?;
            print(
                cli.json,
                json!({"login": args.login, "deleted": true}),
                &format!(
                    "Deleted {}: signed out everywhere, every token revoked; restorable until the retention period ends.",
                    args.login
                ),
            );
            Ok(())
        }
        Command::User(UserCommand::Disable(args)) => {
            admin::disable_user(config, &args.login).await?;
            let text = format!(
                "Disabled {}: signed out everywhere, every token revoked.",
                args.login
            );
            print(
                cli.json,
                json!({"login": args.login, "disabled": true}),
                &text,
            );
            Ok(())
        }
        Command::User(UserCommand::Enable(args)) => {
            admin::enable_user(config, &args.login).await?;
            let text = format!("Enabled {}: the account can sign in again.", args.login);
            print(
                cli.json,
                json!({"login": args.login, "disabled": false}),
                &text,
            );
            Ok(())
        }
        Command::User(UserCommand::Restore(args)) => {
            admin::restore_user(config, &args.login).await?;
            print(
                cli.json,
                json!({"login": args.login, "restored": true}),
                &format!("Restored {}: the account can sign in again.", args.login),
            );
            Ok(())
        }
        Command::Purge => {
            match admin::purge(config).await? {
                Some(purged) => print_purged(cli.json, &purged),
                None => print(
                    cli.json,
                    json!({"purged": null}),
                    "Another node is purging right now; nothing done.",
                ),
            }
            Ok(())
        }
        Command::Client(command) => crate::client_cli::run(config, command, cli.json).await,
        Command::Backup(args) => backup(config, args, cli.json).await,
        Command::Restore(args) => restore(config, args, cli.json).await,
        Command::Token(command) => crate::token_cli::run(config, command, cli.json).await,
        Command::Admin(command) => crate::org_cli::admin(&config, command, cli.json).await,
        Command::Org(command) => crate::org_cli::org(&config, command, cli.json).await,
        Command::Audit(command) => crate::org_cli::audit(&config, command, cli.json).await,
        Command::Support(command) => crate::support_cli::run(&config, command, cli.json).await,
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

async fn backup(config: Config, args: BackupArgs, json_mode: bool) -> anyhow::Result<()> {
    let db = open_database(&config).await?;
    let key = match args.encrypt {
        true => Some(master_key(&config)?),
        false => None,
    };
    let summary = crate::backup::backup(&db, &args.file, key.as_ref(), SystemClock.now()).await?;
    print(
        json_mode,
        json!({"file": args.file, "rows": summary.rows, "encrypted": summary.encrypted}),
        &format!(
            "Backed up {} rows to {}{}.",
            summary.rows,
            args.file.display(),
            if summary.encrypted {
                " (encrypted)"
            } else {
                ""
            }
        ),
    );
    Ok(())
}

async fn restore(config: Config, args: RestoreArgs, json_mode: bool) -> anyhow::Result<()> {
    let db = match &args.to_side {
        Some(target) if target.contains("://") => poort_store::connect(target).await?,
        Some(dir) => {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {dir}"))?;
            let file = std::path::Path::new(dir).join("poort.db");
            poort_store::connect(&format!("sqlite://{}?mode=rwc", file.display())).await?
        }
        None => open_database(&config).await?,
    };
    let summary = crate::backup::restore(&db, &args.file, &master_key(&config)?).await?;
    print(
        json_mode,
        json!({"rows": summary.rows, "backup_created_at": summary.created_at,
               "to_side": args.to_side}),
        &format!(
            "Restored {} rows from {}.",
            summary.rows,
            args.file.display()
        ),
    );
    Ok(())
}

fn print_purged(json_mode: bool, purged: &poort_store::retention::Purged) {
    print(
        json_mode,
        json!({"purged": purged}),
        &format!(
            "Purged {} deleted account(s) and {} expired refresh token(s).",
            purged.accounts, purged.expired_refresh_tokens
        ),
    );
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
    let settings = PasswordSettings::load(&config)?;
    let checked = Password::new(&password).map_err(|e| anyhow::anyhow!("{e}"))?;
    let violations = passwords::rule_violations(
        &settings.policy,
        &settings.common,
        &checked,
        &args.email,
        args.name.as_deref(),
        &[],
    );
    if !violations.is_empty() {
        let reasons: Vec<String> = violations.iter().map(describe).collect();
        bail!(
            "the password is not acceptable:\n  {}",
            reasons.join("\n  ")
        );
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

async fn import_users(config: Config, file: &Path, json_mode: bool) -> anyhow::Result<()> {
    let report = admin::import_file(&config, file, SystemClock.now()).await?;
    if json_mode {
        println!(
            "{}",
            json!({"imported": report.imported.len(), "failed": report.failed})
        );
    } else {
        for failure in &report.failed {
            eprintln!("line {}: {}", failure.line, failure.error);
        }
        println!(
            "Imported {} user(s); {} line(s) refused.",
            report.imported.len(),
            report.failed.len()
        );
    }
    if !report.failed.is_empty() {
        bail!("{} line(s) were not imported", report.failed.len());
    }
    Ok(())
}

async fn reset_mfa(config: Config, args: UserLogin, json_mode: bool) -> anyhow::Result<()> {
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use clap::Parser;

    use super::{Cli, Command};

    #[test]
    fn user_admin_commands_parse() {
        for args in [
            &["poort", "--json", "user", "import", "users.jsonl"][..],
            &["poort", "user", "unlock", "ada@example.com"],
            &[
                "poort",
                "user",
                "force-password-change",
                "ada@example.com",
                "--json",
            ],
        ] {
            assert!(Cli::try_parse_from(args).is_ok(), "{args:?}");
        }
        assert!(Cli::try_parse_from(["poort", "user", "import"]).is_err());
        assert!(Cli::try_parse_from(["poort", "user", "unlock"]).is_err());
    }

    #[test]
    fn backup_and_restore_parse() {
        let cli = Cli::try_parse_from(["poort", "backup", "out.bak", "--encrypt"]).unwrap();
        let Some(Command::Backup(args)) = cli.command else {
            panic!("not a backup command");
        };
        assert!(args.encrypt);
        assert_eq!(args.file, std::path::PathBuf::from("out.bak"));

        let cli =
            Cli::try_parse_from(["poort", "restore", "out.bak", "--to-side", "/tmp/side"]).unwrap();
        let Some(Command::Restore(args)) = cli.command else {
            panic!("not a restore command");
        };
        assert_eq!(args.to_side.as_deref(), Some("/tmp/side"));
        assert!(Cli::try_parse_from(["poort", "restore"]).is_err());
    }

    #[test]
    fn support_commands_parse() {
        for args in [
            &["poort", "support", "add", "--email", "ada@example.com"][..],
            &["poort", "support", "remove", "--email", "ada@example.com"],
            &["poort", "support", "list", "--json"],
        ] {
            let cli = Cli::try_parse_from(args).unwrap();
            assert!(matches!(cli.command, Some(Command::Support(_))), "{args:?}");
        }
        assert!(Cli::try_parse_from(["poort", "support", "add"]).is_err());
    }
}
