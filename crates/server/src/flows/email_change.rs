//! Changing the email address of a signed-in user. An account-takeover vector, so:
//!
//! - the request needs the current password (the re-authentication of `mfa::reauth`, with its
//!   per-user throttle), a valid address (canonical form, look-alikes refused), and an address every organisation of the user
//!   allows (`email_domains`);
//! - nothing changes until the single-use, expiring link mailed to the NEW address is
//!   followed. The link is bound to the user, the new address and the digest of the address
//!   it was sent from, so it dies when the address changes another way;
//! - no enumeration: whether the new address belongs to another account is decided in a
//!   background task, and the page says "we sent a link" either way. A taken address gets no
//!   link; its owner gets a short "someone tried to use your address" notice instead;
//! - following the link uses it, changes and verifies the address, uses up the other open
//!   links (earlier changes, password resets mailed to the old address) and appends
//!   `email.changed` to the audit log, in one transaction (`poort_store::email_change`);
//!   the old address is then told, with the new one masked (`n***@example.com`).

use std::net::IpAddr;
use std::time::Duration;

use poort_allowlist::{EmailRefusal, normalise_email};
use poort_credentials::{digest_secret, digests_equal, generate_secret};
use poort_store::email_change::{self as store, Applied, EmailChange};
use poort_store::email_links::{self, NewLink, purpose};
use poort_store::entities::users::Model as User;
use poort_store::{orgs, users};
use serde::{Deserialize, Serialize};

use super::FlowError;
use super::audit::AuditEntry;
use super::email_link;
use super::mfa::reauth::{self, Reauth};
use super::orgs::OrgSettings;
use crate::i18n::Locale;
use crate::mail::{self, Mail, MailTemplate};
use crate::state::{AppState, SharedState};

/// Address-change requests per user per hour.
pub const PER_USER_PER_HOUR: u64 = 5;
const HOUR: Duration = Duration::from_secs(3600);

/// Why a request is refused on the spot. None of these depends on other accounts.
#[derive(Debug, PartialEq, Eq)]
pub enum RequestRefusal {
    WrongPassword,
    /// Too many wrong passwords (or codes) lately.
    Throttled,
    BadEmail(EmailRefusal),
    SameAddress,
    /// Organisations (by name) whose email-domain allowlist refuses the address.
    DomainNotAllowed(Vec<String>),
    TooMany,
}

/// The hours a change link works (the sign-up verification lifetime).
pub fn link_hours(state: &AppState) -> i64 {
    (state.config.mail.verify_link_ttl_secs + 3599) / 3600
}

/// Normalised form of a typed address (`users::email_key`: canonical when valid).
pub fn normalise(email: &str) -> String {
    users::email_key(email.trim())
}

/// Checks the request and, when acceptable, mails the link (in the background); the answer
/// does not tell whether the address is taken.
pub async fn request(
    state: &SharedState,
    user: &User,
    current_password: &str,
    new_email: &str,
    locale: Locale,
) -> Result<Result<(), RequestRefusal>, FlowError> {
    match reauth::confirm_password(state, &user.id, current_password).await? {
        Reauth::Confirmed => {}
        Reauth::WrongPassword => return Ok(Err(RequestRefusal::WrongPassword)),
        Reauth::Throttled => return Ok(Err(RequestRefusal::Throttled)),
    }
    let email = match normalise_email(new_email) {
        Ok(email) => email.into_string(),
        Err(refusal) => return Ok(Err(RequestRefusal::BadEmail(refusal))),
    };
    if email == user.email {
        return Ok(Err(RequestRefusal::SameAddress));
    }
    let refusing = refusing_orgs(state, &user.id, &email).await?;
    if !refusing.is_empty() {
        return Ok(Err(RequestRefusal::DomainNotAllowed(refusing)));
    }
    let key = format!("email_change:user:{}", user.id);
    if state.ephemeral.incr(&key, HOUR).await? > PER_USER_PER_HOUR {
        return Ok(Err(RequestRefusal::TooMany));
    }
    let state = state.clone();
    let user = user.clone();
    tokio::spawn(async move {
        if let Err(e) = send_link(&state, &user, email, locale).await {
            tracing::error!(error = %e, "an address-change link could not be prepared");
        }
    });
    Ok(Ok(()))
}

/// Names of the user's organisations whose email-domain allowlist refuses `email`.
pub async fn refusing_orgs(
    state: &AppState,
    user_id: &str,
    email: &str,
) -> Result<Vec<String>, FlowError> {
    let mut refusing = Vec::new();
    for (org, _) in orgs::memberships_of(&state.db, user_id).await? {
        if !OrgSettings::from_stored(&org.settings)?
            .email_domains
            .allows_email(email)
        {
            refusing.push(org.name);
        }
    }
    Ok(refusing)
}

/// What a change link is bound to.
#[derive(Serialize, Deserialize)]
struct Binding {
    /// Digest of the address the link was requested from.
    from: String,
    /// The new address.
    to: String,
}

/// Whether `email` is another account's address (or login name).
async fn taken_by_other(state: &AppState, user_id: &str, email: &str) -> Result<bool, FlowError> {
    Ok(users::find_by_login(&state.db, email)
        .await?
        .is_some_and(|other| other.id != user_id))
}

