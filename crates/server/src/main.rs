//! The `poort` binary: parse the command line and run it.

use clap::Parser;

fn main() -> anyhow::Result<()> {
    let cli = poort_server::cli::Cli::parse();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(poort_server::cli::run(cli))
}
