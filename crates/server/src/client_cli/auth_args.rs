//! `--auth-method`, `--jwks-uri`, `--jwks-file`: how a client authenticates at the token
//! endpoint, shared by `client create` and `client update`.

use clap::{Args, ValueEnum};
use poort_oidc::client_auth::ClientAuthMethod;

use crate::flows::client_auth_settings::AuthSettings;
use crate::outbound::Outbound;

#[derive(Clone, Copy, ValueEnum)]
pub(super) enum AuthMethodArg {
    #[value(name = "client_secret_basic")]
    ClientSecretBasic,
    #[value(name = "client_secret_post")]
    ClientSecretPost,
    #[value(name = "private_key_jwt")]
    PrivateKeyJwt,
    #[value(name = "client_secret_jwt")]
    ClientSecretJwt,
    #[value(name = "none")]
    None,
}

impl AuthMethodArg {
    fn method(self) -> ClientAuthMethod {
        match self {
            Self::ClientSecretBasic => ClientAuthMethod::ClientSecretBasic,
            Self::ClientSecretPost => ClientAuthMethod::ClientSecretPost,
            Self::PrivateKeyJwt => ClientAuthMethod::PrivateKeyJwt,
            Self::ClientSecretJwt => ClientAuthMethod::ClientSecretJwt,
            Self::None => ClientAuthMethod::None,
        }
    }
}

/// How the client authenticates at the token endpoint (create and update alike).
#[derive(Args)]
pub(super) struct AuthArgs {
    /// The one method it authenticates with (default: client_secret_basic, or none for
    /// --public). private_key_jwt needs --jwks-uri or --jwks-file.
    #[arg(long = "auth-method", value_enum)]
    pub(super) auth_method: Option<AuthMethodArg>,
    /// Where its public keys are served (https, a public address), for private_key_jwt.
    #[arg(long, conflicts_with = "jwks_file")]
    pub(super) jwks_uri: Option<String>,
    /// A file with its public keys as a JWKS document, for private_key_jwt.
    #[arg(long)]
    pub(super) jwks_file: Option<std::path::PathBuf>,
}

impl AuthArgs {
    pub(super) fn given(&self) -> bool {
        self.auth_method.is_some() || self.jwks_uri.is_some() || self.jwks_file.is_some()
    }

    /// The settings, with the file read and the URI through the outbound policy.
    pub(super) fn settings(self, outbound: &Outbound) -> anyhow::Result<AuthSettings> {
        if let Some(uri) = self.jwks_uri.as_deref() {
            outbound
                .check_url(uri)
                .map_err(|why| anyhow::anyhow!("--jwks-uri {uri} is refused: {why}"))?;
        }
        let jwks = match self.jwks_file {
            Some(path) => {
                let size = std::fs::metadata(&path)?.len();
                anyhow::ensure!(
                    size <= poort_oidc::jose::MAX_CLIENT_JWKS_BYTES as u64,
                    "{} is larger than 64 KiB",
                    path.display()
                );
                Some(std::fs::read_to_string(&path)?)
            }
            None => None,
        };
        Ok(AuthSettings {
            method: self.auth_method.map(AuthMethodArg::method),
            jwks,
            jwks_uri: self.jwks_uri,
        })
    }
}
