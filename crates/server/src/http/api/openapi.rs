//! `GET /api/openapi.json`: the OpenAPI 3.1 description of the admin API, built once from
//! the same route list the router serves (a test checks they agree).

use std::sync::OnceLock;

use axum::response::Response;
use poort_oidc::token_request::GrantType;
use serde_json::{Value, json};

use super::json as json_response;

/// Every operation: (method, path, scope, permission, summary, has JSON body, success status).
pub const OPERATIONS: [(&str, &str, &str, &str, &str, bool, u16); 24] = [
    (
        "get",
        "/api/v1/orgs",
        "admin:read",
        "(member; all for platform administrators)",
        "The organisations the caller can see",
        false,
        200,
    ),
    (
        "post",
        "/api/v1/orgs",
        "admin:write",
        "(platform administrator)",
        "Create an organisation: {name, owner (email, optional)}",
        true,
        201,
    ),
    (
        "get",
        "/api/v1/orgs/{org}",
        "admin:read",
        "(member)",
        "The organisation and the caller's roles",
        false,
        200,
    ),
    (
        "get",
        "/api/v1/orgs/{org}/members",
        "admin:read",
        "members.read",
        "List members",
        false,
        200,
    ),
    (
        "post",
        "/api/v1/orgs/{org}/members",
        "admin:write",
        "members.write",
        "Add an existing user as a member: {email, roles}. Platform administrators only; an organisation's own admins get 403 invitation_required and invite instead",
        true,
        201,
    ),
    (
        "put",
        "/api/v1/orgs/{org}/members/{user}",
        "admin:write",
        "members.write",
        "Replace a member's roles: {roles}",
        true,
        200,
    ),
    (
        "delete",
        "/api/v1/orgs/{org}/members/{user}",
        "admin:write",
        "members.write",
        "Remove a member (never the last owner)",
        false,
        204,
    ),
    (
        "get",
        "/api/v1/orgs/{org}/roles",
        "admin:read",
        "members.read",
        "Built-in and custom roles",
        false,
        200,
    ),
    (
        "post",
        "/api/v1/orgs/{org}/roles",
        "admin:write",
        "roles.write",
        "Create a custom role: {name, permissions}",
        true,
        201,
    ),
    (
        "delete",
        "/api/v1/orgs/{org}/roles/{name}",
        "admin:write",
        "roles.write",
        "Delete a custom role",
        false,
        204,
    ),
    (
        "get",
        "/api/v1/orgs/{org}/settings",
        "admin:read",
        "members.read",
        "The security settings",
        false,
        200,
    ),
    (
        "put",
        "/api/v1/orgs/{org}/settings",
        "admin:write",
        "security.write",
        "Replace the security settings (turning self_signup on, or changing its domains while on, is for platform administrators)",
        true,
        200,
    ),
    (
        "post",
        "/api/v1/orgs/{org}/invitations",
        "admin:write",
        "members.write",
        "Invite an email address: {email, roles, days}; returns the single-use link",
        true,
        201,
    ),
    (
        "get",
        "/api/v1/orgs/{org}/audit",
        "audit:read",
        "audit.read",
        "The audit log (filters, pages, jsonl/csv export)",
        false,
        200,
    ),
    (
        "get",
        "/api/v1/orgs/{org}/tokens",
        "tokens:read",
        "tokens.read",
        "The API tokens minted for the organisation",
        false,
        200,
    ),
    (
        "delete",
        "/api/v1/orgs/{org}/tokens/{id}",
        "tokens:write",
        "tokens.revoke",
        "Revoke one of the organisation's API tokens",
        false,
        200,
    ),
    (
        "get",
        "/api/v1/orgs/{org}/clients",
        "admin:read",
        "clients.write",
        "The clients (relying parties, service accounts) the organisation manages",
        false,
        200,
    ),
    (
        "post",
        "/api/v1/orgs/{org}/clients",
        "admin:write",
        "clients.write",
        "Register a client: {name, redirect_uris, post_logout_redirect_uris, public, grant_types, \
         id_token_alg, allowed_scopes, audiences, pkce_required, web_origins, \
         token_endpoint_auth_method, jwks | jwks_uri, backchannel_logout_uri, \
         backchannel_logout_session_required, token_exchange}; the secret (none for private_key_jwt) is in the \
         answer, once",
        true,
        201,
    ),
    (
        "patch",
        "/api/v1/orgs/{org}/clients/{client}",
        "admin:write",
        "clients.write",
        "Change a client: {web_origins, audiences, pkce_required, token_endpoint_auth_method \
         with jwks | jwks_uri, backchannel_logout_uri, backchannel_logout_session_required, \
         token_exchange}, \
         any of them (audiences replace the registered RFC 8707 resources); \
         (CORS origins, https://host[:port], [] for the default: a public client's redirect URI \
         origins; pkce_required false only for a legacy confidential client; a method change \
         that needs a new secret answers it once; backchannel_logout_uri \"\" removes it)",
        true,
        200,
    ),
    (
        "delete",
        "/api/v1/orgs/{org}/clients/{client}",
        "admin:write",
        "clients.write",
        "Delete a client with its refresh tokens and consents",
        false,
        204,
    ),
    (
        "post",
        "/api/v1/orgs/{org}/clients/{client}/secret",
        "admin:write",
        "clients.write",
        "Rotate a confidential client's secret; the new one is in the answer, once",
        false,
        200,
    ),
    (
        "get",
        "/api/v1/orgs/{org}/registration_tokens",
        "admin:read",
        "clients.write",
        "The organisation's initial access tokens for dynamic client registration (RFC 7591), \
         with their state (active, expired, used_up, revoked); never the tokens themselves",
        false,
        200,
    ),
    (
        "post",
        "/api/v1/orgs/{org}/registration_tokens",
        "admin:write",
        "clients.write",
        "Mint an initial access token: {lifetime_secs, max_uses}; clients registered with it \
         at /register belong to the organisation; the token is in the answer, once",
        true,
        201,
    ),
    (
        "delete",
        "/api/v1/orgs/{org}/registration_tokens/{id}",
        "admin:write",
        "clients.write",
        "Revoke an initial access token (clients it registered stay)",
        false,
        204,
    ),
];

