//! Token exchange (RFC 8693): a service trades a user's access token for one with another
//! audience and the same or a narrower scope. The decision is made here, on verified claims,
//! before anything is signed: which tokens a client may exchange, for which audiences, and
//! who the new token says is acting (`act`).
//!
//! Poort's rules, stricter than the RFC requires:
//! - the subject token must be a user's access token issued for the exchanging client (its
//!   `aud` names the client's id or one of the client's `subject_audiences`);
//! - with an `actor_token` (a token issued to the exchanging client, usually its own
//!   `client_credentials` token) the new token is *delegated*: `act` names the actor, and any
//!   earlier `act` of the subject token is nested inside it;
//! - without one the client asks to *impersonate* the user, which only a client explicitly
//!   allowed to may do; even then an `act` the subject token carries is kept, so an exchange
//!   never hides that someone else was acting (a support session, an earlier delegation);
//! - the target audiences must be registered for the client (`invalid_target`), the scope is
//!   within the subject token's (`invalid_scope`), and the new token never outlives the
//!   subject token.

use std::fmt;
use std::str::FromStr;

use crate::claims::{AccessTokenClaims, Actor, MAX_ACTOR_DEPTH};
use crate::error::OAuthError;
use crate::form::FormFields;
use crate::scope::Scopes;
use crate::secret::Secret;

/// Most `audience` values one request may name (like RFC 8707 `resource`).
const MAX_AUDIENCES: usize = 10;
/// Longest `audience` value accepted.
const MAX_AUDIENCE_LEN: usize = 512;

/// The token types of RFC 8693 §3 this provider understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenType {
    AccessToken,
    Jwt,
    RefreshToken,
    IdToken,
}

impl TokenType {
    pub const ALL: [TokenType; 4] = [
        Self::AccessToken,
        Self::Jwt,
        Self::RefreshToken,
        Self::IdToken,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::AccessToken => "urn:ietf:params:oauth:token-type:access_token",
            Self::Jwt => "urn:ietf:params:oauth:token-type:jwt",
            Self::RefreshToken => "urn:ietf:params:oauth:token-type:refresh_token",
            Self::IdToken => "urn:ietf:params:oauth:token-type:id_token",
        }
    }

    /// Our access tokens are JWTs (RFC 9068): either name fits one as subject or actor.
    fn names_an_access_token(self) -> bool {
        matches!(self, Self::AccessToken | Self::Jwt)
    }
}

impl fmt::Display for TokenType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TokenType {
    type Err = OAuthError;

    /// An unknown type is `invalid_request` (RFC 8693 §2.2.2).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == text)
            .ok_or_else(|| OAuthError::invalid_request("the token type is not supported"))
    }
}

/// The token endpoint's input for the token exchange grant (RFC 8693 §2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeRequest {
    pub subject_token: Secret,
    pub subject_token_type: TokenType,
    /// The actor's token and its type: both or neither.
    pub actor_token: Option<(Secret, TokenType)>,
    pub ask: ExchangeAsk,
}

impl ExchangeRequest {
    /// Reads the grant's parameters; `scope` and `resource` are parsed by the caller as for
    /// every grant.
    pub(crate) fn parse(
        fields: &FormFields<'_>,
        scope: Option<Scopes>,
        resource: Vec<String>,
    ) -> Result<Self, OAuthError> {
        let subject_token = fields
            .owned("subject_token")
            .ok_or_else(|| OAuthError::invalid_request("subject_token is required"))?;
        let subject_token_type: TokenType = fields
            .get("subject_token_type")
            .ok_or_else(|| OAuthError::invalid_request("subject_token_type is required"))?
            .parse()?;
        let actor_token = match (fields.owned("actor_token"), fields.get("actor_token_type")) {
            (Some(token), Some(kind)) => Some((Secret::new(token), kind.parse()?)),
            (None, None) => None,
            (Some(_), None) => {
                return Err(OAuthError::invalid_request(
                    "actor_token_type is required with actor_token",
                ));
            }
            (None, Some(_)) => {
                return Err(OAuthError::invalid_request(
                    "actor_token_type without actor_token",
                ));
            }
        };
        let requested_token_type = fields
            .get("requested_token_type")
            .map(str::parse)
            .transpose()?;
        let audiences = fields.all("audience");
        if audiences.len() > MAX_AUDIENCES {
            return Err(OAuthError::invalid_target("too many audience parameters"));
        }
        if audiences.iter().any(|a| a.len() > MAX_AUDIENCE_LEN) {
            return Err(OAuthError::invalid_target("an audience is too long"));
        }
        let mut targets = audiences;
        targets.extend(resource);
        Ok(Self {
            subject_token: Secret::new(subject_token),
            subject_token_type,
            actor_token,
            ask: ExchangeAsk {
                scope,
                targets,
                requested_token_type,
            },
        })
    }
}

