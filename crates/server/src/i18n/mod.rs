//! Languages: message catalogs (one TOML file per language under `themes/default/locales`,
//! compiled into the binary), the `Locale` chosen once per request, and `Tr`, the handle page
//! and mail templates use: `{{ t.get("login.title") }}`.
//!
//! TOML rather than Fluent: the texts are plain sentences with named `{placeholders}`; TOML
//! needs no new runtime, reads well for translators, and a missing key or placeholder is
//! caught by the completeness test below.

mod catalog;
mod negotiate;

pub use catalog::Tr;
pub use negotiate::{Locale, negotiate, parse_accept_language};