/// The request body schema of an operation, by name in `components.schemas` (the handlers
/// refuse unknown fields, so every schema is closed).
fn body_schema(method: &str, path: &str) -> Option<&'static str> {
    Some(
        match (method, path.rsplit('/').next().unwrap_or_default()) {
            ("post", "orgs") => "NewOrganisation",
            ("post", "members") => "NewMember",
            ("put", "{user}") => "MemberRoles",
            ("post", "roles") => "NewRole",
            ("put", "settings") => "Settings",
            ("post", "invitations") => "NewInvitation",
            ("post", "clients") => "NewClient",
            ("patch", "{client}") => "ClientChanges",
            ("post", "registration_tokens") => "NewRegistrationToken",
            _ => return None,
        },
    )
}

fn closed(required: &[&str], properties: Value) -> Value {
    json!({"type": "object", "additionalProperties": false, "required": required,
           "properties": properties})
}

fn strings() -> Value {
    json!({"type": "array", "items": {"type": "string"}})
}

fn backchannel_logout_uri() -> Value {
    json!({"type": "string", "format": "uri",
           "description": "where logout tokens are POSTed (OpenID Connect Back-Channel Logout \
                           1.0): https, no fragment, no private address"})
}

fn auth_method() -> Value {
    json!({"type": "string", "enum": ["client_secret_basic", "client_secret_post",
        "private_key_jwt", "client_secret_jwt", "none"],
        "description": "the one method the client authenticates with (default: \
                        client_secret_basic, or none for a public client)"})
}

fn jwks() -> Value {
    json!({"type": "object", "required": ["keys"],
        "description": "for private_key_jwt: public keys (RSA 2048+, EC P-256, Ed25519), \
                        at most 20, 64 KiB"})
}

fn jwks_uri() -> Value {
    json!({"type": "string", "format": "uri",
        "description": "for private_key_jwt: where its public keys are served (https, a public \
                        address; fetched with a size limit and cached 5 minutes)"})
}

