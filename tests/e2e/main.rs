//! End-to-end tests: real servers on port 0, real clients. One binary, modules per area.

mod api_tokens;
mod authorize_errors;
mod backup;
mod caches;
mod failures;
mod full_flow;
mod hash_upgrades;
mod import;
mod keys;
mod login_protection;
mod logout;
mod mfa_account;
mod mfa_enforcement;
mod mfa_recovery;
mod mfa_totp;
mod mfa_webauthn;
mod observability;
mod pages;
mod passwords;
mod startup;
mod token_errors;
mod two_nodes;
mod userinfo_errors;
