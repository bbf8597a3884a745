//! Password renewal: whether a password is fine, close to expiry, or must be changed now.

use crate::policy::PasswordPolicy;

const SECONDS_PER_DAY: u64 = 86_400;

/// Where a password stands in its lifetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgeStatus {
    /// Nothing to show.
    Ok,
    /// Show the warning banner: the password expires in `days_left` days (rounded up, ≥ 1).
    Warn { days_left: u32 },
    /// The next login goes to the "choose a new password" page before anything else:
    /// the password is past its maximum age, or an admin forced a change.
    Expired,
}

/// The age status of a password changed at `changed_at`, seen at `now` (both Unix seconds).
///
/// The password expires exactly `max_age_days` × 24 h after `changed_at`; the warning covers
/// the last `warn_days` days before that. A `changed_at` in the future (clock skew) is Ok.
pub fn password_age_status(
    policy: &PasswordPolicy,
    changed_at: i64,
    now: i64,
    force_change: bool,
) -> AgeStatus {
    if force_change {
        return AgeStatus::Expired;
    }
    let Some(max_age_days) = policy.max_age_days else {
        return AgeStatus::Ok;
    };
    let max_age_secs = u64::from(max_age_days) * SECONDS_PER_DAY;
    let expires_at = changed_at.saturating_add_unsigned(max_age_secs);
    // Negative or zero time left fails the conversion: the password has expired.
    let Ok(seconds_left) = u64::try_from(expires_at.saturating_sub(now)) else {
        return AgeStatus::Expired;
    };
    if seconds_left == 0 {
        return AgeStatus::Expired;
    }
    // Rounded up, so one second before expiry is "1 day left", never "0".
    let days_left = seconds_left.div_ceil(SECONDS_PER_DAY);
    match u32::try_from(days_left) {
        Ok(days_left) if days_left <= policy.warn_days => AgeStatus::Warn { days_left },
        Ok(_) | Err(_) => AgeStatus::Ok,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;
    const CHANGED: i64 = 1_700_000_000;

    fn policy(max_age_days: Option<u32>, warn_days: u32) -> PasswordPolicy {
        PasswordPolicy {
            max_age_days,
            warn_days,
            ..PasswordPolicy::nist()
        }
    }

    #[test]
    fn no_max_age_never_expires() {
        let p = policy(None, 14);
        assert_eq!(
            password_age_status(&p, CHANGED, CHANGED + 10_000 * DAY, false),
            AgeStatus::Ok
        );
    }

    #[test]
    fn force_change_wins_over_everything() {
        assert_eq!(
            password_age_status(&policy(None, 14), CHANGED, CHANGED, true),
            AgeStatus::Expired
        );
        assert_eq!(
            password_age_status(&policy(Some(90), 14), CHANGED, CHANGED, true),
            AgeStatus::Expired
        );
    }

    #[test]
    fn boundaries_around_warning_and_expiry() {
        let p = policy(Some(90), 14);
        let expires = CHANGED + 90 * DAY;
        let status = |now| password_age_status(&p, CHANGED, now, false);
        assert_eq!(status(CHANGED), AgeStatus::Ok);
        assert_eq!(status(expires - 14 * DAY - 1), AgeStatus::Ok);
        assert_eq!(
            status(expires - 14 * DAY),
            AgeStatus::Warn { days_left: 14 }
        );
        assert_eq!(
            status(expires - 13 * DAY - 1),
            AgeStatus::Warn { days_left: 14 }
        );
        assert_eq!(
            status(expires - 13 * DAY),
            AgeStatus::Warn { days_left: 13 }
        );
        assert_eq!(status(expires - 1), AgeStatus::Warn { days_left: 1 });
        assert_eq!(status(expires), AgeStatus::Expired);
        assert_eq!(status(expires + 365 * DAY), AgeStatus::Expired);
    }

    #[test]
    fn zero_warn_days_goes_straight_from_ok_to_expired() {
        let p = policy(Some(30), 0);
        let expires = CHANGED + 30 * DAY;
        assert_eq!(
            password_age_status(&p, CHANGED, expires - 1, false),
            AgeStatus::Ok
        );
        assert_eq!(
            password_age_status(&p, CHANGED, expires, false),
            AgeStatus::Expired
        );
    }

    #[test]
    fn warning_longer_than_max_age_warns_from_the_start() {
        let p = policy(Some(7), 30);
        assert_eq!(
            password_age_status(&p, CHANGED, CHANGED, false),
            AgeStatus::Warn { days_left: 7 }
        );
    }

    #[test]
    fn change_in_the_future_is_ok_and_extremes_do_not_overflow() {
        let p = policy(Some(90), 14);
        assert_eq!(
            password_age_status(&p, CHANGED + 1000 * DAY, CHANGED, false),
            AgeStatus::Ok
        );
        assert_eq!(
            password_age_status(&p, i64::MAX, i64::MIN, false),
            AgeStatus::Ok
        );
        assert_eq!(
            password_age_status(&p, i64::MIN, i64::MAX, false),
            AgeStatus::Expired
        );
    }
}
