//! The security policy that applies to one user: the global configuration, made stricter by
//! every organisation the user belongs to. THE one place where organisation settings and the
//! global config are combined; login, lockout, password changes, renewal and session loading
//! all ask here.
//!
//! Every setting takes the strictest value of the global config and of each organisation:
//! the shortest session lifetime, the fewest failures before a lock, the longest lock, the
//! shortest renewal period, and the password rules of every organisation's preset on top of
//! the global rules. Presets are ordered `balanced` < `nist` < `strict` ([`preset_rank`]) to
//! name the strongest one; the rules themselves are merged rule by rule ([`stricter_policy`]),
//! so no rule of any organisation (or of the global config) is lost when presets disagree
//! (e.g. `nist` wants 12 characters, `strict` four character classes: a member of both needs
//! both).

use poort_policy::{CharClass, ClassRule, LockoutPolicy, PasswordPolicy};
use poort_store::orgs;

use super::settings::OrgSettings;
use crate::flows::FlowError;
use crate::password_settings::Preset;
use crate::state::AppState;

/// The global part of the policy (from the configuration).
#[derive(Debug, Clone)]
pub struct GlobalPolicy {
    pub lockout: LockoutPolicy,
    pub password: PasswordPolicy,
}

impl GlobalPolicy {
    pub fn of(state: &AppState) -> Self {
        Self {
            lockout: state.passwords.lockout.clone(),
            password: state.passwords.policy.clone(),
        }
    }
}

/// What applies to one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectivePolicy {
    /// The longest a signed-in browser session may last since its authentication, when one
    /// of the user's organisations limits it (`None`: only the configured session TTL).
    pub session_lifetime_secs: Option<i64>,
    /// Lockout thresholds for the user's account.
    pub lockout: LockoutPolicy,
    /// Password rules, including the renewal period (`max_age_days`).
    pub password: PasswordPolicy,
    /// The strongest preset an organisation asks for, if any (informational; its rules are
    /// already in `password`).
    pub preset: Option<Preset>,
    /// Some organisation requires a second factor.
    pub require_2fa: bool,
}

/// One organisation of the user, as the login needs it.
#[derive(Debug, Clone)]
pub struct Membership {
    pub org_id: String,
    pub org_name: String,
    pub settings: OrgSettings,
}

/// The user's organisations and the policy they add up to: loaded once per login.
#[derive(Debug, Clone)]
pub struct MemberPolicy {
    pub memberships: Vec<Membership>,
    pub effective: EffectivePolicy,
}

impl MemberPolicy {
    /// The names of the user's organisations (refused inside passwords, like personal data).
    pub fn org_names(&self) -> Vec<&str> {
        self.memberships
            .iter()
            .map(|m| m.org_name.as_str())
            .collect()
    }
}

/// The explicit strength order of presets: `balanced` (8 characters, 3 classes) < `nist`
/// (12 characters, strength estimate) < `strict` (10 characters, 4 classes, history).
pub fn preset_rank(preset: Preset) -> u8 {
    match preset {
        Preset::Balanced => 1,
        Preset::Nist => 2,
        Preset::Strict => 3,
    }
}

fn preset_policy(preset: Preset) -> PasswordPolicy {
    match preset {
        Preset::Nist => PasswordPolicy::nist(),
        Preset::Strict => PasswordPolicy::strict(),
        Preset::Balanced => PasswordPolicy::balanced(),
    }
}

/// A class rule that implies both `a` and `b`.
fn stricter_classes(a: &ClassRule, b: &ClassRule) -> ClassRule {
    match (a, b) {
        (ClassRule::None, other) | (other, ClassRule::None) => other.clone(),
        (ClassRule::AtLeast(x), ClassRule::AtLeast(y)) => ClassRule::AtLeast(*x.max(y)),
        (ClassRule::AllOf(x), ClassRule::AllOf(y)) => {
            ClassRule::AllOf(x.union(y).copied().collect())
        }
        (ClassRule::AllOf(set), ClassRule::AtLeast(n))
        | (ClassRule::AtLeast(n), ClassRule::AllOf(set)) => {
            // The listed classes, plus more (in the fixed order) until there are `n`.
            let mut set = set.clone();
            for class in CharClass::ALL {
                if set.len() >= usize::from(*n) {
                    break;
                }
                set.insert(class);
            }
            ClassRule::AllOf(set)
        }
    }
}

/// A password policy at least as strict as both, rule by rule: a password it accepts is
/// accepted by each of them.
pub fn stricter_policy(a: &PasswordPolicy, b: &PasswordPolicy) -> PasswordPolicy {
    let min_length = a.min_length.max(b.min_length);
    PasswordPolicy {
        min_length,
        // Never below the minimum, so the combination stays satisfiable.
        max_length: a.max_length.min(b.max_length).max(min_length),
        classes: stricter_classes(&a.classes, &b.classes),
        min_strength: a.min_strength.max(b.min_strength),
        check_common: a.check_common || b.check_common,
        check_personal_info: a.check_personal_info || b.check_personal_info,
        history: a.history.max(b.history),
        max_age_days: shortest(a.max_age_days, b.max_age_days),
        warn_days: a.warn_days.max(b.warn_days),
    }
}

