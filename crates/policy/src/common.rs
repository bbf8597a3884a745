//! The common-password list: a shipped list plus the operator's own, matched case-insensitively.

use std::collections::HashSet;

/// Generated offline; see the header of the file and `data/generate_common_passwords.py`.
const BUILTIN: &str = include_str!("../data/common-passwords.txt");

/// A set of passwords to refuse, stored in lower case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommonList {
    entries: HashSet<String>,
}

impl CommonList {
    /// The list shipped with Poort (about 12,000 weak passwords and patterns).
    /// Parse it once at start-up and keep it; it is not cached here.
    pub fn builtin() -> Self {
        let lines = BUILTIN.lines().filter(|line| !line.starts_with('#'));
        CommonList::empty().with_extra(lines)
    }

    /// A list with no entries.
    pub fn empty() -> Self {
        CommonList {
            entries: HashSet::new(),
        }
    }

    /// Adds an operator's entries, one per line. Each line is trimmed and taken literally
    /// (a `#` is part of the password, not a comment); blank lines are skipped.
    #[must_use]
    pub fn with_extra<I, S>(mut self, lines: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let entries = lines
            .into_iter()
            .map(|line| line.as_ref().trim().to_lowercase())
            .filter(|line| !line.is_empty());
        self.entries.extend(entries);
        self
    }

    /// Whether `password` is on the list, ignoring case.
    pub fn contains(&self, password: &str) -> bool {
        self.entries.contains(&password.to_lowercase())
    }

    /// Number of distinct entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the list has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl Default for CommonList {
    fn default() -> Self {
        CommonList::builtin()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_has_well_known_passwords_in_any_case() {
        let list = CommonList::builtin();
        assert!(list.len() > 1_000);
        for weak in [
            "password",
            "PASSWORD",
            "Password1",
            "123456",
            "qwerty",
            "Qwertyuiop",
            "1qaz2wsx",
            "letmein",
            "iloveyou",
            "Summer2024!",
            "Welcome123",
            "aaaaaaaa",
            "asdfghjkl",
            "P@ssw0rd",
        ] {
            assert!(list.contains(weak), "{weak} should be common");
        }
    }

    #[test]
    fn builtin_skips_header_and_leaves_real_passwords_out() {
        let list = CommonList::builtin();
        assert!(!list.contains("# Common weak passwords for poort-policy (one per line, lower case, matched case-insensitively)."));
        assert!(!list.contains("correct horse battery staple tulip"));
        assert!(!list.contains("vK3#pL9!wQ2m"));
    }

    #[test]
    fn extra_entries_are_trimmed_lowercased_and_literal() {
        let operator_file = "Acme2024\r\n\n  Tulpenbol  \n#hashtag\n";
        let list = CommonList::empty().with_extra(operator_file.lines());
        assert_eq!(list.len(), 3);
        assert!(list.contains("acme2024"));
        assert!(list.contains("ACME2024"));
        assert!(list.contains("tulpenBOL"));
        assert!(list.contains("#HashTag"));
        assert!(!list.contains(" tulpenbol "));
    }

    #[test]
    fn extra_entries_add_to_the_builtin_list() {
        let list = CommonList::builtin().with_extra(["Zeilboot-Harlingen"]);
        assert!(list.contains("zeilboot-harlingen"));
        assert!(list.contains("password"));
        assert_eq!(list.len(), CommonList::builtin().len() + 1);
    }

    #[test]
    fn unicode_case_folding() {
        let list = CommonList::empty().with_extra(["ÉTÉ2024"]);
        assert!(list.contains("été2024"));
    }
}
