//! Parsing and writing PHC strings:
//! `$<id>[$v=<version>][$<param>=<value>(,<param>=<value>)*]$<salt>$<hash>`, salt and hash in
//! the spec's "B64" (standard alphabet, no padding). Salt and hash are required here: a string
//! without them cannot verify a password.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;

use crate::CredentialError;
use crate::limits::MAX_HASH_STRING_CHARS;

/// Longest algorithm id or parameter name (the spec's limit).
const MAX_NAME_CHARS: usize = 32;
/// Longest parameter value (the spec's limit).
const MAX_VALUE_CHARS: usize = 64;

/// A PHC string split into its fields; the algorithm decides what the parameters mean.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PhcString {
    pub algorithm: String,
    pub version: Option<u32>,
    pub params: Vec<(String, String)>,
    pub salt: Vec<u8>,
    pub hash: Vec<u8>,
}

impl PhcString {
    /// The algorithm id of a PHC-looking string (`$id$...`), without parsing the rest, so an
    /// unsupported algorithm (e.g. bcrypt's `$2b$`) can be named as such.
    pub fn algorithm_of(s: &str) -> Option<&str> {
        let id = s.strip_prefix('$')?.split('$').next()?;
        is_name(id).then_some(id)
    }

    pub fn parse(s: &str) -> Result<Self, CredentialError> {
        let unreadable = CredentialError::UnreadableHash;
        if s.len() > MAX_HASH_STRING_CHARS {
            return Err(unreadable("too long"));
        }
        let mut fields = s
            .strip_prefix('$')
            .ok_or(unreadable("PHC string must start with '$'"))?
            .split('$')
            .peekable();
        let algorithm = fields
            .next()
            .filter(|id| is_name(id))
            .ok_or(unreadable("bad algorithm id"))?
            .to_owned();
        let version = match fields.next_if(|f| f.starts_with("v=")) {
            Some(field) => Some(
                field
                    .strip_prefix("v=")
                    .and_then(parse_decimal)
                    .ok_or(unreadable("bad version"))?,
            ),
            None => None,
        };
        let params = match fields.next_if(|f| f.contains('=')) {
            Some(field) => parse_params(field)?,
            None => Vec::new(),
        };
        let salt = decode_b64(fields.next().ok_or(unreadable("missing salt"))?)?;
        let hash = decode_b64(fields.next().ok_or(unreadable("missing hash"))?)?;
        if fields.next().is_some() {
            return Err(unreadable("too many '$' fields"));
        }
        Ok(Self {
            algorithm,
            version,
            params,
            salt,
            hash,
        })
    }

    /// The value of parameter `name`, if present.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The parameter `name` as a decimal number.
    pub fn decimal_param(&self, name: &'static str) -> Result<Option<u32>, CredentialError> {
        self.param(name)
            .map(|v| parse_decimal(v).ok_or(CredentialError::UnreadableHash("bad number")))
            .transpose()
    }

    /// The first parameter not in `known`, if any.
    pub fn unknown_param(&self, known: &[&str]) -> Option<&str> {
        self.params
            .iter()
            .map(|(n, _)| n.as_str())
            .find(|n| !known.contains(n))
    }
}

impl fmt::Display for PhcString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "${}", self.algorithm)?;
        if let Some(v) = self.version {
            write!(f, "$v={v}")?;
        }
        for (i, (name, value)) in self.params.iter().enumerate() {
            let separator = if i == 0 { '$' } else { ',' };
            write!(f, "{separator}{name}={value}")?;
        }
        write!(
            f,
            "${}${}",
            STANDARD_NO_PAD.encode(&self.salt),
            STANDARD_NO_PAD.encode(&self.hash)
        )
    }
}

fn parse_params(field: &str) -> Result<Vec<(String, String)>, CredentialError> {
    let mut params: Vec<(String, String)> = Vec::new();
    for pair in field.split(',') {
        let (name, value) = pair
            .split_once('=')
            .ok_or(CredentialError::UnreadableHash("parameter without '='"))?;
        if !is_name(name) || !is_value(value) {
            return Err(CredentialError::UnreadableHash("bad parameter"));
        }
        if params.iter().any(|(n, _)| n == name) {
            return Err(CredentialError::UnreadableHash("repeated parameter"));
        }
        params.push((name.to_owned(), value.to_owned()));
    }
    Ok(params)
}

