//! Which address a request comes from, reading forwarding headers only from trusted proxies.

use std::borrow::Cow;
use std::net::IpAddr;

use crate::forwarded::{forwarded_for_nodes, node_address, x_forwarded_for_nodes};
use crate::trusted_proxies::{ProxyHeader, TrustedProxies};

/// The client address of a request.
///
/// `peer` is the socket's peer. Headers are honoured only when `peer` is a trusted proxy, and
/// only the header the proxies are configured to write ([`TrustedProxies::header`]); the other
/// is ignored. Several header lines must be joined with `,` by the caller, in order.
///
/// The chain is walked from the right (the hop nearest to us), skipping trusted proxies; the
/// first untrusted address is the client. If every hop is trusted, the leftmost is returned.
/// A missing header gives `peer`; so does a malformed one, or an `unknown`/obfuscated hop
/// reached before the client, since nothing better is known. IPv4-mapped IPv6 addresses are
/// returned in IPv4 form.
pub fn client_ip(
    peer: IpAddr,
    forwarded_for: Option<&str>,
    forwarded: Option<&str>,
    trusted: &TrustedProxies,
) -> IpAddr {
    let peer = peer.to_canonical();
    if !trusted.is_trusted(peer) {
        return peer;
    }
    let nodes = match trusted.header() {
        ProxyHeader::XForwardedFor => forwarded_for.map(x_forwarded_for_nodes),
        ProxyHeader::Forwarded => forwarded.map(forwarded_for_nodes),
    };
    match nodes {
        Some(Some(nodes)) => first_untrusted_from_right(&nodes, trusted).unwrap_or(peer),
        Some(None) | None => peer,
    }
}

