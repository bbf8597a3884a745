//! The organisation's IP allowlist: the ranges its members may log in (and use its tokens) from.

use std::net::IpAddr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use crate::ip_ranges::{IpRangeError, IpRanges};

/// CIDR ranges (IPv4 and IPv6); an empty list means "no restriction".
///
/// Serialised as a list of strings such as `["10.0.0.0/8", "2001:db8::/32"]`.
/// IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`) match as their IPv4 form. Overlapping ranges
/// are fine.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<String>", into = "Vec<String>")]
pub struct IpAllowlist {
    ranges: IpRanges,
}

impl IpAllowlist {
    /// The empty list: every address is allowed.
    pub fn unrestricted() -> Self {
        Self::default()
    }

    /// Parses CIDR ranges or bare addresses (surrounding whitespace ignored).
    /// The error names the first offending entry.
    pub fn parse<I, S>(entries: I) -> Result<Self, IpRangeError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        IpRanges::parse(entries).map(|ranges| Self { ranges })
    }

    /// True when no range is configured, so [`IpAllowlist::allows`] lets every address through.
    pub fn is_unrestricted(&self) -> bool {
        self.ranges.is_empty()
    }

    /// Whether one of the listed ranges holds `addr`. Always false for the empty list;
    /// use [`IpAllowlist::allows`] for the access decision.
    pub fn contains(&self, addr: IpAddr) -> bool {
        self.ranges.contains(addr)
    }

    /// The access decision: unrestricted, or `addr` lies in a listed range.
    pub fn allows(&self, addr: IpAddr) -> bool {
        self.is_unrestricted() || self.contains(addr)
    }

    pub fn ranges(&self) -> &[IpNet] {
        self.ranges.ranges()
    }
}

impl TryFrom<Vec<String>> for IpAllowlist {
    type Error = IpRangeError;

    fn try_from(entries: Vec<String>) -> Result<Self, Self::Error> {
        Self::parse(entries)
    }
}

impl From<IpAllowlist> for Vec<String> {
    fn from(list: IpAllowlist) -> Self {
        list.ranges.to_strings()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ipv4_ranges_and_bare_addresses() {
        let list = IpAllowlist::parse(["10.0.0.0/8", " 192.0.2.7 "]).unwrap();
        assert!(list.allows(ip("10.1.2.3")));
        assert!(list.allows(ip("192.0.2.7")));
        assert!(!list.allows(ip("192.0.2.8")));
        assert!(!list.allows(ip("11.0.0.1")));
    }

    #[test]
    fn ipv6_ranges_and_bare_addresses() {
        let list = IpAllowlist::parse(["2001:db8::/32", "2001:db9::1"]).unwrap();
        assert!(list.allows(ip("2001:db8:ffff::1")));
        assert!(list.allows(ip("2001:db9::1")));
        assert!(!list.allows(ip("2001:db9::2")));
        assert!(!list.allows(ip("10.0.0.1")));
    }

    #[test]
    fn ipv4_mapped_address_matches_ipv4_range() {
        let list = IpAllowlist::parse(["203.0.113.0/24"]).unwrap();
        assert!(list.allows(ip("::ffff:203.0.113.9")));
        assert!(!list.allows(ip("::ffff:203.0.114.9")));
    }

    #[test]
    fn ipv4_address_matches_mapped_range() {
        let list = IpAllowlist::parse(["::ffff:203.0.113.0/120"]).unwrap();
        assert!(list.allows(ip("203.0.113.9")));
        assert!(list.allows(ip("::ffff:203.0.113.9")));
        assert!(!list.allows(ip("203.0.114.9")));
    }

    #[test]
    fn ipv4_compatible_address_is_not_treated_as_ipv4() {
        // `::a.b.c.d` is deprecated and not the same host as `a.b.c.d`.
        let list = IpAllowlist::parse(["203.0.113.0/24"]).unwrap();
        assert!(!list.allows(ip("::203.0.113.9")));
    }

    #[test]
    fn overlapping_ranges() {
        let list = IpAllowlist::parse(["10.0.0.0/8", "10.1.0.0/16", "10.1.2.3"]).unwrap();
        assert!(list.allows(ip("10.1.2.3")));
        assert!(list.allows(ip("10.200.0.1")));
        assert!(!list.allows(ip("172.16.0.1")));
    }

    #[test]
    fn empty_list_is_unrestricted() {
        let list = IpAllowlist::parse(Vec::<String>::new()).unwrap();
        assert!(list.is_unrestricted());
        assert!(list.allows(ip("198.51.100.1")));
        assert!(!list.contains(ip("198.51.100.1")));
        assert!(
            !IpAllowlist::parse(["10.0.0.0/8"])
                .unwrap()
                .is_unrestricted()
        );
    }

    #[test]
    fn bad_entries_are_named() {
        for bad in [
            "10.0.0.0/33",
            "10.0.0",
            "example.com",
            "",
            "2001:db8::/129",
            "10.0.0.0/8/8",
        ] {
            let err = IpAllowlist::parse(["10.0.0.0/8", bad]).unwrap_err();
            assert_eq!(
                err,
                IpRangeError::Malformed {
                    entry: bad.to_owned()
                }
            );
            assert!(err.to_string().contains(&format!("`{bad}`")));
        }
    }

    #[test]
    fn host_bits_are_refused() {
        let err = IpAllowlist::parse(["192.168.1.5/24"]).unwrap_err();
        assert_eq!(
            err,
            IpRangeError::HostBitsSet {
                entry: "192.168.1.5/24".to_owned(),
                network: "192.168.1.0/24".parse().unwrap(),
            }
        );
    }

    #[test]
    fn serialises_as_list_of_strings() {
        let list = IpAllowlist::parse(["10.0.0.0/8", "2001:db8::1"]).unwrap();
        let json = serde_json::to_string(&list).unwrap();
        assert_eq!(json, r#"["10.0.0.0/8","2001:db8::1/128"]"#);
        let back: IpAllowlist = serde_json::from_str(&json).unwrap();
        assert_eq!(back, list);
        assert!(serde_json::from_str::<IpAllowlist>(r#"["nope"]"#).is_err());
    }
}
