//! End-to-end tests: real servers on port 0, real clients. One binary, modules per area.

mod authorize_errors;
mod failures;
mod full_flow;
mod keys;
mod logout;
mod observability;
mod pages;
mod token_errors;
mod two_nodes;
mod userinfo_errors;
