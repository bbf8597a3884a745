//! Lists of strings stored as a JSON array in a TEXT column (portable across backends).

use crate::error::StoreError;

/// Encodes a list as a JSON array.
pub(crate) fn encode(values: &[String]) -> String {
    // Going through `Value` makes encoding infallible: strings always serialise.
    serde_json::Value::from(values.to_vec()).to_string()
}

/// Decodes a JSON array of strings; anything else is a corrupt column, never an empty list.
pub(crate) fn decode(text: &str, column: &'static str) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(text).map_err(|_| StoreError::CorruptColumn { column })
}

#[cfg(test)]
mod tests {
    use super::{decode, encode};
    use crate::error::StoreError;

    #[test]
    fn round_trips_including_quotes_and_unicode() {
        let values = vec!["https://a.example/cb?x=\"1\"".to_owned(), "ünï".to_owned()];
        let decoded = decode(&encode(&values), "t.c");
        assert!(matches!(decoded, Ok(v) if v == values));
    }

    #[test]
    fn corrupt_text_is_an_error_not_an_empty_list() {
        for bad in ["", "not json", "{\"a\":1}", "[1,2]", "[\"a\""] {
            assert!(
                matches!(
                    decode(bad, "t.c"),
                    Err(StoreError::CorruptColumn { column: "t.c" })
                ),
                "{bad:?} decoded"
            );
        }
    }
}
