//! The refresh_token grant (RFC 6749 §6, OAuth 2.0 Security BCP §4.14): every use rotates the
//! token; a used token presented again revokes its family, except a retry by the same client
//! within `refresh_grace_secs` of the rotation (its answer was lost), which gets a working
//! successor in place of the one it never received, so the family never forks.
//!
//! Order: [`decide`] (pure), then claim (the rotation's compare-and-set, or the replacement of
//! the undelivered successor), and only then sign. A lost claim reads the token once more and
//! decides again.

use poort_credentials::digest_secret;
use poort_oidc::OAuthError;
use poort_oidc::resource::token_audiences;
use poort_oidc::scope::Scopes;
use poort_store::clients::Client;
use poort_store::refresh_tokens::{self, Replaced};

use super::super::FlowError;
use super::super::access_token;
use super::issue::{self, RefreshFacts, SessionFacts};
use super::{GrantResult, revoke_family};
use crate::state::AppState;

/// What [`decide`] reads of a presented refresh token.
pub(super) struct Presented<'a> {
    pub client_id: &'a str,
    /// The grant the token carries (the scope of the authorization, RFC 6749 §6).
    pub granted: &'a Scopes,
    /// The RFC 8707 resources of the grant; none: `registered` may be asked for.
    pub resources: &'a [String],
    /// The client's audiences.
    pub registered: &'a [String],
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

#[derive(Debug, PartialEq, Eq)]
pub(super) enum Decision {
    /// Mark the token used and store its successor (with the original grant); the access token
    /// gets `access`.
    Rotate {
        access: Access,
    },
    /// A retry by the token's own client just after its rotation: replace the successor that
    /// was never delivered.
    Retry {
        access: Access,
    },
    /// A used token presented again: what theft looks like; the family is revoked.
    Reuse,
    Refuse(OAuthError),
}

/// What the new access token is for: its scope and its audiences (none: the client itself).
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Access {
    pub scopes: Scopes,
    pub audiences: Vec<String>,
}

/// What a refresh request asks for: a scope (all of the grant when `None`) and resources.
pub(super) struct Requested {
    pub scope: Option<Scopes>,
    pub resources: Vec<String>,
}

/// Decides what a refresh request by `client_id` may get at `now`.
pub(super) fn decide(
    token: &Presented<'_>,
    client_id: &str,
    requested: &Requested,
    now: i64,
    grace_secs: i64,
) -> Decision {
    let refuse = |why: &str| Decision::Refuse(OAuthError::invalid_grant(why));
    if token.revoked_at.is_some() {
        return refuse("the refresh token has been revoked");
    }
    if token.client_id != client_id {
        return match token.used_at {
            // Another client holds a rotated token: no grace for it.
            Some(_) => Decision::Reuse,
            None => refuse("the refresh token was issued to another client"),
        };
    }
    if token.expires_at <= now {
        return refuse("the refresh token has expired");
    }
    let retry = match token.used_at {
        None => false,
        Some(used) if within_grace(used, now, grace_secs) => true,
        Some(_) => return Decision::Reuse,
    };
    let scopes = match &requested.scope {
        Some(scope) if !scope.is_subset(token.granted) => {
            return Decision::Refuse(OAuthError::invalid_scope(
                "the requested scope exceeds the original grant",
            ));
        }
        Some(scope) => scope.clone(),
        None => token.granted.clone(),
    };
    let audiences = match token_audiences(token.resources, token.registered, &requested.resources) {
        Ok(audiences) => audiences,
        Err(error) => return Decision::Refuse(error),
    };
    let access = Access { scopes, audiences };
    match retry {
        true => Decision::Retry { access },
        false => Decision::Rotate { access },
    }
}

/// A grace window of 0 is off: every reuse counts.
fn within_grace(used_at: i64, now: i64, grace_secs: i64) -> bool {
    grace_secs > 0 && now - used_at <= grace_secs
}

