//! The account's API tokens page.

use askama::Template;

use crate::i18n::Tr;

pub struct TokenRow {
    pub id: String,
    pub name: String,
    pub hint: String,
    pub scopes: String,
    pub created: String,
    pub expires: String,
    /// "time from IP", or `None` if never used.
    pub last_used: Option<String>,
    /// The status in the page's language.
    pub status: String,
    pub active: bool,
}

pub struct ScopeChoice {
    pub value: &'static str,
    /// In the page's language.
    pub description: String,
}

#[derive(Template)]
#[template(path = "account_tokens.html")]
pub struct AccountTokensPage {
    pub t: Tr,
    pub csrf: String,
    pub email: String,
    pub tokens: Vec<TokenRow>,
    pub scopes: Vec<ScopeChoice>,
    pub max_days: u32,
    /// The secret of the token just minted: shown this once only.
    pub new_secret: Option<String>,
    pub message: Option<String>,
    pub error: Option<String>,
}

/// `2026-12-07 14:03 UTC`.
pub fn date_time(unix: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp(unix) {
        Ok(t) => format!(
            "{}-{:02}-{:02} {:02}:{:02} UTC",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute()
        ),
        Err(_) => String::from("-"),
    }
}

#[cfg(test)]
mod tests {
    use super::date_time;

    #[test]
    fn formats_utc_minutes() {
        assert_eq!(date_time(0), "1970-01-01 00:00 UTC");
        assert_eq!(date_time(1_796_652_180), "2026-12-07 14:03 UTC");
    }
}
