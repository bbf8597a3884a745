//! The `[mail]` part of the configuration: how mail leaves (SMTP, or `.eml` files in an outbox
//! when no SMTP host is set), the sender, retries, and the settings of the mail flows.

use std::path::{Path, PathBuf};

use poort_allowlist::DomainAllowlist;
use serde::{Deserialize, Serialize};

use crate::config::ConfigError;

/// How the SMTP connection is secured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS (required); port 587 by default.
    #[default]
    Starttls,
    /// TLS from the first byte ("SMTPS"); port 465 by default.
    Tls,
    /// No encryption: only for a relay on the same host or network (and tests); port 25.
    None,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailConfig {
    /// The SMTP server; unset: every mail is written to `outbox_dir` and its links logged.
    pub smtp_host: Option<String>,
    /// Default: 587 (starttls), 465 (tls), 25 (none).
    pub smtp_port: Option<u16>,
    pub smtp_tls: SmtpTls,
    pub smtp_username: Option<String>,
    pub smtp_password: Option<String>,
    /// The sender, `Name <address>` or `address`.
    pub from: String,
    /// Where mails go without SMTP; default `<data_dir>/outbox`.
    pub outbox_dir: Option<PathBuf>,
    /// Self-service sign-up on the login page.
    pub signup_enabled: bool,
    /// Email domains allowed to sign up (empty: any domain), e.g. `["example.com", "*.example.org"]`.
    pub signup_domains: DomainAllowlist,
    /// How long a password-reset link works.
    pub reset_link_ttl_secs: i64,
    /// How long an address-verification link works.
    pub verify_link_ttl_secs: i64,
    /// Attempts per mail before it is given up (and logged as an error).
    pub max_attempts: u32,
    /// The wait after the first failure; it doubles after each further one (at most an hour).
    pub retry_base_secs: u64,
    /// How often the queue is checked for due mails (new mails wake it at once).
    pub poll_interval_ms: u64,
}

impl Default for MailConfig {
    fn default() -> Self {
        Self {
            smtp_host: None,
            smtp_port: None,
            smtp_tls: SmtpTls::Starttls,
            smtp_username: None,
            smtp_password: None,
            from: "Poort <noreply@localhost>".into(),
            outbox_dir: None,
            signup_enabled: false,
            signup_domains: DomainAllowlist::unrestricted(),
            reset_link_ttl_secs: 1800,
            verify_link_ttl_secs: 24 * 3600,
            max_attempts: 10,
            retry_base_secs: 30,
            poll_interval_ms: 1000,
        }
    }
}

impl std::fmt::Debug for MailConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailConfig")
            .field("smtp_host", &self.smtp_host)
            .field("smtp_port", &self.smtp_port)
            .field("smtp_tls", &self.smtp_tls)
            .field("smtp_username", &self.smtp_username)
            .field(
                "smtp_password",
                &self.smtp_password.as_ref().map(|_| "<redacted>"),
            )
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

impl MailConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |m: &str| Err(ConfigError::Invalid(format!("mail: {m}")));
        if self.from.parse::<lettre::message::Mailbox>().is_err() {
            return invalid("`from` must be an address or `Name <address>`");
        }
        if self.reset_link_ttl_secs <= 0 || self.verify_link_ttl_secs <= 0 {
            return invalid("link lifetimes must be positive");
        }
        if self.max_attempts == 0 || self.poll_interval_ms == 0 {
            return invalid("max_attempts and poll_interval_ms must be at least 1");
        }
        if self.smtp_username.is_some() != self.smtp_password.is_some() {
            return invalid("set smtp_username and smtp_password together");
        }
        if self
            .smtp_host
            .as_deref()
            .is_some_and(|h| h.trim().is_empty())
        {
            return invalid("smtp_host is empty");
        }
        Ok(())
    }

    pub fn smtp_port(&self) -> u16 {
        self.smtp_port.unwrap_or(match self.smtp_tls {
            SmtpTls::Starttls => 587,
            SmtpTls::Tls => 465,
            SmtpTls::None => 25,
        })
    }

    pub fn outbox_dir(&self, data_dir: &Path) -> PathBuf {
        self.outbox_dir
            .clone()
            .unwrap_or_else(|| data_dir.join("outbox"))
    }
}
