//! Log output: text or JSON lines on standard error, filtered by `POORT_LOG`. Each line written
//! while a request is handled carries the request's span (id, method, route template), so one
//! request's lines can be found by its `x-request-id`.
//!
//! What is logged never includes secrets: requests are logged by route template, not by raw
//! URL (queries can hold tokens), and no handler logs bodies or credentials.

use tracing::Subscriber;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// Builds the subscriber; `json` selects JSON lines. Tests pass their own writer.
pub fn subscriber<W>(json: bool, filter: EnvFilter, writer: W) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    if json {
        Box::new(
            builder
                .json()
                .with_current_span(true)
                .with_span_list(false)
                .finish(),
        )
    } else {
        Box::new(builder.finish())
    }
}

/// The binary's logging, to stderr: `format` is the config's `log_format` (`json` or `text`);
/// `POORT_LOG` is the filter (default: info, with the migrator's and sqlx's chatter quieted).
pub fn init(format: &str) {
    let filter = EnvFilter::try_from_env("POORT_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sea_orm_migration=warn,sqlx=warn"));
    let json = format == "json";
    // Fails only if a subscriber is already installed, which then keeps logging.
    let _ = tracing::subscriber::set_global_default(subscriber(json, filter, std::io::stderr));
}
