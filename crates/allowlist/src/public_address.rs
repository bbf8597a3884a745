//! Which addresses an outbound request (a client's `jwks_uri`, a back-channel logout, later
//! webhooks) may reach: public unicast only. Everything an attacker could use to reach the
//! deployment's own network through Poort (SSRF) is refused: loopback, private and shared
//! ranges, link-local (cloud metadata at 169.254.169.254), multicast, documentation and
//! reserved ranges, and IPv6 forms that embed one of those IPv4 addresses.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Whether `addr` is a public unicast address.
pub fn is_public_address(addr: IpAddr) -> bool {
    match addr {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

/// Whether `addr` is a loopback address (127.0.0.0/8, ::1, or ::ffff:127.x.y.z).
pub fn is_loopback_address(addr: IpAddr) -> bool {
    match addr {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

fn is_public_v4(addr: Ipv4Addr) -> bool {
    let [a, b, c, _] = addr.octets();
    let refused = a == 0 // "this network"
        || a == 10
        || a == 127
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 169 && b == 254) // link-local, cloud metadata
        || (a == 172 && (16..32).contains(&b))
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2) // TEST-NET-1
        || (a == 192 && b == 88 && c == 99) // 6to4 relay anycast
        || (a == 192 && b == 168)
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || (a == 198 && b == 51 && c == 100) // TEST-NET-2
        || (a == 203 && b == 0 && c == 113) // TEST-NET-3
        || a >= 224; // multicast, reserved, broadcast
    !refused
}

fn is_public_v6(addr: Ipv6Addr) -> bool {
    if let Some(v4) = embedded_v4(addr) {
        return is_public_v4(v4);
    }
    let segments = addr.segments();
    let first = segments[0];
    let refused = addr.is_unspecified()
        || addr.is_loopback()
        || (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfe80 // link-local
        || (first & 0xffc0) == 0xfec0 // site-local (deprecated)
        || (first & 0xff00) == 0xff00 // multicast
        || (first == 0x2001 && segments[1] == 0x0db8) // documentation
        || (first == 0x0100 && segments[1..4] == [0, 0, 0]) // discard-only
        || first == 0x2002 // 6to4: reaches an IPv4 address of the sender's choice
        || (first == 0x2001 && segments[1] == 0); // Teredo: likewise
    !refused
}

/// The IPv4 address inside an IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`)
/// or NAT64 (`64:ff9b::a.b.c.d`) address.
fn embedded_v4(addr: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = addr.to_ipv4_mapped() {
        return Some(v4);
    }
    let s = addr.segments();
    let tail = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    if s[..6] == [0, 0, 0, 0, 0, 0] && !addr.is_loopback() && !addr.is_unspecified() {
        return Some(tail);
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return Some(tail);
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn public(text: &str) -> bool {
        is_public_address(text.parse().unwrap())
    }

    #[test]
    fn public_unicast_addresses_are_allowed() {
        for addr in [
            "1.1.1.1",
            "8.8.8.8",
            "93.184.216.34",
            "2606:4700:4700::1111",
            "2a00:1450:4001::200e",
        ] {
            assert!(public(addr), "{addr}");
        }
    }

    #[test]
    fn internal_and_reserved_addresses_are_refused() {
        for addr in [
            "0.0.0.0",
            "10.1.2.3",
            "127.0.0.1",
            "127.255.0.1",
            "100.64.0.1",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "192.168.1.1",
            "198.18.0.1",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "2001:db8::1",
            "100::1",
            "2002:0a00:0001::1",
            "2001:0:4136:e378::1",
        ] {
            assert!(!public(addr), "{addr}");
        }
    }

    #[test]
    fn ipv6_forms_of_internal_ipv4_addresses_are_refused() {
        for addr in [
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::10.0.0.1",
            "64:ff9b::a9fe:a9fe",
        ] {
            assert!(!public(addr), "{addr}");
        }
        assert!(public("::ffff:8.8.8.8"));
        assert!(public("64:ff9b::808:808"));
    }

    #[test]
    fn ranges_next_to_private_ones_stay_public() {
        for addr in [
            "172.15.255.255",
            "172.32.0.1",
            "100.63.255.255",
            "100.128.0.1",
            "192.169.0.1",
            "11.0.0.1",
            "223.255.255.254",
        ] {
            assert!(public(addr), "{addr}");
        }
    }

    #[test]
    fn loopback_is_recognised_in_every_form() {
        for addr in ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"] {
            assert!(is_loopback_address(addr.parse().unwrap()), "{addr}");
        }
        assert!(!is_loopback_address("10.0.0.1".parse().unwrap()));
    }
}