/// Whether a presented token of `kind` can be exchanged: only our access tokens.
pub fn check_presented_type(kind: TokenType, which: &str) -> Result<(), OAuthError> {
    match kind.names_an_access_token() {
        true => Ok(()),
        false => Err(OAuthError::invalid_request(format!(
            "{which}_token_type must name an access token"
        ))),
    }
}

/// What a client registered for token exchange.
#[derive(Debug, Clone, Copy)]
pub struct ExchangePolicy<'a> {
    pub client_id: &'a str,
    /// Audiences (besides its own id) of the user tokens it may exchange: the APIs it serves.
    pub subject_audiences: &'a [String],
    /// Audiences it may obtain tokens for.
    pub audiences: &'a [String],
    /// Whether it may exchange without an actor token (the new token has no `act` of its own).
    pub impersonation: bool,
}

/// What the exchange request asks for, besides the tokens.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExchangeAsk {
    pub scope: Option<Scopes>,
    /// `audience` and `resource` values together, in request order.
    pub targets: Vec<String>,
    pub requested_token_type: Option<TokenType>,
}

/// The token to issue: for the subject token's user, with these values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    pub scopes: Scopes,
    pub audiences: Vec<String>,
    pub act: Option<Actor>,
    /// The new token expires no later than this (the subject token's expiry).
    pub not_after: i64,
}

/// Decides an exchange on the verified claims of the subject token and of the actor token.
pub fn decide(
    policy: ExchangePolicy<'_>,
    subject: &AccessTokenClaims,
    actor: Option<&AccessTokenClaims>,
    ask: &ExchangeAsk,
) -> Result<Exchange, OAuthError> {
    if let Some(requested) = ask.requested_token_type
        && !requested.names_an_access_token()
    {
        return Err(OAuthError::invalid_request(
            "only access tokens can be requested",
        ));
    }
    if policy.audiences.is_empty() {
        return Err(OAuthError::unauthorized_client(
            "this client has no token exchange audiences",
        ));
    }
    if subject.sub == subject.client_id {
        return Err(OAuthError::invalid_request(
            "the subject token must be a user's token",
        ));
    }
    let for_this_client = subject.aud.0.iter().any(|aud| {
        aud == policy.client_id || policy.subject_audiences.iter().any(|own| own == aud)
    });
    if !for_this_client {
        return Err(OAuthError::invalid_request(
            "the subject token was not issued for this client",
        ));
    }
    if subject
        .act
        .as_ref()
        .is_some_and(|a| a.depth() >= MAX_ACTOR_DEPTH)
    {
        return Err(OAuthError::invalid_request(
            "the subject token's actor chain is too long",
        ));
    }
    let act = match actor {
        Some(actor) => Some(delegated(policy, subject, actor)?),
        None if policy.impersonation => subject.act.clone(),
        None => {
            return Err(OAuthError::invalid_request(
                "this client may not impersonate: send its own token as actor_token",
            ));
        }
    };
    let scopes = match &ask.scope {
        None => subject.scope.clone(),
        Some(asked) if asked.is_subset(&subject.scope) => asked.clone(),
        Some(_) => {
            return Err(OAuthError::invalid_scope(
                "the scope must be within the subject token's",
            ));
        }
    };
    Ok(Exchange {
        scopes,
        audiences: audiences(policy.audiences, &ask.targets)?,
        act,
        not_after: subject.exp,
    })
}

/// The `act` of a delegated token: the actor, with the subject token's actors nested.
fn delegated(
    policy: ExchangePolicy<'_>,
    subject: &AccessTokenClaims,
    actor: &AccessTokenClaims,
) -> Result<Actor, OAuthError> {
    if actor.client_id != policy.client_id {
        return Err(OAuthError::invalid_request(
            "the actor token was not issued to this client",
        ));
    }
    if actor.act.is_some() {
        return Err(OAuthError::invalid_request(
            "the actor token must not itself be delegated",
        ));
    }
    Ok(Actor {
        sub: actor.sub.clone(),
        client_id: Some(actor.client_id.clone()),
        act: subject.act.clone().map(Box::new),
    })
}

/// The targets asked for, each registered; none asked: all registered ones.
fn audiences(registered: &[String], targets: &[String]) -> Result<Vec<String>, OAuthError> {
    if let Some(outside) = targets.iter().find(|t| !registered.contains(t)) {
        return Err(OAuthError::invalid_target(format!(
            "this client may not exchange tokens for {outside}"
        )));
    }
    let chosen = match targets.is_empty() {
        true => registered,
        false => targets,
    };
    let mut audiences: Vec<String> = Vec::with_capacity(chosen.len());
    for aud in chosen {
        if !audiences.contains(aud) {
            audiences.push(aud.clone());
        }
    }
    Ok(audiences)
}

#[cfg(test)]
#[path = "token_exchange_tests.rs"]
mod tests;
