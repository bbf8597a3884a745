//! The login journey as a decision: after each proof, [`next_step`] says where the login goes
//! (second factor, enrolment, password renewal, expiry warning, or signed in). Pure: the HTTP
//! layer gathers the [`Facts`] and maps each [`Step`] to a page.

use poort_policy::AgeStatus;

/// What the login has proved so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proved {
    /// The password (or nothing else yet).
    Password,
    /// Everything the account needs: password and second factor, or a passkey.
    AllFactors,
}

/// What the decision depends on, looked up once per step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Facts {
    /// Second factors the account has.
    pub factors: u64,
    /// The configuration or one of the user's organisations requires a second factor.
    pub two_factors_required: bool,
    /// The password's age under the user's effective policy (or an admin-forced change).
    pub age: AgeStatus,
}

/// Where the login goes next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Prove a second factor (the account has one): no session yet.
    SecondFactor,
    /// Set one up: signed in with the password, every client out of reach until then.
    Enrol,
    /// Choose a new password first (expired or forced): not signed in until then.
    Renew,
    /// Signed in, with the expiry warning first.
    Warn {
        days_left: u32,
    },
    SignedIn,
}

/// The one decision: no step signs anyone in on the password alone when a second factor
/// exists or is required; the password's age is decided once every factor is proved.
pub fn next_step(proved: Proved, facts: &Facts) -> Step {
    if proved == Proved::Password {
        if facts.factors > 0 {
            return Step::SecondFactor;
        }
        if facts.two_factors_required {
            return Step::Enrol;
        }
    }
    match facts.age {
        AgeStatus::Expired => Step::Renew,
        AgeStatus::Warn { days_left } => Step::Warn { days_left },
        AgeStatus::Ok => Step::SignedIn,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(factors: u64, required: bool, age: AgeStatus) -> Facts {
        Facts {
            factors,
            two_factors_required: required,
            age,
        }
    }

    #[test]
    fn a_password_never_signs_in_an_account_with_or_needing_a_second_factor() {
        for age in [
            AgeStatus::Ok,
            AgeStatus::Expired,
            AgeStatus::Warn { days_left: 2 },
        ] {
            let with_factor = facts(1, false, age);
            assert_eq!(
                next_step(Proved::Password, &with_factor),
                Step::SecondFactor
            );
            let required = facts(0, true, age);
            assert_eq!(next_step(Proved::Password, &required), Step::Enrol);
            let both = facts(2, true, age);
            assert_eq!(next_step(Proved::Password, &both), Step::SecondFactor);
        }
    }

    #[test]
    fn the_password_age_decides_once_every_factor_is_proved() {
        for (proved, factors) in [(Proved::Password, 0), (Proved::AllFactors, 1)] {
            let step = |age| next_step(proved, &facts(factors, proved == Proved::AllFactors, age));
            assert_eq!(step(AgeStatus::Ok), Step::SignedIn);
            assert_eq!(step(AgeStatus::Expired), Step::Renew);
            let warn = AgeStatus::Warn { days_left: 3 };
            assert_eq!(step(warn), Step::Warn { days_left: 3 });
        }
    }
}
