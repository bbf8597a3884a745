//! Outgoing mail. A flow calls [`enqueue`]: the mail is rendered in the recipient's language
//! (text and HTML parts from askama templates), sealed with the master key (reset and
//! verification links are secrets) and stored in the durable `mail_queue`. The background
//! [`worker`] sends it through the [`transport`] (SMTP, or `.eml` files in an outbox), retrying
//! with backoff. Nothing is sent on the request path, so a slow or absent SMTP server never
//! fails or delays a page.

pub mod config;
mod render;
pub mod transport;
pub mod worker;

use std::sync::Arc;

use poort_store::mail_queue::{self, NewMail};
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use crate::flows::FlowError;
use crate::i18n::Locale;
use crate::state::AppState;
pub use config::{MailConfig, SmtpTls};
pub use render::{MailContent, render};
pub use transport::Transport;

/// One mail to send.
#[derive(Clone, Debug)]
pub struct Mail {
    pub to: String,
    pub locale: Locale,
    pub template: MailTemplate,
}

/// What a mail says; the words come from the catalogs (`mail.*`).
#[derive(Clone, Debug)]
pub enum MailTemplate {
    /// A link to choose a new password.
    PasswordReset { link: String, minutes: i64 },
    /// The password was changed (by a reset or on the account page).
    PasswordChanged,
    /// A link to verify the address of a new account.
    VerifyEmail { link: String, hours: i64 },
    /// Someone signed up with an address that already has an account.
    AlreadyRegistered { login: String, reset: String },
    /// A second factor was added to the account.
    FactorAdded { name: String },
    /// A second factor was removed from the account.
    FactorRemoved { name: String },
    /// Too many failed sign-ins locked the account.
    AccountLocked { minutes: u64 },
    /// A personal API token was created for the account.
    TokenCreated {
        name: String,
        hint: String,
        days: i64,
    },
    /// A link to confirm a new address (sent to the new address).
    ConfirmEmailChange { link: String, hours: i64 },
    /// The address was changed (sent to the old address); `address` is the new one, masked.
    EmailChanged { address: String },
    /// Someone tried to move another account to this address (its owner is told).
    EmailChangeTaken,
}

/// A rendered mail as it waits in the queue (sealed).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RenderedMail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The sending side of the server, kept in `AppState`.
pub struct Mailer {
    pub transport: Transport,
    pub from: lettre::message::Mailbox,
    /// Wakes the worker when a mail is queued, so it goes out without waiting for the poll.
    pub wake: Arc<Notify>,
}

/// The language of mails to `user`: their saved choice, else `fallback` (the request's).
pub fn locale_of(user: &poort_store::entities::users::Model, fallback: Locale) -> Locale {
    user.locale
        .as_deref()
        .and_then(Locale::from_tag)
        .unwrap_or(fallback)
}

/// Queues a notice to `user` in their language. A notice must not undo what it reports, so a
/// failure to queue it is logged, not returned.
pub async fn notify(
    state: &AppState,
    user: &poort_store::entities::users::Model,
    fallback: Locale,
    template: MailTemplate,
) {
    let mail = Mail {
        to: user.email.clone(),
        locale: locale_of(user, fallback),
        template,
    };
    if let Err(e) = enqueue(state, mail).await {
        tracing::error!(error = %e, user = %user.id, "a notice mail could not be queued");
    }
}

/// As [`notify`], for a user known by id (a vanished user gets nothing).
pub async fn notify_user_id(state: &AppState, user_id: &str, template: MailTemplate) {
    match poort_store::users::find_by_id(&state.db, user_id).await {
        Ok(Some(user)) => notify(state, &user, Locale::En, template).await,
        Ok(None) => {}
        Err(e) => tracing::error!(error = %e, user = %user_id, "a notice mail could not be queued"),
    }
}

/// Renders, seals and queues `mail`; the worker sends it. Fails only when the database does.
pub async fn enqueue(state: &AppState, mail: Mail) -> Result<(), FlowError> {
    let rendered = render(&mail, &state.config.service_name)?;
    let id = poort_store::new_id();
    let plain = serde_json::to_vec(&rendered)?;
    let sealed = state
        .master_key
        .encrypt(&plain, id.as_bytes())
        .map_err(|e| FlowError::Corrupt(format!("sealing a mail: {e}")))?;
    let row = NewMail {
        id,
        recipient: mail.to,
        sealed,
    };
    mail_queue::enqueue(&state.db, row, state.now()).await?;
    state.mail.wake.notify_one();
    Ok(())
}

impl Mailer {
    pub fn from_config(config: &crate::config::Config) -> Result<Self, crate::config::ConfigError> {
        let from = config.mail.from.parse().map_err(|_| {
            crate::config::ConfigError::Invalid("mail: `from` is not a valid address".into())
        })?;
        Ok(Self {
            transport: Transport::from_config(&config.mail, &config.data_dir)?,
            from,
            wake: Arc::new(Notify::new()),
        })
    }
}
