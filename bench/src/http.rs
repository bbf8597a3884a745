//! A minimal HTTP/1.1 keep-alive client over one TCP connection: requests are pre-serialised
//! bytes, responses are parsed with `httparse` (status, the headers we need, the body by
//! Content-Length or chunked). Cheap per request, so one core can drive the server's one core.

use std::net::SocketAddr;

use anyhow::{Context, bail};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Responses bigger than this are a bug in the benchmark or the server.
const MAX_RESPONSE: usize = 4 * 1024 * 1024;

pub struct Response {
    pub status: u16,
    /// `Location`, if any.
    pub location: Option<String>,
    /// Every `Set-Cookie` header.
    pub set_cookies: Vec<String>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The value of cookie `name` set by this response, if any.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.set_cookies.iter().find_map(|header| {
            let pair = header.split(';').next()?;
            let (key, value) = pair.split_once('=')?;
            (key.trim() == name).then(|| value.trim().to_string())
        })
    }
}

pub struct Conn {
    addr: SocketAddr,
    stream: Option<TcpStream>,
    buf: Vec<u8>,
    /// Bytes of `buf` already read from the socket.
    filled: usize,
}

impl Conn {
    pub fn new(addr: SocketAddr) -> Self {
        Self {
            addr,
            stream: None,
            buf: vec![0; 16 * 1024],
            filled: 0,
        }
    }

    async fn stream(&mut self) -> anyhow::Result<&mut TcpStream> {
        if self.stream.is_none() {
            let stream = TcpStream::connect(self.addr)
                .await
                .with_context(|| format!("connecting to {}", self.addr))?;
            stream.set_nodelay(true)?;
            self.stream = Some(stream);
            self.filled = 0;
        }
        self.stream.as_mut().context("no connection")
    }

    /// Drops the connection (after an error); the next request reconnects.
    pub fn reset(&mut self) {
        self.stream = None;
        self.filled = 0;
    }

    /// Sends one request and reads its response. On error the connection is reset.
    pub async fn send(&mut self, request: &[u8]) -> anyhow::Result<Response> {
        let result = self.exchange(request).await;
        if result.is_err() {
            self.reset();
        }
        result
    }

    async fn exchange(&mut self, request: &[u8]) -> anyhow::Result<Response> {
        self.stream().await?.write_all(request).await?;
        loop {
            if let Some((response, used)) = parse(&self.buf[..self.filled])? {
                // Keep any pipelined leftovers (there are none with one request in flight).
                self.buf.copy_within(used..self.filled, 0);
                self.filled -= used;
                return Ok(response);
            }
            if self.filled == self.buf.len() {
                if self.buf.len() >= MAX_RESPONSE {
                    bail!("response larger than {MAX_RESPONSE} bytes");
                }
                self.buf.resize(self.buf.len() * 2, 0);
            }
            let filled = self.filled;
            let stream = self.stream.as_mut().context("no connection")?;
            let read = stream.read(&mut self.buf[filled..]).await?;
            if read == 0 {
                bail!("the server closed the connection");
            }
            self.filled += read;
        }
    }
}

/// A complete response at the start of `data` and the number of bytes it used, or `None` if
/// more bytes are needed.
fn parse(data: &[u8]) -> anyhow::Result<Option<(Response, usize)>> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut parsed = httparse::Response::new(&mut headers);
    let head_len = match parsed.parse(data)? {
        httparse::Status::Complete(len) => len,
        httparse::Status::Partial => return Ok(None),
    };
    let status = parsed.code.context("no status code")?;
    let mut content_length = None;
    let mut chunked = false;
    let mut location = None;
    let mut set_cookies = Vec::new();
    for header in parsed.headers.iter() {
        let value = std::str::from_utf8(header.value).unwrap_or("");
        if header.name.eq_ignore_ascii_case("content-length") {
            content_length = Some(value.trim().parse::<usize>()?);
        } else if header.name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.to_ascii_lowercase().contains("chunked");
        } else if header.name.eq_ignore_ascii_case("location") {
            location = Some(value.to_string());
        } else if header.name.eq_ignore_ascii_case("set-cookie") {
            set_cookies.push(value.to_string());
        }
    }
    let rest = &data[head_len..];
    let (body, body_len) = if chunked {
        match dechunk(rest)? {
            Some(found) => found,
            None => return Ok(None),
        }
    } else {
        let len = content_length.unwrap_or(0);
        if rest.len() < len {
            return Ok(None);
        }
        (rest[..len].to_vec(), len)
    };
    Ok(Some((
        Response {
            status,
            location,
            set_cookies,
            body,
        },
        head_len + body_len,
    )))
}

/// Decodes a chunked body at the start of `data`: the body and the bytes used, or `None` if
/// incomplete. Trailers are not used by our server and are refused.
fn dechunk(data: &[u8]) -> anyhow::Result<Option<(Vec<u8>, usize)>> {
    let mut body = Vec::new();
    let mut at = 0;
    loop {
        let Some(line_end) = find_crlf(&data[at..]) else {
            return Ok(None);
        };
        let size_text = std::str::from_utf8(&data[at..at + line_end])?;
        let size_text = size_text.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16).context("bad chunk size")?;
        at += line_end + 2;
        if data.len() < at + size + 2 {
            return Ok(None);
        }
        if size == 0 {
            if &data[at..at + 2] != b"\r\n" {
                bail!("chunked trailers are not supported");
            }
            return Ok(Some((body, at + 2)));
        }
        body.extend_from_slice(&data[at..at + size]);
        at += size + 2;
    }
}

fn find_crlf(data: &[u8]) -> Option<usize> {
    data.windows(2).position(|w| w == b"\r\n")
}

/// Serialises a request with the headers every benchmark request carries.
pub fn request(
    method: &str,
    path: &str,
    host: &str,
    extra_headers: &[(&str, &str)],
    form_body: Option<&str>,
) -> Vec<u8> {
    let mut out = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\n");
    for (name, value) in extra_headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    match form_body {
        Some(body) => {
            out.push_str(&format!(
                "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            ));
        }
        None => out.push_str("\r\n"),
    }
    out.into_bytes()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn parses_content_length_and_waits_for_the_whole_body() {
        let raw = b"HTTP/1.1 303 See Other\r\nlocation: /login?tx=abc\r\nset-cookie: poort_session=xyz; Path=/; HttpOnly\r\ncontent-length: 5\r\n\r\nhello";
        assert!(parse(&raw[..raw.len() - 1]).unwrap().is_none());
        let (response, used) = parse(raw).unwrap().unwrap();
        assert_eq!(used, raw.len());
        assert_eq!(response.status, 303);
        assert_eq!(response.location.as_deref(), Some("/login?tx=abc"));
        assert_eq!(response.cookie("poort_session").as_deref(), Some("xyz"));
        assert_eq!(response.body, b"hello");
    }

    #[test]
    fn parses_chunked_bodies() {
        let raw = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\nNEXT";
        let (response, used) = parse(raw).unwrap().unwrap();
        assert_eq!(response.body, b"abcde");
        assert_eq!(&raw[used..], b"NEXT");
        assert!(parse(&raw[..raw.len() - 8]).unwrap().is_none());
    }

    #[test]
    fn serialises_form_requests() {
        let bytes = request(
            "POST",
            "/token",
            "127.0.0.1:1",
            &[("Authorization", "Basic x")],
            Some("a=b"),
        );
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with("POST /token HTTP/1.1\r\nHost: 127.0.0.1:1\r\n"));
        assert!(text.ends_with("Content-Length: 3\r\n\r\na=b"));
    }
}
