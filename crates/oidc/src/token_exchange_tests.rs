#![allow(clippy::unwrap_used)]

use super::*;
use crate::ErrorCode;
use crate::claims::Audience;

const SERVICE: &str = "svc-a";
const API_A: &str = "https://a.example.com";
const API_B: &str = "https://b.example.com";
const API_C: &str = "https://c.example.com";

fn user_token(aud: &str) -> AccessTokenClaims {
    AccessTokenClaims {
        iss: "https://id.example.com".into(),
        sub: "user-1".into(),
        aud: Audience::one(aud),
        exp: 2_000,
        iat: 1_000,
        jti: "j1".into(),
        client_id: "spa".into(),
        scope: Scopes::parse("openid email orders:read").unwrap(),
        auth_time: Some(990),
        sid: Some("s1".into()),
        amr: Some(vec!["pwd".into()]),
        act: None,
    }
}

fn service_token(client: &str) -> AccessTokenClaims {
    AccessTokenClaims {
        sub: client.into(),
        client_id: client.into(),
        aud: Audience::one(client),
        amr: None,
        auth_time: None,
        sid: None,
        ..user_token(API_A)
    }
}

fn registered() -> Vec<String> {
    vec![API_B.into(), API_C.into()]
}

fn policy<'a>(
    audiences: &'a [String],
    own: &'a [String],
    impersonation: bool,
) -> ExchangePolicy<'a> {
    ExchangePolicy {
        client_id: SERVICE,
        subject_audiences: own,
        audiences,
        impersonation,
    }
}

fn ask(targets: &[&str], scope: Option<&str>) -> ExchangeAsk {
    ExchangeAsk {
        scope: scope.map(|s| Scopes::parse(s).unwrap()),
        targets: targets.iter().map(|t| t.to_string()).collect(),
        requested_token_type: None,
    }
}

#[test]
fn delegation_names_the_actor_narrows_and_never_outlives_the_subject() {
    let audiences = registered();
    let own = vec![API_A.to_string()];
    let exchange = decide(
        policy(&audiences, &own, false),
        &user_token(API_A),
        Some(&service_token(SERVICE)),
        &ask(&[API_B], Some("orders:read")),
    )
    .unwrap();
    assert_eq!(exchange.audiences, vec![API_B.to_string()]);
    assert_eq!(exchange.scopes.to_string(), "orders:read");
    assert_eq!(exchange.not_after, 2_000);
    let act = exchange.act.unwrap();
    assert_eq!(act.sub, SERVICE);
    assert_eq!(act.client_id.as_deref(), Some(SERVICE));
    assert!(act.act.is_none());
}

#[test]
fn without_targets_or_scope_the_token_gets_every_registered_audience_and_the_subjects_scope() {
    let audiences = registered();
    let exchange = decide(
        policy(&audiences, &[], false),
        &user_token(SERVICE),
        Some(&service_token(SERVICE)),
        &ask(&[], None),
    )
    .unwrap();
    assert_eq!(exchange.audiences, audiences);
    assert_eq!(exchange.scopes, user_token(SERVICE).scope);
}

#[test]
fn an_earlier_actor_is_nested_inside_the_new_one() {
    let audiences = registered();
    let mut subject = user_token(SERVICE);
    subject.act = Some(Actor {
        sub: "staff-7".into(),
        client_id: None,
        act: None,
    });
    let exchange = decide(
        policy(&audiences, &[], false),
        &subject,
        Some(&service_token(SERVICE)),
        &ask(&[API_B], None),
    )
    .unwrap();
    let act = exchange.act.unwrap();
    assert_eq!(act.sub, SERVICE);
    assert_eq!(act.act.unwrap().sub, "staff-7");
}

#[test]
fn impersonation_needs_the_clients_permission_and_keeps_an_existing_actor() {
    let audiences = registered();
    let refused = decide(
        policy(&audiences, &[], false),
        &user_token(SERVICE),
        None,
        &ask(&[API_B], None),
    )
    .unwrap_err();
    assert_eq!(refused.code, ErrorCode::InvalidRequest);

    let allowed = decide(
        policy(&audiences, &[], true),
        &user_token(SERVICE),
        None,
        &ask(&[API_B], None),
    )
    .unwrap();
    assert_eq!(allowed.act, None);

    let mut delegated = user_token(SERVICE);
    let earlier = Actor {
        sub: "staff-7".into(),
        client_id: None,
        act: None,
    };
    delegated.act = Some(earlier.clone());
    let kept = decide(
        policy(&audiences, &[], true),
        &delegated,
        None,
        &ask(&[API_B], None),
    )
    .unwrap();
    assert_eq!(kept.act, Some(earlier));
}

