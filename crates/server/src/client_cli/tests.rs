#![allow(clippy::unwrap_used, clippy::panic)]

use poort_oidc::token_request::GrantType;

use super::{ClientCommand, parse};

#[test]
fn the_device_grant_is_named_by_its_urn_or_short_name() {
    for name in [
        "urn:ietf:params:oauth:grant-type:device_code",
        "device_code",
    ] {
        let parsed = parse(["create", "--name", "tv", "--public", "--grant", name]).unwrap();
        let ClientCommand::Create(args) = parsed else {
            panic!("not a client create command");
        };
        assert_eq!(args.grants, vec![GrantType::DeviceCode]);
    }
}

#[test]
fn a_service_client_takes_scopes_and_audiences() {
    let parsed = parse([
        "create",
        "--name",
        "exporter",
        "--grant",
        "client_credentials",
        "--scope",
        "reports.read",
        "--scope",
        "reports.write",
        "--audience",
        "https://reports.example/api",
    ])
    .unwrap();
    let ClientCommand::Create(args) = parsed else {
        panic!("not a client create command");
    };
    assert_eq!(args.allowed_scopes, ["reports.read", "reports.write"]);
    assert_eq!(args.audiences, ["https://reports.example/api"]);
    assert!(!args.no_pkce, "PKCE is required unless opted out");
    assert_eq!(args.backchannel_logout_uri, None);
}

#[test]
fn create_takes_a_backchannel_logout_uri_and_its_session_requirement() {
    let parsed = parse([
        "create",
        "--name",
        "web",
        "--redirect-uri",
        "https://app.example/cb",
        "--backchannel-logout-uri",
        "https://app.example/logout",
        "--backchannel-logout-session-required",
        "false",
    ])
    .unwrap();
    let ClientCommand::Create(args) = parsed else {
        panic!("not a client create command");
    };
    assert_eq!(
        args.backchannel_logout_uri.as_deref(),
        Some("https://app.example/logout")
    );
    assert_eq!(args.backchannel_logout_session_required, Some(false));
    // The requirement alone means nothing.
    assert!(
        parse([
            "create",
            "--name",
            "web",
            "--backchannel-logout-session-required",
            "false"
        ])
        .is_err()
    );
}

#[test]
fn pkce_is_opted_out_at_creation_or_by_update() {
    let parsed = parse(["create", "--name", "legacy", "--no-pkce"]).unwrap();
    let ClientCommand::Create(args) = parsed else {
        panic!("not a client create command");
    };
    assert!(args.no_pkce);
    for (value, expected) in [("false", false), ("true", true)] {
        let parsed = parse(["update", "app-1", "--pkce-required", value]).unwrap();
        let ClientCommand::Update(args) = parsed else {
            panic!("not a client update command");
        };
        assert_eq!(
            (args.client_id.as_str(), args.pkce_required),
            ("app-1", Some(expected))
        );
    }
    let both = parse([
        "update",
        "a",
        "--pkce-required",
        "true",
        "--default-web-origins",
    ]);
    assert!(both.is_ok(), "several changes at once");
}

#[test]
fn auth_method_and_keys_parse_on_create_and_update() {
    let parsed = parse([
        "create",
        "--name",
        "signer",
        "--auth-method",
        "private_key_jwt",
        "--jwks-uri",
        "https://app.example/jwks",
    ])
    .unwrap();
    let ClientCommand::Create(args) = parsed else {
        panic!("not a client create command");
    };
    assert!(args.auth.given());
    assert_eq!(
        args.auth.jwks_uri.as_deref(),
        Some("https://app.example/jwks")
    );
    let both = parse([
        "create",
        "--name",
        "x",
        "--auth-method",
        "private_key_jwt",
        "--jwks-uri",
        "https://a.example/j",
        "--jwks-file",
        "/tmp/j.json",
    ]);
    assert!(both.is_err(), "one key source");
    assert!(parse(["update", "a", "--auth-method", "client_secret_jwt"]).is_ok());
    assert!(parse(["update", "a", "--jwks-uri", "https://a.example/j"]).is_err());
    assert!(parse(["create", "--name", "x", "--auth-method", "hmac"]).is_err());
}

#[test]
fn update_takes_web_origins_or_the_default_but_not_both_nor_neither() {
    let update = |extra: &[&str]| {
        let mut argv = vec!["update", "abc"];
        argv.extend_from_slice(extra);
        parse(argv)
    };
    let Ok(ClientCommand::Update(args)) = update(&[
        "--web-origin",
        "https://a.example",
        "--web-origin",
        "http://localhost:3000",
    ]) else {
        panic!("not a client update command");
    };
    assert_eq!(
        args.web_origins,
        ["https://a.example", "http://localhost:3000"]
    );
    assert!(update(&["--default-web-origins"]).is_ok());
    assert!(update(&[]).is_err());
    let Ok(ClientCommand::Update(args)) = update(&["--backchannel-logout-uri", ""]) else {
        panic!("removing the logout URI is a change");
    };
    assert_eq!(args.backchannel_logout_uri.as_deref(), Some(""));
    assert!(update(&["--backchannel-logout-session-required", "false"]).is_ok());
    assert!(update(&["--default-web-origins", "--web-origin", "https://a.example"]).is_err());
}