fn web_origins() -> Value {
    json!({"type": "array", "items": {"type": "string"},
           "description": "origins (scheme://host[:port]) a browser app may call the token, \
                           userinfo and revocation endpoints from; empty: a public client's \
                           redirect URI origins"})
}

fn body_schemas() -> Value {
    let roles = json!({"type": "array", "items": {"type": "string"},
                       "description": "built-in (owner, admin, auditor, member) or custom role names"});
    let range =
        |min: i64, max: i64| json!({"type": ["integer", "null"], "minimum": min, "maximum": max});
    json!({
        "NewOrganisation": closed(&["name"], json!({
            "name": {"type": "string", "maxLength": 100},
            "owner": {"type": "string", "format": "email",
                      "description": "an existing user who becomes the first owner"},
        })),
        "NewMember": closed(&["email"], json!({
            "email": {"type": "string", "format": "email"}, "roles": roles,
        })),
        "MemberRoles": closed(&["roles"], json!({ "roles": roles })),
        "NewRole": closed(&["name", "permissions"], json!({
            "name": {"type": "string"},
            "permissions": {"type": "array", "items": {"type": "string", "enum": [
                "members.read", "members.write", "roles.write", "security.write", "audit.read",
                "tokens.read", "tokens.revoke", "clients.write"]}},
        })),
        "Settings": closed(&[], json!({
            "require_2fa": {"type": "boolean"},
            "ip_allowlist": {"type": "array", "items": {"type": "string"},
                             "description": "CIDR ranges, IPv4 or IPv6; empty: anywhere"},
            "email_domains": {"type": "array", "items": {"type": "string"},
                              "description": "example.com or *.example.com; empty: any"},
            "support_access": {"type": "boolean"},
            "self_signup": {"type": "boolean",
                            "description": "people of email_domains may sign up and join"},
            "max_token_lifetime_days": range(1, 3650),
            "session_lifetime_secs": range(300, 90 * 86_400),
            "lockout_max_failures": range(1, 100),
            "lockout_duration_secs": range(1, 30 * 86_400),
            "password_preset": {"type": ["string", "null"],
                                "enum": ["balanced", "nist", "strict", null]},
            "password_renewal_days": range(1, 3650),
        })),
        "NewInvitation": closed(&["email"], json!({
            "email": {"type": "string", "format": "email"}, "roles": roles,
            "days": {"type": ["integer", "null"], "minimum": 1,
                     "description": "how long the link works"},
        })),
        "NewClient": closed(&["name"], json!({
            "name": {"type": "string", "maxLength": 100},
            "redirect_uris": strings(),
            "post_logout_redirect_uris": strings(),
            "public": {"type": "boolean"},
            "grant_types": {"type": "array", "items": {"type": "string", "enum":
                GrantType::ALL.map(GrantType::as_str)}},
            "id_token_alg": {"type": "string", "enum": ["RS256", "ES256", "EdDSA"]},
            "allowed_scopes": strings(),
            "audiences": {"type": "array", "items": {"type": "string", "format": "uri"}},
            "pkce_required": {"type": "boolean", "default": true,
                              "description": "false only for a legacy confidential client"},
            "web_origins": web_origins(),
            "backchannel_logout_uri": backchannel_logout_uri(),
            "backchannel_logout_session_required": {"type": "boolean", "default": true},
            "token_endpoint_auth_method": auth_method(),
            "jwks": jwks(),
            "jwks_uri": jwks_uri(),
            "token_exchange": token_exchange(),
        })),
        "ClientChanges": closed(&[], json!({
            "web_origins": web_origins(),
            "audiences": strings(),
            "pkce_required": {"type": "boolean",
                              "description": "false only for a legacy confidential client"},
            "backchannel_logout_uri": backchannel_logout_uri(),
            "backchannel_logout_session_required": {"type": "boolean"},
            "token_endpoint_auth_method": auth_method(),
            "jwks": jwks(),
            "jwks_uri": jwks_uri(),
            "token_exchange": token_exchange(),
        })),
        "NewRegistrationToken": closed(&[], json!({
            "lifetime_secs": {"type": ["integer", "null"], "minimum": 60},
            "max_uses": {"type": ["integer", "null"], "minimum": 1, "default": 1},
        })),
    })
}

