//! The `poort` binary's command line, run as an operator would: a fresh data directory, SQLite,
//! `--json` output parsed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

struct DataDir(PathBuf);

impl DataDir {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("poort-cli-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for DataDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn poort(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_poort"))
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("REDIS_URL")
        .env_remove("POORT_MASTER_KEY")
        .env("POORT_DATA_DIR", dir)
        .env("POORT_ARGON2_MEMORY_KIB", "4096")
        .env("POORT_ARGON2_ITERATIONS", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn json(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn operator_creates_user_and_clients_and_rotates_keys() {
    let dir = DataDir::new();
    let migrated = json(&poort(&dir.0, &["migrate", "--json"], None));
    assert_eq!(migrated["migrated"], true);
    assert!(dir.0.join("poort.db").exists());

    let user = json(&poort(
        &dir.0,
        &[
            "user",
            "create",
            "--email",
            "Ada@Example.com",
            "--name",
            "Ada",
            "--password-stdin",
            "--json",
        ],
        Some("a long passphrase\n"),
    ));
    assert_eq!(user["email"], "ada@example.com");
    let again = poort(
        &dir.0,
        &[
            "user",
            "create",
            "--email",
            "ada@example.com",
            "--password-stdin",
        ],
        Some("another passphrase\n"),
    );
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));

    let confidential = json(&poort(
        &dir.0,
        &[
            "client",
            "create",
            "--name",
            "Web app",
            "--redirect-uri",
            "https://app.example.com/cb",
            "--post-logout-redirect-uri",
            "https://app.example.com/",
            "--grant",
            "authorization_code",
            "--grant",
            "refresh_token",
            "--id-token-alg",
            "ES256",
            "--json",
        ],
        None,
    ));
    let secret = confidential["client_secret"].as_str().unwrap();
    assert!(secret.len() >= 43, "≥ 256-bit secret");
    let public = json(&poort(
        &dir.0,
        &[
            "client",
            "create",
            "--name",
            "SPA",
            "--redirect-uri",
            "http://127.0.0.1:3000/cb",
            "--public",
            "--json",
        ],
        None,
    ));
    assert!(public["client_secret"].is_null());
    let bad = poort(
        &dir.0,
        &[
            "client",
            "create",
            "--name",
            "Bad",
            "--redirect-uri",
            "http://evil.example/cb",
        ],
        None,
    );
    assert!(
        !bad.status.success(),
        "plain http outside loopback is refused"
    );

    let list = json(&poort(&dir.0, &["client", "list", "--json"], None));
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert!(
        list.iter()
            .all(|c| c.get("client_secret").is_none() && c.get("secret_digest").is_none())
    );
    // The secret is stored only as a digest: it appears nowhere in the database file.
    let db = std::fs::read(dir.0.join("poort.db")).unwrap();
    assert!(!db.windows(secret.len()).any(|w| w == secret.as_bytes()));

    let first = json(&poort(&dir.0, &["keys", "rotate", "--json"], None));
    assert_eq!(first["active_kids"].as_array().unwrap().len(), 3);
    let second = json(&poort(&dir.0, &["keys", "rotate", "--json"], None));
    assert_ne!(first["active_kids"], second["active_kids"]);
}

#[test]
fn key_file_is_private_and_a_wrong_master_key_stops_start_up() {
    let dir = DataDir::new();
    // First start generates keys encrypted under the key file's master key.
    json(&poort(&dir.0, &["keys", "rotate", "--json"], None));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.0.join("master.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_poort"))
        .arg("serve")
        .current_dir(&dir.0)
        .env_remove("DATABASE_URL")
        .env("POORT_DATA_DIR", &dir.0)
        .env("POORT_BIND", "127.0.0.1:0")
        .env("POORT_MASTER_KEY", "ab".repeat(32))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("poort kept running with a wrong master key");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(!status.success());
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(stderr.contains("master key"), "{stderr}");
}

#[test]
fn the_log_filter_variable_is_not_mistaken_for_a_setting() {
    let dir = DataDir::new();
    let output = Command::new(env!("CARGO_BIN_EXE_poort"))
        .args(["migrate", "--json"])
        .current_dir(&dir.0)
        .env_remove("DATABASE_URL")
        .env_remove("REDIS_URL")
        .env_remove("POORT_MASTER_KEY")
        .env("POORT_DATA_DIR", &dir.0)
        .env("POORT_LOG", "warn")
        .output()
        .unwrap();
    assert_eq!(json(&output)["migrated"], true);
}
