//! One askama struct per page. Templates live in `themes/default/templates` and are compiled into
//! the binary; askama escapes every value by default.

use askama::Template;

pub mod api_tokens;
pub mod device;
pub mod email_change;
pub mod mfa;
pub mod orgs;
pub mod password;
pub mod reset;

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub t: crate::i18n::Tr,
    /// The language switcher: code, native name, link.
    pub languages: Vec<(&'static str, &'static str, String)>,
    /// Show "Create an account" (`mail.signup_enabled`).
    pub signup: bool,
    pub csrf: String,
    pub tx: String,
    pub login: String,
    pub error: Option<String>,
    pub client_name: Option<String>,
}

#[derive(Template)]
#[template(path = "consent.html")]
pub struct ConsentPage {
    pub t: crate::i18n::Tr,
    pub csrf: String,
    pub tx: String,
    pub client_name: String,
    pub user_email: String,
    pub scopes: Vec<ScopeView>,
}

/// `prompt=select_account`: continue as the signed-in account or use another one.
#[derive(Template)]
#[template(path = "select_account.html")]
pub struct SelectAccountPage {
    pub t: crate::i18n::Tr,
    pub csrf: String,
    pub tx: String,
    pub client_name: String,
    pub user_email: String,
}

/// The Form Post Response Mode page: a form to the client's redirect URI that `script`
/// submits (allowed by its hash in this page's CSP), with a button when scripts are off.
#[derive(Template)]
#[template(path = "form_post.html")]
pub struct FormPostPage {
    pub t: crate::i18n::Tr,
    pub action: String,
    pub fields: Vec<(String, String)>,
    pub script: &'static str,
}

pub struct ScopeView {
    pub name: String,
    pub description: &'static str,
}

#[derive(Template)]
#[template(path = "logout.html")]
pub struct LogoutPage {
    pub t: crate::i18n::Tr,
    pub csrf: String,
    pub lx: String,
    pub client_name: Option<String>,
}

#[derive(Template)]
#[template(path = "logged_out.html")]
pub struct LoggedOutPage {
    pub t: crate::i18n::Tr,
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub t: crate::i18n::Tr,
    pub csrf: String,
    pub user_email: Option<String>,
    pub user_name: Option<String>,
    /// The password-expiry warning banner, when the password expires soon.
    pub password_notice: Option<String>,
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub t: crate::i18n::Tr,
    /// "Error 404", in the page's language.
    pub status_line: String,
    pub title: String,
    pub message: String,
}

/// What a scope means, in words a user understands, in the language of `t`.
pub fn describe_scope(t: crate::i18n::Tr, scope: &str) -> &'static str {
    t.get(match scope {
        "openid" => "scope.openid",
        "profile" => "scope.profile",
        "email" => "scope.email",
        "offline_access" => "scope.offline_access",
        "organizations" => "scope.organizations",
        "roles" => "scope.roles",
        "admin:read" => "scope.admin_read",
        "admin:write" => "scope.admin_write",
        "audit:read" => "scope.audit_read",
        "tokens:read" => "scope.tokens_read",
        "tokens:write" => "scope.tokens_write",
        _ => "scope.other",
    })
}
