//! The `aud` claim (RFC 7519 §4.1.3): one string when there is one audience, an array otherwise.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Audience(pub Vec<String>);

impl Audience {
    pub fn one(audience: impl Into<String>) -> Self {
        Self(vec![audience.into()])
    }

    pub fn contains(&self, audience: &str) -> bool {
        self.0.iter().any(|known| known == audience)
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }
}

impl Serialize for Audience {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0.as_slice() {
            [single] => serializer.serialize_str(single),
            many => many.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Audience {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum OneOrMany {
            One(String),
            Many(Vec<String>),
        }
        Ok(match OneOrMany::deserialize(deserializer)? {
            OneOrMany::One(audience) => Self(vec![audience]),
            OneOrMany::Many(audiences) => Self(audiences),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn one_audience_is_a_string_several_an_array() {
        assert_eq!(
            serde_json::to_string(&Audience::one("api")).unwrap(),
            r#""api""#
        );
        let two = Audience(vec!["a".into(), "b".into()]);
        assert_eq!(serde_json::to_string(&two).unwrap(), r#"["a","b"]"#);
        assert_eq!(
            serde_json::from_str::<Audience>(r#""api""#).unwrap(),
            Audience::one("api")
        );
        assert_eq!(
            serde_json::from_str::<Audience>(r#"["a","b"]"#).unwrap(),
            two
        );
        assert!(two.contains("b") && !two.contains("c"));
        assert!(serde_json::from_str::<Audience>("42").is_err());
    }
}
