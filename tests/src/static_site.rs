//! A tiny web server for pages a test serves on an origin of its own (a single-page app that
//! signs in through Poort from another origin): fixed bodies by path, any query ignored, one
//! request per connection.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

type Pages = Arc<RwLock<HashMap<String, (&'static str, String)>>>;

pub struct StaticSite {
    /// `http://127.0.0.1:PORT`: the site's origin.
    pub origin: String,
    pages: Pages,
    task: tokio::task::JoinHandle<()>,
}

impl StaticSite {
    /// Listens on a free loopback port; pages are added with [`StaticSite::put`].
    pub async fn start() -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let origin = format!("http://{}", listener.local_addr()?);
        let pages: Pages = Arc::default();
        let served = pages.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(answer(stream, served.clone()));
            }
        });
        Ok(Self {
            origin,
            pages,
            task,
        })
    }

    /// Serves `body` as `content_type` at `path` (without query).
    pub fn put(&self, path: &str, content_type: &'static str, body: String) {
        self.pages
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(path.to_owned(), (content_type, body));
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }
}

impl Drop for StaticSite {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn answer(mut stream: TcpStream, pages: Pages) {
    let mut request = Vec::new();
    let mut buffer = [0u8; 4096];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 65_536 {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buffer[..n]),
        }
    }
    let text = String::from_utf8_lossy(&request);
    let target = text.split_whitespace().nth(1).unwrap_or("/");
    let path = target.split('?').next().unwrap_or("/");
    let page = pages
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .get(path)
        .cloned();
    let (status, content_type, body) = match page {
        Some((content_type, body)) => ("200 OK", content_type, body),
        None => ("404 Not Found", "text/plain", "not found".to_owned()),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(body.as_bytes()).await;
    let _ = stream.shutdown().await;
}
