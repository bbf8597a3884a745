//! A relying party's back-channel logout endpoint for tests: listens on 127.0.0.1, records the
//! `logout_token` of every form POST it receives (also the ones it refuses), and answers with
//! the status the test sets (200 by default), or hangs up without answering (`Hangup`) to
//! play a receiver that is down.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How the receiver answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    Status(u16),
    /// Close the connection without a response.
    Hangup,
}

#[derive(Default)]
struct Seen {
    /// Every logout token posted, in order of arrival.
    tokens: Vec<String>,
    /// The tokens answered with 200/204 (what a real RP would have acted on).
    accepted: Vec<String>,
    answer: Option<Answer>,
}

pub struct LogoutReceiver {
    /// `http://127.0.0.1:PORT/backchannel-logout`.
    pub uri: String,
    seen: Arc<Mutex<Seen>>,
    task: tokio::task::JoinHandle<()>,
}

impl LogoutReceiver {
    pub async fn start() -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let uri = format!("http://{}/backchannel-logout", listener.local_addr()?);
        let seen: Arc<Mutex<Seen>> = Arc::default();
        let shared = seen.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(answer(stream, shared.clone()));
            }
        });
        Ok(Self { uri, seen, task })
    }

    /// How to answer from now on.
    pub fn answer_with(&self, answer: Answer) {
        self.lock().answer = Some(answer);
    }

    /// Every logout token received so far (accepted or not).
    pub fn received(&self) -> Vec<String> {
        self.lock().tokens.clone()
    }

    /// The tokens answered with success.
    pub fn accepted(&self) -> Vec<String> {
        self.lock().accepted.clone()
    }

    /// Waits (up to 10 s) until `count` tokens were accepted; returns them.
    pub async fn wait_accepted(&self, count: usize) -> anyhow::Result<Vec<String>> {
        for _ in 0..200 {
            let accepted = self.accepted();
            if accepted.len() >= count {
                return Ok(accepted);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        anyhow::bail!(
            "{} logout token(s) accepted, expected {count}",
            self.accepted().len()
        )
    }

    /// Waits (up to 10 s) until `count` posts arrived, accepted or not.
    pub async fn wait_received(&self, count: usize) -> anyhow::Result<Vec<String>> {
        for _ in 0..200 {
            let received = self.received();
            if received.len() >= count {
                return Ok(received);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        anyhow::bail!(
            "{} logout post(s) received, expected {count}",
            self.received().len()
        )
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for LogoutReceiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn answer(mut stream: TcpStream, seen: Arc<Mutex<Seen>>) {
    let Some((head, body)) = read_request(&mut stream).await else {
        return;
    };
    let token = head
        .starts_with("POST ")
        .then(|| {
            url::form_urlencoded::parse(&body)
                .find(|(name, _)| name == "logout_token")
                .map(|(_, value)| value.into_owned())
        })
        .flatten();
    let reply = {
        let mut seen = seen.lock().unwrap_or_else(PoisonError::into_inner);
        let reply = seen.answer.unwrap_or(Answer::Status(200));
        if let Some(token) = token {
            seen.tokens.push(token.clone());
            if matches!(reply, Answer::Status(200 | 204)) {
                seen.accepted.push(token);
            }
        }
        reply
    };
    let Answer::Status(status) = reply else {
        return;
    };
    let response = format!(
        "HTTP/1.1 {status} X\r\ncontent-length: 0\r\ncache-control: no-store\r\nconnection: close\r\n\r\n"
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// The request head (as text) and its body (by `content-length`), or `None` if unreadable.
async fn read_request(stream: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut data = Vec::new();
    let mut buffer = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut buffer).await.ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buffer[..n]);
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        if data.len() > 64 * 1024 {
            return None;
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let length = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())
                .flatten()
        })
        .unwrap_or(0)
        .min(64 * 1024);
    let mut body = data[head_end..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut buffer).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&buffer[..n]);
    }
    body.truncate(length);
    Some((head, body))
}
