//! The server under test: the release `poort` binary, built by cargo, started on 127.0.0.1 with
//! a given data dir and settings (pinned with `taskset` when asked), stopped with SIGTERM.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// Builds `poort` in release mode (with the same cargo and target dir as this binary) and
/// returns its path.
pub fn build_release_binary() -> anyhow::Result<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--release", "-p", "poort-server", "--bin", "poort"])
        .current_dir(workspace_root())
        .status()
        .context("running cargo build")?;
    if !status.success() {
        bail!("cargo build --release -p poort-server failed");
    }
    let exe = std::env::current_exe()?;
    let dir = exe.parent().context("no parent dir of this binary")?;
    let binary = dir.join("poort");
    if !binary.exists() {
        bail!(
            "{} not found next to poort-bench; run with --release",
            binary.display()
        );
    }
    Ok(binary)
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// A free loopback port (bound then released).
pub fn free_addr() -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?)
}

pub struct ServerSpec<'a> {
    pub binary: &'a Path,
    pub data_dir: &'a Path,
    pub addr: SocketAddr,
    /// `taskset -c CORE`, or all cores.
    pub core: Option<usize>,
    /// Extra `POORT_*` settings.
    pub env: Vec<(String, String)>,
    /// A command the server runs under (e.g. a profiler), placed after `taskset`.
    pub prefix: Vec<String>,
}

pub struct Server {
    child: Child,
    pub addr: SocketAddr,
}

/// The base environment of every run: loopback only, the data dir, quiet logs.
pub fn base_env(data_dir: &Path, addr: SocketAddr) -> Vec<(String, String)> {
    vec![
        ("POORT_BIND".into(), addr.to_string()),
        ("POORT_ISSUER".into(), format!("http://{addr}")),
        ("POORT_DATA_DIR".into(), data_dir.display().to_string()),
        ("POORT_LOG".into(), "warn".into()),
    ]
}

impl Server {
    pub fn start(spec: ServerSpec<'_>) -> anyhow::Result<Server> {
        let mut argv: Vec<String> = Vec::new();
        if let Some(core) = spec.core {
            argv.extend(["taskset".into(), "-c".into(), core.to_string()]);
        }
        argv.extend(spec.prefix);
        argv.push(spec.binary.display().to_string());
        let mut command = Command::new(&argv[0]);
        command
            .args(&argv[1..])
            .arg("serve")
            // No stray poort.toml from the working directory.
            .current_dir(spec.data_dir)
            .env_remove("DATABASE_URL")
            .env_remove("REDIS_URL")
            .envs(base_env(spec.data_dir, spec.addr))
            .envs(spec.env)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        let child = command.spawn().context("starting poort")?;
        let mut server = Server {
            child,
            addr: spec.addr,
        };
        server.wait_ready()?;
        Ok(server)
    }

    fn wait_ready(&mut self) -> anyhow::Result<()> {
        let until = Instant::now() + Duration::from_secs(30);
        while Instant::now() < until {
            if let Some(status) = self.child.try_wait()? {
                bail!("poort exited during start-up: {status}");
            }
            if TcpStream::connect_timeout(&self.addr, Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        bail!("poort did not start listening on {} in 30 s", self.addr)
    }

    /// The server's resident set size in bytes (VmRSS of the `poort` process).
    pub fn rss_bytes(&self) -> anyhow::Result<u64> {
        // With taskset the child execs poort in place, so the pid is the server's.
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let line = status
            .lines()
            .find(|l| l.starts_with("VmRSS:"))
            .context("no VmRSS")?;
        let kib: u64 = line
            .split_whitespace()
            .nth(1)
            .context("bad VmRSS line")?
            .parse()?;
        Ok(kib * 1024)
    }

    /// CPU time (user + system, all threads, living and exited) the server has used, in
    /// seconds: the noise-resistant measure of work per request on a shared machine.
    pub fn cpu_seconds(&self) -> anyhow::Result<f64> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))?;
        // Fields after the command name, which ends at the last ')': state is field 3, utime
        // field 14 and stime field 15 (proc(5)), in clock ticks of 1/100 s (USER_HZ on Linux).
        let after = stat.rsplit_once(')').context("bad /proc stat")?.1;
        let fields: Vec<&str> = after.split_whitespace().collect();
        let ticks = |i: usize| -> anyhow::Result<f64> {
            Ok(fields.get(i).context("short /proc stat")?.parse::<f64>()?)
        };
        Ok((ticks(11)? + ticks(12)?) / 100.0)
    }

    /// SIGTERM (graceful shutdown), then SIGKILL if it has not exited in 10 s.
    pub fn stop(mut self) -> anyhow::Result<()> {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let until = Instant::now() + Duration::from_secs(10);
        while Instant::now() < until {
            if self.child.try_wait()?.is_some() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Never leave a server behind, whatever happened to the run.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
