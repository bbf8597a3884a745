//! Where mail goes: an SMTP server through lettre (STARTTLS, implicit TLS or plain, optional
//! authentication), or, with no SMTP host configured, `.eml` files in an outbox directory with
//! their links logged, so a local setup can still follow a reset link.

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::RenderedMail;
use super::config::{MailConfig, SmtpTls};
use crate::config::ConfigError;

/// A connection attempt and each SMTP command give up after this long.
const SMTP_TIMEOUT: Duration = Duration::from_secs(15);

pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox(PathBuf),
}

/// Why a send failed; permanent failures are not retried.
#[derive(Debug)]
pub struct SendError {
    pub permanent: bool,
    pub message: String,
}

impl Transport {
    pub fn from_config(mail: &MailConfig, data_dir: &std::path::Path) -> Result<Self, ConfigError> {
        let Some(host) = mail.smtp_host.as_deref() else {
            return Ok(Transport::Outbox(mail.outbox_dir(data_dir)));
        };
        let invalid = |e: lettre::transport::smtp::Error| {
            ConfigError::Invalid(format!("mail: smtp_host `{host}`: {e}"))
        };
        let builder = match mail.smtp_tls {
            SmtpTls::Starttls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host).map_err(invalid)?
            }
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host).map_err(invalid)?,
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
        };
        let mut builder = builder.port(mail.smtp_port()).timeout(Some(SMTP_TIMEOUT));
        if let (Some(user), Some(password)) = (&mail.smtp_username, &mail.smtp_password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(Transport::Smtp(builder.build()))
    }

    pub async fn send(&self, from: &Mailbox, mail: &RenderedMail) -> Result<(), SendError> {
        let message = build(from, mail)?;
        match self {
            Transport::Smtp(smtp) => smtp.send(message).await.map(|_| ()).map_err(|e| SendError {
                permanent: e.is_permanent(),
                message: e.to_string(),
            }),
            Transport::Outbox(dir) => write_outbox(dir, &message, mail).await,
        }
    }
}

fn build(from: &Mailbox, mail: &RenderedMail) -> Result<Message, SendError> {
    let permanent = |message: String| SendError {
        permanent: true,
        message,
    };
    let to: Mailbox = mail
        .to
        .parse()
        .map_err(|e| permanent(format!("recipient address: {e}")))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(mail.subject.clone())
        .multipart(MultiPart::alternative_plain_html(
            mail.text.clone(),
            mail.html.clone(),
        ))
        .map_err(|e| permanent(format!("building the message: {e}")))
}

async fn write_outbox(
    dir: &std::path::Path,
    message: &Message,
    mail: &RenderedMail,
) -> Result<(), SendError> {
    let failed = |e: std::io::Error| SendError {
        permanent: false,
        message: format!("writing to the outbox {}: {e}", dir.display()),
    };
    tokio::fs::create_dir_all(dir).await.map_err(failed)?;
    let name = format!("{}.eml", poort_store::new_id());
    let temp = dir.join(format!(".{name}.tmp"));
    let file = dir.join(&name);
    // Written then renamed, so a reader of the outbox never sees half a mail.
    tokio::fs::write(&temp, message.formatted())
        .await
        .map_err(failed)?;
    tokio::fs::rename(&temp, &file).await.map_err(failed)?;
    let links = links_in(&mail.text);
    tracing::info!(
        to = %mail.to,
        subject = %mail.subject,
        file = %file.display(),
        links = ?links,
        "no SMTP server configured: mail written to the outbox"
    );
    Ok(())
}

/// The URLs of a text part (each on its own line in our templates).
pub fn links_in(text: &str) -> Vec<&str> {
    text.split_whitespace()
        .filter(|w| w.starts_with("https://") || w.starts_with("http://"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::links_in;

    #[test]
    fn links_are_found_in_the_text() {
        let text = "Hello,\n\nChoose:\nhttps://id.example/password/reset?token=x\n\nBye";
        assert_eq!(
            links_in(text),
            ["https://id.example/password/reset?token=x"]
        );
    }
}
