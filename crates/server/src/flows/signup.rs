//! Self-service sign-up: when `mail.signup_enabled`, for addresses the email-domain allowlist
//! (`mail.signup_domains`) accepts; and, whatever that says, for addresses of an organisation
//! open to self sign-up (`orgs::self_signup`), which the account joins once verified. The
//! account is created unverified and cannot sign in until the mailed link (single-use, stored
//! as a digest, `mail.verify_link_ttl_secs`) is used.
//!
//! No enumeration: the answer is the same whether or not the address has an account. Creating
//! the account and the mail happen in a background task; an address that already has an
//! account gets a "you already have an account" mail instead (a still unverified one gets a
//! fresh link).

use std::net::IpAddr;
use std::time::Duration;

use poort_allowlist::{EmailRefusal, normalise_email};
use poort_credentials::{Password, digest_secret, digests_equal, generate_secret};
use poort_policy::Violation;
use poort_store::StoreError;
use poort_store::email_links::{self, NewLink, purpose};
use poort_store::entities::users::Model as User;
use poort_store::users::{self, NewUser};

use super::FlowError;
use super::orgs::self_signup;
use super::passwords::rule_violations;
use crate::i18n::Locale;
use crate::mail::{self, Mail, MailTemplate};
use crate::state::{AppState, SharedState};

/// Sign-ups per client IP per hour.
pub const PER_IP_PER_HOUR: u64 = 10;
/// Sign-ups per address per hour (existing or not).
pub const PER_ADDRESS_PER_HOUR: u64 = 3;
const HOUR: Duration = Duration::from_secs(3600);

pub struct SignupInput {
    pub email: String,
    pub name: String,
    pub password: String,
    pub confirm: String,
}

#[derive(Debug, PartialEq, Eq)]
pub enum SignupRefusal {
    Disabled,
    BadEmail(EmailRefusal),
    /// The address's domain is not on the allowlist.
    DomainNotAllowed,
    Mismatch,
    Rules(Vec<Violation>),
    TooMany,
}

/// Whether the sign-up page is open: platform-wide, or for an organisation's domains.
pub async fn offered(state: &AppState) -> Result<bool, FlowError> {
    Ok(state.config.mail.signup_enabled || self_signup::any_open(&state.db).await?)
}

/// Checks a sign-up and, if acceptable, starts it; the mail says how it continues.
pub async fn sign_up(
    state: &SharedState,
    input: SignupInput,
    ip: Option<IpAddr>,
    locale: Locale,
) -> Result<Result<(), SignupRefusal>, FlowError> {
    if !offered(state).await? {
        return Ok(Err(SignupRefusal::Disabled));
    }
    let email = match normalise_email(&input.email) {
        Ok(email) => email.into_string(),
        Err(refusal) => return Ok(Err(SignupRefusal::BadEmail(refusal))),
    };
    let by_platform =
        state.config.mail.signup_enabled && state.config.mail.signup_domains.allows_email(&email);
    if !by_platform && self_signup::open_to(&state.db, &email).await?.is_empty() {
        return Ok(Err(SignupRefusal::DomainNotAllowed));
    }
    if input.password != input.confirm {
        return Ok(Err(SignupRefusal::Mismatch));
    }
    let policy = &state.passwords.policy;
    let password = match Password::new(&input.password) {
        Ok(password) => password,
        Err(_) => {
            let too_long = Violation::TooLong {
                max: policy.max_length,
            };
            return Ok(Err(SignupRefusal::Rules(vec![too_long])));
        }
    };
    let name = input.name.trim().to_string();
    let name = (!name.is_empty()).then_some(name);
    let violations = rule_violations(
        policy,
        &state.passwords.common,
        &password,
        &email,
        name.as_deref(),
        &[],
    );
    if !violations.is_empty() {
        return Ok(Err(SignupRefusal::Rules(violations)));
    }
    if let Some(ip) = ip {
        let key = format!("signup:ip:{}", ip.to_canonical());
        if state.ephemeral.incr(&key, HOUR).await? > PER_IP_PER_HOUR {
            return Ok(Err(SignupRefusal::TooMany));
        }
    }
    let key = format!("signup:addr:{}", digest_secret(&email));
    if state.ephemeral.incr(&key, HOUR).await? > PER_ADDRESS_PER_HOUR {
        return Ok(Err(SignupRefusal::TooMany));
    }
    let state = state.clone();
    tokio::spawn(async move {
        if let Err(e) = create_or_notify(&state, email, name, password, locale).await {
            tracing::error!(error = %e, "a sign-up could not be completed");
        }
    });
    Ok(Ok(()))
}

