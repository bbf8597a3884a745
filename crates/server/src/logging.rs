//! Process-wide logging for the binary: text or JSON (`log_format`), filtered by `POORT_LOG`.

use tracing_subscriber::EnvFilter;

/// Installs the subscriber once; later calls (tests building several apps) are no-ops.
pub fn init(format: &str) {
    let filter = EnvFilter::try_from_env("POORT_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sea_orm_migration=warn,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
