//! Requests Poort makes to other servers (a client's `jwks_uri`, back-channel logout tokens,
//! later webhooks and upstream identity providers), all through one client with one policy:
//! - https only; plain http only to loopback, and only with `[outbound] allow_loopback`
//!   (development and tests);
//! - only public addresses (`poort_allowlist::is_public_address`), checked for literal IPs in the
//!   URL and for every address a name resolves to, at connection time (no DNS rebinding between
//!   check and use);
//! - no redirects, no proxy from the environment, connect and total timeouts, a size limit on
//!   what is read, and a bound on requests in flight.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use poort_allowlist::{is_loopback_address, is_public_address};
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;

use crate::config::ConfigError;

/// Requests in flight at once per node; more wait for a place (within their timeout).
const MAX_IN_FLIGHT: usize = 64;
/// Longest URL accepted.
const MAX_URL_LEN: usize = 2048;

/// `[outbound]` in the configuration.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutboundConfig {
    /// Allows http and loopback addresses (127.0.0.1, ::1, localhost): development and tests
    /// only. Private ranges stay refused.
    pub allow_loopback: bool,
    /// Whole-request limit, connection included.
    pub timeout_secs: u64,
}

impl Default for OutboundConfig {
    fn default() -> Self {
        Self {
            allow_loopback: false,
            timeout_secs: 5,
        }
    }
}

impl OutboundConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !(1..=60).contains(&self.timeout_secs) {
            return Err(ConfigError::Invalid(
                "outbound.timeout_secs must be between 1 and 60".into(),
            ));
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    /// The policy refuses the URL or where it leads; said at registration time too.
    #[error("{0}")]
    Refused(String),
    /// The request was allowed but did not succeed: connection, timeout, status, size.
    #[error("{0}")]
    Failed(String),
}

/// The outbound HTTP client, shared by every use (cheap to clone).
#[derive(Clone)]
pub struct Outbound {
    client: reqwest::Client,
    allow_loopback: bool,
    in_flight: Arc<Semaphore>,
    timeout: Duration,
}

impl Outbound {
    pub fn new(config: &OutboundConfig) -> Result<Self, OutboundError> {
        let timeout = Duration::from_secs(config.timeout_secs);
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(timeout.min(Duration::from_secs(3)))
            .timeout(timeout)
            .pool_idle_timeout(Duration::from_secs(30))
            .user_agent(concat!("Poort/", env!("CARGO_PKG_VERSION")))
            .dns_resolver(PublicOnlyResolver {
                allow_loopback: config.allow_loopback,
            })
            .build()
            .map_err(|e| OutboundError::Failed(format!("outbound HTTP client: {e}")))?;
        Ok(Self {
            client,
            allow_loopback: config.allow_loopback,
            in_flight: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
            timeout,
        })
    }

    /// Whether Poort would send a request to `url`: the scheme and, for a literal address,
    /// the address. A name is checked again when it is resolved, at each connection.
    pub fn check_url(&self, url: &str) -> Result<url::Url, OutboundError> {
        let refused = |why: &str| Err(OutboundError::Refused(why.to_string()));
        if url.len() > MAX_URL_LEN {
            return refused("the URL is too long");
        }
        let Ok(parsed) = url::Url::parse(url) else {
            return refused("not an absolute URL");
        };
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return refused("the URL must not carry credentials");
        }
        if parsed.fragment().is_some() {
            return refused("the URL must not have a fragment");
        }
        let loopback = match parsed.host() {
            Some(url::Host::Ipv4(v4)) => self.check_address(IpAddr::V4(v4))?,
            Some(url::Host::Ipv6(v6)) => self.check_address(IpAddr::V6(v6))?,
            Some(url::Host::Domain(name)) if is_localhost(name) => {
                if !self.allow_loopback {
                    return refused("localhost is not a public address");
                }
                true
            }
            Some(url::Host::Domain(_)) => false,
            None => return refused("the URL has no host"),
        };
        match parsed.scheme() {
            "https" => Ok(parsed),
            "http" if loopback => Ok(parsed),
            "http" => refused("the URL must use https"),
            _ => refused("the URL must use https"),
        }
    }

    /// Whether a literal address may be reached; `Ok(true)` for an allowed loopback address.
    fn check_address(&self, addr: IpAddr) -> Result<bool, OutboundError> {
        if self.allow_loopback && is_loopback_address(addr) {
            return Ok(true);
        }
        if is_public_address(addr) {
            return Ok(false);
        }
        Err(OutboundError::Refused(format!(
            "{addr} is not a public address"
        )))
    }

    /// GETs `url` and returns its body, at most `max_bytes` of it; anything but 2xx fails.
    pub async fn get(&self, url: &str, max_bytes: usize) -> Result<Vec<u8>, OutboundError> {
        let url = self.check_url(url)?;
        let _place = self.place().await?;
        let response = self.client.get(url).send().await.map_err(failed)?;
        let status = response.status();
        if !status.is_success() {
            return Err(OutboundError::Failed(format!(
                "answered HTTP {}",
                status.as_u16()
            )));
        }
        read_limited(response, max_bytes).await
    }

    /// POSTs an `application/x-www-form-urlencoded` body; returns the status. The answer's
    /// body is not read.
    pub async fn post_form(&self, url: &str, form: &[(&str, &str)]) -> Result<u16, OutboundError> {
        let url = self.check_url(url)?;
        let _place = self.place().await?;
        let response = self
            .client
            .post(url)
            .form(form)
            .send()
            .await
            .map_err(failed)?;
        Ok(response.status().as_u16())
    }

    async fn place(&self) -> Result<tokio::sync::SemaphorePermit<'_>, OutboundError> {
        match tokio::time::timeout(self.timeout, self.in_flight.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(OutboundError::Failed(
                "too many outbound requests in flight".into(),
            )),
        }
    }
}