pub(super) async fn grant(
    state: &AppState,
    client: &Client,
    presented: &str,
    scope: Option<Scopes>,
    resources: Vec<String>,
) -> GrantResult {
    let requested = Requested { scope, resources };
    let invalid = |why: &str| Ok(Err(OAuthError::invalid_grant(why)));
    if presented.len() > 256 {
        return invalid("the refresh token is invalid");
    }
    let digest = digest_secret(presented);
    let mut lost_once = false;
    loop {
        let Some(old) = refresh_tokens::find_by_digest(&state.db, &digest).await? else {
            return invalid("the refresh token is invalid");
        };
        let granted = Scopes::parse(&old.scope).map_err(|e| FlowError::Corrupt(e.description))?;
        let resources = old.resource_list()?;
        let token = Presented {
            client_id: &old.client_id,
            granted: &granted,
            resources: &resources,
            registered: &client.audiences,
            expires_at: old.expires_at,
            used_at: old.used_at,
            revoked_at: old.revoked_at,
        };
        let grace = state.config.refresh_grace_secs;
        let (access, retry) = match decide(&token, &client.id, &requested, state.now(), grace) {
            Decision::Refuse(error) => return Ok(Err(error)),
            Decision::Reuse => return reuse(state, client, &old.family_id).await,
            Decision::Rotate { access } => (access, false),
            Decision::Retry { access } => (access, true),
        };
        let Some(user) = super::super::users::cached(state, &old.user_id).await? else {
            return invalid("the user no longer exists");
        };
        if !user.is_active() {
            return invalid("the user is disabled or deleted");
        }
        let session = SessionFacts {
            auth_time: old.auth_time,
            amr: old.amr_values()?,
            sid: old.sid.clone().unwrap_or_default(),
        };
        // The successor keeps the original grant, whatever this access token narrows it to.
        let facts = RefreshFacts {
            family_id: old.family_id.clone(),
            grant: granted.clone(),
            resources: resources.clone(),
            expires_at: old.expires_at,
        };
        let (signing, successor) =
            issue::plan_with_refresh(state, client, &user.id, &session, facts);
        let claimed = match retry {
            false => {
                state
                    .rotations
                    .rotate(&old.id, successor, state.now())
                    .await?
            }
            true => {
                let now = state.now();
                match refresh_tokens::replace_undelivered(&state.db, &old.id, successor, now)
                    .await?
                {
                    Replaced::Stored(undelivered) => {
                        access_token::revoke_many(state, &undelivered).await?;
                        tracing::info!(client_id = %client.id, "refresh retried within the grace window; the undelivered successor replaced");
                        true
                    }
                    // Its successor was used or revoked: the client had it, so this is reuse.
                    Replaced::NoUndelivered => return reuse(state, client, &old.family_id).await,
                }
            }
        };
        if claimed {
            let response = issue::sign(
                state,
                client,
                &user,
                &access.scopes,
                &access.audiences,
                &session,
                None,
                signing,
            )
            .await?;
            return Ok(Ok(response));
        }
        if lost_once {
            return invalid("the refresh token was already used");
        }
        // Lost the rotation to a concurrent request: read the token again (now it shows as
        // used: a retry within the window, or reuse) and decide once more.
        lost_once = true;
    }
}

