//! Reading decoded form or query pairs the way RFC 6749 §3.1 and §3.2 ask: a parameter
//! without a value counts as absent, a parameter may not appear twice, unknown ones are ignored.

use std::collections::BTreeMap;

use crate::error::OAuthError;

/// Why a set of request parameters was refused before looking at their values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamsError {
    #[error("parameter `{name}` appears more than once")]
    Duplicate { name: String },
}

impl From<ParamsError> for OAuthError {
    fn from(error: ParamsError) -> Self {
        OAuthError::invalid_request(error.to_string())
    }
}

/// The known parameters of one request, looked up by name.
pub(crate) struct FormFields<'a> {
    single: BTreeMap<&'static str, &'a str>,
    repeated: Vec<(&'static str, &'a str)>,
}

impl<'a> FormFields<'a> {
    /// Collects the parameters named in `single` (at most once each) and `repeated` (any
    /// number of times, e.g. RFC 8707 `resource`). Anything else is ignored.
    pub(crate) fn collect(
        pairs: &'a [(String, String)],
        single: &[&'static str],
        repeated: &[&'static str],
    ) -> Result<Self, ParamsError> {
        let mut fields = Self {
            single: BTreeMap::new(),
            repeated: Vec::new(),
        };
        for (name, value) in pairs {
            if value.is_empty() {
                continue;
            }
            if let Some(known) = single.iter().find(|known| **known == name.as_str()) {
                if fields.single.insert(known, value.as_str()).is_some() {
                    return Err(ParamsError::Duplicate {
                        name: (*known).to_owned(),
                    });
                }
            } else if let Some(known) = repeated.iter().find(|known| **known == name.as_str()) {
                fields.repeated.push((known, value.as_str()));
            }
        }
        Ok(fields)
    }

    pub(crate) fn get(&self, name: &str) -> Option<&'a str> {
        self.single.get(name).copied()
    }

    pub(crate) fn owned(&self, name: &str) -> Option<String> {
        self.get(name).map(str::to_owned)
    }

    pub(crate) fn all(&self, name: &str) -> Vec<String> {
        self.repeated
            .iter()
            .filter(|(known, _)| *known == name)
            .map(|(_, value)| (*value).to_owned())
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_known_parameter_twice_is_refused() {
        let input = pairs(&[("a", "1"), ("a", "2")]);
        let result = FormFields::collect(&input, &["a"], &[]);
        assert_eq!(
            result.err(),
            Some(ParamsError::Duplicate { name: "a".into() })
        );
    }

    #[test]
    fn empty_values_and_unknown_names_are_ignored() {
        let input = pairs(&[("a", ""), ("a", "1"), ("x", "1"), ("x", "2")]);
        let fields = FormFields::collect(&input, &["a", "b"], &[]).unwrap();
        assert_eq!(fields.get("a"), Some("1"));
        assert_eq!(fields.get("b"), None);
        assert_eq!(fields.get("x"), None);
    }

    #[test]
    fn repeated_parameters_are_all_kept_in_order() {
        let input = pairs(&[("r", "one"), ("r", "two")]);
        let fields = FormFields::collect(&input, &[], &["r"]).unwrap();
        assert_eq!(fields.all("r"), vec!["one".to_owned(), "two".to_owned()]);
    }
}
