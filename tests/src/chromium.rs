//! A real browser for end-to-end tests: Debian's headless Chromium driven through chromedriver
//! with the W3C WebDriver protocol (plain JSON over HTTP, spoken here with `reqwest`).
//!
//! Each [`Chromium`] is its own chromedriver process on a free loopback port and its own
//! browser with a fresh profile directory, removed afterwards. Missing binaries are an error
//! that says what to install: a browser test never passes without a browser.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;
use base64::Engine;
use serde_json::{Value, json};

/// Where Debian's packages `chromium` and `chromium-driver` put the binaries; `CHROMIUM` and
/// `CHROMEDRIVER` override them.
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The W3C name of an element reference in WebDriver answers.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Chromium {
    http: reqwest::Client,
    /// `http://127.0.0.1:PORT/session/ID`.
    session: String,
    port: u16,
    session_id: String,
    driver: Child,
    profile: PathBuf,
}

fn binary(variable: &str, default: &str) -> anyhow::Result<PathBuf> {
    let path = std::env::var_os(variable).map_or_else(|| PathBuf::from(default), PathBuf::from);
    anyhow::ensure!(
        path.is_file(),
        "{} not found: this test needs Debian's Chromium and chromedriver \
         (`apt-get install -y chromium chromium-driver`; CI's .ci/run installs them), \
         or set {variable} to the binary",
        path.display()
    );
    Ok(path)
}

fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

impl Chromium {
    /// Starts chromedriver and a headless browser with a fresh profile.
    pub async fn start() -> anyhow::Result<Self> {
        let chromium = binary("CHROMIUM", CHROMIUM)?;
        let chromedriver = binary("CHROMEDRIVER", CHROMEDRIVER)?;
        let port = free_port()?;
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", chromedriver.display()))?;
        let profile = std::env::temp_dir().join(format!("poort-chromium-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&profile)?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()?;
        let mut browser = Self {
            http,
            session: String::new(),
            port,
            session_id: String::new(),
            driver,
            profile,
        };
        browser.wait_for_driver().await?;
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                    "--window-size=1000,800",
                    format!("--user-data-dir={}", browser.profile.display()),
                ],
            },
        }}});
        let created = browser
            .call(
                reqwest::Method::POST,
                &format!("http://127.0.0.1:{port}/session"),
                Some(capabilities),
            )
            .await
            .context("creating a Chromium session")?;
        let id = created["sessionId"]
            .as_str()
            .context("no sessionId in chromedriver's answer")?;
        browser.session_id = id.to_owned();
        browser.session = format!("http://127.0.0.1:{port}/session/{id}");
        Ok(browser)
    }

    async fn wait_for_driver(&mut self) -> anyhow::Result<()> {
        let status = format!("http://127.0.0.1:{}/status", self.port);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(answer) = self.http.get(&status).send().await
                && answer.status().is_success()
            {
                return Ok(());
            }
            if let Some(exit) = self.driver.try_wait()? {
                anyhow::bail!("chromedriver exited at start: {exit}");
            }
            anyhow::ensure!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// One WebDriver command; its `value`, or the WebDriver error as an error.
    async fn call(
        &self,
        method: reqwest::Method,
        url: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        let mut request = self.http.request(method.clone(), url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer = request.send().await?;
        let status = answer.status();
        let mut value: Value = answer.json().await?;
        anyhow::ensure!(
            status.is_success(),
            "WebDriver {method} {url}: {status} {}",
            value["value"]
        );
        Ok(value["value"].take())
    }

    async fn command(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        self.call(method, &format!("{}{path}", self.session), body)
            .await
    }

    pub async fn goto(&self, url: &str) -> anyhow::Result<()> {
        self.command(reqwest::Method::POST, "/url", Some(json!({ "url": url })))
            .await?;
        Ok(())
    }

    pub async fn current_url(&self) -> anyhow::Result<String> {
        let url = self.command(reqwest::Method::GET, "/url", None).await?;
        Ok(url.as_str().unwrap_or_default().to_owned())
    }

    /// Waits up to `timeout` for the current URL to start with `prefix`.
    pub async fn wait_for_url(&self, prefix: &str, timeout: Duration) -> anyhow::Result<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let url = self.current_url().await?;
            if url.starts_with(prefix) {
                return Ok(url);
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "still at {url}, expected {prefix}…"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The element matching a CSS selector (an error if none does).
    pub async fn find(&self, css: &str) -> anyhow::Result<String> {
        let found = self
            .command(
                reqwest::Method::POST,
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await
            .with_context(|| format!("finding {css}"))?;
        found[ELEMENT]
            .as_str()
            .map(str::to_owned)
            .with_context(|| format!("no element reference for {css}"))
    }

    /// Types `text` into the element, as a user would.
    pub async fn type_into(&self, css: &str, text: &str) -> anyhow::Result<()> {
        let element = self.find(css).await?;
        self.command(
            reqwest::Method::POST,
            &format!("/element/{element}/value"),
            Some(json!({ "text": text })),
        )
        .await?;
        Ok(())
    }

    pub async fn click(&self, css: &str) -> anyhow::Result<()> {
        let element = self.find(css).await?;
        self.command(
            reqwest::Method::POST,
            &format!("/element/{element}/click"),
            Some(json!({})),
        )
        .await?;
        Ok(())
    }

    /// Runs `script` (a function body; `arguments` are `args`) in the page; its return value.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> anyhow::Result<Value> {
        self.command(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
        .await
    }

    /// Polls `script` until it returns something other than `null`, up to `timeout`.
    pub async fn wait_for(&self, script: &str, timeout: Duration) -> anyhow::Result<Value> {
        let deadline = Instant::now() + timeout;
        loop {
            let value = self.execute(script, Vec::new()).await?;
            if !value.is_null() {
                return Ok(value);
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "timed out at {} waiting for: {script}",
                self.current_url().await.unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A PNG of the viewport.
    pub async fn screenshot(&self) -> anyhow::Result<Vec<u8>> {
        let png = self
            .command(reqwest::Method::GET, "/screenshot", None)
            .await?;
        Ok(base64::engine::general_purpose::STANDARD.decode(png.as_str().unwrap_or_default())?)
    }

    /// Saves a screenshot to `path` (its folder is created).
    pub async fn save_screenshot(&self, path: &Path) -> anyhow::Result<()> {
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder)?;
        }
        std::fs::write(path, self.screenshot().await?)?;
        Ok(())
    }

    /// Ends the browser session (Chromium exits) without waiting for `Drop`.
    fn end_session(&mut self) {
        if self.session_id.is_empty() {
            return;
        }
        // Drop cannot await: a plain blocking request, with short timeouts.
        let request = format!(
            "DELETE /session/{} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\n\
             Connection: close\r\n\r\n",
            self.session_id, self.port
        );
        if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            let _ = stream.write_all(request.as_bytes());
            let _ = stream.read(&mut [0u8; 512]);
        }
        self.session_id.clear();
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        self.end_session();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}
