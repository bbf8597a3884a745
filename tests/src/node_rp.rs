//! A relying party written in JavaScript: `tests/interop/openid-client/rp.mjs` (the npm
//! `openid-client` package) as a child process, spoken to in line-delimited JSON over its stdin
//! and stdout. The test sends a step, plays the user's browser when the script asks for it, and
//! reads the step's result. Failures carry the script's stderr.
//!
//! The child runs on plain threads (std::process: the workspace's tokio has no `process`
//! feature); lines reach the test through a channel with a timeout per read.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::browser::{Browser, Landing, hidden_field};
use crate::{EMAIL, PASSWORD};

/// How long one line from the script may take (a step's HTTP calls, or node's start).
const READ_TIMEOUT: Duration = Duration::from_secs(15);

/// The node project: `package.json`, the committed lockfile, `rp.mjs`.
pub fn project_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("interop/openid-client")
}

pub struct NodeRp {
    child: Child,
    stdin: ChildStdin,
    lines: mpsc::UnboundedReceiver<String>,
    stderr: Arc<Mutex<String>>,
}

impl Drop for NodeRp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the script printed for a step.
#[derive(Debug)]
pub enum Outcome {
    Ok(Value),
    /// `error`: the OAuth error code (or the library's), `message`: its description.
    Failed {
        error: String,
        message: String,
    },
}

impl NodeRp {
    /// Starts `node rp.mjs`. Fails (the test must not skip) when `npm ci` has not been run.
    pub fn start() -> anyhow::Result<Self> {
        let dir = project_dir();
        anyhow::ensure!(
            dir.join("node_modules/openid-client/package.json").exists(),
            "{}/node_modules is missing: run `npm ci` there (scripts/test does it)",
            dir.display()
        );
        let mut child = Command::new("node")
            .arg("rp.mjs")
            .current_dir(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| anyhow::anyhow!("cannot run node (is it installed?): {e}"))?;
        let (Some(stdin), Some(stdout), Some(mut stderr_pipe)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            anyhow::bail!("the child's pipes are missing");
        };
        let (tx, lines) = mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            while let Ok(n) = stderr_pipe.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                if let Ok(mut text) = sink.lock() {
                    text.push_str(&String::from_utf8_lossy(&buffer[..n]));
                }
            }
        });
        Ok(Self {
            child,
            stdin,
            lines,
            stderr,
        })
    }

    /// What the script wrote to stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
    }

    fn send(&mut self, message: &Value) -> anyhow::Result<()> {
        let line = format!("{message}\n");
        self.stdin
            .write_all(line.as_bytes())
            .and_then(|()| self.stdin.flush())
            .map_err(|e| anyhow::anyhow!("writing to the script: {e}\nstderr:\n{}", self.stderr()))
    }

    async fn receive(&mut self) -> anyhow::Result<Value> {
        let line = match tokio::time::timeout(READ_TIMEOUT, self.lines.recv()).await {
            Ok(Some(line)) => line,
            Ok(None) => {
                // Give the stderr thread a moment to collect the last words.
                tokio::time::sleep(Duration::from_millis(200)).await;
                let status = self.child.try_wait().ok().flatten();
                anyhow::bail!("the script exited ({status:?})\nstderr:\n{}", self.stderr())
            }
            Err(_) => anyhow::bail!(
                "no answer from the script within {READ_TIMEOUT:?}\nstderr:\n{}",
                self.stderr()
            ),
        };
        serde_json::from_str(&line).map_err(|e| {
            anyhow::anyhow!(
                "not a JSON line from the script: {e}: {line}\nstderr:\n{}",
                self.stderr()
            )
        })
    }

    /// Runs one step: sends `command` (which names the step), plays `browser` whenever the
    /// script asks, and returns the step's outcome.
    pub async fn run(&mut self, browser: &Browser, command: Value) -> anyhow::Result<Outcome> {
        let step = command["step"].as_str().unwrap_or_default().to_owned();
        self.send(&command)?;
        loop {
            let message = self.receive().await?;
            anyhow::ensure!(
                message["step"] == step.as_str(),
                "expected step {step}, the script answered {message}\nstderr:\n{}",
                self.stderr()
            );
            if let Some(url) = message["browse"].as_str() {
                let reply = match play(browser, url, &message["expect"]).await {
                    Ok(reply) => reply,
                    Err(e) => anyhow::bail!("{step}: the browser failed: {e:#}"),
                };
                self.send(&reply)?;
                continue;
            }
            return Ok(match message["ok"].as_bool() {
                Some(true) => Outcome::Ok(message["result"].clone()),
                _ => Outcome::Failed {
                    error: message["error"].as_str().unwrap_or_default().to_owned(),
                    message: message["message"].as_str().unwrap_or_default().to_owned(),
                },
            });
        }
    }

    /// Runs a step that must succeed; returns its result, or fails with the script's error
    /// and stderr.
    pub async fn ok(&mut self, browser: &Browser, command: Value) -> anyhow::Result<Value> {
        let step = command["step"].clone();
        match self.run(browser, command).await? {
            Outcome::Ok(result) => Ok(result),
            Outcome::Failed { error, message } => anyhow::bail!(
                "step {step} failed: {error}: {message}\nstderr:\n{}",
                self.stderr()
            ),
        }
    }

    /// Runs a step that must fail with the OAuth error `expected`; returns its description.
    pub async fn fails(
        &mut self,
        browser: &Browser,
        command: Value,
        expected: &str,
    ) -> anyhow::Result<String> {
        let step = command["step"].clone();
        match self.run(browser, command).await? {
            Outcome::Failed { error, message } if error == expected => Ok(message),
            other => anyhow::bail!(
                "step {step}: expected {expected}, got {other:?}\nstderr:\n{}",
                self.stderr()
            ),
        }
    }
}

