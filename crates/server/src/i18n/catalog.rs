//! The catalogs: flattened `section.key → text` maps, parsed once from the embedded files.

use std::collections::HashMap;
use std::sync::LazyLock;

use super::Locale;

const SOURCES: [(Locale, &str); 3] = [
    (
        Locale::En,
        include_str!("../../../../themes/default/locales/en.toml"),
    ),
    (
        Locale::Nl,
        include_str!("../../../../themes/default/locales/nl.toml"),
    ),
    (
        Locale::Fr,
        include_str!("../../../../themes/default/locales/fr.toml"),
    ),
];

type Catalog = HashMap<String, String>;

/// Parse failures leave a catalog empty (every text then falls back to English, then to its
/// key); the unit tests make sure the shipped files parse and are complete.
static CATALOGS: LazyLock<Vec<(Locale, Catalog)>> = LazyLock::new(|| {
    SOURCES
        .iter()
        .map(|(locale, text)| (*locale, parse(text).unwrap_or_default()))
        .collect()
});

fn parse(text: &str) -> Result<Catalog, toml::de::Error> {
    let table: toml::Table = toml::from_str(text)?;
    let mut out = HashMap::new();
    flatten("", &table, &mut out);
    Ok(out)
}

fn flatten(prefix: &str, table: &toml::Table, out: &mut Catalog) {
    for (key, value) in table {
        let name = match prefix.is_empty() {
            true => key.clone(),
            false => format!("{prefix}.{key}"),
        };
        match value {
            toml::Value::Table(inner) => flatten(&name, inner, out),
            toml::Value::String(text) => {
                out.insert(name, text.clone());
            }
            other => {
                out.insert(name, other.to_string());
            }
        }
    }
}

fn catalog(locale: Locale) -> Option<&'static Catalog> {
    CATALOGS.iter().find(|(l, _)| *l == locale).map(|(_, c)| c)
}

/// Texts in one language; cheap to copy into every page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tr {
    pub locale: Locale,
}

impl Tr {
    pub fn new(locale: Locale) -> Self {
        Self { locale }
    }

    /// The text for `key`; English when the language lacks it, the key itself when no
    /// catalog has it (visible, never a failure).
    pub fn get<'k>(&self, key: &'k str) -> &'k str {
        catalog(self.locale)
            .and_then(|c| c.get(key))
            .or_else(|| catalog(Locale::En).and_then(|c| c.get(key)))
            .map(String::as_str)
            .unwrap_or(key)
    }

    /// The text for `key` with each `{name}` replaced by its value.
    pub fn fmt(&self, key: &str, args: &[(&str, &str)]) -> String {
        let mut text = self.get(key).to_string();
        for (name, value) in args {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }

    /// [`Tr::fmt`] with one placeholder (easier to call from a template).
    pub fn fmt1(&self, key: &str, name: &str, value: &str) -> String {
        self.fmt(key, &[(name, value)])
    }

    /// The language code for `<html lang>` and `Content-Language`.
    pub fn lang(&self) -> &'static str {
        self.locale.code()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn placeholders(text: &str) -> BTreeSet<String> {
        let mut found = BTreeSet::new();
        let mut rest = text;
        while let Some(start) = rest.find('{') {
            let Some(len) = rest[start..].find('}') else {
                break;
            };
            found.insert(rest[start + 1..start + len].to_string());
            rest = &rest[start + len..];
        }
        found
    }

    #[test]
    fn every_catalog_parses_and_has_every_key_with_the_same_placeholders() {
        let parsed: Vec<(Locale, Catalog)> = SOURCES
            .iter()
            .map(|(locale, text)| {
                let catalog =
                    parse(text).unwrap_or_else(|e| panic!("{} does not parse: {e}", locale.code()));
                (*locale, catalog)
            })
            .collect();
        let all_keys: BTreeSet<&String> = parsed.iter().flat_map(|(_, c)| c.keys()).collect();
        assert!(all_keys.len() > 20, "the catalogs are suspiciously small");
        let mut problems = Vec::new();
        for key in &all_keys {
            let english = parsed[0].1.get(*key).map(|t| placeholders(t));
            for (locale, catalog) in &parsed {
                match catalog.get(*key) {
                    None => problems.push(format!("{}: missing {key}", locale.code())),
                    Some(text) if text.trim().is_empty() => {
                        problems.push(format!("{}: empty {key}", locale.code()))
                    }
                    Some(text) => {
                        if english.as_ref().is_some_and(|e| *e != placeholders(text)) {
                            problems.push(format!(
                                "{}: placeholders of {key} differ from English",
                                locale.code()
                            ));
                        }
                    }
                }
            }
        }
        assert!(problems.is_empty(), "{problems:#?}");
    }

    #[test]
    fn lookups_fall_back_to_english_then_to_the_key() {
        let nl = Tr::new(Locale::Nl);
        assert_ne!(
            nl.get("login.title"),
            Tr::new(Locale::En).get("login.title")
        );
        assert_eq!(nl.get("no.such.key"), "no.such.key");
        let text = Tr::new(Locale::En).fmt("password.rule.too_short", &[("min", "12")]);
        assert!(text.contains("12") && !text.contains("{min}"), "{text}");
    }

    #[test]
    fn placeholder_scanner_finds_names() {
        let found = placeholders("Use {min} to {max} characters");
        assert_eq!(found.into_iter().collect::<Vec<_>>(), ["max", "min"]);
    }
}