/// Walks right to left; nodes left of the client are never parsed, since the client wrote them.
fn first_untrusted_from_right(nodes: &[Cow<'_, str>], trusted: &TrustedProxies) -> Option<IpAddr> {
    let mut leftmost_trusted = None;
    for node in nodes.iter().rev() {
        let addr = node_address(node)?;
        if !trusted.is_trusted(addr) {
            return Some(addr);
        }
        leftmost_trusted = Some(addr);
    }
    leftmost_trusted
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn xff_proxies() -> TrustedProxies {
        TrustedProxies::parse(
            ["10.0.0.0/8", "2001:db8:ffff::/48"],
            ProxyHeader::XForwardedFor,
        )
        .unwrap()
    }

    fn forwarded_proxies() -> TrustedProxies {
        TrustedProxies::parse(["10.0.0.0/8", "2001:db8:ffff::/48"], ProxyHeader::Forwarded).unwrap()
    }

    #[test]
    fn untrusted_peer_headers_are_ignored() {
        let spoof = Some("10.0.0.1, 192.0.2.99");
        let got = client_ip(
            ip("198.51.100.7"),
            spoof,
            Some("for=192.0.2.99"),
            &xff_proxies(),
        );
        assert_eq!(got, ip("198.51.100.7"));
        let got = client_ip(ip("198.51.100.7"), spoof, None, &TrustedProxies::none());
        assert_eq!(got, ip("198.51.100.7"));
    }

    #[test]
    fn trusted_peer_without_header_is_the_client() {
        assert_eq!(
            client_ip(ip("10.0.0.1"), None, None, &xff_proxies()),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn single_trusted_proxy() {
        let got = client_ip(ip("10.0.0.1"), Some("203.0.113.5"), None, &xff_proxies());
        assert_eq!(got, ip("203.0.113.5"));
    }

    #[test]
    fn chain_of_trusted_proxies_is_skipped() {
        let got = client_ip(
            ip("10.0.0.1"),
            Some("203.0.113.5, 10.2.0.1, 2001:db8:ffff::2"),
            None,
            &xff_proxies(),
        );
        assert_eq!(got, ip("203.0.113.5"));
    }

    #[test]
    fn client_supplied_entries_left_of_the_client_are_ignored() {
        // The client sent `X-Forwarded-For: 10.9.9.9, garbage`; our proxy appended its address.
        let got = client_ip(
            ip("10.0.0.1"),
            Some("10.9.9.9, garbage, 203.0.113.5"),
            None,
            &xff_proxies(),
        );
        assert_eq!(got, ip("203.0.113.5"));
    }

    #[test]
    fn all_trusted_gives_the_leftmost() {
        let got = client_ip(
            ip("10.0.0.1"),
            Some("10.3.3.3, 10.2.2.2"),
            None,
            &xff_proxies(),
        );
        assert_eq!(got, ip("10.3.3.3"));
    }

    #[test]
    fn malformed_header_gives_the_peer() {
        for header in [
            "",
            "203.0.113.5,,10.2.0.1",
            "not-an-ip",
            "203.0.113.5, unknown",
        ] {
            let got = client_ip(ip("10.0.0.1"), Some(header), None, &xff_proxies());
            assert_eq!(got, ip("10.0.0.1"), "{header}");
        }
    }

    #[test]
    fn mapped_addresses_are_canonical() {
        let got = client_ip(
            ip("::ffff:10.0.0.1"),
            Some("::ffff:203.0.113.5"),
            None,
            &xff_proxies(),
        );
        assert_eq!(got, ip("203.0.113.5"));
        let got = client_ip(ip("::ffff:198.51.100.7"), None, None, &xff_proxies());
        assert_eq!(got, ip("198.51.100.7"));
    }

    #[test]
    fn forwarded_syntax_variants() {
        let peer = ip("10.0.0.1");
        let cases = [
            ("for=203.0.113.5", "203.0.113.5"),
            ("FOR=203.0.113.5;proto=https", "203.0.113.5"),
            (r#"for="203.0.113.5:4711""#, "203.0.113.5"),
            (r#"for="[2001:db8:cafe::17]:4711""#, "2001:db8:cafe::17"),
            (r#"for="[2001:db8:cafe::17]""#, "2001:db8:cafe::17"),
            ("for=203.0.113.5, for=10.1.1.1;by=10.0.0.1", "203.0.113.5"),
            (
                r#"proto=http;for="[2001:db8:ffff::9]:1", for=203.0.113.5"#,
                "203.0.113.5",
            ),
            (
                r#"for=192.0.2.1, for="[2001:db8:cafe::17]:80", for="[2001:db8:ffff::2]""#,
                "2001:db8:cafe::17",
            ),
        ];
        for (header, expected) in cases {
            let got = client_ip(peer, None, Some(header), &forwarded_proxies());
            assert_eq!(got, ip(expected), "{header}");
        }
    }

    #[test]
    fn forwarded_malformed_or_unknown_gives_the_peer() {
        let peer = ip("10.0.0.1");
        for header in [
            "for=unknown",
            "for=_hidden, for=10.1.1.1",
            r#"for="203.0.113.5"#,
            "by=10.0.0.1",
            "for=203.0.113.5;for=203.0.113.6",
        ] {
            let got = client_ip(peer, None, Some(header), &forwarded_proxies());
            assert_eq!(got, peer, "{header}");
        }
    }

    #[test]
    fn only_the_configured_header_is_read() {
        // The proxy writes X-Forwarded-For and passes a client-forged `Forwarded` through.
        let got = client_ip(
            ip("10.0.0.1"),
            Some("203.0.113.5"),
            Some("for=10.7.7.7"),
            &xff_proxies(),
        );
        assert_eq!(got, ip("203.0.113.5"));
        // And the other way round.
        let got = client_ip(
            ip("10.0.0.1"),
            Some("10.7.7.7"),
            Some("for=203.0.113.5"),
            &forwarded_proxies(),
        );
        assert_eq!(got, ip("203.0.113.5"));
        let got = client_ip(
            ip("10.0.0.1"),
            Some("203.0.113.5"),
            None,
            &forwarded_proxies(),
        );
        assert_eq!(got, ip("10.0.0.1"));
    }
}
