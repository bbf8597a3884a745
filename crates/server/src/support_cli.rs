//! `poort support add|remove|list`: support-staff users (see `flows::support_staff`). The
//! operator acts with no actor in the platform audit chain, like `poort admin create`.

use anyhow::bail;
use clap::Subcommand;
use poort_store::Db;
use serde_json::json;

use crate::app::open_database;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::flows::orgs::Actor;
use crate::flows::support_staff as flow;

#[derive(Subcommand)]
pub enum SupportCommand {
    /// Make an existing user support staff: they may help in organisations that allow
    /// support access (every use audited there).
    Add {
        #[arg(long)]
        email: String,
    },
    /// End a user's support-staff access, at once.
    Remove {
        #[arg(long)]
        email: String,
    },
    /// List support-staff users.
    List,
}

/// `poort support …` arguments after `support` (for tests and scripts that drive
/// [`execute`]).
pub fn parse<I, T>(args: I) -> Result<SupportCommand, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    #[derive(clap::Parser)]
    struct Wrapper {
        #[command(subcommand)]
        command: SupportCommand,
    }
    let args = std::iter::once(std::ffi::OsString::from("support"))
        .chain(args.into_iter().map(Into::into));
    <Wrapper as clap::Parser>::try_parse_from(args).map(|w| w.command)
}

pub async fn run(config: &Config, command: SupportCommand, json_mode: bool) -> anyhow::Result<()> {
    let db = open_database(config).await?;
    println!(
        "{}",
        execute(&db, SystemClock.now(), command, json_mode).await?
    );
    Ok(())
}

/// Runs one command as the operator; returns what to print.
pub async fn execute(
    db: &Db,
    now: i64,
    command: SupportCommand,
    json_mode: bool,
) -> anyhow::Result<String> {
    let operator = Actor::operator();
    Ok(match command {
        SupportCommand::Add { email } => {
            let (user, added) = match flow::add(db, now, &operator, &email).await? {
                Ok(done) => done,
                Err(e) => bail!("{e}"),
            };
            match json_mode {
                true => json!({"id": user.id, "email": user.email, "support_staff": true, "changed": added})
                    .to_string(),
                false => format!(
                    "{} is support staff: they may help in organisations that allow support access.",
                    user.email
                ),
            }
        }
        SupportCommand::Remove { email } => {
            let user = match flow::remove(db, now, &operator, &email).await? {
                Ok(user) => user,
                Err(e) => bail!("{e}"),
            };
            match json_mode {
                true => {
                    json!({"id": user.id, "email": user.email, "support_staff": false}).to_string()
                }
                false => format!("{} is no longer support staff.", user.email),
            }
        }
        SupportCommand::List => {
            let staff = flow::list(db).await?;
            match json_mode {
                true => serde_json::to_string(&staff)?,
                false if staff.is_empty() => "No support staff.".to_owned(),
                false => staff
                    .iter()
                    .map(|s| format!("{}  {}", s.user_id, s.email))
                    .collect::<Vec<_>>()
                    .join("\n"),
            }
        }
    })
}
