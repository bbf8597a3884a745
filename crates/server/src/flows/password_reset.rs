//! "Forgot password": a request mails a single-use link (256-bit token, stored as its digest,
//! valid `mail.reset_link_ttl_secs`, bound to the password hash it may replace); the link's
//! page sets a new password under the usual policy and history. Afterwards every session and
//! refresh token of the user is revoked, the lockout is cleared and a "password changed" mail
//! goes out. The reset never signs the user in, so a second factor is still asked at the next
//! login.
//!
//! No enumeration: the request answers the same, and equally fast, whether or not the address
//! has an account: the lookup, link and mail happen in a background task. Requests are limited
//! per address and per IP (counters that do not depend on the account existing).

use std::net::IpAddr;
use std::time::Duration;

use poort_credentials::{digest_secret, digests_equal, generate_secret};
use poort_store::auth_events::Kind;
use poort_store::email_links::{self, NewLink, purpose};
use poort_store::entities::users::Model as User;
use poort_store::{passwords as password_store, users};
use serde_json::json;

use super::FlowError;
use super::auth_events::record;
use super::email_link;
use super::lockout::Subject;
use super::passwords::{self, ChangeRefusal, Proof};
use crate::i18n::Locale;
use crate::mail::{self, Mail, MailTemplate};
use crate::state::{AppState, SharedState};

/// Reset requests per address per hour (whether or not it has an account).
pub const PER_ADDRESS_PER_HOUR: u64 = 3;
/// Reset requests per client IP per hour.
pub const PER_IP_PER_HOUR: u64 = 20;
const HOUR: Duration = Duration::from_secs(3600);

#[derive(Debug, PartialEq, Eq)]
pub enum RequestOutcome {
    /// The same answer for every address: "if it exists, a link is on its way".
    Accepted,
    TooMany,
}

/// Handles a "forgot password" request for `email`.
pub async fn request(
    state: &SharedState,
    email: &str,
    ip: Option<IpAddr>,
    locale: Locale,
) -> Result<RequestOutcome, FlowError> {
    // Every spelling of one address counts against it (`ＡＤＡ@…` is `ada@…`).
    let email = users::email_key(email.trim());
    if let Some(ip) = ip {
        let key = format!("reset:ip:{}", ip.to_canonical());
        if state.ephemeral.incr(&key, HOUR).await? > PER_IP_PER_HOUR {
            return Ok(RequestOutcome::TooMany);
        }
    }
    let key = format!("reset:addr:{}", digest_secret(&email));
    if state.ephemeral.incr(&key, HOUR).await? > PER_ADDRESS_PER_HOUR {
        return Ok(RequestOutcome::TooMany);
    }
    let state = state.clone();
    tokio::spawn(async move {
        if let Err(e) = send_link(&state, &email, locale).await {
            tracing::error!(error = %e, "a password-reset link could not be prepared");
        }
    });
    Ok(RequestOutcome::Accepted)
}

/// What a reset link is bound to: the digest of the password hash it may replace.
fn binding_of(user: &User) -> String {
    digest_secret(user.password_hash.as_deref().unwrap_or(""))
}

/// Whether `binding` still matches the user's password (constant time).
pub fn binding_holds(user: &User, binding: &str) -> bool {
    digests_equal(&binding_of(user), binding)
}

async fn send_link(state: &AppState, email: &str, locale: Locale) -> Result<(), FlowError> {
    let user = users::find_by_email(&state.db, email).await?;
    let Some(user) = user.filter(User::is_active) else {
        tracing::info!("password reset requested for an address without an active account");
        return Ok(());
    };
    let token = generate_secret(32);
    let now = state.now();
    let ttl = state.config.mail.reset_link_ttl_secs;
    let link = NewLink {
        purpose: purpose::PASSWORD_RESET,
        user_id: user.id.clone(),
        token_digest: digest_secret(&token),
        binding: binding_of(&user),
        expires_at: now.saturating_add(ttl),
    };
    email_links::insert(&state.db, link, now).await?;
    let url = format!("{}/password/reset?token={token}", state.issuer());
    let mail = Mail {
        to: user.email.clone(),
        locale: mail::locale_of(&user, locale),
        template: MailTemplate::PasswordReset {
            link: url,
            minutes: (ttl + 59) / 60,
        },
    };
    mail::enqueue(state, mail).await
}

pub use super::email_link::LinkRefusal;

/// A link that works, and its user.
pub struct ValidLink {
    pub link_id: String,
    pub binding: String,
    pub user: User,
}

/// Checks a reset link without using it (to show the form).
pub async fn check_link(
    state: &AppState,
    token: &str,
) -> Result<Result<ValidLink, LinkRefusal>, FlowError> {
    let link = match email_link::find_live(state, purpose::PASSWORD_RESET, token).await? {
        Ok(link) => link,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let Some(user) = users::find_by_id(&state.db, &link.user_id).await? else {
        return Ok(Err(LinkRefusal::Invalid));
    };
    if !user.is_active() {
        return Ok(Err(LinkRefusal::Invalid));
    }
    if !binding_holds(&user, &link.binding) {
        return Ok(Err(LinkRefusal::Used));
    }
    Ok(Ok(ValidLink {
        link_id: link.id,
        binding: link.binding,
        user,
    }))
}

#[derive(Debug, PartialEq, Eq)]
pub enum ResetRefusal {
    Link(LinkRefusal),
    Password(ChangeRefusal),
}

/// Sets the new password through the link, then ends everything the old password opened.
pub async fn reset(
    state: &AppState,
    token: &str,
    new: &str,
    confirm: &str,
    locale: Locale,
    ip: Option<IpAddr>,
) -> Result<Result<User, ResetRefusal>, FlowError> {
    let valid = match check_link(state, token).await? {
        Ok(valid) => valid,
        Err(refusal) => return Ok(Err(ResetRefusal::Link(refusal))),
    };
    let proof = Proof::ResetLink {
        binding: &valid.binding,
    };
    // The change is a compare-and-set on the bound hash: of two uses of one link, one wins.
    match passwords::change(state, &valid.user.id, proof, new, confirm, ip, None).await? {
        Ok(()) => {}
        Err(ChangeRefusal::Stale) => return Ok(Err(ResetRefusal::Link(LinkRefusal::Used))),
        Err(refusal) => return Ok(Err(ResetRefusal::Password(refusal))),
    }
    let now = state.now();
    email_links::mark_used(&state.db, &valid.link_id, now).await?;
    email_links::use_up_all(&state.db, &valid.user.id, purpose::PASSWORD_RESET, now).await?;
    after_reset(state, &valid.user, locale, ip).await?;
    Ok(Ok(valid.user))
}

/// After the change (which ended the sessions and revoked the tokens): the lockout is cleared
/// and the user told.
async fn after_reset(
    state: &AppState,
    user: &User,
    locale: Locale,
    ip: Option<IpAddr>,
) -> Result<(), FlowError> {
    let now = state.now();
    // The lockout counters are keyed by `unlocked_at`: moving it clears them on every node.
    password_store::set_unlocked_at(&state.db, &user.id, now).await?;
    let details = json!({ "by": "password_reset" });
    let subject = Subject::user(user);
    record(&state.db, now, Kind::AccountUnlocked, &subject, ip, details).await?;
    mail::notify(state, user, locale, MailTemplate::PasswordChanged).await;
    Ok(())
}
