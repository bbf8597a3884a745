//! The pages of the address change: the form on the account page and the confirmation behind
//! the mailed link (results use `reset::NoticePage`).

use askama::Template;

use crate::i18n::Tr;

#[derive(Template)]
#[template(path = "account_email.html")]
pub struct AccountEmailPage {
    pub t: Tr,
    pub csrf: String,
    /// The address the account has now.
    pub current: String,
    /// The typed new address (kept after a refusal).
    pub email: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "account_email_confirm.html")]
pub struct ConfirmEmailPage {
    pub t: Tr,
    pub csrf: String,
    pub token: String,
    /// The new address.
    pub email: String,
}
