//! The Device Authorization Grant (RFC 8628) for devices without a browser (TVs, CLIs):
//! `authorization` answers the device authorization endpoint; `verification` is the user's
//! side (the typed user code, `throttle`d, then the normal login journey and a confirmation);
//! `records` is what both leave in the ephemeral store. The device's polling is the token
//! endpoint's grant, `flows::token::device_code`.

pub mod authorization;
pub mod records;
pub mod throttle;
pub mod verification;
