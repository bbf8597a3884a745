//! The run, phase by phase: limits, the per-core throughput phases on an empty database, the
//! RS256 token phase, the login storm, memory, and the scale phases on a seeded database.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use poort_server::Config;
use tokio::runtime::Runtime;

use crate::Args;
use crate::http::{Conn, request};
use crate::limits::{self, Argon2Params, Limits};
use crate::load::{self, Group, GroupResult, Placement};
use crate::report::{PhaseRecord, Report, Target, machine_facts};
use crate::scenario::{LoginSetup, Scenario};
use crate::seed::{self, Seeded};
use crate::server::{self, Server, ServerSpec};

mod special;

/// Paced probes of the login storm: per connection per second, and connections per probe.
const PROBE_RATE: f64 = 100.0;
const PROBE_CONNECTIONS: usize = 2;

struct Bench<'a> {
    args: &'a Args,
    binary: PathBuf,
    data_dir: PathBuf,
    addr: SocketAddr,
    host: String,
    runtime: Runtime,
    seeded: Seeded,
    /// Unused seeded refresh tokens of the web client, for chains and spares.
    refresh_pool: Vec<String>,
    limits: Option<Limits>,
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn config(args: &Args, data_dir: &Path) -> Config {
    Config {
        data_dir: data_dir.to_path_buf(),
        argon2_memory_kib: args.argon2_memory_kib,
        argon2_iterations: args.argon2_iterations,
        argon2_parallelism: args.argon2_parallelism,
        ..Config::default()
    }
}

pub fn run_all(args: &Args) -> anyhow::Result<Report> {
    let mut report = Report::new(args, machine_facts());
    let binary = if args.no_build {
        std::env::current_exe()?
            .parent()
            .context("no parent dir")?
            .join("poort")
    } else {
        server::build_release_binary()?
    };
    let run_dir = args.out_dir().join("run");
    if run_dir.exists() {
        std::fs::remove_dir_all(&run_dir)?;
    }
    let data_dir = run_dir.join("data");
    std::fs::create_dir_all(&data_dir)?;

    let argon2 = Argon2Params {
        m_kib: args.argon2_memory_kib,
        t: args.argon2_iterations,
        p: args.argon2_parallelism,
    };
    let limits = if args.wants("limits") || args.only.is_empty() {
        eprintln!(
            "== limits (in-process, core {} and all cores)",
            args.server_core
        );
        let span = if args.quick {
            Duration::from_millis(500)
        } else {
            Duration::from_secs(1)
        };
        Some(limits::measure(args.server_core, span, &argon2)?)
    } else {
        None
    };
    report.limits = limits.clone();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let cfg = config(args, &data_dir);
    eprintln!("== seeding the fresh database (store layer)");
    let seeded = runtime.block_on(seed::setup(&cfg, args.connections, now()))?;
    let pool_size = args.connections * (args.repeat * 2 + 2) + 64;
    let refresh_pool = runtime.block_on(seed::refresh_tokens_for(
        &cfg,
        &seeded.web.id,
        &seeded.first_user_id,
        pool_size,
        now(),
    ))?;
    let addr = server::free_addr()?;
    let mut bench = Bench {
        args,
        binary,
        data_dir,
        addr,
        host: addr.to_string(),
        runtime,
        seeded,
        refresh_pool,
        limits,
    };

    bench.empty_phases(&mut report)?;
    if args.wants("client_credentials_rs256") {
        bench.rs256_phase(&mut report)?;
    }
    if args.wants("storm") {
        report.storm = Some(bench.storm()?);
    }
    if args.wants("memory") {
        report.memory = Some(bench.memory()?);
    }
    if args.wants("scale") {
        report.scale = Some(bench.scale(&report.phases)?);
    }
    report.finish();
    drop(bench);
    if !args.keep_data {
        std::fs::remove_dir_all(&run_dir)?;
    }
    Ok(report)
}

