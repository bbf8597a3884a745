//! Claims about the user (OpenID Connect Core §5.1) and which of them each scope releases
//! (§5.4).

use serde::{Deserialize, Serialize};

use crate::scope::{self, Scopes};

/// The user's standard claims we hold; `None` ones are left out of tokens and `/userinfo`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserClaims {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_username: Option<String>,
    /// Seconds since the epoch of the last profile change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// The user's organisations, so apps can authorise on them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organizations: Option<Vec<OrganizationClaim>>,
}

/// One entry of the `organizations` claim.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationClaim {
    pub id: String,
    pub name: String,
    /// The user's role names there (only with the `roles` scope).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
}

/// The claims of `all` that `scopes` release: `email` gives email and email_verified;
/// `profile` gives name, preferred_username, updated_at and locale; `organizations` gives the
/// organisations (id and name) and `roles` the same with the user's roles in each.
pub fn user_claims_for_scopes(scopes: &Scopes, all: &UserClaims) -> UserClaims {
    let email = scopes.contains(scope::EMAIL);
    let profile = scopes.contains(scope::PROFILE);
    let roles = scopes.contains(scope::ROLES);
    let organizations = roles || scopes.contains(scope::ORGANIZATIONS);
    UserClaims {
        email: all.email.clone().filter(|_| email),
        email_verified: all.email_verified.filter(|_| email),
        name: all.name.clone().filter(|_| profile),
        preferred_username: all.preferred_username.clone().filter(|_| profile),
        updated_at: all.updated_at.filter(|_| profile),
        locale: all.locale.clone().filter(|_| profile),
        organizations: all
            .organizations
            .as_ref()
            .filter(|_| organizations)
            .map(|orgs| {
                orgs.iter()
                    .map(|org| OrganizationClaim {
                        roles: org.roles.clone().filter(|_| roles),
                        ..org.clone()
                    })
                    .collect()
            }),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn everything() -> UserClaims {
        UserClaims {
            email: Some("ann@example.com".into()),
            email_verified: Some(true),
            name: Some("Ann".into()),
            preferred_username: Some("ann".into()),
            updated_at: Some(1_700_000_000),
            locale: Some("nl".into()),
            organizations: Some(vec![OrganizationClaim {
                id: "o1".into(),
                name: "Acme".into(),
                roles: Some(vec!["admin".into()]),
            }]),
        }
    }

    #[test]
    fn each_scope_releases_its_claims_only() {
        let openid = Scopes::parse("openid").unwrap();
        assert_eq!(
            user_claims_for_scopes(&openid, &everything()),
            UserClaims::default()
        );

        let email = user_claims_for_scopes(&Scopes::parse("openid email").unwrap(), &everything());
        assert_eq!(email.email.as_deref(), Some("ann@example.com"));
        assert_eq!(email.email_verified, Some(true));
        assert_eq!(email.name, None);
        assert_eq!(email.locale, None);

        let profile =
            user_claims_for_scopes(&Scopes::parse("openid profile").unwrap(), &everything());
        assert_eq!(profile.email, None);
        assert_eq!(profile.name.as_deref(), Some("Ann"));
        assert_eq!(profile.preferred_username.as_deref(), Some("ann"));
        assert_eq!(profile.updated_at, Some(1_700_000_000));
        assert_eq!(profile.locale.as_deref(), Some("nl"));

        let both = user_claims_for_scopes(
            &Scopes::parse("openid profile email").unwrap(),
            &everything(),
        );
        assert_eq!(both.organizations, None);

        let orgs = user_claims_for_scopes(
            &Scopes::parse("openid organizations").unwrap(),
            &everything(),
        );
        let listed = orgs.organizations.unwrap();
        assert_eq!(
            (listed[0].id.as_str(), listed[0].roles.as_ref()),
            ("o1", None)
        );
        assert_eq!(orgs.email, None);

        let all = user_claims_for_scopes(
            &Scopes::parse("openid profile email roles").unwrap(),
            &everything(),
        );
        assert_eq!(all, everything());
    }

    #[test]
    fn absent_claims_are_not_serialised() {
        let claims = UserClaims {
            name: Some("Ann".into()),
            ..UserClaims::default()
        };
        assert_eq!(serde_json::to_string(&claims).unwrap(), r#"{"name":"Ann"}"#);
    }
}
