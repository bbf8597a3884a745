//! End-to-end tests: real servers on port 0, real clients. One binary, modules per area.

mod authorize_errors;
mod full_flow;
mod logout;
mod mfa_account;
mod mfa_enforcement;
mod mfa_recovery;
mod mfa_totp;
mod mfa_webauthn;
mod pages;
mod token_errors;
mod userinfo_errors;
