//! Password policy for Poort: composition, strength, common passwords, personal details,
//! history, renewal and lockout rules. Pure: no I/O, no hashing, no clock.

mod char_class;
mod check;
mod common;
mod context;
mod history;
mod lockout;
mod policy;
mod renewal;
mod violation;

pub use char_class::{CharClass, ClassRule};
pub use check::check;
pub use common::CommonList;
pub use context::PolicyContext;
pub use history::reused;
pub use lockout::{
    InvalidLockout, LockoutPolicy, attempt_allowed, ip_throttled, lock_duration, should_lock,
};
pub use policy::{InvalidPolicy, MAX_STRENGTH, PasswordPolicy};
pub use renewal::{AgeStatus, password_age_status};
pub use violation::{PersonalField, Violation};
