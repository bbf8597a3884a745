//! The reverse proxies whose forwarding headers we believe, and which header they write.

use std::net::IpAddr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use crate::ip_ranges::{IpRangeError, IpRanges};

/// The forwarding header the trusted proxies write.
///
/// Only this header is read. A proxy passes headers it does not manage through unchanged, so
/// the other one may have been written by the client and must not be believed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProxyHeader {
    /// `X-Forwarded-For: client, proxy1, proxy2` (nginx, most load balancers).
    #[default]
    XForwardedFor,
    /// RFC 7239 `Forwarded: for=client, for=proxy1`.
    Forwarded,
}

/// Proxies whose forwarding headers are honoured; empty (the default) trusts no one, so the
/// socket's peer address is always the client address.
///
/// Serialised as `{ "proxies": ["10.0.0.0/8"], "header": "x-forwarded-for" }`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "TrustedProxiesConfig", into = "TrustedProxiesConfig")]
pub struct TrustedProxies {
    proxies: IpRanges,
    header: ProxyHeader,
}

impl TrustedProxies {
    /// Trusts no proxy: headers are never read.
    pub fn none() -> Self {
        Self::default()
    }

    /// Parses the proxies' CIDR ranges or bare addresses; the error names the offending entry.
    pub fn parse<I, S>(entries: I, header: ProxyHeader) -> Result<Self, IpRangeError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        IpRanges::parse(entries).map(|proxies| Self { proxies, header })
    }

    pub fn is_trusted(&self, addr: IpAddr) -> bool {
        self.proxies.contains(addr)
    }

    pub fn header(&self) -> ProxyHeader {
        self.header
    }

    pub fn ranges(&self) -> &[IpNet] {
        self.proxies.ranges()
    }
}

/// The serialised shape of [`TrustedProxies`].
#[derive(Serialize, Deserialize)]
struct TrustedProxiesConfig {
    #[serde(default)]
    proxies: Vec<String>,
    #[serde(default)]
    header: ProxyHeader,
}

impl TryFrom<TrustedProxiesConfig> for TrustedProxies {
    type Error = IpRangeError;

    fn try_from(config: TrustedProxiesConfig) -> Result<Self, Self::Error> {
        Self::parse(config.proxies, config.header)
    }
}

impl From<TrustedProxies> for TrustedProxiesConfig {
    fn from(trusted: TrustedProxies) -> Self {
        Self {
            proxies: trusted.proxies.to_strings(),
            header: trusted.header,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn none_trusts_nobody() {
        let trusted = TrustedProxies::none();
        assert!(!trusted.is_trusted("127.0.0.1".parse().unwrap()));
        assert_eq!(trusted.header(), ProxyHeader::XForwardedFor);
    }

    #[test]
    fn serde_round_trip_and_defaults() {
        let trusted = TrustedProxies::parse(["10.0.0.0/8"], ProxyHeader::Forwarded).unwrap();
        let json = serde_json::to_string(&trusted).unwrap();
        assert_eq!(json, r#"{"proxies":["10.0.0.0/8"],"header":"forwarded"}"#);
        assert_eq!(
            serde_json::from_str::<TrustedProxies>(&json).unwrap(),
            trusted
        );

        let defaulted: TrustedProxies = serde_json::from_str(r#"{"proxies":["::1"]}"#).unwrap();
        assert_eq!(defaulted.header(), ProxyHeader::XForwardedFor);
        assert!(defaulted.is_trusted("::1".parse().unwrap()));
        assert!(serde_json::from_str::<TrustedProxies>(r#"{"proxies":["x"]}"#).is_err());
    }
}