fn shortest<T: Ord>(a: Option<T>, b: Option<T>) -> Option<T> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Combines the global policy with the settings of each of the user's organisations.
pub fn combine<'a>(
    global: &GlobalPolicy,
    orgs: impl IntoIterator<Item = &'a OrgSettings>,
) -> EffectivePolicy {
    let mut effective = EffectivePolicy {
        session_lifetime_secs: None,
        lockout: global.lockout.clone(),
        password: global.password.clone(),
        preset: None,
        require_2fa: false,
    };
    for org in orgs {
        effective.require_2fa |= org.require_2fa;
        effective.session_lifetime_secs =
            shortest(effective.session_lifetime_secs, org.session_lifetime_secs);
        if let Some(max) = org.lockout_max_failures {
            effective.lockout.max_failures = effective.lockout.max_failures.min(max.max(1));
        }
        if let Some(duration) = org.lockout_duration_secs {
            // Every lock lasts at least the organisation's duration; escalation goes on from
            // there as configured.
            for secs in &mut effective.lockout.durations_secs {
                *secs = (*secs).max(duration);
            }
        }
        if let Some(preset) = org.password_preset {
            effective.password = stricter_policy(&effective.password, &preset_policy(preset));
            if effective
                .preset
                .is_none_or(|current| preset_rank(preset) > preset_rank(current))
            {
                effective.preset = Some(preset);
            }
        }
        if let Some(days) = org.password_renewal_days {
            effective.password.max_age_days =
                shortest(effective.password.max_age_days, Some(days.max(1)));
        }
    }
    effective
}

/// Loads the user's organisations once and combines them with the global policy. For a login
/// name that matches no account, pass any id that matches none (e.g. the digest the lockout
/// uses): the same queries run and the global policy comes back, so neither the timing nor
/// the behaviour tells unknown accounts apart.
pub async fn load(state: &AppState, user_id: &str) -> Result<MemberPolicy, FlowError> {
    let mut memberships = Vec::new();
    for (org, _) in orgs::memberships_of(&state.db, user_id).await? {
        memberships.push(Membership {
            settings: OrgSettings::from_stored(&org.settings)?,
            org_id: org.id,
            org_name: org.name,
        });
    }
    let effective = combine(
        &GlobalPolicy::of(state),
        memberships.iter().map(|m| &m.settings),
    );
    Ok(MemberPolicy {
        memberships,
        effective,
    })
}

/// The policy of `user_id` (a fresh lookup of their organisations).
pub async fn effective_policy(
    state: &AppState,
    user_id: &str,
) -> Result<EffectivePolicy, FlowError> {
    Ok(load(state, user_id).await?.effective)
}

/// Keeps the session lifetime of a user whose policy was just loaded (a successful login), so
/// the requests of the new session need no lookup of their own for a while.
pub fn remember(state: &AppState, user_id: &str, policy: &EffectivePolicy) {
    remember_session_lifetime(state, user_id, policy.session_lifetime_secs);
}

fn remember_session_lifetime(state: &AppState, user_id: &str, lifetime: Option<i64>) {
    let now = state.now();
    state.caches.session_lifetimes.insert(
        user_id.to_owned(),
        lifetime,
        now.saturating_add(state.caches.ttl_secs),
        now,
    );
}

