//! The device code grant (RFC 8628 §3.4, §3.5): a device polls with its device code until the
//! user answers. Each poll is decided by [`decide`] (pure) from the grant, the user's answer
//! and the device's polling; an approval is then claimed by taking it from the store (of two
//! polls at most one gets it) and only then are the tokens signed, as for a code: ID token for
//! `openid`, a refresh token by the code grant's rules, the session's `amr`/`acr`/`auth_time`
//! and `sid`.

use poort_oidc::OAuthError;
use poort_oidc::resource::token_audiences;
use poort_oidc::scope::Scopes;
use poort_store::clients::Client;
use poort_store::new_id;
use poort_store::refresh_tokens;

use super::super::FlowError;
use super::super::device::records::{self, Answer, Approval, DeviceGrant, Polling};
use super::GrantResult;
use super::authorization_code::offline_access_granted;
use super::issue::{self, RefreshFacts, SessionFacts};
use crate::state::AppState;

/// What RFC 8628 §3.5 asks a device to be told, and the interval to keep when it polls on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Decision {
    /// Issued to another client: `invalid_grant`, and nothing about it changes.
    WrongClient,
    /// `expired_token`: the device starts again.
    Expired,
    /// `authorization_pending`: poll again after the interval.
    Pending(Polling),
    /// `slow_down`: polled sooner than its interval, which grows by 5 seconds from now on.
    SlowDown(Polling),
    /// `access_denied`.
    Denied,
    /// Tokens, once the approval is claimed.
    Approved(Approval),
}

/// RFC 8628 §3.5: the increase a `slow_down` adds to the interval.
const SLOW_DOWN_STEP: i64 = 5;

/// The answer to a poll by `client_id` at `now`, in this order: another client's code is
/// refused before anything else; an expired code is expired whatever was answered; then the
/// user's answer; an unanswered poll is `slow_down` when it comes sooner than the interval
/// after the previous one (the interval then grows), else `authorization_pending`.
pub(super) fn decide(
    client_id: &str,
    grant: &DeviceGrant,
    answer: Option<&Answer>,
    polling: Polling,
    now: i64,
) -> Decision {
    if grant.client_id != client_id {
        return Decision::WrongClient;
    }
    if now >= grant.expires_at {
        return Decision::Expired;
    }
    match answer {
        Some(Answer::Denied) => Decision::Denied,
        Some(Answer::Approved(approval)) => Decision::Approved(approval.clone()),
        None => {
            let too_soon = polling
                .last_poll_at
                .is_some_and(|last| now - last < polling.interval);
            match too_soon {
                true => Decision::SlowDown(Polling {
                    last_poll_at: Some(now),
                    interval: polling.interval + SLOW_DOWN_STEP,
                }),
                false => Decision::Pending(Polling {
                    last_poll_at: Some(now),
                    interval: polling.interval,
                }),
            }
        }
    }
}

pub(super) async fn grant(
    state: &AppState,
    client: &Client,
    device_code: &str,
    resources: Vec<String>,
) -> GrantResult {
    let unknown = || {
        Ok(Err(OAuthError::invalid_grant(
            "the device code is invalid, expired or already used",
        )))
    };
    if device_code.len() > 256 {
        return unknown();
    }
    let digest = records::device_digest(device_code);
    let Some(grant) = records::find(state, &digest).await? else {
        return unknown();
    };
    let answer = records::answer(state, &digest).await?;
    let polling = records::polling(state, &digest, &grant).await?;
    match decide(&client.id, &grant, answer.as_ref(), polling, state.now()) {
        Decision::WrongClient => Ok(Err(OAuthError::invalid_grant(
            "the device code was issued to another client",
        ))),
        Decision::Expired => {
            records::discard(state, &digest, &grant).await?;
            Ok(Err(OAuthError::expired_token(
                "the device code has expired",
            )))
        }
        Decision::Denied => {
            records::discard(state, &digest, &grant).await?;
            Ok(Err(OAuthError::access_denied(
                "the user denied the request",
            )))
        }
        Decision::Pending(polling) => {
            if !still_there(state, &digest).await? {
                return unknown();
            }
            records::record_poll(state, &digest, &grant, polling).await?;
            Ok(Err(OAuthError::authorization_pending(
                "the user has not answered yet",
            )))
        }
        Decision::SlowDown(polling) => {
            if !still_there(state, &digest).await? {
                return unknown();
            }
            records::record_poll(state, &digest, &grant, polling).await?;
            Ok(Err(OAuthError::slow_down(format!(
                "poll at most every {} seconds",
                polling.interval
            ))))
        }
        Decision::Approved(approval) => {
            redeem(state, client, &digest, &grant, approval, resources).await
        }
    }
}

/// Whether the grant is still stored after its answer was read as absent. A redemption
/// removes the grant before it takes the approval, so a poll that read the grant, then found
/// no answer because another poll had just taken it, finds the grant gone here: it is told
/// `invalid_grant`, not `authorization_pending`.
async fn still_there(state: &AppState, digest: &str) -> Result<bool, FlowError> {
    Ok(records::find(state, digest).await?.is_some())
}

