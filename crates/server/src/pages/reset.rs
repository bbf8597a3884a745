//! The pages of the mail flows: "forgot password", the reset form behind a mailed link, sign-up,
//! and a short translated notice (link sent, password changed, link refused).

use askama::Template;

use crate::i18n::Tr;

#[derive(Template)]
#[template(path = "forgot_password.html")]
pub struct ForgotPasswordPage {
    pub t: Tr,
    pub csrf: String,
    pub email: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "reset_password.html")]
pub struct ResetPasswordPage {
    pub t: Tr,
    pub csrf: String,
    /// The link's token, carried from the link into the form.
    pub token: String,
    pub lead: String,
    pub email: String,
    pub errors: Vec<String>,
    pub requirements: Vec<String>,
}

/// A title, a sentence and an optional link onward.
#[derive(Template)]
#[template(path = "notice.html")]
pub struct NoticePage {
    pub t: Tr,
    pub title: String,
    pub message: String,
    pub link: Option<(String, String)>,
}

#[derive(Template)]
#[template(path = "signup.html")]
pub struct SignupPage {
    pub t: Tr,
    pub csrf: String,
    pub email: String,
    pub name: String,
    pub errors: Vec<String>,
    pub requirements: Vec<String>,
}