/// The browser's part: open `url` (signing in with the test user when the login page comes),
/// and answer with where it was sent (`{"redirect": URL}`) or, for a form_post page, with the
/// form it would submit (`{"form_post": {"action": URL, "fields": {...}}}`); for a device
/// flow (`device:DECISION`), approve or deny it (`{"device": DECISION}`).
async fn play(browser: &Browser, url: &str, expect: &Value) -> anyhow::Result<Value> {
    if let Some(decision) = expect.as_str().and_then(|e| e.strip_prefix("device:")) {
        return play_device(browser, url, decision).await;
    }
    let mut landing = browser.follow(browser.get(url).await?).await?;
    if let Landing::Page { url, body, .. } = &landing
        && url.contains("/login")
    {
        let form = [
            ("csrf", hidden_field(body, "csrf")?),
            ("tx", hidden_field(body, "tx")?),
            ("login", EMAIL.to_owned()),
            ("password", PASSWORD.to_owned()),
        ];
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        landing = browser
            .follow(browser.post_form("/login", &form).await?)
            .await?;
    }
    match (expect.as_str(), landing) {
        (Some("redirect"), Landing::Away(to)) => Ok(json!({ "redirect": to })),
        (Some("form_post"), Landing::Page { status, body, .. }) if status.is_success() => {
            let (action, fields) = form_post(&body)?;
            Ok(json!({ "form_post": { "action": action, "fields": fields } }))
        }
        (expect, landing) => anyhow::bail!("expected {expect:?}, the browser got {landing:?}"),
    }
}

/// The user's part of a device flow: open `verification_uri_complete`, submit its code, sign
/// in, and answer the confirmation page with `decision` (`approve` or `deny`).
async fn play_device(browser: &Browser, url: &str, decision: &str) -> anyhow::Result<Value> {
    let landing = crate::device::open_and_sign_in(browser, url, EMAIL, PASSWORD).await?;
    let body = crate::device::confirmation(landing)?;
    let answered = crate::device::answer(browser, &body, decision).await?;
    anyhow::ensure!(
        answered.status().is_success(),
        "answering the device confirmation: {}",
        answered.status()
    );
    Ok(json!({ "device": decision }))
}

/// The action and hidden fields of our form_post page (`themes/default/templates/form_post.html`).
fn form_post(html: &str) -> anyhow::Result<(String, serde_json::Map<String, Value>)> {
    let marker = "<form method=\"post\" action=\"";
    let start = html
        .find(marker)
        .ok_or_else(|| anyhow::anyhow!("no form_post form in {html}"))?
        + marker.len();
    let end = start
        + html[start..]
            .find('"')
            .ok_or_else(|| anyhow::anyhow!("unterminated action"))?;
    let action = unescape(&html[start..end]);
    let form = &html[end..html[end..].find("</form>").map_or(html.len(), |i| end + i)];
    let mut fields = serde_json::Map::new();
    let name_marker = "<input type=\"hidden\" name=\"";
    for chunk in form.split(name_marker).skip(1) {
        let Some(name) = chunk.split('"').next() else {
            continue;
        };
        let value = hidden_field(&format!("{name_marker}{chunk}"), name)?;
        fields.insert(unescape(name), Value::String(unescape(&value)));
    }
    Ok((action, fields))
}

/// Undoes askama's attribute escaping.
fn unescape(text: &str) -> String {
    text.replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}
