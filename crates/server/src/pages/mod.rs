//! One askama struct per page. Templates live in `themes/default/templates` and are compiled into
//! the binary; askama escapes every value by default.

use askama::Template;

pub mod mfa;
pub mod orgs;
pub mod password;

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub csrf: String,
    pub tx: String,
    pub login: String,
    pub error: Option<String>,
    pub client_name: Option<String>,
}

#[derive(Template)]
#[template(path = "consent.html")]
pub struct ConsentPage {
    pub csrf: String,
    pub tx: String,
    pub client_name: String,
    pub user_email: String,
    pub scopes: Vec<ScopeView>,
}

pub struct ScopeView {
    pub name: String,
    pub description: &'static str,
}

#[derive(Template)]
#[template(path = "logout.html")]
pub struct LogoutPage {
    pub csrf: String,
    pub lx: String,
    pub client_name: Option<String>,
}

#[derive(Template)]
#[template(path = "logged_out.html")]
pub struct LoggedOutPage {}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub csrf: String,
    pub user_email: Option<String>,
    pub user_name: Option<String>,
    /// The password-expiry warning banner, when the password expires soon.
    pub password_notice: Option<String>,
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub status: u16,
    pub title: String,
    pub message: String,
}

/// What a scope means, in words a user understands.
pub fn describe_scope(scope: &str) -> &'static str {
    match scope {
        "openid" => "Confirm your identity",
        "profile" => "See your name and username",
        "email" => "See your email address",
        "offline_access" => "Stay signed in when you are not using the app",
        "organizations" => "See which organisations you belong to",
        "roles" => "See your organisations and your roles in them",
        "admin:read" => "See the members, roles and settings of organisations you manage",
        "admin:write" => "Change the members, roles and settings of organisations you manage",
        "audit:read" => "Read the audit log of organisations you manage",
        _ => "Additional access",
    }
}
