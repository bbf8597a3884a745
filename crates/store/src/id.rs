//! Row identifiers.

/// A new UUIDv7 as text: unique and roughly ordered by creation time, so indexes stay compact.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

#[cfg(test)]
mod tests {
    use super::new_id;

    #[test]
    fn ids_are_uuid_v7_and_distinct() {
        let a = new_id();
        let b = new_id();
        assert_ne!(a, b);
        let parsed = uuid::Uuid::parse_str(&a).ok().map(|u| u.get_version_num());
        assert_eq!(parsed, Some(7));
    }
}