/// A decimal number as the spec writes them: digits only, no sign, no leading zero.
fn parse_decimal(s: &str) -> Option<u32> {
    let digits_only = !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let leading_zero = s.len() > 1 && s.starts_with('0');
    if digits_only && !leading_zero {
        s.parse().ok()
    } else {
        None
    }
}

fn decode_b64(s: &str) -> Result<Vec<u8>, CredentialError> {
    STANDARD_NO_PAD
        .decode(s)
        .map_err(|_| CredentialError::UnreadableHash("bad B64 salt or hash"))
}

fn is_name(s: &str) -> bool {
    (1..=MAX_NAME_CHARS).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn is_value(s: &str) -> bool {
    (1..=MAX_VALUE_CHARS).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'+' | b'.' | b'-'))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const ARGON2: &str =
        "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";

    #[test]
    fn parses_and_writes_back_the_same_string() {
        let phc = PhcString::parse(ARGON2).unwrap();
        assert_eq!(phc.algorithm, "argon2id");
        assert_eq!(phc.version, Some(19));
        assert_eq!(phc.param("m"), Some("65536"));
        assert_eq!(phc.decimal_param("t").unwrap(), Some(2));
        assert_eq!(phc.salt, b"somesalt");
        assert_eq!(phc.hash.len(), 32);
        assert_eq!(phc.to_string(), ARGON2);
    }

    #[test]
    fn version_and_params_are_optional() {
        let phc = PhcString::parse("$pbkdf2-sha256$c29tZXNhbHQ$c29tZXNhbHQ").unwrap();
        assert_eq!(phc.version, None);
        assert!(phc.params.is_empty());
    }

    #[test]
    fn refuses_malformed_strings() {
        for bad in [
            "",
            "argon2id$v=19$m=1,t=1,p=1$c29tZXNhbHQ$c29tZXNhbHQ",
            "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ",
            "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$c29tZXNhbHQ$extra",
            "$argon2id$v=x$m=65536$c29tZXNhbHQ$c29tZXNhbHQ",
            "$argon2id$m=65536,m=1$c29tZXNhbHQ$c29tZXNhbHQ",
            "$argon2id$m=$c29tZXNhbHQ$c29tZXNhbHQ",
            "$argon2id$m=1$c29tZXNhbHQ=$c29tZXNhbHQ",
            "$argon2id$m=1$c29tZXNhbHQ$not*base64",
            "$ARGON2ID$m=1$c29tZXNhbHQ$c29tZXNhbHQ",
        ] {
            assert!(PhcString::parse(bad).is_err(), "accepted {bad:?}");
        }
        let long = format!("$argon2id${}", "A".repeat(MAX_HASH_STRING_CHARS));
        assert!(PhcString::parse(&long).is_err());
    }

    #[test]
    fn refuses_numbers_that_are_not_canonical_u32() {
        for value in ["0065536", "99999999999", "+1", "-1", "1e3"] {
            let s = format!("$argon2id$m={value}$c29tZXNhbHQ$c29tZXNhbHQ");
            let number = PhcString::parse(&s).and_then(|p| p.decimal_param("m"));
            assert!(number.is_err(), "accepted m={value}");
        }
        let zero = PhcString::parse("$argon2id$m=0$c29tZXNhbHQ$c29tZXNhbHQ").unwrap();
        assert_eq!(zero.decimal_param("m").unwrap(), Some(0));
    }

    #[test]
    fn names_the_algorithm_of_strings_it_cannot_parse() {
        let bcrypt = "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW";
        assert!(PhcString::parse(bcrypt).is_err());
        assert_eq!(PhcString::algorithm_of(bcrypt), Some("2b"));
        assert_eq!(PhcString::algorithm_of("no dollar"), None);
    }
}
