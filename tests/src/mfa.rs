//! Helpers for the second-factor tests: signing in with the password alone, enrolling an
//! authenticator app as a user would (reading the key off the page), computing its codes, and
//! reading our pages.

use crate::browser::{Landing, hidden_field};
use crate::{Browser, TestServer};

/// The TOTP code an authenticator app shows at `unix` for a base32 key.
pub fn totp_code(secret_base32: &str, unix: i64) -> anyhow::Result<String> {
    let secret = totp_rs::Secret::try_from_base32(secret_base32)
        .map_err(|e| anyhow::anyhow!("base32 key: {e:?}"))?;
    let totp = totp_rs::Builder::new()
        .with_secret(secret)
        .build()
        .map_err(|e| anyhow::anyhow!("totp: {e:?}"))?;
    Ok(totp.generate(u64::try_from(unix)?).to_string())
}

/// The text of the element with `id="ID"` (no nested tags).
pub fn element_text(html: &str, id: &str) -> anyhow::Result<String> {
    let marker = format!("id=\"{id}\"");
    let at = html
        .find(&marker)
        .ok_or_else(|| anyhow::anyhow!("no element #{id}"))?;
    let start = at
        + html[at..]
            .find('>')
            .ok_or_else(|| anyhow::anyhow!("bad tag"))?
        + 1;
    let end = start
        + html[start..]
            .find('<')
            .ok_or_else(|| anyhow::anyhow!("unterminated"))?;
    Ok(html[start..end].to_string())
}

/// The value of `data-options="…"` (HTML-unescaped), the JSON handed to `webauthn.js`.
pub fn data_options(html: &str) -> anyhow::Result<String> {
    let marker = "data-options=\"";
    let start = html
        .find(marker)
        .ok_or_else(|| anyhow::anyhow!("no data-options"))?
        + marker.len();
    let end = start
        + html[start..]
            .find('"')
            .ok_or_else(|| anyhow::anyhow!("unterminated"))?;
    Ok(unescape(&html[start..end]))
}

/// Undoes askama's HTML escaping.
pub fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&#60;", "<")
        .replace("&gt;", ">")
        .replace("&#62;", ">")
        .replace("&amp;", "&")
        .replace("&#38;", "&")
}

/// The recovery codes listed on the page that shows them once.
pub fn recovery_codes(html: &str) -> Vec<String> {
    html.split("<li><code>")
        .skip(1)
        .filter_map(|rest| rest.split("</code>").next())
        .map(str::to_string)
        .collect()
}

/// Body of a response that must be one of our pages.
pub async fn page(landing: Landing) -> anyhow::Result<(String, String)> {
    match landing {
        Landing::Page { url, body, .. } => Ok((url, body)),
        Landing::Away(to) => anyhow::bail!("expected a page, was sent to {to}"),
    }
}

impl TestServer {
    /// Signs in on `/login` (no pending authorization), following redirects.
    pub async fn sign_in(
        &self,
        browser: &Browser,
        login: &str,
        password: &str,
    ) -> anyhow::Result<Landing> {
        let form = browser.get("/login").await?.text().await?;
        let csrf = hidden_field(&form, "csrf")?;
        let response = browser
            .post_form(
                "/login",
                &[
                    ("csrf", &csrf),
                    ("tx", ""),
                    ("login", login),
                    ("password", password),
                ],
            )
            .await?;
        browser.follow(response).await
    }

    /// Enrolls an authenticator app for the signed-in browser; returns its base32 key and the
    /// recovery codes page's body. `tx` continues a pending authorization afterwards.
    pub async fn enroll_totp(
        &self,
        browser: &Browser,
        name: &str,
        tx: &str,
    ) -> anyhow::Result<(String, reqwest::Response)> {
        let path = match tx.is_empty() {
            true => "/account/mfa/totp".to_string(),
            false => format!("/account/mfa/totp?tx={tx}"),
        };
        let page = browser.get(&path).await?;
        anyhow::ensure!(
            page.status().is_success(),
            "enrollment page: {}",
            page.status()
        );
        let body = page.text().await?;
        anyhow::ensure!(body.contains("<svg"), "the QR code is inline SVG");
        let secret: String = element_text(&body, "totp-secret")?
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let csrf = hidden_field(&body, "csrf")?;
        let code = totp_code(&secret, self.now())?;
        let response = browser
            .post_form(
                "/account/mfa/totp",
                &[("csrf", &csrf), ("tx", tx), ("name", name), ("code", &code)],
            )
            .await?;
        Ok((secret, response))
    }

    /// A new browser signed in as `login` with two factors: the account enrolls an
    /// authenticator app (if it has none, through a password session), then signs in with
    /// the password and a code. Advances the clock by one TOTP step.
    pub async fn browser_with_two_factors(
        &self,
        login: &str,
        password: &str,
    ) -> anyhow::Result<Browser> {
        let browser = self.browser();
        self.sign_in(&browser, login, password).await?;
        let (secret, enrolled) = self.enroll_totp(&browser, "Phone", "").await?;
        anyhow::ensure!(
            enrolled.status().is_success(),
            "enrolment: {}",
            enrolled.status()
        );
        self.sign_out(&browser).await?;
        let (url, body) = page(self.sign_in(&browser, login, password).await?).await?;
        anyhow::ensure!(url.contains("/login/mfa"), "second step expected: {url}");
        let csrf = hidden_field(&body, "csrf")?;
        let tx = hidden_field(&body, "tx").unwrap_or_default();
        self.clock.advance(30);
        let code = totp_code(&secret, self.now())?;
        let response = browser
            .post_form(
                "/login/mfa/totp",
                &[("csrf", &csrf), ("tx", &tx), ("code", &code)],
            )
            .await?;
        anyhow::ensure!(
            response.status().is_redirection(),
            "second step: {}",
            response.status()
        );
        Ok(browser)
    }

    /// Signs the browser out of Poort (the home page's button).
    pub async fn sign_out(&self, browser: &Browser) -> anyhow::Result<()> {
        let home = browser.get("/").await?.text().await?;
        let csrf = hidden_field(&home, "csrf")?;
        let response = browser.post_form("/logout", &[("csrf", &csrf)]).await?;
        anyhow::ensure!(
            response.status().is_redirection(),
            "logout: {}",
            response.status()
        );
        Ok(())
    }
}

/// The claims of a JWT, unverified (the full-flow tests verify signatures with the RP library).
pub fn jwt_claims(token: &str) -> anyhow::Result<serde_json::Value> {
    use base64::Engine;
    let payload = token
        .split('.')
        .nth(1)
        .ok_or_else(|| anyhow::anyhow!("not a JWT"))?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload)?;
    Ok(serde_json::from_slice(&bytes)?)
}

/// The `amr` of an ID token's claims, as strings.
pub fn amr(claims: &serde_json::Value) -> Vec<String> {
    claims["amr"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}