/// Claims the approval (the one redemption) and signs the tokens.
async fn redeem(
    state: &AppState,
    client: &Client,
    digest: &str,
    grant: &DeviceGrant,
    approval: Approval,
    resources: Vec<String>,
) -> GrantResult {
    // A resource outside the grant is the request's mistake: the approval stays.
    let audiences = match token_audiences(&grant.resources, &client.audiences, &resources) {
        Ok(audiences) => audiences,
        Err(error) => return Ok(Err(error)),
    };
    let scopes = Scopes::parse(&grant.scope).map_err(|e| FlowError::Corrupt(e.description))?;
    records::retire(state, digest).await?;
    let claimed = records::take_answer(state, digest).await?;
    records::discard(state, digest, grant).await?;
    if claimed != Some(Answer::Approved(approval.clone())) {
        return Ok(Err(OAuthError::invalid_grant(
            "the device code was already used",
        )));
    }
    let user = match super::super::users::cached(state, &approval.user_id).await? {
        Some(user) if user.is_active() => user,
        _ => {
            return Ok(Err(OAuthError::invalid_grant(
                "the user is disabled or deleted",
            )));
        }
    };
    let session = SessionFacts {
        auth_time: approval.auth_time,
        amr: approval.amr,
        sid: approval.sid,
    };
    let refresh = offline_access_granted(client, &scopes).then(|| RefreshFacts {
        family_id: new_id(),
        grant: scopes.clone(),
        resources: grant.resources.clone(),
        expires_at: state.now() + state.config.refresh_token_ttl_secs,
    });
    let plan = issue::plan(state, client, &user.id, &session, refresh);
    if let Some(row) = plan.refresh_row {
        refresh_tokens::insert(&state.db, row).await?;
    }
    let response = issue::sign(
        state,
        client,
        &user,
        &scopes,
        &audiences,
        &session,
        None,
        plan.signing,
    )
    .await?;
    Ok(Ok(response))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use poort_oidc::device::UserCode;

    use super::*;

    const NOW: i64 = 1_000_000;

    fn grant() -> DeviceGrant {
        DeviceGrant {
            client_id: "tv".into(),
            client_name: "TV".into(),
            scope: "openid".into(),
            resources: Vec::new(),
            user_code: UserCode::parse("BCDFGHJK").unwrap(),
            expires_at: NOW + 600,
            interval: 5,
        }
    }

    fn approval() -> Approval {
        Approval {
            user_id: "u1".into(),
            auth_time: NOW - 10,
            amr: vec!["pwd".into()],
            sid: "s1".into(),
        }
    }

    fn never_polled() -> Polling {
        Polling {
            last_poll_at: None,
            interval: 5,
        }
    }

    fn polled_at(at: i64, interval: i64) -> Polling {
        Polling {
            last_poll_at: Some(at),
            interval,
        }
    }

    #[test]
    fn an_unanswered_code_is_pending_and_the_poll_recorded() {
        assert_eq!(
            decide("tv", &grant(), None, never_polled(), NOW),
            Decision::Pending(polled_at(NOW, 5))
        );
        // Exactly the interval after the previous poll is soon enough.
        assert_eq!(
            decide("tv", &grant(), None, polled_at(NOW - 5, 5), NOW),
            Decision::Pending(polled_at(NOW, 5))
        );
    }

    #[test]
    fn polling_sooner_than_the_interval_raises_it_by_five_seconds() {
        assert_eq!(
            decide("tv", &grant(), None, polled_at(NOW - 4, 5), NOW),
            Decision::SlowDown(polled_at(NOW, 10))
        );
        // The raised interval holds from then on.
        assert_eq!(
            decide("tv", &grant(), None, polled_at(NOW - 9, 10), NOW),
            Decision::SlowDown(polled_at(NOW, 15))
        );
        assert_eq!(
            decide("tv", &grant(), None, polled_at(NOW - 10, 10), NOW),
            Decision::Pending(polled_at(NOW, 10))
        );
    }

    #[test]
    fn answers_are_given_whatever_the_pace() {
        let approved = Answer::Approved(approval());
        assert_eq!(
            decide("tv", &grant(), Some(&approved), polled_at(NOW - 1, 5), NOW),
            Decision::Approved(approval())
        );
        assert_eq!(
            decide(
                "tv",
                &grant(),
                Some(&Answer::Denied),
                polled_at(NOW - 1, 5),
                NOW
            ),
            Decision::Denied
        );
    }

    #[test]
    fn an_expired_code_is_expired_even_when_approved() {
        let approved = Answer::Approved(approval());
        for answer in [None, Some(&approved), Some(&Answer::Denied)] {
            assert_eq!(
                decide("tv", &grant(), answer, never_polled(), NOW + 600),
                Decision::Expired
            );
        }
        assert_eq!(
            decide("tv", &grant(), None, never_polled(), NOW + 599),
            Decision::Pending(polled_at(NOW + 599, 5))
        );
    }

    #[test]
    fn another_clients_code_is_refused_before_anything_else() {
        let approved = Answer::Approved(approval());
        for (answer, now) in [(None, NOW), (Some(&approved), NOW), (None, NOW + 601)] {
            assert_eq!(
                decide("other", &grant(), answer, polled_at(NOW - 1, 5), now),
                Decision::WrongClient
            );
        }
    }
}
