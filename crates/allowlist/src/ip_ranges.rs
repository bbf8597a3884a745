//! A parsed list of CIDR ranges, shared by the IP allowlist and the trusted-proxy list.

use std::net::IpAddr;

use ipnet::IpNet;

/// Why an entry of an IP range list was refused. Each variant names the offending entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IpRangeError {
    #[error("`{entry}` is not an IP address or CIDR range")]
    Malformed { entry: String },
    /// `192.168.1.5/24` is refused rather than silently widened: the writer may have meant one host.
    #[error("`{entry}` has host bits set; the range it describes is `{network}`")]
    HostBitsSet { entry: String, network: IpNet },
}

/// CIDR ranges; a bare address is its own /32 or /128 range.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct IpRanges {
    ranges: Vec<IpNet>,
}

impl IpRanges {
    pub(crate) fn parse<I, S>(entries: I) -> Result<Self, IpRangeError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let ranges = entries
            .into_iter()
            .map(|entry| parse_range(entry.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { ranges })
    }

    pub(crate) fn ranges(&self) -> &[IpNet] {
        &self.ranges
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// Whether any range holds `addr`, treating `::ffff:a.b.c.d` and `a.b.c.d` as one address
    /// whichever way round the range and the address are written.
    pub(crate) fn contains(&self, addr: IpAddr) -> bool {
        let canonical = addr.to_canonical();
        let mapped = match canonical {
            IpAddr::V4(v4) => Some(IpAddr::V6(v4.to_ipv6_mapped())),
            IpAddr::V6(_) => None,
        };
        self.ranges
            .iter()
            .any(|range| range.contains(&canonical) || mapped.is_some_and(|m| range.contains(&m)))
    }

    pub(crate) fn to_strings(&self) -> Vec<String> {
        self.ranges.iter().map(ToString::to_string).collect()
    }
}

fn parse_range(entry: &str) -> Result<IpNet, IpRangeError> {
    let trimmed = entry.trim();
    let range = match trimmed.parse::<IpNet>() {
        Ok(range) => range,
        Err(_) => {
            trimmed
                .parse::<IpAddr>()
                .map(IpNet::from)
                .map_err(|_| IpRangeError::Malformed {
                    entry: entry.to_owned(),
                })?
        }
    };
    let network = range.trunc();
    if network != range {
        return Err(IpRangeError::HostBitsSet {
            entry: entry.to_owned(),
            network,
        });
    }
    Ok(range)
}
