//! A real SMTP server in the test process (mailin-embedded on its own thread), keeping every
//! message it receives, and a small MIME reader to get the text part out of one.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use mailin_embedded::{Handler, Response, Server, SslConfig, response};

/// One message as it arrived.
#[derive(Clone, Debug)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    /// The raw message (headers and body).
    pub data: String,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<String> {
        header_of(&self.data, name)
    }

    /// The decoded `text/plain` part.
    pub fn text(&self) -> anyhow::Result<String> {
        part(&self.data, "text/plain")
    }

    /// The decoded `text/html` part.
    pub fn html(&self) -> anyhow::Result<String> {
        part(&self.data, "text/html")
    }

    /// The first link in the text part starting with `prefix`.
    pub fn link(&self, prefix: &str) -> anyhow::Result<String> {
        let text = self.text()?;
        text.split_whitespace()
            .find(|w| w.starts_with(prefix))
            .map(str::to_string)
            .ok_or_else(|| anyhow::anyhow!("no link starting with {prefix} in:\n{text}"))
    }
}

#[derive(Clone, Default)]
struct Collect {
    inbox: Arc<Mutex<Vec<Received>>>,
    current: Option<Received>,
}

impl Handler for Collect {
    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.current = Some(Received {
            from: from.to_string(),
            to: to.to_vec(),
            data: String::new(),
        });
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        if let Some(current) = &mut self.current {
            current.data.push_str(&String::from_utf8_lossy(buf));
        }
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        if let (Some(done), Ok(mut inbox)) = (self.current.take(), self.inbox.lock()) {
            inbox.push(done);
        }
        response::OK
    }
}

/// The running sink; it serves until the test process ends.
pub struct SmtpSink {
    pub port: u16,
    inbox: Arc<Mutex<Vec<Received>>>,
}

impl SmtpSink {
    /// Starts on a free port.
    pub fn start() -> anyhow::Result<Self> {
        Self::start_on(0)
    }

    /// Starts on `port` (0: any free one).
    pub fn start_on(port: u16) -> anyhow::Result<Self> {
        let listener = std::net::TcpListener::bind(("127.0.0.1", port))?;
        let port = listener.local_addr()?.port();
        let handler = Collect::default();
        let inbox = handler.inbox.clone();
        let mut server = Server::new(handler);
        // mailin's error type is not `Send`: turn it into text on this thread.
        server
            .with_name("sink.test")
            .with_ssl(SslConfig::None)
            .map_err(|e| anyhow::anyhow!("smtp sink: {e}"))?
            .with_tcp_listener(listener);
        std::thread::spawn(move || {
            if let Err(e) = server.serve() {
                tracing::error!(error = %e, "smtp sink stopped");
            }
        });
        Ok(Self { port, inbox })
    }

    pub fn messages(&self) -> Vec<Received> {
        self.inbox.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// Messages to `to`.
    pub fn messages_to(&self, to: &str) -> Vec<Received> {
        self.messages()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(to)))
            .collect()
    }

    /// Waits (up to 10 s) until `to` has received `count` messages; returns the last.
    pub async fn wait_for(&self, to: &str, count: usize) -> anyhow::Result<Received> {
        for _ in 0..200 {
            let got = self.messages_to(to);
            if got.len() >= count {
                return got
                    .into_iter()
                    .nth(count - 1)
                    .ok_or_else(|| anyhow::anyhow!("no message"));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        anyhow::bail!(
            "{to} did not receive {count} message(s); got {:?}",
            self.messages_to(to)
                .iter()
                .map(|m| m.header("subject"))
                .collect::<Vec<_>>()
        )
    }
}

/// A header of a message or MIME part (unfolded), by case-insensitive name.
pub fn header_of(raw: &str, name: &str) -> Option<String> {
    let head = raw.split("\r\n\r\n").next().unwrap_or(raw);
    let mut value: Option<String> = None;
    for line in head.split("\r\n") {
        if line.starts_with([' ', '\t']) {
            if let Some(v) = &mut value {
                v.push(' ');
                v.push_str(line.trim());
            }
            continue;
        }
        if value.is_some() {
            break;
        }
        if let Some((n, v)) = line.split_once(':')
            && n.trim().eq_ignore_ascii_case(name)
        {
            value = Some(v.trim().to_string());
        }
    }
    value
}

/// The decoded body of the first part whose content type is `content_type`.
pub fn part(raw: &str, content_type: &str) -> anyhow::Result<String> {
    let raw = raw.replace("\r\n", "\n").replace('\n', "\r\n");
    let boundary = header_of(&raw, "content-type")
        .and_then(|ct| {
            ct.split(';')
                .find_map(|p| p.trim().strip_prefix("boundary=").map(str::to_string))
        })
        .map(|b| b.trim_matches('"').to_string())
        .ok_or_else(|| anyhow::anyhow!("not a multipart message"))?;
    for section in raw.split(&format!("--{boundary}")).skip(1) {
        let section = section.trim_start_matches("\r\n");
        let Some(ct) = header_of(section, "content-type") else {
            continue;
        };
        if !ct.to_ascii_lowercase().starts_with(content_type) {
            continue;
        }
        let body = section.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
        let encoding = header_of(section, "content-transfer-encoding")
            .unwrap_or_default()
            .to_ascii_lowercase();
        return decode(body, &encoding);
    }
    anyhow::bail!("no {content_type} part")
}

fn decode(body: &str, encoding: &str) -> anyhow::Result<String> {
    use base64::Engine;
    match encoding {
        "base64" => {
            let compact: String = body.split_whitespace().collect();
            let bytes = base64::engine::general_purpose::STANDARD.decode(compact)?;
            Ok(String::from_utf8(bytes)?)
        }
        "quoted-printable" => {
            let joined = body.replace("=\r\n", "");
            let bytes = joined.as_bytes();
            let mut out = Vec::with_capacity(bytes.len());
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == b'='
                    && i + 2 < bytes.len()
                    && let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
                {
                    out.push(b);
                    i += 3;
                    continue;
                }
                out.push(bytes[i]);
                i += 1;
            }
            Ok(String::from_utf8(out)?)
        }
        _ => Ok(body.to_string()),
    }
}

/// A port nothing listens on (bound, then released): an SMTP server that is down.
pub fn closed_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}