async fn send_link(
    state: &AppState,
    user: &User,
    email: String,
    locale: Locale,
) -> Result<(), FlowError> {
    let locale = mail::locale_of(user, locale);
    if let Some(owner) = users::find_by_login(&state.db, &email).await?
        && owner.id != user.id
    {
        tracing::info!(user = %user.id, "address change to an address that has an account");
        if owner.email == email {
            mail::notify(state, &owner, locale, MailTemplate::EmailChangeTaken).await;
        }
        return Ok(());
    }
    let token = generate_secret(32);
    let now = state.now();
    let ttl = state.config.mail.verify_link_ttl_secs;
    let binding = Binding {
        from: digest_secret(&user.email),
        to: email.clone(),
    };
    // Only the newest request counts.
    email_links::use_up_all(&state.db, &user.id, purpose::EMAIL_CHANGE, now).await?;
    let link = NewLink {
        purpose: purpose::EMAIL_CHANGE,
        user_id: user.id.clone(),
        token_digest: digest_secret(&token),
        binding: serde_json::to_string(&binding)?,
        expires_at: now.saturating_add(ttl),
    };
    email_links::insert(&state.db, link, now).await?;
    let mail = Mail {
        to: email,
        locale,
        template: MailTemplate::ConfirmEmailChange {
            link: format!("{}/account/email/confirm?token={token}", state.issuer()),
            hours: link_hours(state),
        },
    };
    mail::enqueue(state, mail).await
}

/// Why a change link does not work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkRefusal {
    /// Unknown token (mistyped, truncated, tampered with).
    Invalid,
    Expired,
    /// Used already, superseded, or the address changed since it was sent.
    Used,
    /// The new address belongs to another account now.
    Taken,
}

impl From<email_link::LinkRefusal> for LinkRefusal {
    fn from(refusal: email_link::LinkRefusal) -> Self {
        match refusal {
            email_link::LinkRefusal::Invalid => Self::Invalid,
            email_link::LinkRefusal::Expired => Self::Expired,
            email_link::LinkRefusal::Used => Self::Used,
        }
    }
}

/// A link that works: its user and the new address.
pub struct ValidLink {
    pub link_id: String,
    pub user: User,
    pub new_email: String,
}

/// Checks a change link without using it (to show the confirmation).
pub async fn check_link(
    state: &AppState,
    token: &str,
) -> Result<Result<ValidLink, LinkRefusal>, FlowError> {
    let link = match email_link::find_live(state, purpose::EMAIL_CHANGE, token).await? {
        Ok(link) => link,
        Err(refusal) => return Ok(Err(refusal.into())),
    };
    let Ok(binding) = serde_json::from_str::<Binding>(&link.binding) else {
        return Ok(Err(LinkRefusal::Invalid));
    };
    let user = users::find_by_id(&state.db, &link.user_id).await?;
    let Some(user) = user.filter(User::is_active) else {
        return Ok(Err(LinkRefusal::Invalid));
    };
    if !digests_equal(&digest_secret(&user.email), &binding.from) {
        return Ok(Err(LinkRefusal::Used));
    }
    if taken_by_other(state, &user.id, &binding.to).await? {
        return Ok(Err(LinkRefusal::Taken));
    }
    Ok(Ok(ValidLink {
        link_id: link.id,
        user,
        new_email: binding.to,
    }))
}

/// `n***@example.com`: enough for the owner to recognise, not the whole address.
pub fn mask(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".into(),
    }
}

/// Follows a change link: the address changes (verified), the old address is told.
pub async fn confirm(
    state: &AppState,
    token: &str,
    locale: Locale,
    ip: Option<IpAddr>,
) -> Result<Result<User, LinkRefusal>, FlowError> {
    let valid = match check_link(state, token).await? {
        Ok(valid) => valid,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let now = state.now();
    // No address in the entry: the audit log outlives purged accounts.
    let entry = AuditEntry {
        ip,
        ..AuditEntry::about(
            "email.changed",
            &valid.user.id,
            serde_json::json!({ "verified_by": "email_link" }),
        )
    };
    let change = EmailChange {
        link_id: &valid.link_id,
        user_id: &valid.user.id,
        old_email: &valid.user.email,
        new_email: &valid.new_email,
    };
    match store::apply(&state.db, change, now, entry.into_new(now)).await? {
        Applied::Changed => {}
        Applied::LinkUsed | Applied::Stale => return Ok(Err(LinkRefusal::Used)),
        Applied::Taken => return Ok(Err(LinkRefusal::Taken)),
    }
    state.caches.users.remove(&valid.user.id);
    let address = mask(&valid.new_email);
    // To the old address (the user as they were).
    mail::notify(
        state,
        &valid.user,
        locale,
        MailTemplate::EmailChanged { address },
    )
    .await;
    Ok(Ok(User {
        email: valid.new_email,
        email_verified: true,
        ..valid.user
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_masked_address_keeps_the_first_letter_and_the_domain() {
        assert_eq!(mask("nora@example.com"), "n***@example.com");
        assert_eq!(mask("é@example.com"), "é***@example.com");
        assert_eq!(mask("broken"), "***");
    }
}
