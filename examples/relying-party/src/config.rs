//! Settings of the example app, read from environment variables.

use std::net::{Ipv4Addr, SocketAddr};

use openidconnect::{ClientId, ClientSecret, IssuerUrl, PostLogoutRedirectUrl, RedirectUrl};
use url::Url;

const DEFAULT_ISSUER: &str = "http://127.0.0.1:8080";
const DEFAULT_BIND: &str = "127.0.0.1:3000";

/// What the app needs to know about itself and the provider it logs users in with.
#[derive(Debug, Clone)]
pub struct Config {
    /// The provider's issuer URL; discovery reads `<issuer>/.well-known/openid-configuration`.
    pub issuer: IssuerUrl,
    pub client_id: ClientId,
    /// `None` makes this a public client that relies on PKCE alone.
    /// (`ClientSecret`'s `Debug` prints no secret.)
    pub client_secret: Option<ClientSecret>,
    /// Address the web server listens on.
    pub bind: SocketAddr,
    /// Where this app is reached by the browser, e.g. `http://127.0.0.1:3000/`.
    pub base_url: Url,
    /// `<base_url>callback`: must be registered with the provider.
    pub redirect_uri: RedirectUrl,
    /// `<base_url>`: where the provider sends the browser after logging out.
    pub post_logout_redirect_uri: PostLogoutRedirectUrl,
}

/// Why the configuration could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0} must be set")]
    Missing(&'static str),
    #[error("{name} is not a valid URL: {source}")]
    BadUrl {
        name: &'static str,
        source: url::ParseError,
    },
    #[error("RP_BIND is not an address like 127.0.0.1:3000: {0}")]
    BadBind(std::net::AddrParseError),
}

impl Config {
    /// Reads `POORT_ISSUER`, `RP_CLIENT_ID`, `RP_CLIENT_SECRET` and `RP_BIND`.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Same as [`Config::from_env`] with the variables supplied by `lookup` (used by tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        // An empty variable counts as unset, which is what `VAR= cargo run` usually means.
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());

        let issuer = IssuerUrl::new(get("POORT_ISSUER").unwrap_or_else(|| DEFAULT_ISSUER.into()))
            .map_err(|source| ConfigError::BadUrl {
            name: "POORT_ISSUER",
            source,
        })?;
        let client_id =
            ClientId::new(get("RP_CLIENT_ID").ok_or(ConfigError::Missing("RP_CLIENT_ID"))?);
        let client_secret = get("RP_CLIENT_SECRET").map(ClientSecret::new);
        let bind: SocketAddr = get("RP_BIND")
            .unwrap_or_else(|| DEFAULT_BIND.into())
            .parse()
            .map_err(ConfigError::BadBind)?;

        let base_url = base_url_for(bind).map_err(|source| ConfigError::BadUrl {
            name: "RP_BIND",
            source,
        })?;
        let redirect_uri = RedirectUrl::from_url(base_url.join("callback").map_err(|source| {
            ConfigError::BadUrl {
                name: "RP_BIND",
                source,
            }
        })?);
        let post_logout_redirect_uri = PostLogoutRedirectUrl::from_url(base_url.clone());

        Ok(Self {
            issuer,
            client_id,
            client_secret,
            bind,
            base_url,
            redirect_uri,
            post_logout_redirect_uri,
        })
    }
}

/// The URL a browser on this machine uses to reach `bind`.
fn base_url_for(bind: SocketAddr) -> Result<Url, url::ParseError> {
    // A browser cannot be sent to 0.0.0.0 or [::]; loopback reaches the same listener.
    let reachable = if bind.ip().is_unspecified() {
        SocketAddr::new(Ipv4Addr::LOCALHOST.into(), bind.port())
    } else {
        bind
    };
    Url::parse(&format!("http://{reachable}/"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn config_from(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::from_lookup(|name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        })
    }

    #[test]
    fn defaults_give_a_public_client_on_port_3000() {
        let config = config_from(&[("RP_CLIENT_ID", "example")]).unwrap();
        assert_eq!(config.issuer.as_str(), "http://127.0.0.1:8080");
        assert_eq!(config.client_id.as_str(), "example");
        assert!(config.client_secret.is_none());
        assert_eq!(config.bind.to_string(), "127.0.0.1:3000");
        assert_eq!(
            config.redirect_uri.as_str(),
            "http://127.0.0.1:3000/callback"
        );
        assert_eq!(
            config.post_logout_redirect_uri.as_str(),
            "http://127.0.0.1:3000/"
        );
    }

    #[test]
    fn redirect_uri_follows_the_bind_address() {
        let config = config_from(&[
            ("RP_CLIENT_ID", "example"),
            ("RP_CLIENT_SECRET", "s3cret"),
            ("RP_BIND", "0.0.0.0:4000"),
        ])
        .unwrap();
        assert_eq!(
            config.redirect_uri.as_str(),
            "http://127.0.0.1:4000/callback"
        );
        assert_eq!(config.client_secret.unwrap().secret(), "s3cret");
    }

    #[test]
    fn client_id_is_required_and_empty_means_unset() {
        assert!(matches!(
            config_from(&[]),
            Err(ConfigError::Missing("RP_CLIENT_ID"))
        ));
        let config = config_from(&[("RP_CLIENT_ID", "example"), ("RP_CLIENT_SECRET", "")]).unwrap();
        assert!(config.client_secret.is_none());
    }

    #[test]
    fn bad_values_are_reported() {
        assert!(matches!(
            config_from(&[("RP_CLIENT_ID", "x"), ("RP_BIND", "localhost")]),
            Err(ConfigError::BadBind(_))
        ));
        assert!(matches!(
            config_from(&[("RP_CLIENT_ID", "x"), ("POORT_ISSUER", "not a url")]),
            Err(ConfigError::BadUrl {
                name: "POORT_ISSUER",
                ..
            })
        ));
    }

    #[test]
    fn debug_does_not_print_the_client_secret() {
        let config =
            config_from(&[("RP_CLIENT_ID", "x"), ("RP_CLIENT_SECRET", "hunter2")]).unwrap();
        assert!(!format!("{config:?}").contains("hunter2"));
    }
}
