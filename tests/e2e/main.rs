//! End-to-end tests: real servers on port 0, real clients. One binary, modules per area.

mod authorize_errors;
mod caches;
mod full_flow;
mod keys;
mod logout;
mod pages;
mod token_errors;
mod userinfo_errors;