/// Reuse of a rotated token: per the OAuth 2.0 Security BCP the family is compromised.
async fn reuse(state: &AppState, client: &Client, family_id: &str) -> GrantResult {
    revoke_family(state, family_id).await?;
    tracing::warn!(client_id = %client.id, "refresh token reused; family revoked");
    Ok(Err(OAuthError::invalid_grant(
        "the refresh token was already used",
    )))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;
    use poort_oidc::error::ErrorCode;

    fn scopes(text: &str) -> Scopes {
        Scopes::parse(text).unwrap()
    }

    const NOW: i64 = 1_000;

    fn access(scopes: &Scopes) -> Access {
        Access {
            scopes: scopes.clone(),
            audiences: Vec::new(),
        }
    }

    #[test]
    fn resources_are_asked_within_the_grant_and_refused_before_anything_is_used() {
        let granted = scopes("openid");
        let (a, b) = (
            "https://a.example".to_string(),
            "https://b.example".to_string(),
        );
        let token = Presented {
            client_id: "rp",
            granted: &granted,
            resources: std::slice::from_ref(&a),
            registered: &[a.clone(), b.clone()],
            expires_at: NOW + 100,
            used_at: None,
            revoked_at: None,
        };
        let ask = |resources: Vec<String>| Requested {
            scope: None,
            resources,
        };
        assert_eq!(
            decide(&token, "rp", &ask(vec![]), NOW, GRACE),
            Decision::Rotate {
                access: Access {
                    scopes: granted.clone(),
                    audiences: vec![a.clone()]
                }
            }
        );
        refused_with(
            decide(&token, "rp", &ask(vec![b.clone()]), NOW, GRACE),
            ErrorCode::InvalidTarget,
        );
    }
    const GRACE: i64 = 5;

    fn decide_for(
        granted: &Scopes,
        used_at: Option<i64>,
        revoked_at: Option<i64>,
        client: &str,
        requested: Option<&str>,
    ) -> Decision {
        let token = Presented {
            client_id: "rp",
            granted,
            resources: &[],
            registered: &[],
            expires_at: NOW + 100,
            used_at,
            revoked_at,
        };
        let requested = Requested {
            scope: requested.map(scopes),
            resources: Vec::new(),
        };
        decide(&token, client, &requested, NOW, GRACE)
    }

    fn refused_with(decision: Decision, code: ErrorCode) {
        match decision {
            Decision::Refuse(error) => assert_eq!(error.code, code),
            other => panic!("expected a refusal with {code:?}, got {other:?}"),
        }
    }

    #[test]
    fn an_unused_token_rotates_with_the_whole_grant_or_a_narrower_scope() {
        let granted = scopes("openid profile email");
        assert_eq!(
            decide_for(&granted, None, None, "rp", None),
            Decision::Rotate {
                access: access(&granted)
            }
        );
        assert_eq!(
            decide_for(&granted, None, None, "rp", Some("openid email")),
            Decision::Rotate {
                access: access(&scopes("openid email"))
            }
        );
        refused_with(
            decide_for(&granted, None, None, "rp", Some("openid offline_access")),
            ErrorCode::InvalidScope,
        );
    }

    #[test]
    fn a_used_token_is_a_retry_within_the_window_and_reuse_after_it() {
        let granted = scopes("openid");
        assert_eq!(
            decide_for(&granted, Some(NOW - GRACE), None, "rp", None),
            Decision::Retry {
                access: access(&granted)
            }
        );
        assert_eq!(
            decide_for(&granted, Some(NOW - GRACE - 1), None, "rp", None),
            Decision::Reuse
        );
        // Another client presenting a rotated token gets no grace.
        assert_eq!(
            decide_for(&granted, Some(NOW), None, "other", None),
            Decision::Reuse
        );
        // Reuse is found before the requested scope is looked at.
        assert_eq!(
            decide_for(&granted, Some(NOW - 60), None, "rp", Some("email")),
            Decision::Reuse
        );
    }

    #[test]
    fn revoked_expired_and_foreign_tokens_are_refused() {
        let granted = scopes("openid");
        refused_with(
            decide_for(&granted, None, Some(NOW), "rp", None),
            ErrorCode::InvalidGrant,
        );
        refused_with(
            decide_for(&granted, None, None, "other", None),
            ErrorCode::InvalidGrant,
        );
        let expired = Presented {
            client_id: "rp",
            granted: &granted,
            resources: &[],
            registered: &[],
            expires_at: NOW,
            used_at: None,
            revoked_at: None,
        };
        let all = Requested {
            scope: None,
            resources: Vec::new(),
        };
        refused_with(
            decide(&expired, "rp", &all, NOW, GRACE),
            ErrorCode::InvalidGrant,
        );
    }

    #[test]
    fn grace_window_zero_is_off() {
        assert!(!within_grace(100, 100, 0));
        assert!(within_grace(100, 105, 10));
        assert!(!within_grace(100, 111, 10));
    }
}
