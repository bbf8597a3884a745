//! The WebAuthn relying party: its id and origin come from the issuer URL. Browsers allow
//! WebAuthn only on https origins (or http://localhost) with a domain name, so an issuer like
//! `http://127.0.0.1:8080` cannot have it: `webauthn = "auto"` then turns it off with a warning,
//! `webauthn = "on"` (or setting `webauthn_rp_id`) refuses to start.

use url::{Host, Url};
use webauthn_rs::{Webauthn, WebauthnBuilder};

use crate::config::{Config, ConfigError};

/// The relying party, or `None` when WebAuthn is off.
pub fn relying_party(config: &Config) -> Result<Option<Webauthn>, ConfigError> {
    match config.webauthn.as_str() {
        "off" => Ok(None),
        mode => match derive(config) {
            Ok(webauthn) => Ok(Some(webauthn)),
            // An explicit relying-party id says WebAuthn is wanted: no silent fallback.
            Err(why) if mode == "auto" && config.webauthn_rp_id.is_none() => {
                tracing::warn!(
                    "WebAuthn (security keys, passkeys) is off: {why} \
                     (set webauthn = \"on\" to make this a start-up error)"
                );
                Ok(None)
            }
            Err(why) => Err(ConfigError::Invalid(format!("webauthn: {why}"))),
        },
    }
}

fn derive(config: &Config) -> Result<Webauthn, String> {
    let issuer = Url::parse(config.issuer()).map_err(|e| format!("issuer: {e}"))?;
    let host = match issuer.host() {
        Some(Host::Domain(domain)) => domain.to_ascii_lowercase(),
        Some(host) => {
            return Err(format!(
                "the issuer's host {host} is an IP address, but a relying-party id must be a \
                 domain name (for local development use http://localhost:PORT as the issuer)"
            ));
        }
        None => return Err("the issuer URL has no host".into()),
    };
    let local = host == "localhost" || host.ends_with(".localhost");
    if issuer.scheme() != "https" && !local {
        return Err(format!(
            "browsers allow WebAuthn only on https origins (or http://localhost), and the \
             issuer is {}",
            config.issuer()
        ));
    }
    let origin = Url::parse(&issuer.origin().ascii_serialization())
        .map_err(|e| format!("issuer origin: {e}"))?;
    let rp_id = config
        .webauthn_rp_id
        .as_deref()
        .map(str::to_ascii_lowercase)
        .unwrap_or_else(|| host.clone());
    WebauthnBuilder::new(&rp_id, &origin)
        .map_err(|_| {
            format!("webauthn_rp_id `{rp_id}` is neither the issuer's host `{host}` nor a parent domain of it")
        })?
        .rp_name(&config.service_name)
        .build()
        .map_err(|e| format!("relying party: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(issuer: &str, mode: &str, rp_id: Option<&str>) -> Config {
        Config {
            issuer: issuer.into(),
            webauthn: mode.into(),
            webauthn_rp_id: rp_id.map(str::to_owned),
            ..Config::default()
        }
    }

    fn origin_of(webauthn: &Webauthn) -> Vec<String> {
        webauthn
            .get_allowed_origins()
            .iter()
            .map(|o| o.to_string())
            .collect()
    }

    #[test]
    fn origin_and_id_come_from_the_issuer() {
        let rp = relying_party(&config("https://id.example.com/poort/", "on", None));
        let Ok(Some(rp)) = rp else {
            unreachable!("an https domain issuer derives a relying party: {rp:?}");
        };
        assert_eq!(origin_of(&rp), ["https://id.example.com/"]);
        let local = relying_party(&config("http://localhost:8080", "on", None));
        assert!(matches!(local, Ok(Some(_))), "{local:?}");
    }

    #[test]
    fn a_parent_domain_may_be_the_id_but_not_another_domain() {
        let parent = relying_party(&config("https://id.example.com", "on", Some("example.com")));
        assert!(matches!(parent, Ok(Some(_))));
        let other = relying_party(&config(
            "https://id.example.com",
            "auto",
            Some("example.org"),
        ));
        let Err(ConfigError::Invalid(message)) = other else {
            unreachable!("another domain must be refused, even in auto mode");
        };
        assert!(message.contains("example.org"), "{message}");
    }

    #[test]
    fn ip_or_plain_http_issuers_cannot_have_webauthn() {
        for issuer in [
            "http://127.0.0.1:8080",
            "https://[::1]:8443",
            "http://id.example.com",
        ] {
            let required = relying_party(&config(issuer, "on", None));
            assert!(
                matches!(&required, Err(ConfigError::Invalid(m)) if m.starts_with("webauthn: ")),
                "{issuer}: {required:?}"
            );
            assert!(matches!(
                relying_party(&config(issuer, "auto", None)),
                Ok(None)
            ));
        }
        let off = relying_party(&config("https://id.example.com", "off", None));
        assert!(matches!(off, Ok(None)));
    }
}
