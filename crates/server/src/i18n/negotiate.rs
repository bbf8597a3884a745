//! Choosing the language of a request: the user's saved preference, else `ui_locales` of the
//! authorization request, else `Accept-Language`, else English.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    #[default]
    En,
    Nl,
    Fr,
}

impl Locale {
    pub const ALL: [Locale; 3] = [Locale::En, Locale::Nl, Locale::Fr];

    pub fn code(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Nl => "nl",
            Locale::Fr => "fr",
        }
    }

    /// The language's own name, for the language switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Locale::En => "English",
            Locale::Nl => "Nederlands",
            Locale::Fr => "Français",
        }
    }

    /// A BCP 47 tag (`nl-BE`, `fr`, `EN-gb`) to a supported language, by its primary subtag.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Locale::ALL.into_iter().find(|l| l.code() == primary)
    }
}

/// The languages of an `Accept-Language` header that we support, best first (by q-value, then
/// order; `q=0` means "not this one").
pub fn parse_accept_language(header: &str) -> Vec<Locale> {
    let mut ranked: Vec<(u16, usize, Locale)> = Vec::new();
    for (index, item) in header.split(',').enumerate().take(32) {
        let mut parts = item.split(';');
        let Some(locale) = parts.next().and_then(Locale::from_tag) else {
            continue;
        };
        let q = parts
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|v| v.trim().parse::<f32>().ok())
            .unwrap_or(1.0)
            .clamp(0.0, 1.0);
        // Thousandths, so the sort needs no float comparison.
        let q = (q * 1000.0).round() as u16;
        if q > 0 {
            ranked.push((q, index, locale));
        }
    }
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut out: Vec<Locale> = Vec::new();
    for (_, _, locale) in ranked {
        if !out.contains(&locale) {
            out.push(locale);
        }
    }
    out
}

/// The language for a request, from the strongest signal present.
pub fn negotiate(
    saved: Option<&str>,
    ui_locales: Option<&str>,
    accept_language: Option<&str>,
) -> Locale {
    if let Some(locale) = saved.and_then(Locale::from_tag) {
        return locale;
    }
    // `ui_locales` is space-separated, in order of preference (OIDC Core §3.1.2.1).
    if let Some(locale) = ui_locales.and_then(|v| v.split_whitespace().find_map(Locale::from_tag)) {
        return locale;
    }
    accept_language
        .and_then(|h| parse_accept_language(h).into_iter().next())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_is_ranked_by_quality() {
        assert_eq!(
            parse_accept_language("de-DE, fr;q=0.5, nl-BE;q=0.8, en;q=0.1"),
            [Locale::Nl, Locale::Fr, Locale::En]
        );
        assert_eq!(parse_accept_language("fr;q=0, nl"), [Locale::Nl]);
        assert!(parse_accept_language("de, *").is_empty());
        assert!(parse_accept_language("").is_empty());
    }

    #[test]
    fn saved_then_ui_locales_then_accept_language_then_english() {
        assert_eq!(negotiate(Some("fr"), Some("nl"), Some("en")), Locale::Fr);
        assert_eq!(negotiate(None, Some("de nl-NL"), Some("fr")), Locale::Nl);
        assert_eq!(negotiate(Some("xx"), Some("de"), Some("fr-CA")), Locale::Fr);
        assert_eq!(negotiate(None, None, Some("de")), Locale::En);
        assert_eq!(negotiate(None, None, None), Locale::En);
    }
}
