//! Rendering a mail: the catalog texts for its template, in its language, through one text and
//! one HTML template (`themes/default/templates/email/message.{txt,html}`); the HTML one is
//! escaped like the pages.

use askama::Template;

use super::{Mail, MailTemplate, RenderedMail};
use crate::flows::FlowError;
use crate::i18n::Tr;

/// The words of one mail, before they go into the templates.
pub struct MailContent {
    pub lang: &'static str,
    pub subject: String,
    pub greeting: String,
    pub paragraphs: Vec<String>,
    /// The button (HTML) or link line (text): label and URL.
    pub action: Option<(String, String)>,
    pub link_fallback: String,
    pub footer: String,
    pub signature: String,
}

#[derive(Template)]
#[template(path = "email/message.txt")]
struct TextPart<'a> {
    m: &'a MailContent,
}

#[derive(Template)]
#[template(path = "email/message.html")]
struct HtmlPart<'a> {
    m: &'a MailContent,
}

fn content(mail: &Mail, service: &str) -> MailContent {
    let t = Tr::new(mail.locale);
    let svc = [("service", service)];
    let (subject, paragraphs, action, footer) = match &mail.template {
        MailTemplate::PasswordReset { link, minutes } => {
            let minutes = minutes.to_string();
            (
                t.fmt("mail.reset.subject", &svc),
                vec![t.fmt(
                    "mail.reset.body",
                    &[("service", service), ("minutes", &minutes)],
                )],
                Some((t.get("mail.reset.action").to_string(), link.clone())),
                t.get("mail.ignore"),
            )
        }
        MailTemplate::PasswordChanged => (
            t.fmt("mail.password_changed.subject", &svc),
            vec![t.fmt("mail.password_changed.body", &svc)],
            None,
            t.get("mail.not_you"),
        ),
        MailTemplate::VerifyEmail { link, hours } => (
            t.fmt("mail.verify.subject", &svc),
            vec![t.fmt(
                "mail.verify.body",
                &[("service", service), ("hours", &hours.to_string())],
            )],
            Some((t.get("mail.verify.action").to_string(), link.clone())),
            t.get("mail.ignore"),
        ),
        MailTemplate::AlreadyRegistered { login, reset } => (
            t.fmt("mail.already_registered.subject", &svc),
            vec![
                t.fmt("mail.already_registered.body", &svc),
                t.fmt("mail.already_registered.forgot", &[("url", reset)]),
            ],
            Some((
                t.get("mail.already_registered.action").to_string(),
                login.clone(),
            )),
            t.get("mail.ignore"),
        ),
        MailTemplate::FactorAdded { name } => (
            t.fmt("mail.factor_added.subject", &svc),
            vec![t.fmt(
                "mail.factor_added.body",
                &[("service", service), ("name", name)],
            )],
            None,
            t.get("mail.not_you"),
        ),
        MailTemplate::FactorRemoved { name } => (
            t.fmt("mail.factor_removed.subject", &svc),
            vec![t.fmt(
                "mail.factor_removed.body",
                &[("service", service), ("name", name)],
            )],
            None,
            t.get("mail.not_you"),
        ),
        MailTemplate::TokenCreated { name, hint, days } => (
            t.fmt("mail.token_created.subject", &svc),
            vec![t.fmt(
                "mail.token_created.body",
                &[
                    ("service", service),
                    ("name", name),
                    ("hint", hint),
                    ("days", &days.to_string()),
                ],
            )],
            None,
            t.get("mail.token_created.not_you"),
        ),
        MailTemplate::AccountLocked { minutes } => (
            t.fmt("mail.account_locked.subject", &svc),
            vec![t.fmt(
                "mail.account_locked.body",
                &[("service", service), ("minutes", &minutes.to_string())],
            )],
            None,
            t.get("mail.not_you"),
        ),
        MailTemplate::ConfirmEmailChange { link, hours } => (
            t.fmt("mail.email_change.subject", &svc),
            vec![t.fmt(
                "mail.email_change.body",
                &[("service", service), ("hours", &hours.to_string())],
            )],
            Some((t.get("mail.email_change.action").to_string(), link.clone())),
            t.get("mail.ignore"),
        ),
        MailTemplate::EmailChanged { address } => (
            t.fmt("mail.email_changed.subject", &svc),
            vec![t.fmt(
                "mail.email_changed.body",
                &[("service", service), ("address", address)],
            )],
            None,
            t.get("mail.not_you"),
        ),
        MailTemplate::EmailChangeTaken => (
            t.fmt("mail.email_change_taken.subject", &svc),
            vec![t.fmt("mail.email_change_taken.body", &svc)],
            None,
            t.get("mail.ignore"),
        ),
    };
    MailContent {
        lang: t.lang(),
        subject,
        greeting: t.get("mail.greeting").to_string(),
        paragraphs,
        action,
        link_fallback: t.get("mail.link_fallback").to_string(),
        footer: footer.to_string(),
        signature: t.fmt("mail.signature", &svc),
    }
}

/// The subject, text and HTML of `mail`.
pub fn render(mail: &Mail, service: &str) -> Result<RenderedMail, FlowError> {
    let m = content(mail, service);
    let failed = |e: askama::Error| FlowError::Corrupt(format!("mail template: {e}"));
    Ok(RenderedMail {
        to: mail.to.clone(),
        text: TextPart { m: &m }.render().map_err(failed)?,
        html: HtmlPart { m: &m }.render().map_err(failed)?,
        subject: m.subject,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::i18n::Locale;

    fn reset(locale: Locale, link: &str) -> Mail {
        Mail {
            to: "a@example.com".into(),
            locale,
            template: MailTemplate::PasswordReset {
                link: link.into(),
                minutes: 30,
            },
        }
    }

    #[test]
    fn both_parts_carry_the_link_and_the_html_is_escaped() {
        let link = "https://id.example/password/reset?token=abc&x=<b>";
        let mail = render(&reset(Locale::En, link), "Poort").unwrap();
        assert!(mail.subject.contains("Poort"));
        assert!(mail.text.contains(link), "the text part is not escaped");
        assert!(mail.text.contains("30 minutes"));
        assert!(
            mail.html.contains("token=abc&#38;x=&#60;b&#62;"),
            "{}",
            mail.html
        );
        assert!(!mail.html.contains("<b>"));
    }

    #[test]
    fn mails_are_in_the_recipients_language() {
        let nl = render(&reset(Locale::Nl, "https://x/"), "Poort").unwrap();
        let fr = render(&reset(Locale::Fr, "https://x/"), "Poort").unwrap();
        assert!(nl.text.contains("Hallo"), "{}", nl.text);
        assert!(fr.text.contains("Bonjour"), "{}", fr.text);
        assert!(fr.html.contains("lang=\"fr\""));
    }
}
