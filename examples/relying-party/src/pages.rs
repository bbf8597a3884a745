//! The HTML pages of the example app. Everything that comes from outside (claims, error
//! texts, URLs) goes through [`escape_html`] before it is printed.

use std::fmt::Write;
use std::time::Instant;

use axum::response::Html;
use serde_json::Value;

use crate::oidc::{ClaimSet, SignedInUser};

/// Escapes text for use in HTML element content and in double- or single-quoted attributes.
pub fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// Home page for a visitor who is not logged in. `notice` is a line shown above the link.
pub fn signed_out(issuer: &str, notice: Option<&str>) -> Html<String> {
    let notice = notice
        .map(|text| format!("<p class=\"notice\">{}</p>", escape_html(text)))
        .unwrap_or_default();
    let body = format!(
        "{notice}<p>You are not logged in.</p>\
         <p><a class=\"button\" href=\"/login\">Log in with {}</a></p>",
        escape_html(issuer)
    );
    page("Example app", &body)
}

/// Home page for a logged-in user: their claims, the state of their tokens and the actions.
pub fn signed_in(issuer: &str, user: &SignedInUser, now: Instant) -> Html<String> {
    let userinfo = match &user.userinfo_claims {
        Some(claims) => claims_table(claims),
        None => "<p>The provider has no userinfo endpoint.</p>".to_owned(),
    };
    let body = format!(
        "<p>Logged in at {issuer} as <code>{subject}</code>.</p>\
         <form method=\"post\" action=\"/refresh\">\
           <button type=\"submit\">Refresh tokens</button> \
           <a class=\"button\" href=\"/logout\">Log out</a>\
         </form>\
         <h2>Tokens</h2>{tokens}\
         <h2>ID token claims</h2>{id_token}\
         <h2>Userinfo claims</h2>{userinfo}",
        issuer = escape_html(issuer),
        subject = escape_html(user.subject.as_str()),
        tokens = token_table(user, now),
        id_token = claims_table(&user.id_token_claims),
    );
    page("Example app", &body)
}

/// A page explaining what went wrong.
pub fn error(title: &str, detail: &str) -> Html<String> {
    let body = format!(
        "<p class=\"error\">{}</p><p><a href=\"/\">Back to the start</a></p>",
        escape_html(detail)
    );
    page(title, &body)
}

/// What the app holds, without printing any token itself.
fn token_table(user: &SignedInUser, now: Instant) -> String {
    let access_token = match user.access_token_expires_at {
        Some(expires_at) if expires_at > now => {
            format!("expires in {} s", (expires_at - now).as_secs())
        }
        Some(_) => "expired: refresh it".to_owned(),
        None => "no lifetime given by the provider".to_owned(),
    };
    let refresh_token = if user.refresh_token.is_some() {
        "held"
    } else {
        "none"
    };
    let scopes = match &user.granted_scopes {
        Some(scopes) => scopes
            .iter()
            .map(|scope| scope.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        None => "as requested".to_owned(),
    };
    let rows = [
        ("Access token", access_token),
        ("Refresh token", refresh_token.to_owned()),
        ("Scopes granted", scopes),
    ];
    table(rows.iter().map(|(name, value)| (*name, value.as_str())))
}

fn claims_table(claims: &ClaimSet) -> String {
    let rows: Vec<(&str, String)> = claims
        .iter()
        .map(|(name, value)| (name.as_str(), claim_text(value)))
        .collect();
    table(rows.iter().map(|(name, value)| (*name, value.as_str())))
}

/// Strings as they are, everything else (numbers, lists, objects) as compact JSON.
fn claim_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn table<'a>(rows: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let mut html = String::from("<table>");
    for (name, value) in rows {
        // Writing to a String cannot fail.
        let _ = write!(
            html,
            "<tr><th>{}</th><td>{}</td></tr>",
            escape_html(name),
            escape_html(value)
        );
    }
    html.push_str("</table>");
    html
}

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>{STYLE}</style></head>\
         <body><h1>{title}</h1>{body}</body></html>\n",
        title = escape_html(title),
    ))
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem}\
table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:.3rem .5rem;\
text-align:left;vertical-align:top}th{width:12rem;background:#f4f4f4}td{word-break:break-all}\
.button,button{display:inline-block;padding:.4rem .8rem;border:1px solid #333;border-radius:4px;\
background:#fff;color:#000;text-decoration:none;font:inherit;cursor:pointer}\
.error{color:#a00}.notice{color:#060}";

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn escape_html_replaces_every_special_character() {
        assert_eq!(
            escape_html(r#"<a href="x" title='y'>&</a>"#),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
        assert_eq!(escape_html("plain ü text"), "plain ü text");
        assert_eq!(escape_html(""), "");
    }

    #[test]
    fn claim_values_are_escaped_in_the_table() {
        let claims = ClaimSet::from([
            ("name".to_owned(), Value::from("<script>alert(1)</script>")),
            ("<b>".to_owned(), Value::from(1)),
        ]);
        let html = claims_table(&claims);
        assert!(!html.contains("<script>"));
        assert!(!html.contains("<b>"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("<th>&lt;b&gt;</th><td>1</td>"));
    }

    #[test]
    fn claims_show_strings_bare_and_other_values_as_json() {
        assert_eq!(claim_text(&Value::from("ada")), "ada");
        assert_eq!(claim_text(&Value::from(true)), "true");
        assert_eq!(
            claim_text(&serde_json::json!(["pwd", "otp"])),
            r#"["pwd","otp"]"#
        );
    }

    #[test]
    fn error_page_escapes_provider_text() {
        let Html(html) = error("Login failed", "access_denied: <img src=x>");
        assert!(html.contains("access_denied: &lt;img src=x&gt;"));
        assert!(!html.contains("<img"));
    }

    #[test]
    fn signed_out_page_links_to_login() {
        let Html(html) = signed_out("http://127.0.0.1:8080", Some("Logged out."));
        assert!(html.contains("href=\"/login\""));
        assert!(html.contains("Logged out."));
    }
}
