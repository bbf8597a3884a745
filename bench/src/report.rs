//! The results: each phase with what bounds it, its ratio to that limit and its target; the
//! printed table and the JSON file.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::Args;
use crate::limits::Limits;
use crate::load::GroupResult;
use crate::seed::ScaleReport;

#[derive(Clone, Copy, Debug, Serialize)]
pub enum Target {
    None,
    PerSec(f64),
    RatioAtLeast(f64),
    PerSecAndRatio(f64, f64),
}

#[derive(Debug, Serialize)]
pub struct Machine {
    pub cpu: String,
    pub cores: usize,
    pub memory_gib: f64,
    pub kernel: String,
    pub load_average_at_start: String,
    pub load_average_at_end: String,
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

pub fn machine_facts() -> Machine {
    let cpuinfo = read("/proc/cpuinfo");
    let cpu = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    let memory_kib: f64 = read("/proc/meminfo")
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    Machine {
        cpu,
        cores: crate::load::available_cores(),
        memory_gib: memory_kib / 1024.0 / 1024.0,
        kernel: read("/proc/sys/kernel/osrelease").trim().to_string(),
        load_average_at_start: load_average(),
        load_average_at_end: String::new(),
    }
}

fn load_average() -> String {
    read("/proc/loadavg")
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

#[derive(Debug, Serialize)]
pub struct PhaseRecord {
    pub name: String,
    pub result: GroupResult,
    /// Requests (iterations) per second of every repetition; `result` is the median one.
    pub runs_per_sec: Vec<f64>,
    /// Server CPU time (all threads, user + system) per request, in µs.
    pub cpu_us_per_request: Option<f64>,
    /// 1 / CPU per request: the rate one core would give if it were all the server's. The
    /// machine is shared, so this — not the wall rate — is what targets are checked against.
    pub per_core_per_sec: Option<f64>,
    pub bound_by: String,
    /// The bounding operation's rate on one pinned thread, per wall second and per CPU-second.
    pub limit_per_sec: Option<f64>,
    pub limit_per_cpu_sec: Option<f64>,
    /// Wall rate ÷ wall limit (same run, noisy), and per-core rate ÷ per-CPU-second limit.
    pub ratio_to_limit: Option<f64>,
    pub ratio_to_limit_cpu: Option<f64>,
    pub target: Target,
    pub met: Option<bool>,
}

fn base_name(name: &str) -> &str {
    name.strip_suffix("_scale").unwrap_or(name)
}

impl PhaseRecord {
    pub fn new(
        name: &str,
        result: GroupResult,
        runs_per_sec: Vec<f64>,
        cpu_us: Option<f64>,
        target: Target,
        limits: Option<&Limits>,
        earlier: &[PhaseRecord],
    ) -> Self {
        let healthz = earlier.iter().find(|p| p.name == "healthz");
        let healthz_cpu = healthz.and_then(|p| p.per_core_per_sec);
        let healthz = healthz.map(|p| p.result.per_sec);
        type Pick = fn(&Limits) -> &crate::limits::Rate;
        let (bound_by, pick, divisor): (&str, Option<Pick>, f64) = match base_name(name) {
            "healthz" => ("HTTP stack on one core (the ceiling)", None, 1.0),
            "discovery" | "jwks" => ("HTTP stack: the /healthz rate", None, 1.0),
            "client_credentials_es256" => (
                "ES256 signature (1 per token)",
                Some(|l| &l.es256_signs),
                1.0,
            ),
            "client_credentials_rs256" => (
                "RS256-2048 signature (1 per token)",
                Some(|l| &l.rs256_signs),
                1.0,
            ),
            "introspection_jwt" | "userinfo" => (
                "ES256 verification (1 per new token)",
                Some(|l| &l.es256_verifies),
                1.0,
            ),
            "introspection_api_token" => ("parse + SHA-256, cached row", None, 1.0),
            "refresh_token" => (
                "2 ES256 signatures + SQLite rotation",
                Some(|l| &l.es256_signs),
                2.0,
            ),
            "login_flow" => (
                "argon2id verification (1 per login)",
                Some(|l| &l.argon2id_hashes),
                1.0,
            ),
            _ => ("", None, 1.0),
        };
        let rate = limits.zip(pick).map(|(l, pick)| pick(l));
        let (limit, limit_cpu) = match (base_name(name), rate) {
            ("discovery" | "jwks", _) => (healthz, healthz_cpu),
            (_, Some(rate)) => (
                Some(rate.one_core / divisor),
                Some(rate.one_core_cpu / divisor),
            ),
            (_, None) => (None, None),
        };
        let per_core = cpu_us.filter(|c| *c > 0.0).map(|c| 1e6 / c);
        let ratio = limit.map(|l| result.per_sec / l);
        let ratio_cpu = per_core.zip(limit_cpu).map(|(r, l)| r / l);
        let clean = result.unexpected == 0 && result.errors == 0;
        let met = match target {
            Target::None => None,
            Target::PerSec(min) => per_core.map(|r| clean && r >= min),
            Target::RatioAtLeast(min) => ratio_cpu.map(|r| clean && r >= min),
            Target::PerSecAndRatio(min, min_ratio) => per_core
                .zip(ratio_cpu)
                .map(|(r, q)| clean && r >= min && q >= min_ratio),
        };
        Self {
            name: name.into(),
            result,
            runs_per_sec,
            cpu_us_per_request: cpu_us,
            per_core_per_sec: per_core,
            bound_by: bound_by.into(),
            limit_per_sec: limit,
            limit_per_cpu_sec: limit_cpu,
            ratio_to_limit: ratio,
            ratio_to_limit_cpu: ratio_cpu,
            target,
            met,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct StormRecord {
    pub token_alone: GroupResult,
    pub jwks_alone: GroupResult,
    pub token_storm: GroupResult,
    pub jwks_storm: GroupResult,
    pub logins: GroupResult,
    /// Logins/s during the storm ÷ (argon2id hashes per CPU-second × cores): the share of the
    /// machine's hashing capacity the storm got (others' work on a shared machine lowers it).
    pub login_ratio_to_all_cores: Option<f64>,
    pub target_token_p99_ms: f64,
    pub met: bool,
}

fn by_name(results: &[GroupResult], name: &str) -> GroupResult {
    results
        .iter()
        .find(|r| r.name == name)
        .cloned()
        .unwrap_or_else(|| GroupResult {
            name: name.into(),
            connections: 0,
            measured_secs: 0.0,
            iterations: 0,
            warmup_iterations: 0,
            per_sec: 0.0,
            p50_ms: 0.0,
            p99_ms: 0.0,
            max_ms: 0.0,
            unexpected: 0,
            errors: 1,
            first_problem: Some("missing".into()),
        })
}

impl StormRecord {
    pub fn new(alone: Vec<GroupResult>, storm: Vec<GroupResult>, limits: Option<&Limits>) -> Self {
        let logins = by_name(&storm, "login_storm");
        let token_storm = by_name(&storm, "token_probe");
        let clean = |r: &GroupResult| r.unexpected == 0 && r.errors == 0;
        let met = token_storm.p99_ms < 20.0 && clean(&token_storm) && clean(&logins);
        Self {
            login_ratio_to_all_cores: limits
                .map(|l| logins.per_sec / (l.argon2id_hashes.one_core_cpu * l.cores as f64)),
            token_alone: by_name(&alone, "token_probe"),
            jwks_alone: by_name(&alone, "jwks_probe"),
            jwks_storm: by_name(&storm, "jwks_probe"),
            token_storm,
            logins,
            target_token_p99_ms: 20.0,
            met,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct MemoryRecord {
    pub idle_rss_mib: f64,
    pub rss_after_sessions_mib: f64,
    pub sessions: u64,
    pub bytes_per_session: f64,
    pub session_creation: GroupResult,
    pub met: bool,
}

impl MemoryRecord {
    pub fn new(idle: u64, after: u64, creation: GroupResult) -> Self {
        let sessions = creation.iterations;
        let per = after.saturating_sub(idle) as f64 / sessions.max(1) as f64;
        let mib = |b: u64| b as f64 / 1024.0 / 1024.0;
        Self {
            idle_rss_mib: mib(idle),
            rss_after_sessions_mib: mib(after),
            sessions,
            bytes_per_session: per,
            met: mib(idle) < 30.0 && per < 1024.0 && creation.unexpected == 0,
            session_creation: creation,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ScaleRecord {
    pub seed: ScaleReport,
    pub phases: Vec<PhaseRecord>,
    /// Scaled ÷ empty-database rate per phase, by CPU per request (per-core rate) when known,
    /// else by wall rate.
    pub ratios_to_empty: Vec<(String, f64)>,
    pub met: bool,
}

impl ScaleRecord {
    pub fn new(seed: ScaleReport, phases: Vec<PhaseRecord>, empty: &[PhaseRecord]) -> Self {
        let ratios: Vec<(String, f64)> = phases
            .iter()
            .filter_map(|p| {
                let base = empty.iter().find(|e| e.name == base_name(&p.name))?;
                let ratio = match (p.per_core_per_sec, base.per_core_per_sec) {
                    (Some(scaled), Some(empty)) => scaled / empty,
                    _ => p.result.per_sec / base.result.per_sec,
                };
                Some((p.name.clone(), ratio))
            })
            .collect();
        let met = !ratios.is_empty() && ratios.iter().all(|(_, r)| *r >= 0.8);
        Self {
            seed,
            phases,
            ratios_to_empty: ratios,
            met,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub command: String,
    pub unix_time: u64,
    pub machine: Machine,
    pub connections: usize,
    pub phase_secs: f64,
    pub repeat: usize,
    pub server_core: usize,
    pub load_core: usize,
    pub limits: Option<Limits>,
    pub phases: Vec<PhaseRecord>,
    pub storm: Option<StormRecord>,
    pub memory: Option<MemoryRecord>,
    pub scale: Option<ScaleRecord>,
    pub notes: Vec<String>,
}

impl Report {
    pub fn new(args: &Args, machine: Machine) -> Self {
        Self {
            command: std::env::args().collect::<Vec<_>>().join(" "),
            unix_time: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
            machine,
            connections: args.connections,
            phase_secs: args.measure().as_secs_f64(),
            repeat: args.repeat,
            server_core: args.server_core,
            load_core: args.load_core,
            limits: None,
            phases: Vec::new(),
            storm: None,
            memory: None,
            scale: None,
            notes: Vec::new(),
        }
    }

    /// A report that only collects phases (the scale run's).
    pub fn scratch() -> Self {
        Self {
            command: String::new(),
            unix_time: 0,
            machine: Machine {
                cpu: String::new(),
                cores: 0,
                memory_gib: 0.0,
                kernel: String::new(),
                load_average_at_start: String::new(),
                load_average_at_end: String::new(),
            },
            connections: 0,
            phase_secs: 0.0,
            repeat: 0,
            server_core: 0,
            load_core: 0,
            limits: None,
            phases: Vec::new(),
            storm: None,
            memory: None,
            scale: None,
            notes: Vec::new(),
        }
    }

    pub fn push_phase(&mut self, phase: PhaseRecord) {
        self.phases.push(phase);
    }

    pub fn finish(&mut self) {
        self.machine.load_average_at_end = load_average();
    }
}

fn opt(value: Option<f64>, digits: usize) -> String {
    value
        .map(|v| format!("{v:.digits$}"))
        .unwrap_or_else(|| "-".into())
}

fn target_text(target: Target) -> String {
    match target {
        Target::None => "-".into(),
        Target::PerSec(v) => format!("≥ {v:.0}/s"),
        Target::RatioAtLeast(r) => format!("≥ {:.0} % of limit", r * 100.0),
        Target::PerSecAndRatio(v, r) => format!("≥ {v:.0}/s, ≥ {:.0} %", r * 100.0),
    }
}

fn verdict(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "yes",
        Some(false) => "NO",
        None => "",
    }
}

fn table_header() {
    println!(
        "| phase | conns | req/s (wall) | p50 ms | p99 ms | non-2xx+errors | CPU µs/req | req/s per core | bound by | limit per core /s | ratio | target | met |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---|---|");
}

fn phase_rows(phases: &[PhaseRecord]) {
    for p in phases {
        let r = &p.result;
        println!(
            "| {} | {} | {:.0} | {:.2} | {:.2} | {} | {} | {} | {} | {} | {} | {} | {} |",
            p.name,
            r.connections,
            r.per_sec,
            r.p50_ms,
            r.p99_ms,
            r.unexpected + r.errors,
            opt(p.cpu_us_per_request, 1),
            opt(p.per_core_per_sec, 0),
            p.bound_by,
            opt(p.limit_per_cpu_sec, 0),
            opt(p.ratio_to_limit_cpu, 3),
            target_text(p.target),
            verdict(p.met)
        );
    }
}

pub fn print_table(report: &Report) {
    let m = &report.machine;
    println!(
        "\nMachine: {} × {} cores, {:.0} GiB, Linux {}; load average {} at start, {} at end",
        m.cpu, m.cores, m.memory_gib, m.kernel, m.load_average_at_start, m.load_average_at_end
    );
    println!(
        "Server pinned to core {}, load generator to core {}; {} s per phase, median of {} run(s).\n",
        report.server_core, report.load_core, report.phase_secs, report.repeat
    );
    if let Some(l) = &report.limits {
        println!("| limit (in-process) | one core /s (wall) | per CPU-second | all cores /s |");
        println!("|---|---:|---:|---:|");
        for (name, rate) in [
            ("RS256-2048 sign", &l.rs256_signs),
            ("ES256 sign", &l.es256_signs),
            ("EdDSA sign", &l.eddsa_signs),
            ("ES256 verify", &l.es256_verifies),
        ] {
            println!(
                "| {name} | {:.0} | {:.0} | {:.0} |",
                rate.one_core, rate.one_core_cpu, rate.all_cores
            );
        }
        let a = &l.argon2id_hashes;
        println!(
            "| argon2id ({}) | {:.1} | {:.1} | {:.1} |\n",
            l.argon2_params, a.one_core, a.one_core_cpu, a.all_cores
        );
    }
    table_header();
    phase_rows(&report.phases);
    if let Some(s) = &report.storm {
        println!("\nLogin storm (server and load unpinned, both cores):");
        println!("| probe | p50 alone ms | p99 alone ms | p50 storm ms | p99 storm ms | errors |");
        println!("|---|---:|---:|---:|---:|---:|");
        for (name, alone, storm) in [
            ("/token client_credentials", &s.token_alone, &s.token_storm),
            ("/jwks", &s.jwks_alone, &s.jwks_storm),
        ] {
            println!(
                "| {name} | {:.2} | {:.2} | {:.2} | {:.2} | {} |",
                alone.p50_ms,
                alone.p99_ms,
                storm.p50_ms,
                storm.p99_ms,
                storm.unexpected + storm.errors + alone.unexpected + alone.errors
            );
        }
        println!(
            "logins during the storm: {:.1}/s ({} connections, {} unexpected/errors), {} of argon2id per CPU-second × cores; token p99 < 20 ms: {}",
            s.logins.per_sec,
            s.logins.connections,
            s.logins.unexpected + s.logins.errors,
            opt(s.login_ratio_to_all_cores, 3),
            verdict(Some(s.met))
        );
    }
    if let Some(mem) = &report.memory {
        println!(
            "\nMemory: idle RSS {:.1} MiB; after {} sessions {:.1} MiB = {:.0} bytes per session (created at {:.0}/s); < 30 MiB and < 1 KiB: {}",
            mem.idle_rss_mib,
            mem.sessions,
            mem.rss_after_sessions_mib,
            mem.bytes_per_session,
            mem.session_creation.per_sec,
            verdict(Some(mem.met))
        );
    }
    if let Some(scale) = &report.scale {
        println!(
            "\nScale: {} users, {} clients, {} refresh tokens seeded in {:.1} s ({})",
            scale.seed.users,
            scale.seed.clients,
            scale.seed.refresh_tokens,
            scale.seed.seconds,
            scale.seed.password_hash
        );
        table_header();
        phase_rows(&scale.phases);
        for (name, ratio) in &scale.ratios_to_empty {
            println!("{name}: {ratio:.3} of the empty-database rate (per core)");
        }
        println!("within 20 % of empty: {}", verdict(Some(scale.met)));
    }
    for note in &report.notes {
        println!("\nNote: {note}");
    }
}

/// Writes `bench-<unix time>.json` and `latest.json` under `dir`.
pub fn write_json(report: &Report, dir: &Path) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let json = serde_json::to_string_pretty(report)?;
    let path = dir.join(format!("bench-{}.json", report.unix_time));
    std::fs::write(&path, &json)?;
    std::fs::write(dir.join("latest.json"), &json)?;
    Ok(path)
}
