//! A client's token exchange registration (RFC 8693), checked the same way at creation and on
//! update: only a confidential client with the grant, every audience a well-formed resource
//! URI, at most [`MAX_AUDIENCES`] of each.

use poort_oidc::resource::check_resource;
use poort_oidc::token_request::GrantType;
use poort_store::clients::{Client, TokenExchange};

use super::clients::CreateClientError;

const MAX_AUDIENCES: usize = 20;

/// `setting` for a client that is `public` (or not) with `grants`: checked, duplicates dropped.
pub fn check(
    setting: Option<TokenExchange>,
    public: bool,
    grants: &[String],
) -> Result<Option<TokenExchange>, CreateClientError> {
    let Some(setting) = setting else {
        return Ok(None);
    };
    if !grants
        .iter()
        .any(|g| g == GrantType::TokenExchange.as_str())
    {
        return Err(CreateClientError::TokenExchangeWithoutGrant);
    }
    if public {
        return Err(CreateClientError::PublicTokenExchange);
    }
    Ok(Some(TokenExchange {
        subject_audiences: checked(setting.subject_audiences)?,
        audiences: checked(setting.audiences)?,
        impersonation: setting.impersonation,
    }))
}

/// The same check for a registered client's change.
pub fn check_change(
    client: &Client,
    setting: Option<TokenExchange>,
) -> Result<Option<TokenExchange>, CreateClientError> {
    check(setting, client.public, &client.grant_types)
}

fn checked(audiences: Vec<String>) -> Result<Vec<String>, CreateClientError> {
    if audiences.len() > MAX_AUDIENCES {
        return Err(CreateClientError::TooMany);
    }
    let mut kept: Vec<String> = Vec::with_capacity(audiences.len());
    for audience in audiences {
        check_resource(&audience)
            .map_err(|why| CreateClientError::BadAudience(audience.clone(), why))?;
        if !kept.contains(&audience) {
            kept.push(audience);
        }
    }
    Ok(kept)
}

/// How the API and the CLI show it.
pub fn view(client: &Client) -> serde_json::Value {
    serde_json::to_value(&client.token_exchange).unwrap_or_default()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn grants() -> Vec<String> {
        vec![GrantType::TokenExchange.as_str().to_string()]
    }

    fn setting(audiences: &[&str]) -> Option<TokenExchange> {
        Some(TokenExchange {
            subject_audiences: vec!["https://a.example.com".into()],
            audiences: audiences.iter().map(|a| a.to_string()).collect(),
            impersonation: false,
        })
    }

    #[test]
    fn a_confidential_client_with_the_grant_registers_audiences_without_duplicates() {
        let checked = check(
            setting(&["https://b.example.com", "https://b.example.com"]),
            false,
            &grants(),
        )
        .unwrap()
        .unwrap();
        assert_eq!(checked.audiences, vec!["https://b.example.com".to_string()]);
        assert_eq!(check(None, true, &[]).unwrap(), None);
    }

    #[test]
    fn refuses_without_the_grant_for_a_public_client_and_bad_audiences() {
        let b = ["https://b.example.com"];
        assert!(matches!(
            check(setting(&b), false, &[]),
            Err(CreateClientError::TokenExchangeWithoutGrant)
        ));
        assert!(matches!(
            check(setting(&b), true, &grants()),
            Err(CreateClientError::PublicTokenExchange)
        ));
        assert!(matches!(
            check(setting(&["not a uri"]), false, &grants()),
            Err(CreateClientError::BadAudience(..))
        ));
        let many: Vec<String> = (0..21)
            .map(|n| format!("https://{n}.example.com"))
            .collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert!(matches!(
            check(setting(&many), false, &grants()),
            Err(CreateClientError::TooMany)
        ));
    }
}
