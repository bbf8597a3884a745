//! End-to-end tests: real servers on port 0, real clients. One binary, modules per area.

mod authorize_errors;
mod backup;
mod failures;
mod full_flow;
mod logout;
mod observability;
mod pages;
mod startup;
mod token_errors;
mod two_nodes;
mod userinfo_errors;