#[test]
fn refusals() {
    let audiences = registered();
    let own = vec![API_A.to_string()];
    let actor = service_token(SERVICE);
    let cases: Vec<(
        AccessTokenClaims,
        Option<AccessTokenClaims>,
        ExchangeAsk,
        ErrorCode,
    )> = vec![
        // A token for another API.
        (
            user_token("https://other.example.com"),
            Some(actor.clone()),
            ask(&[API_B], None),
            ErrorCode::InvalidRequest,
        ),
        // A service's own token as subject.
        (
            service_token(SERVICE),
            Some(actor.clone()),
            ask(&[API_B], None),
            ErrorCode::InvalidRequest,
        ),
        // An actor token of another client.
        (
            user_token(API_A),
            Some(service_token("svc-z")),
            ask(&[API_B], None),
            ErrorCode::InvalidRequest,
        ),
        // An audience not registered.
        (
            user_token(API_A),
            Some(actor.clone()),
            ask(&["https://evil.example.com"], None),
            ErrorCode::InvalidTarget,
        ),
        (
            user_token(API_A),
            Some(actor.clone()),
            ask(&[API_B, API_A], None),
            ErrorCode::InvalidTarget,
        ),
        // A wider scope.
        (
            user_token(API_A),
            Some(actor.clone()),
            ask(&[API_B], Some("orders:write")),
            ErrorCode::InvalidScope,
        ),
    ];
    for (subject, actor, ask, code) in cases {
        let refused = decide(
            policy(&audiences, &own, false),
            &subject,
            actor.as_ref(),
            &ask,
        )
        .unwrap_err();
        assert_eq!(refused.code, code, "{refused}");
    }
}

#[test]
fn a_delegated_actor_token_and_a_long_chain_are_refused() {
    let audiences = registered();
    let mut actor = service_token(SERVICE);
    actor.act = Some(Actor {
        sub: "x".into(),
        client_id: None,
        act: None,
    });
    let refused = decide(
        policy(&audiences, &[], false),
        &user_token(SERVICE),
        Some(&actor),
        &ask(&[API_B], None),
    )
    .unwrap_err();
    assert_eq!(refused.code, ErrorCode::InvalidRequest);

    let mut chain: Option<Actor> = None;
    for n in 0..MAX_ACTOR_DEPTH {
        chain = Some(Actor {
            sub: format!("svc-{n}"),
            client_id: None,
            act: chain.map(Box::new),
        });
    }
    let mut subject = user_token(SERVICE);
    subject.act = chain;
    let refused = decide(
        policy(&audiences, &[], false),
        &subject,
        Some(&service_token(SERVICE)),
        &ask(&[API_B], None),
    )
    .unwrap_err();
    assert_eq!(refused.code, ErrorCode::InvalidRequest);
}

#[test]
fn a_client_without_audiences_or_asking_for_another_token_type_is_refused() {
    let none: Vec<String> = Vec::new();
    let refused = decide(
        policy(&none, &[], true),
        &user_token(SERVICE),
        None,
        &ask(&[], None),
    )
    .unwrap_err();
    assert_eq!(refused.code, ErrorCode::UnauthorizedClient);

    let audiences = registered();
    let mut wants_id_token = ask(&[API_B], None);
    wants_id_token.requested_token_type = Some(TokenType::IdToken);
    let refused = decide(
        policy(&audiences, &[], true),
        &user_token(SERVICE),
        None,
        &wants_id_token,
    )
    .unwrap_err();
    assert_eq!(refused.code, ErrorCode::InvalidRequest);
}

#[test]
fn token_types_parse_by_their_urns_and_only_access_tokens_are_exchanged() {
    for kind in TokenType::ALL {
        assert_eq!(kind.as_str().parse::<TokenType>().unwrap(), kind);
    }
    assert!(
        "urn:ietf:params:oauth:token-type:saml2"
            .parse::<TokenType>()
            .is_err()
    );
    assert!(check_presented_type(TokenType::Jwt, "subject").is_ok());
    assert!(check_presented_type(TokenType::RefreshToken, "subject").is_err());
}
