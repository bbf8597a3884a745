//! Filling in our own forms from tests: the login form and the password forms, with the reply
//! (status, redirect target, body) kept together for assertions.

use reqwest::StatusCode;

use crate::browser::{Browser, hidden_field};

/// What the server answered to a form.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub location: Option<String>,
    pub retry_after: Option<String>,
    /// The reply set a new session cookie.
    pub new_session: bool,
    pub body: String,
}

impl Reply {
    pub async fn read(response: reqwest::Response) -> anyhow::Result<Self> {
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let location = header("location");
        let retry_after = header("retry-after");
        let new_session = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.starts_with("poort_session=") && !v.starts_with("poort_session=;"));
        Ok(Self {
            status: response.status(),
            location,
            retry_after,
            new_session,
            body: response.text().await?,
        })
    }
}

/// Opens `path` and returns the CSRF token of its form.
pub async fn csrf_of(browser: &Browser, path: &str) -> anyhow::Result<String> {
    let page = browser.get(path).await?.text().await?;
    hidden_field(&page, "csrf")
}

/// Posts the login form with `csrf` (and the authorization request's `tx`, if any).
pub async fn submit_login(
    browser: &Browser,
    csrf: &str,
    tx: &str,
    login: &str,
    password: &str,
) -> anyhow::Result<Reply> {
    let response = browser
        .post_form(
            "/login",
            &[
                ("csrf", csrf),
                ("tx", tx),
                ("login", login),
                ("password", password),
            ],
        )
        .await?;
    Reply::read(response).await
}

/// Opens the login page afresh (the session may have changed) and logs in.
pub async fn login(browser: &Browser, login: &str, password: &str) -> anyhow::Result<Reply> {
    let csrf = csrf_of(browser, "/login").await?;
    submit_login(browser, &csrf, "", login, password).await
}

/// Opens a password page (`/account/password[?tx=…]` or `/login/new-password`) and posts its
/// form.
pub async fn submit_password(
    browser: &Browser,
    action: &str,
    current: &str,
    new: &str,
    confirm: &str,
) -> anyhow::Result<Reply> {
    let page = browser.get(action).await?.text().await?;
    let csrf = hidden_field(&page, "csrf")?;
    let tx = hidden_field(&page, "tx")?;
    let post_to = action.split('?').next().unwrap_or(action);
    let response = browser
        .post_form(
            post_to,
            &[
                ("csrf", csrf.as_str()),
                ("tx", tx.as_str()),
                ("current", current),
                ("new", new),
                ("confirm", confirm),
            ],
        )
        .await?;
    Reply::read(response).await
}