impl Bench<'_> {
    fn start(&self, core: Option<usize>, env: &[(&str, &str)]) -> anyhow::Result<Server> {
        let mut env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        env.push((
            "POORT_ARGON2_MEMORY_KIB".into(),
            self.args.argon2_memory_kib.to_string(),
        ));
        env.push((
            "POORT_ARGON2_ITERATIONS".into(),
            self.args.argon2_iterations.to_string(),
        ));
        env.push((
            "POORT_ARGON2_PARALLELISM".into(),
            self.args.argon2_parallelism.to_string(),
        ));
        let prefix: Vec<String> = self
            .args
            .server_prefix
            .as_deref()
            .map(|p| p.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default();
        Server::start(ServerSpec {
            binary: &self.binary,
            data_dir: &self.data_dir,
            addr: self.addr,
            core,
            env,
            prefix,
        })
    }

    fn pinned_load(&self) -> Placement {
        if load::available_cores() > self.args.load_core {
            Placement::Core(self.args.load_core)
        } else {
            Placement::AllCores
        }
    }

    fn server_core(&self) -> Option<usize> {
        (load::available_cores() > 1).then_some(self.args.server_core)
    }

    fn fixed(&self, name: &str, connections: usize, bytes: Vec<u8>) -> Group {
        let bytes = Arc::new(bytes);
        Group {
            name: name.into(),
            connections,
            pace_per_conn: None,
            max_iterations: None,
            make: Box::new(move |_| Scenario::Fixed(bytes.clone())),
        }
    }

    fn get(&self, path: &str) -> Vec<u8> {
        request("GET", path, &self.host, &[], None)
    }

    fn client_credentials(&self) -> Vec<u8> {
        request(
            "POST",
            "/token",
            &self.host,
            &[("Authorization", self.seeded.service.basic.as_str())],
            Some("grant_type=client_credentials"),
        )
    }

    fn introspection(&self, token: &str) -> Vec<u8> {
        let body = format!("token={token}&token_type_hint=access_token");
        request(
            "POST",
            "/introspect",
            &self.host,
            &[("Authorization", self.seeded.service.basic.as_str())],
            Some(&body),
        )
    }

    fn userinfo(&self, token: &str) -> Vec<u8> {
        let bearer = format!("Bearer {token}");
        request(
            "GET",
            "/userinfo",
            &self.host,
            &[("Authorization", bearer.as_str())],
            None,
        )
    }

    fn take_refresh_tokens(&mut self, count: usize) -> Vec<String> {
        let keep = self.refresh_pool.len().saturating_sub(count);
        self.refresh_pool.split_off(keep)
    }

    fn refresh_group(&mut self, name: &str) -> Group {
        let connections = self.args.connections;
        let chains = self.take_refresh_tokens(connections);
        let spares = Arc::new(Mutex::new(self.take_refresh_tokens(connections)));
        let chains = Mutex::new(chains);
        let host = self.host.clone();
        let client = self.seeded.web.clone();
        Group {
            name: name.into(),
            connections,
            pace_per_conn: None,
            max_iterations: None,
            make: Box::new(move |_| Scenario::Refresh {
                host: host.clone(),
                client: client.clone(),
                token: chains.lock().ok().and_then(|mut c| c.pop()),
                spares: spares.clone(),
            }),
        }
    }

    fn login_group(&self, name: &str, connections: usize) -> Group {
        let setups: Vec<Arc<LoginSetup>> = (0..connections)
            .map(|n| {
                Arc::new(LoginSetup {
                    host: self.host.clone(),
                    client: self.seeded.web.clone(),
                    redirect_uri: seed::REDIRECT_URI.into(),
                    email: self.seeded.emails[n % self.seeded.emails.len()].clone(),
                    password: seed::PASSWORD.into(),
                })
            })
            .collect();
        Group {
            name: name.into(),
            connections,
            pace_per_conn: None,
            max_iterations: None,
            make: Box::new(move |n| Scenario::Login(setups[n % setups.len()].clone())),
        }
    }

    /// An access token of the web client's user (scope openid email profile), from one
    /// refresh grant.
    fn user_access_token(&mut self) -> anyhow::Result<String> {
        let token = self
            .take_refresh_tokens(1)
            .pop()
            .context("no refresh token left")?;
        let body = format!("grant_type=refresh_token&refresh_token={token}");
        let bytes = request(
            "POST",
            "/token",
            &self.host,
            &[("Authorization", self.seeded.web.basic.as_str())],
            Some(&body),
        );
        let addr = self.addr;
        let response = self.runtime.block_on(async move {
            let mut conn = Conn::new(addr);
            conn.send(&bytes).await
        })?;
        anyhow::ensure!(
            response.is_success(),
            "refresh for an access token: {} {}",
            response.status,
            String::from_utf8_lossy(&response.body)
        );
        let answer: serde_json::Value = serde_json::from_slice(&response.body)?;
        answer["access_token"]
            .as_str()
            .map(str::to_string)
            .context("no access_token")
    }

    /// Runs `make()` groups `repeat` times (pinned load) and keeps the median run by rate.
    fn measure(
        &mut self,
        server: &Server,
        make: &mut dyn FnMut(&mut Self) -> anyhow::Result<Group>,
    ) -> anyhow::Result<(GroupResult, Vec<f64>, Option<f64>)> {
        let mut runs = Vec::new();
        for _ in 0..self.args.repeat.max(1) {
            let group = make(self)?;
            let name = group.name.clone();
            let cpu_before = server.cpu_seconds().ok();
            let mut results = load::run(
                self.addr,
                vec![group],
                self.args.warmup(),
                self.args.measure(),
                self.pinned_load(),
            )?;
            let result = results.pop().context("no result")?;
            let served = (result.iterations + result.warmup_iterations).max(1) as f64;
            let cpu_us = match (cpu_before, server.cpu_seconds().ok()) {
                (Some(before), Some(after)) => Some((after - before) * 1e6 / served),
                _ => None,
            };
            eprintln!(
                "   {name}: {:.0}/s ({} µs CPU each) p50 {:.2} ms p99 {:.2} ms unexpected {} errors {}{}",
                result.per_sec,
                cpu_us.map(|c| format!("{c:.1}")).unwrap_or_default(),
                result.p50_ms,
                result.p99_ms,
                result.unexpected,
                result.errors,
                result
                    .first_problem
                    .as_deref()
                    .map(|p| format!(" ({p:.160})"))
                    .unwrap_or_default()
            );
            runs.push((result, cpu_us));
        }
        let rates: Vec<f64> = runs.iter().map(|(r, _)| r.per_sec).collect();
        // The median by CPU per request (the noise-resistant figure), wall rate as tie-break.
        runs.sort_by(|(a, ca), (b, cb)| {
            ca.unwrap_or(f64::MAX)
                .total_cmp(&cb.unwrap_or(f64::MAX))
                .then(b.per_sec.total_cmp(&a.per_sec))
        });
        let (median, cpu_us) = runs.swap_remove(runs.len() / 2);
        Ok((median, rates, cpu_us))
    }

    fn record(
        &mut self,
        server: &Server,
        report: &mut Report,
        name: &str,
        target: Target,
        make: &mut dyn FnMut(&mut Self) -> anyhow::Result<Group>,
    ) -> anyhow::Result<()> {
        // Scale phases run whenever the scale phase does.
        if !self.args.wants(name) && !name.ends_with("_scale") {
            return Ok(());
        }
        let (result, rates, cpu_us) = self.measure(server, make)?;
        report.push_phase(PhaseRecord::new(
            name,
            result,
            rates,
            cpu_us,
            target,
            self.limits.as_ref(),
            &report.phases,
        ));
        Ok(())
    }

    fn empty_phases(&mut self, report: &mut Report) -> anyhow::Result<()> {
        const THROUGHPUT: [&str; 9] = [
            "healthz",
            "discovery",
            "jwks",
            "client_credentials_es256",
            "introspection_jwt",
            "userinfo",
            "refresh_token",
            "login_flow",
            "introspection_api_token",
        ];
        if !THROUGHPUT.iter().any(|p| self.args.wants(p)) {
            return Ok(());
        }
        eprintln!(
            "== throughput, empty database: server on core {:?}, load on core {}",
            self.server_core(),
            self.args.load_core
        );
        let server = self.start(self.server_core(), &[])?;
        let conns = self.args.connections;
        self.record(&server, report, "healthz", Target::None, &mut |b| {
            Ok(b.fixed("healthz", conns, b.get("/healthz")))
        })?;
        self.record(
            &server,
            report,
            "discovery",
            Target::PerSec(70_000.0),
            &mut |b| {
                Ok(b.fixed(
                    "discovery",
                    conns,
                    b.get("/.well-known/openid-configuration"),
                ))
            },
        )?;
        self.record(
            &server,
            report,
            "jwks",
            Target::PerSec(70_000.0),
            &mut |b| Ok(b.fixed("jwks", conns, b.get("/jwks"))),
        )?;
        self.token_phases(&server, report, "")?;
        self.record(
            &server,
            report,
            "login_flow",
            Target::RatioAtLeast(0.9),
            &mut |b| Ok(b.login_group("login_flow", conns)),
        )?;
        server.stop()
    }

    /// The phases repeated on the scale data set (suffix `_scale`).
    fn token_phases(
        &mut self,
        server: &Server,
        report: &mut Report,
        suffix: &str,
    ) -> anyhow::Result<()> {
        let conns = self.args.connections;
        let wants_token = !suffix.is_empty()
            || ["introspection_jwt", "userinfo"]
                .iter()
                .any(|p| self.args.wants(p));
        let access_token = if wants_token {
            Some(self.user_access_token()?)
        } else {
            None
        };
        let name = |base: &str| format!("{base}{suffix}");
        self.record(
            server,
            report,
            &name("client_credentials_es256"),
            Target::PerSec(25_000.0),
            &mut |b| Ok(b.fixed("client_credentials_es256", conns, b.client_credentials())),
        )?;
        if let Some(token) = access_token {
            self.record(
                server,
                report,
                &name("introspection_jwt"),
                Target::PerSec(40_000.0),
                &mut |b| Ok(b.fixed("introspection_jwt", conns, b.introspection(&token))),
            )?;
            self.record(
                server,
                report,
                &name("userinfo"),
                Target::PerSec(40_000.0),
                &mut |b| Ok(b.fixed("userinfo", conns, b.userinfo(&token))),
            )?;
        }
        if !suffix.is_empty() || self.args.wants("introspection_api_token") {
            let cfg = config(self.args, &self.data_dir);
            let user = self.seeded.first_user_id.clone();
            let token = self
                .runtime
                .block_on(seed::api_token_for(&cfg, &user, now()))?;
            self.record(
                server,
                report,
                &name("introspection_api_token"),
                Target::PerSec(30_000.0),
                &mut |b| Ok(b.fixed("introspection_api_token", conns, b.introspection(&token))),
            )?;
        }
        self.record(
            server,
            report,
            &name("refresh_token"),
            Target::PerSec(4_000.0),
            &mut |b| Ok(b.refresh_group("refresh_token")),
        )?;
        Ok(())
    }

    fn rs256_phase(&mut self, report: &mut Report) -> anyhow::Result<()> {
        eprintln!("== client_credentials with RS256 access tokens (server restarted)");
        let server = self.start(self.server_core(), &[("POORT_ACCESS_TOKEN_ALG", "RS256")])?;
        let conns = self.args.connections;
        self.record(
            &server,
            report,
            "client_credentials_rs256",
            Target::PerSecAndRatio(3_500.0, 0.75),
            &mut |b| Ok(b.fixed("client_credentials_rs256", conns, b.client_credentials())),
        )?;
        server.stop()
    }
}
