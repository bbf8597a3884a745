//! `--exchange-audience`, `--exchange-subject-audience`, `--exchange-impersonation` and
//! `--no-token-exchange`: a client's token exchange registration (RFC 8693), shared by
//! `client create` and `client update`.

use clap::Args;
use poort_store::clients::{Client, TokenExchange};

#[derive(Args)]
pub(super) struct ExchangeArgs {
    /// An audience it may exchange users' tokens for (repeatable; with --grant
    /// urn:ietf:params:oauth:grant-type:token-exchange). On update: replaces the registration.
    #[arg(long = "exchange-audience")]
    exchange_audiences: Vec<String>,
    /// An audience (besides its client id) of the user tokens it may exchange: the API it
    /// serves (repeatable).
    #[arg(long = "exchange-subject-audience", requires = "exchange_audiences")]
    exchange_subject_audiences: Vec<String>,
    /// It may exchange without an actor token: the new token does not say it acts for the user.
    #[arg(long = "exchange-impersonation", requires = "exchange_audiences")]
    exchange_impersonation: bool,
}

impl ExchangeArgs {
    pub(super) fn given(&self) -> bool {
        !self.exchange_audiences.is_empty()
    }

    /// The registration these arguments describe (`None`: none given).
    pub(super) fn setting(self) -> Option<TokenExchange> {
        self.given().then_some(TokenExchange {
            subject_audiences: self.exchange_subject_audiences,
            audiences: self.exchange_audiences,
            impersonation: self.exchange_impersonation,
        })
    }
}

/// How `client update` shows it.
pub(super) fn text(client: &Client) -> String {
    match &client.token_exchange {
        None => "-".to_owned(),
        Some(setting) => format!(
            "to {} from {}{}",
            setting.audiences.join(" "),
            setting.subject_audiences.join(" "),
            if setting.impersonation {
                " (may impersonate)"
            } else {
                ""
            }
        ),
    }
}
