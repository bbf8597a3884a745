//! `poort-bench`: builds the release `poort`, starts it on 127.0.0.1 with a fresh data dir,
//! seeds it through the store layer, drives it with the in-repo HTTP/1.1 load generator, and
//! prints a table plus a JSON file (`bench/out/`) comparing each phase with this machine's own
//! limits. Every phase is bounded in time; the run ends by itself. See BENCHMARKS.md.

mod http;
mod limits;
mod load;
mod phases;
mod report;
mod scenario;
mod seed;
mod server;

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

#[derive(Parser, Clone)]
#[command(
    name = "poort-bench",
    about = "Load benchmark of poort against this machine's limits"
)]
pub struct Args {
    /// Seconds measured per phase (after a warm-up of a tenth of that, at most 1 s).
    #[arg(long, env = "POORT_BENCH_PHASE_SECS", default_value_t = 10.0)]
    pub phase_secs: f64,
    /// A quick run: 2 s phases, a scale data set a tenth the size, 20,000 sessions.
    #[arg(long, env = "POORT_BENCH_QUICK")]
    pub quick: bool,
    /// Keep-alive connections of the load generator in the throughput phases.
    #[arg(long, default_value_t = 32)]
    pub connections: usize,
    /// Run every throughput phase this many times and report the median.
    #[arg(long, default_value_t = 1)]
    pub repeat: usize,
    /// The core the server is pinned to (taskset) in the per-core phases.
    #[arg(long, default_value_t = 0)]
    pub server_core: usize,
    /// The core the load generator is pinned to in the per-core phases.
    #[arg(long, default_value_t = 1)]
    pub load_core: usize,
    #[arg(long)]
    pub scale_users: Option<usize>,
    #[arg(long)]
    pub scale_clients: Option<usize>,
    #[arg(long)]
    pub scale_refresh_tokens: Option<usize>,
    /// Browser sessions created for the memory phase.
    #[arg(long)]
    pub sessions: Option<usize>,
    /// Run only these phases (by name, repeatable), e.g. `--only userinfo`; `limits`, `storm`,
    /// `memory` and `scale` name the special phases.
    #[arg(long)]
    pub only: Vec<String>,
    /// Use the already built release binary.
    #[arg(long)]
    pub no_build: bool,
    /// Prefix for the server command (e.g. `valgrind --tool=callgrind`), for profiling.
    #[arg(long)]
    pub server_prefix: Option<String>,
    /// argon2id parameters of the server (and of the hash-rate limit).
    #[arg(long, default_value_t = 19_456)]
    pub argon2_memory_kib: u32,
    #[arg(long, default_value_t = 2)]
    pub argon2_iterations: u32,
    #[arg(long, default_value_t = 1)]
    pub argon2_parallelism: u32,
    /// Where the JSON report and the run's data dir go.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Keep the run's data dir (about 2 GB after the scale phase) instead of deleting it.
    #[arg(long)]
    pub keep_data: bool,
}

impl Args {
    pub fn measure(&self) -> Duration {
        let secs = if self.quick {
            self.phase_secs.min(2.0)
        } else {
            self.phase_secs
        };
        Duration::from_secs_f64(secs.max(0.2))
    }

    pub fn warmup(&self) -> Duration {
        (self.measure() / 10).min(Duration::from_secs(1))
    }

    pub fn scale_counts(&self) -> seed::ScaleCounts {
        let divisor = if self.quick { 10 } else { 1 };
        seed::ScaleCounts {
            users: self.scale_users.unwrap_or(1_000_000 / divisor),
            clients: self.scale_clients.unwrap_or(100_000 / divisor),
            refresh_tokens: self.scale_refresh_tokens.unwrap_or(1_000_000 / divisor),
        }
    }

    pub fn sessions(&self) -> usize {
        self.sessions
            .unwrap_or(if self.quick { 20_000 } else { 100_000 })
    }

    pub fn wants(&self, phase: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|p| p == phase)
    }

    pub fn out_dir(&self) -> PathBuf {
        self.out
            .clone()
            .unwrap_or_else(|| server::workspace_root().join("bench").join("out"))
    }
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let report = phases::run_all(&args)?;
    report::print_table(&report);
    let path = report::write_json(&report, &args.out_dir())?;
    println!("\nJSON report: {}", path.display());
    Ok(())
}
