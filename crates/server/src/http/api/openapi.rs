//! `GET /api/openapi.json`: the OpenAPI 3.1 description of the admin API, built once from
//! the same route list the router serves (a test checks they agree).

use std::sync::OnceLock;

use axum::response::Response;
use serde_json::{Value, json};

use super::json as json_response;

/// Every operation: (method, path, scope, permission, summary, has JSON body, success status).
pub const OPERATIONS: [(&str, &str, &str, &str, &str, bool, u16); 20] = [
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
        "Add an existing user as a member: {email, roles}",
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
        "Replace the security settings",
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
         id_token_alg, allowed_scopes, audiences}; the secret is in the answer, once",
        true,
        201,
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
];

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
            operation["requestBody"] = json!({
                "required": true,
                "content": {"application/json": {"schema": {"type": "object"}}}
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
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {"type": "string"},
                        "error_description": {"type": "string"}
                    }
                }
            }
        }
    })
}

pub async fn document() -> Response {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    json_response(DOCUMENT.get_or_init(build).clone())
}