/// RFC 8693 registration of a client with the token exchange grant; `null` removes it.
fn token_exchange() -> Value {
    json!({"type": ["object", "null"], "additionalProperties": false, "properties": {
        "subject_audiences": {"type": "array", "items": {"type": "string", "format": "uri"},
                              "description": "audiences (besides its id) of user tokens it may exchange"},
        "audiences": {"type": "array", "items": {"type": "string", "format": "uri"},
                      "description": "audiences it may get tokens for"},
        "impersonation": {"type": "boolean", "default": false,
                          "description": "may exchange without an actor token"},
    }})
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    })
}

fn build() -> Value {
    let mut paths = serde_json::Map::new();
    for (method, path, scope, permission, summary, has_body, status) in OPERATIONS {
        let mut parameters = vec![];
        for name in ["org", "user", "name", "id", "client"] {
            if path.contains(&format!("{{{name}}}")) {
                parameters.push(json!({"name": name, "in": "path", "required": true,
                                       "schema": {"type": "string"}}));
            }
        }
        if path.ends_with("/audit") {
            for (name, kind, what) in [
                ("actor", "string", "only entries by this user id"),
                ("action", "string", "only this action, e.g. member.added"),
                (
                    "from",
                    "integer",
                    "from this time (unix seconds, inclusive)",
                ),
                ("to", "integer", "up to this time (unix seconds, inclusive)"),
                (
                    "before",
                    "integer",
                    "the `next` cursor of the previous page",
                ),
                ("limit", "integer", "entries per page (1-500, default 50)"),
                (
                    "format",
                    "string",
                    "json (default), jsonl or csv (whole filtered log)",
                ),
            ] {
                parameters.push(json!({"name": name, "in": "query", "required": false,
                                       "description": what, "schema": {"type": kind}}));
            }
        }
        let mut operation = json!({
            "summary": summary,
            "description": format!("Scope `{scope}`; permission `{permission}` in the organisation."),
            "security": [{"bearer": [scope]}],
            "parameters": parameters,
            "responses": {
                "400": error_response("invalid_request"),
                "401": error_response("invalid_token (with WWW-Authenticate: Bearer)"),
                "403": error_response("insufficient_scope or forbidden"),
                "404": error_response("no such organisation or object, or not the caller's"),
                "503": error_response("temporarily_unavailable"),
            }
        });
        operation["responses"][status.to_string()] = json!({"description": "success"});
        if has_body {
            let schema = match body_schema(method, path) {
                Some(name) => json!({"$ref": format!("#/components/schemas/{name}")}),
                None => json!({"type": "object"}),
            };
            operation["requestBody"] = json!({
                "required": true,
                "content": {"application/json": {"schema": schema}}
            });
        }
        let entry = paths.entry(path.to_owned()).or_insert_with(|| json!({}));
        entry[method] = operation;
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Poort admin API", "version": env!("CARGO_PKG_VERSION")},
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                           "description": "An OAuth access token issued by this server"}
            },
            "schemas": schemas(),
        }
    })
}

fn schemas() -> Value {
    let mut schemas = body_schemas();
    schemas["Error"] = json!({
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {"type": "string"},
            "error_description": {"type": "string"}
        }
    });
    schemas
}

pub async fn document() -> Response {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    json_response(DOCUMENT.get_or_init(build).clone())
}

#[cfg(test)]
mod tests {
    use super::{OPERATIONS, body_schema, build};

    #[test]
    fn every_operation_with_a_body_names_a_schema_that_exists() {
        let document = build();
        for (method, path, _, _, _, has_body, _) in OPERATIONS {
            let schema = body_schema(method, path);
            assert_eq!(schema.is_some(), has_body, "{method} {path}");
            if let Some(name) = schema {
                let found = &document["components"]["schemas"][name];
                assert_eq!(found["additionalProperties"], false, "{name}");
            }
        }
    }
}
