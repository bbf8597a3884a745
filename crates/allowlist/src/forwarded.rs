//! Parsing of `X-Forwarded-For` and RFC 7239 `Forwarded` headers into per-hop node strings,
//! and of one node (`1.2.3.4`, `1.2.3.4:80`, `[2001:db8::1]:443`) into an address.
//!
//! Every function returns `None` on anything malformed: the caller then falls back to the
//! socket's peer address rather than guessing.

use std::borrow::Cow;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The hops of an `X-Forwarded-For` value, leftmost (claimed client) first.
pub(crate) fn x_forwarded_for_nodes(header: &str) -> Option<Vec<Cow<'_, str>>> {
    header
        .split(',')
        .map(|node| {
            let node = node.trim();
            (!node.is_empty()).then_some(Cow::Borrowed(node))
        })
        .collect()
}

/// The `for=` value of every element of a `Forwarded` value, leftmost first, unquoted.
/// An element without `for=` (or with two) cannot name its hop, so it makes the header malformed.
pub(crate) fn forwarded_for_nodes(header: &str) -> Option<Vec<Cow<'_, str>>> {
    split_outside_quotes(header, b',')?
        .into_iter()
        .map(element_for_value)
        .collect()
}

fn element_for_value(element: &str) -> Option<Cow<'_, str>> {
    let mut found = None;
    for pair in split_outside_quotes(element, b';')? {
        let pair = pair.trim();
        if pair.is_empty() {
            continue;
        }
        let (name, value) = pair.split_once('=')?;
        if name.trim().eq_ignore_ascii_case("for") {
            if found.is_some() {
                return None;
            }
            found = Some(unquote(value.trim())?);
        }
    }
    found
}

/// Splits on `separator` outside RFC 7230 quoted strings; `None` if a quote is left open.
fn split_outside_quotes(text: &str, separator: u8) -> Option<Vec<&str>> {
    let bytes = text.as_bytes();
    let mut parts = Vec::new();
    let mut start = 0;
    let mut in_quotes = false;
    let mut escaped = false;
    for (index, &byte) in bytes.iter().enumerate() {
        if in_quotes {
            if escaped {
                escaped = false;
            } else if byte == b'\\' {
                escaped = true;
            } else if byte == b'"' {
                in_quotes = false;
            }
        } else if byte == b'"' {
            in_quotes = true;
        } else if byte == separator {
            // `separator` is ASCII, so `index` is a char boundary.
            parts.push(text.get(start..index)?);
            start = index + 1;
        }
    }
    if in_quotes {
        return None;
    }
    parts.push(text.get(start..)?);
    Some(parts)
}

/// A token as is, or a quoted string without its quotes and escapes.
fn unquote(value: &str) -> Option<Cow<'_, str>> {
    let Some(rest) = value.strip_prefix('"') else {
        return (!value.is_empty() && !value.contains('"')).then_some(Cow::Borrowed(value));
    };
    let inner = rest.strip_suffix('"')?;
    if !inner.contains('\\') {
        return (!inner.contains('"')).then_some(Cow::Borrowed(inner));
    }
    let mut unescaped = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => unescaped.push(chars.next()?),
            '"' => return None,
            other => unescaped.push(other),
        }
    }
    Some(Cow::Owned(unescaped))
}

/// The address of one hop: a bare address, `v4:port`, `[v6]` or `[v6]:port`.
/// `unknown` and obfuscated identifiers (`_hidden`) give `None`: they name no address.
pub(crate) fn node_address(node: &str) -> Option<IpAddr> {
    let addr = if let Some(rest) = node.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        if !after.is_empty() {
            valid_port(after.strip_prefix(':')?).then_some(())?;
        }
        IpAddr::V6(host.parse::<Ipv6Addr>().ok()?)
    } else if let Ok(addr) = node.parse::<IpAddr>() {
        addr
    } else {
        let (host, port) = node.rsplit_once(':')?;
        valid_port(port).then_some(())?;
        IpAddr::V4(host.parse::<Ipv4Addr>().ok()?)
    };
    Some(addr.to_canonical())
}

/// RFC 7239 `node-port`: a decimal port or an obfuscated `_identifier`.
fn valid_port(port: &str) -> bool {
    if let Some(obfuscated) = port.strip_prefix('_') {
        return !obfuscated.is_empty()
            && obfuscated
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    }
    (1..=5).contains(&port.len())
        && port.bytes().all(|b| b.is_ascii_digit())
        && port.parse::<u16>().is_ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn strings(nodes: Option<Vec<Cow<'_, str>>>) -> Option<Vec<String>> {
        nodes.map(|nodes| nodes.into_iter().map(Cow::into_owned).collect())
    }

    #[test]
    fn x_forwarded_for_splits_and_trims() {
        assert_eq!(
            strings(x_forwarded_for_nodes(" 192.0.2.1 ,2001:db8::1,10.0.0.1")),
            Some(vec![
                "192.0.2.1".into(),
                "2001:db8::1".into(),
                "10.0.0.1".into()
            ])
        );
        assert_eq!(x_forwarded_for_nodes("192.0.2.1,,10.0.0.1"), None);
        assert_eq!(x_forwarded_for_nodes(""), None);
    }

    #[test]
    fn forwarded_variants() {
        let header = r#"for=192.0.2.60;proto=http;by=203.0.113.43, For="[2001:db8:cafe::17]:4711", proto=https;for="198.51.100.17:8080""#;
        assert_eq!(
            strings(forwarded_for_nodes(header)),
            Some(vec![
                "192.0.2.60".into(),
                "[2001:db8:cafe::17]:4711".into(),
                "198.51.100.17:8080".into(),
            ])
        );
    }

    #[test]
    fn forwarded_quoted_separators_and_escapes() {
        assert_eq!(
            strings(forwarded_for_nodes(r#"for="a,b;c", for="x\"y""#)),
            Some(vec!["a,b;c".into(), "x\"y".into()])
        );
    }

    #[test]
    fn forwarded_malformed() {
        for header in [
            r#"for="192.0.2.1"#,
            "for=192.0.2.1;for=192.0.2.2",
            "proto=https",
            "for=192.0.2.1, ",
            "for",
            "for=",
            r#"for=19"2.0.2.1"#,
        ] {
            assert_eq!(forwarded_for_nodes(header), None, "{header}");
        }
    }

    #[test]
    fn node_addresses() {
        let v4: IpAddr = "192.0.2.1".parse().unwrap();
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        assert_eq!(node_address("192.0.2.1"), Some(v4));
        assert_eq!(node_address("192.0.2.1:8080"), Some(v4));
        assert_eq!(node_address("192.0.2.1:_abc"), Some(v4));
        assert_eq!(node_address("2001:db8::1"), Some(v6));
        assert_eq!(node_address("[2001:db8::1]"), Some(v6));
        assert_eq!(node_address("[2001:db8::1]:443"), Some(v6));
        assert_eq!(node_address("::ffff:192.0.2.1"), Some(v4));
        for bad in [
            "unknown",
            "_hidden",
            "192.0.2.1:",
            "192.0.2.1:65536",
            "192.0.2.1:80x",
            "[2001:db8::1]443",
            "[192.0.2.1]",
            "2001:db8::1:443x",
            "[2001:db8::1",
            "",
        ] {
            assert_eq!(node_address(bad), None, "{bad}");
        }
    }
}
