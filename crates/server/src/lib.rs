//! Poort's server: use cases (`flows`), their HTTP adapter (`http`, `pages`), and the operator's
//! command line (`cli`). `App::build(config)` makes a server; tests run several in one process.

pub mod admin;
pub mod api_tokens_config;
pub mod app;
pub mod backchannel;
pub mod backup;
pub mod cache;
pub mod cli;
pub mod client_cli;
pub mod clock;
pub mod config;
pub mod device_config;
pub mod flows;
pub mod hashing;
pub mod http;
pub mod i18n;
pub mod keyring;
pub mod logging;
pub mod mail;
pub mod master_key;
pub mod metrics;
pub mod org_cli;
pub mod outbound;
pub mod pages;
pub mod password_settings;
pub mod registration_config;
pub mod state;
pub mod support_cli;
pub mod tls;
pub mod token_cli;

pub use app::{App, StartError};
pub use clock::{Clock, OffsetClock, SharedClock, SystemClock};
pub use config::Config;
