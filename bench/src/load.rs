//! The load generator: groups of keep-alive connections, each running a scenario in a closed
//! loop (or paced at a fixed rate) until a deadline or an iteration budget, on a runtime pinned
//! to one core or spread over all of them. Latency is recorded per scenario iteration after a
//! warm-up.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::http::Conn;
use crate::scenario::{Outcome, Scenario};

/// Any single iteration taking longer than this counts as an error (and ends the phase's wait).
const ITERATION_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Clone, Copy, Debug, Serialize)]
pub enum Placement {
    /// One thread pinned to this core (the per-core figures).
    Core(usize),
    /// A multi-threaded runtime over all cores (the login storm).
    AllCores,
}

/// Connections that run one scenario.
pub struct Group {
    pub name: String,
    pub connections: usize,
    /// Iterations per second per connection; `None` = as fast as answers come (closed loop).
    pub pace_per_conn: Option<f64>,
    /// Stop after this many iterations over the whole group (warm-up included).
    pub max_iterations: Option<i64>,
    pub make: Box<dyn Fn(usize) -> Scenario + Send + Sync>,
}

#[derive(Clone, Debug, Serialize)]
pub struct GroupResult {
    pub name: String,
    pub connections: usize,
    pub measured_secs: f64,
    pub iterations: u64,
    /// Successful iterations during the warm-up (not in `iterations`).
    pub warmup_iterations: u64,
    pub per_sec: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// Answers with an unexpected status (non-2xx for single requests).
    pub unexpected: u64,
    /// Connection failures, timeouts, unparsable answers.
    pub errors: u64,
    pub first_problem: Option<String>,
}

struct ConnStats {
    warmup_ok: u64,
    latencies_us: Vec<u32>,
    unexpected: u64,
    errors: u64,
    first_problem: Option<String>,
}

/// Runs `groups` together for `warmup + measure` (or until their iteration budgets run out).
pub fn run(
    addr: SocketAddr,
    groups: Vec<Group>,
    warmup: Duration,
    measure: Duration,
    placement: Placement,
) -> anyhow::Result<Vec<GroupResult>> {
    std::thread::scope(|scope| {
        scope
            .spawn(move || {
                let runtime = match placement {
                    Placement::Core(core) => {
                        pin_current_thread(core)?;
                        tokio::runtime::Builder::new_current_thread()
                            .enable_all()
                            .build()?
                    }
                    Placement::AllCores => tokio::runtime::Builder::new_multi_thread()
                        .worker_threads(available_cores())
                        .enable_all()
                        .build()?,
                };
                runtime.block_on(run_groups(addr, groups, warmup, measure))
            })
            .join()
            .map_err(|_| anyhow::anyhow!("the load thread panicked"))?
    })
}

pub fn available_cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// Pins the calling thread to `core`; an error if the machine has no such core.
pub fn pin_current_thread(core: usize) -> anyhow::Result<()> {
    let ids = core_affinity::get_core_ids().unwrap_or_default();
    let id = ids
        .into_iter()
        .find(|id| id.id == core)
        .ok_or_else(|| anyhow::anyhow!("core {core} is not available for pinning"))?;
    if core_affinity::set_for_current(id) {
        Ok(())
    } else {
        anyhow::bail!("pinning to core {core} failed")
    }
}

