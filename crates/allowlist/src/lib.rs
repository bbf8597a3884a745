//! IP and email-domain allowlists for organisations, and the client address behind trusted proxies.
//!
//! Pure: no I/O. The server parses the organisation's settings into these types once and asks
//! them questions per request.
//!
//! - [`IpAllowlist`]: CIDR ranges (IPv4 and IPv6) a member may log in from.
//! - [`TrustedProxies`] and [`client_ip`]: which address a request really comes from.
//! - [`DomainAllowlist`]: which email domains may join an organisation.
//! - [`normalise_email`]: the one canonical form of an address; look-alikes refused.
//! - [`is_public_address`]: which addresses outbound requests may reach (no SSRF).

mod client_ip;
mod domain;
mod domain_allowlist;
mod email;
mod forwarded;
mod ip_allowlist;
mod ip_ranges;
mod public_address;
mod trusted_proxies;

pub use client_ip::client_ip;
pub use domain::email_domain;
pub use domain_allowlist::{DomainAllowlist, DomainPattern, DomainPatternError};
pub use email::{
    EmailRefusal, MAX_ADDRESS_BYTES, MAX_LOCAL_PART_BYTES, NormalisedEmail, normalise_email,
};
pub use ip_allowlist::IpAllowlist;
pub use ip_ranges::IpRangeError;
pub use public_address::{is_loopback_address, is_public_address};
pub use trusted_proxies::{ProxyHeader, TrustedProxies};
