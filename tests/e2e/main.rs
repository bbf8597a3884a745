//! End-to-end tests: real servers on port 0, real clients. One binary, modules per area.

mod authorize_errors;
mod full_flow;
mod hash_upgrades;
mod import;
mod login_protection;
mod logout;
mod pages;
mod passwords;
mod token_errors;
mod userinfo_errors;