fn is_localhost(name: &str) -> bool {
    name.eq_ignore_ascii_case("localhost") || name.to_ascii_lowercase().ends_with(".localhost")
}

/// Says what failed without the URL's query (it may carry secrets of the other side).
fn failed(e: reqwest::Error) -> OutboundError {
    let what = if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        match std::error::Error::source(&e) {
            Some(source) => format!("could not connect: {source}"),
            None => "could not connect".to_string(),
        }
    } else {
        "the request failed".to_string()
    };
    OutboundError::Failed(what)
}

async fn read_limited(
    mut response: reqwest::Response,
    max_bytes: usize,
) -> Result<Vec<u8>, OutboundError> {
    let too_large =
        || OutboundError::Failed(format!("the answer is larger than {max_bytes} bytes"));
    if response
        .content_length()
        .is_some_and(|n| n > max_bytes as u64)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(failed)? {
        if body.len() + chunk.len() > max_bytes {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Resolves names and keeps only the addresses the policy allows; a name with none left is an
/// error. Runs for every new connection, so the address checked is the address connected to.
struct PublicOnlyResolver {
    allow_loopback: bool,
}

impl reqwest::dns::Resolve for PublicOnlyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_loopback = self.allow_loopback;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let allowed: Vec<SocketAddr> = found
                .filter(|addr| {
                    is_public_address(addr.ip())
                        || (allow_loopback && is_loopback_address(addr.ip()))
                })
                .collect();
            if allowed.is_empty() {
                let refusal: Box<dyn std::error::Error + Send + Sync> =
                    format!("{host} does not resolve to a public address").into();
                return Err(refusal);
            }
            let addrs: reqwest::dns::Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn outbound(allow_loopback: bool) -> Outbound {
        Outbound::new(&OutboundConfig {
            allow_loopback,
            timeout_secs: 2,
        })
        .unwrap()
    }

    fn refused(outbound: &Outbound, url: &str) -> bool {
        matches!(outbound.check_url(url), Err(OutboundError::Refused(_)))
    }

    #[test]
    fn only_https_to_public_hosts_by_default() {
        let out = outbound(false);
        assert!(out.check_url("https://rp.example.com/jwks").is_ok());
        assert!(out.check_url("https://93.184.216.34/jwks").is_ok());
        for url in [
            "http://rp.example.com/jwks",
            "ftp://rp.example.com/jwks",
            "https://127.0.0.1/jwks",
            "https://[::1]/jwks",
            "https://10.0.0.5/jwks",
            "https://169.254.169.254/latest/meta-data",
            "https://[::ffff:192.168.0.1]/",
            "http://localhost:8080/",
            "https://user:pw@rp.example.com/",
            "https://rp.example.com/#x",
            "not a url",
        ] {
            assert!(refused(&out, url), "{url}");
        }
    }

    #[test]
    fn loopback_over_http_only_when_allowed() {
        let out = outbound(true);
        assert!(out.check_url("http://127.0.0.1:9000/logout").is_ok());
        assert!(out.check_url("http://[::1]:9000/logout").is_ok());
        assert!(out.check_url("http://localhost:9000/logout").is_ok());
        assert!(refused(&out, "http://10.0.0.5/logout"));
        assert!(refused(&out, "http://rp.example.com/logout"));
        assert!(refused(&out, "https://192.168.1.1/logout"));
    }

    async fn resolve(allow_loopback: bool, name: &str) -> Result<Vec<SocketAddr>, String> {
        use reqwest::dns::Resolve;
        let resolver = PublicOnlyResolver { allow_loopback };
        match resolver.resolve(name.parse().unwrap()).await {
            Ok(addrs) => Ok(addrs.collect()),
            Err(e) => Err(e.to_string()),
        }
    }

    #[tokio::test]
    async fn names_resolving_only_to_internal_addresses_are_refused_at_connection() {
        // A name that passes the URL check is checked again by the resolver the client uses.
        let err = resolve(false, "localhost").await.unwrap_err();
        assert!(
            err.contains("does not resolve to a public address"),
            "{err}"
        );
        let allowed = resolve(true, "localhost").await.unwrap();
        assert!(allowed.iter().all(|a| a.ip().is_loopback()), "{allowed:?}");
        assert!(!allowed.is_empty());
    }
}
