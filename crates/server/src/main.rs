//! The `poort` binary: logging, then the command line.

use clap::Parser;

fn main() -> anyhow::Result<()> {
    poort_server::logging::init();
    let cli = poort_server::cli::Cli::parse();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(poort_server::cli::run(cli))
}