async fn create_or_notify(
    state: &AppState,
    email: String,
    name: Option<String>,
    password: Password,
    locale: Locale,
) -> Result<(), FlowError> {
    if let Some(existing) = users::find_by_login(&state.db, &email).await? {
        return already_registered(state, &existing, locale).await;
    }
    let hash = state
        .hashing
        .run(move |hasher| hasher.hash(&password))
        .await?
        .map_err(|e| FlowError::Hashing(e.to_string()))?;
    let new = NewUser {
        email: email.clone(),
        username: None,
        name,
        password_hash: Some(hash.as_str().to_string()),
    };
    let user = match users::create(&state.db, new, state.now()).await {
        Ok(user) => user,
        // Signed up twice at once: the other request created it.
        Err(StoreError::Conflict) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    users::set_locale(&state.db, &user.id, Some(locale.code()), state.now()).await?;
    send_verification(state, &user, locale).await
}

async fn already_registered(
    state: &AppState,
    user: &User,
    locale: Locale,
) -> Result<(), FlowError> {
    if !user.email_verified && awaiting_verification(state, &user.id).await? {
        return send_verification(state, user, locale).await;
    }
    let template = MailTemplate::AlreadyRegistered {
        login: format!("{}/login", state.issuer()),
        reset: format!("{}/password/forgot", state.issuer()),
    };
    mail::notify(state, user, locale, template).await;
    Ok(())
}

/// The address a verification link confirms, as bound into the link.
fn binding_of(email: &str) -> String {
    digest_secret(&email.to_lowercase())
}

async fn send_verification(state: &AppState, user: &User, locale: Locale) -> Result<(), FlowError> {
    let token = generate_secret(32);
    let now = state.now();
    let ttl = state.config.mail.verify_link_ttl_secs;
    let link = NewLink {
        purpose: purpose::VERIFY_EMAIL,
        user_id: user.id.clone(),
        token_digest: digest_secret(&token),
        binding: binding_of(&user.email),
        expires_at: now.saturating_add(ttl),
    };
    email_links::insert(&state.db, link, now).await?;
    let mail = Mail {
        to: user.email.clone(),
        locale: mail::locale_of(user, locale),
        template: MailTemplate::VerifyEmail {
            link: format!("{}/signup/verify?token={token}", state.issuer()),
            hours: (ttl + 3599) / 3600,
        },
    };
    mail::enqueue(state, mail).await
}

/// Whether the account came from sign-up and its address is not verified yet: such accounts
/// cannot sign in. (Accounts made by an operator never had a verification link.)
pub async fn awaiting_verification(state: &AppState, user_id: &str) -> Result<bool, FlowError> {
    Ok(email_links::exists_for_user(&state.db, user_id, purpose::VERIFY_EMAIL).await?)
}

/// Why a verification link does not work.
pub use super::email_link::LinkRefusal as VerifyRefusal;

/// Uses a verification link: the address is verified, the account can sign in.
pub async fn verify(
    state: &AppState,
    token: &str,
) -> Result<Result<User, VerifyRefusal>, FlowError> {
    let link = match super::email_link::find_live(state, purpose::VERIFY_EMAIL, token).await? {
        Ok(link) => link,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let Some(user) = users::find_by_id(&state.db, &link.user_id).await? else {
        return Ok(Err(VerifyRefusal::Invalid));
    };
    if !digests_equal(&binding_of(&user.email), &link.binding) {
        return Ok(Err(VerifyRefusal::Invalid));
    }
    let now = state.now();
    if !email_links::mark_used(&state.db, &link.id, now).await? {
        return Ok(Err(VerifyRefusal::Used));
    }
    users::set_email_verified(&state.db, &user.id, true, now).await?;
    let entry = super::audit::AuditEntry::about("email.verified", &user.id, serde_json::json!({}));
    super::audit::record(state, entry).await?;
    self_signup::join(state, &user).await?;
    Ok(Ok(User {
        email_verified: true,
        ..user
    }))
}