/// The session lifetime the user's organisations impose, for checking a signed-in session on
/// every request: kept per node for `cache_ttl_secs` (a login refreshes it), so a shortened
/// lifetime reaches existing sessions within that time without a database read per request.
pub async fn session_lifetime(state: &AppState, user_id: &str) -> Result<Option<i64>, FlowError> {
    if let Some(lifetime) = state
        .caches
        .session_lifetimes
        .get(&user_id.to_owned(), state.now())
    {
        return Ok(lifetime);
    }
    let lifetime = load(state, user_id).await?.effective.session_lifetime_secs;
    remember_session_lifetime(state, user_id, lifetime);
    Ok(lifetime)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use poort_policy::{CharClass, ClassRule, LockoutPolicy, PasswordPolicy};

    use super::*;

    fn global() -> GlobalPolicy {
        GlobalPolicy {
            lockout: LockoutPolicy::default(),
            password: PasswordPolicy::nist(),
        }
    }

    fn org(assignments: &[&str]) -> OrgSettings {
        let pairs: Vec<String> = assignments.iter().map(|p| (*p).to_owned()).collect();
        OrgSettings::default().with_assignments(&pairs).unwrap()
    }

    #[test]
    fn no_organisation_means_the_global_policy() {
        let effective = combine(&global(), []);
        assert_eq!(effective.session_lifetime_secs, None);
        assert_eq!(effective.lockout, LockoutPolicy::default());
        assert_eq!(effective.password, PasswordPolicy::nist());
        assert_eq!(effective.preset, None);
        assert!(!effective.require_2fa);
        // An organisation that sets nothing changes nothing.
        assert_eq!(combine(&global(), [&OrgSettings::default()]), effective);
    }

    #[test]
    fn each_setting_takes_the_strictest_value_of_all_organisations() {
        let a = org(&[
            "session_lifetime_secs=3600",
            "lockout_max_failures=3",
            "lockout_duration_secs=120",
            "password_renewal_days=90",
            "password_preset=balanced",
        ]);
        let b = org(&[
            "session_lifetime_secs=900",
            "lockout_max_failures=8",
            "lockout_duration_secs=600",
            "password_renewal_days=30",
            "password_preset=strict",
        ]);
        let both = combine(&global(), [&a, &b]);
        assert_eq!(both, combine(&global(), [&b, &a]), "order does not matter");
        assert_eq!(both.session_lifetime_secs, Some(900));
        assert_eq!(both.lockout.max_failures, 3);
        // Every lock lasts at least 600 s; longer configured escalations stay.
        assert_eq!(both.lockout.durations_secs, vec![600, 600, 900, 3600]);
        assert_eq!(both.password.max_age_days, Some(30));
        assert_eq!(both.preset, Some(Preset::Strict));
    }

    #[test]
    fn organisations_never_loosen_the_global_config() {
        let global = GlobalPolicy {
            lockout: LockoutPolicy {
                max_failures: 2,
                durations_secs: vec![7200],
                ..LockoutPolicy::default()
            },
            password: PasswordPolicy {
                max_age_days: Some(10),
                ..PasswordPolicy::nist()
            },
        };
        let lax = org(&[
            "lockout_max_failures=50",
            "lockout_duration_secs=1",
            "password_renewal_days=365",
            "password_preset=balanced",
        ]);
        let effective = combine(&global, [&lax]);
        assert_eq!(effective.lockout.max_failures, 2);
        assert_eq!(effective.lockout.durations_secs, vec![7200]);
        assert_eq!(effective.password.max_age_days, Some(10));
        // nist's length and strength stay; balanced adds its three classes.
        assert_eq!(effective.password.min_length, 12);
        assert_eq!(effective.password.min_strength, Some(3));
        assert_eq!(effective.password.classes, ClassRule::AtLeast(3));
    }

    #[test]
    fn presets_are_ordered_and_merged_rule_by_rule() {
        assert!(preset_rank(Preset::Balanced) < preset_rank(Preset::Nist));
        assert!(preset_rank(Preset::Nist) < preset_rank(Preset::Strict));
        let strict = combine(&global(), [&org(&["password_preset=strict"])]).password;
        assert_eq!(strict.min_length, 12, "the global nist length stays");
        assert_eq!(strict.classes, ClassRule::AllOf(CharClass::ALL.into()));
        assert_eq!(strict.history, 5);
        assert_eq!(strict.min_strength, Some(3));
        assert_eq!(strict.validate(), Ok(()));
        let two = combine(
            &global(),
            [
                &org(&["password_preset=balanced"]),
                &org(&["password_preset=nist"]),
            ],
        );
        assert_eq!(two.preset, Some(Preset::Nist));
    }

    #[test]
    fn class_rules_combine_into_one_implying_both() {
        let all_of = |classes: &[CharClass]| ClassRule::AllOf(classes.iter().copied().collect());
        assert_eq!(
            stricter_classes(&ClassRule::None, &ClassRule::AtLeast(2)),
            ClassRule::AtLeast(2)
        );
        assert_eq!(
            stricter_classes(&ClassRule::AtLeast(3), &ClassRule::AtLeast(2)),
            ClassRule::AtLeast(3)
        );
        assert_eq!(
            stricter_classes(&all_of(&[CharClass::Digit]), &all_of(&[CharClass::Upper])),
            all_of(&[CharClass::Digit, CharClass::Upper])
        );
        assert_eq!(
            stricter_classes(&all_of(&[CharClass::Special]), &ClassRule::AtLeast(3)),
            all_of(&[CharClass::Special, CharClass::Upper, CharClass::Lower])
        );
        assert_eq!(
            stricter_classes(&ClassRule::AtLeast(1), &all_of(&[CharClass::Digit])),
            all_of(&[CharClass::Digit])
        );
    }

    #[test]
    fn merged_lengths_stay_satisfiable() {
        let long = PasswordPolicy {
            min_length: 40,
            max_length: 64,
            ..PasswordPolicy::nist()
        };
        let short_cap = PasswordPolicy {
            max_length: 20,
            ..PasswordPolicy::balanced()
        };
        let merged = stricter_policy(&long, &short_cap);
        assert_eq!((merged.min_length, merged.max_length), (40, 40));
        assert_eq!(merged.validate(), Ok(()));
    }

    #[test]
    fn require_2fa_of_any_organisation_applies() {
        let effective = combine(&global(), [&org(&[]), &org(&["require_2fa=true"])]);
        assert!(effective.require_2fa);
    }
}
