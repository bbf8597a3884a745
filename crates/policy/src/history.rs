//! Password history: whether a new password matches one of the last N stored hashes.
//!
//! Hash verification lives in the credentials crate; the caller passes it in as `verify`.

use crate::policy::PasswordPolicy;

/// Whether the new password matches one of the `policy.history` newest hashes.
///
/// `history_newest_first` holds the stored hashes, the current password's first; entries
/// beyond the policy's depth are ignored, so a store that keeps more costs nothing extra.
/// `verify` checks the new password against one stored hash; it is slow by design, so
/// checking stops at the first match.
pub fn reused<I, H>(
    policy: &PasswordPolicy,
    history_newest_first: I,
    mut verify: impl FnMut(&str) -> bool,
) -> bool
where
    I: IntoIterator<Item = H>,
    H: AsRef<str>,
{
    let depth = usize::try_from(policy.history).unwrap_or(usize::MAX);
    history_newest_first
        .into_iter()
        .take(depth)
        .any(|hash| verify(hash.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy_with_history(history: u32) -> PasswordPolicy {
        PasswordPolicy {
            history,
            ..PasswordPolicy::nist()
        }
    }

    /// Stands in for a hash check: the "hash" of a password is `h(password)`.
    fn verify_against(password: &str) -> impl FnMut(&str) -> bool + '_ {
        move |hash| hash == format!("h({password})")
    }

    #[test]
    fn finds_a_match_within_the_depth() {
        let hashes = vec![
            "h(new1)".to_owned(),
            "h(old2)".to_owned(),
            "h(old3)".to_owned(),
        ];
        let policy = policy_with_history(3);
        assert!(reused(&policy, &hashes, verify_against("new1")));
        assert!(reused(&policy, &hashes, verify_against("old3")));
        assert!(!reused(&policy, &hashes, verify_against("fresh")));
    }

    #[test]
    fn ignores_hashes_beyond_the_depth() {
        let hashes = ["h(a)", "h(b)", "h(c)"];
        assert!(!reused(
            &policy_with_history(2),
            hashes,
            verify_against("c")
        ));
        assert!(reused(&policy_with_history(2), hashes, verify_against("b")));
    }

    #[test]
    fn zero_history_checks_nothing() {
        let mut calls = 0;
        let found = reused(&policy_with_history(0), ["h(a)"], |_| {
            calls += 1;
            true
        });
        assert!(!found);
        assert_eq!(calls, 0);
    }

    #[test]
    fn stops_at_the_first_match() {
        let mut calls = 0;
        let found = reused(&policy_with_history(5), ["h(a)", "h(b)", "h(c)"], |hash| {
            calls += 1;
            hash == "h(a)"
        });
        assert!(found);
        assert_eq!(calls, 1);
    }
}