async fn run_groups(
    addr: SocketAddr,
    groups: Vec<Group>,
    warmup: Duration,
    measure: Duration,
) -> anyhow::Result<Vec<GroupResult>> {
    let start = Instant::now();
    let measure_from = start + warmup;
    let deadline = measure_from + measure;
    let mut handles = Vec::new();
    for group in &groups {
        let budget = Arc::new(AtomicI64::new(group.max_iterations.unwrap_or(i64::MAX)));
        let mut tasks = Vec::new();
        for index in 0..group.connections {
            let scenario = (group.make)(index);
            let budget = budget.clone();
            let pace = group.pace_per_conn.map(|rate| {
                // Spread the connections' slots over one period, so paced probes do not burst.
                let period = Duration::from_secs_f64(1.0 / rate.max(0.001));
                let offset = period.mul_f64(index as f64 / group.connections.max(1) as f64);
                (period, offset)
            });
            tasks.push(tokio::spawn(drive(
                addr,
                scenario,
                budget,
                pace,
                measure_from,
                deadline,
            )));
        }
        handles.push(tasks);
    }
    let mut results = Vec::new();
    for (group, tasks) in groups.iter().zip(handles) {
        let mut all = ConnStats {
            warmup_ok: 0,
            latencies_us: Vec::new(),
            unexpected: 0,
            errors: 0,
            first_problem: None,
        };
        for task in tasks {
            let stats = task.await?;
            all.latencies_us.extend(stats.latencies_us);
            all.warmup_ok += stats.warmup_ok;
            all.unexpected += stats.unexpected;
            all.errors += stats.errors;
            if all.first_problem.is_none() {
                all.first_problem = stats.first_problem;
            }
        }
        let ended = Instant::now().min(deadline);
        let measured = ended.saturating_duration_since(measure_from).as_secs_f64();
        results.push(summarise(group, all, measured));
    }
    Ok(results)
}

async fn drive(
    addr: SocketAddr,
    mut scenario: Scenario,
    budget: Arc<AtomicI64>,
    pace: Option<(Duration, Duration)>,
    measure_from: Instant,
    deadline: Instant,
) -> ConnStats {
    let mut conn = Conn::new(addr);
    let mut stats = ConnStats {
        warmup_ok: 0,
        latencies_us: Vec::with_capacity(1 << 16),
        unexpected: 0,
        errors: 0,
        first_problem: None,
    };
    let mut next_slot = pace.map(|(_, offset)| Instant::now() + offset);
    loop {
        if let (Some(slot), Some((period, _))) = (next_slot.as_mut(), pace) {
            tokio::time::sleep_until((*slot).into()).await;
            *slot += period;
        }
        let began = Instant::now();
        if began >= deadline || budget.fetch_sub(1, Ordering::Relaxed) <= 0 {
            break;
        }
        let outcome =
            match tokio::time::timeout(ITERATION_TIMEOUT, scenario.iterate(&mut conn)).await {
                Ok(outcome) => outcome,
                Err(_) => {
                    conn.reset();
                    Outcome::Error("timed out".into())
                }
            };
        let took = began.elapsed();
        if began < measure_from {
            match outcome {
                Outcome::Ok => stats.warmup_ok += 1,
                Outcome::Stop(why) => {
                    stats.first_problem.get_or_insert(why);
                    break;
                }
                Outcome::Unexpected(_) | Outcome::Error(_) => {}
            }
            continue;
        }
        match outcome {
            Outcome::Ok => {
                stats
                    .latencies_us
                    .push(u32::try_from(took.as_micros()).unwrap_or(u32::MAX));
            }
            Outcome::Unexpected(why) => {
                stats.unexpected += 1;
                stats.first_problem.get_or_insert(why);
            }
            Outcome::Error(why) => {
                stats.errors += 1;
                stats.first_problem.get_or_insert(why);
            }
            Outcome::Stop(why) => {
                stats.errors += 1;
                stats.first_problem.get_or_insert(why);
                break;
            }
        }
    }
    stats
}

fn summarise(group: &Group, mut all: ConnStats, measured_secs: f64) -> GroupResult {
    all.latencies_us.sort_unstable();
    let quantile = |q: f64| -> f64 {
        if all.latencies_us.is_empty() {
            return 0.0;
        }
        let rank = ((all.latencies_us.len() as f64 - 1.0) * q).round() as usize;
        f64::from(all.latencies_us[rank.min(all.latencies_us.len() - 1)]) / 1000.0
    };
    let iterations = all.latencies_us.len() as u64;
    GroupResult {
        name: group.name.clone(),
        connections: group.connections,
        measured_secs,
        iterations,
        warmup_iterations: all.warmup_ok,
        per_sec: if measured_secs > 0.0 {
            iterations as f64 / measured_secs
        } else {
            0.0
        },
        p50_ms: quantile(0.50),
        p99_ms: quantile(0.99),
        max_ms: quantile(1.0),
        unexpected: all.unexpected,
        errors: all.errors,
        first_problem: all.first_problem,
    }
}
