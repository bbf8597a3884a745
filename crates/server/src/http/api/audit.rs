//! `GET /api/v1/orgs/{org}/audit`: the organisation's audit log, newest first, filtered by
//! actor, action and time range (unix seconds), paged with the `next` cursor; or the whole
//! filtered log as JSON lines (`format=jsonl`) or CSV (`format=csv`).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use poort_store::audit::{self, AuditQuery};
use poort_store::entities::audit_log::Model as Entry;
use serde::Deserialize;
use serde_json::json;

use super::caller::{AUDIT_READ, ApiCaller};
use super::problem::ApiProblem;
use super::{guard, json};
use crate::flows::FlowError;
use crate::flows::orgs::Permission;
use crate::state::SharedState;

const DEFAULT_PAGE: u64 = 50;
const MAX_PAGE: u64 = 500;
/// An export stops here; narrower filters get the rest.
pub(crate) const MAX_EXPORT: usize = 100_000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditParams {
    actor: Option<String>,
    action: Option<String>,
    from: Option<i64>,
    to: Option<i64>,
    /// The `next` cursor of the previous page.
    before: Option<i64>,
    limit: Option<u64>,
    format: Option<String>,
}

pub async fn list(
    State(state): State<SharedState>,
    caller: ApiCaller,
    Path(org_id): Path<String>,
    params: Result<Query<AuditParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiProblem> {
    let membership = guard(&state, &caller, AUDIT_READ, &org_id, Permission::AuditRead).await?;
    let Query(params) =
        params.map_err(|e| ApiProblem::invalid_request(format!("bad query: {}", e.body_text())))?;
    let query = AuditQuery {
        actor: params.actor,
        action: params.action,
        from: params.from,
        to: params.to,
        before_seq: params.before,
    };
    let chain = membership.org.id.as_str();
    match params.format.as_deref() {
        None | Some("json") => {
            let limit = params.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
            let entries = audit::list(&state.db, chain, &query, limit)
                .await
                .map_err(FlowError::from)?;
            let next = match entries.len() as u64 == limit {
                true => entries.last().map(|e| e.seq),
                false => None,
            };
            let list: Vec<_> = entries.iter().map(entry_json).collect();
            Ok(json(json!({ "entries": list, "next": next })))
        }
        Some(format @ ("jsonl" | "csv")) => {
            let entries = crate::flows::audit::entries(&state.db, chain, query, MAX_EXPORT).await?;
            let (body, content_type, extension) = match format {
                "csv" => (to_csv(&entries), "text/csv; charset=utf-8", "csv"),
                _ => (to_jsonl(&entries), "application/x-ndjson", "jsonl"),
            };
            let disposition = format!("attachment; filename=\"audit-{chain}.{extension}\"");
            let mut response = body.into_response();
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            if let Ok(value) = HeaderValue::from_str(&disposition) {
                headers.insert(header::CONTENT_DISPOSITION, value);
            }
            Ok(response)
        }
        Some(_) => Err(ApiProblem::invalid_request("format is json, jsonl or csv")),
    }
}

fn entry_json(entry: &Entry) -> serde_json::Value {
    let details: serde_json::Value =
        serde_json::from_str(&entry.details).unwrap_or(serde_json::Value::Null);
    json!({
        "id": entry.id, "seq": entry.seq, "at": entry.at, "org_id": entry.org_id,
        "actor": entry.actor, "staff": entry.staff, "subject": entry.subject,
        "action": entry.action, "target": entry.target, "ip": entry.ip,
        "user_agent": entry.user_agent, "details": details,
        "prev_hash": entry.prev_hash, "hash": entry.hash,
    })
}

pub(crate) fn to_jsonl(entries: &[Entry]) -> String {
    let mut out = String::new();
    for entry in entries {
        out.push_str(&entry_json(entry).to_string());
        out.push('\n');
    }
    out
}

const CSV_COLUMNS: [&str; 14] = [
    "id",
    "seq",
    "at",
    "org_id",
    "actor",
    "staff",
    "subject",
    "action",
    "target",
    "ip",
    "user_agent",
    "details",
    "prev_hash",
    "hash",
];

pub(crate) fn to_csv(entries: &[Entry]) -> String {
    let mut out = CSV_COLUMNS.join(",");
    out.push_str("\r\n");
    for e in entries {
        let cells = [
            e.id.clone(),
            e.seq.to_string(),
            e.at.to_string(),
            e.org_id.clone().unwrap_or_default(),
            e.actor.clone().unwrap_or_default(),
            e.staff.clone().unwrap_or_default(),
            e.subject.clone().unwrap_or_default(),
            e.action.clone(),
            e.target.clone().unwrap_or_default(),
            e.ip.clone().unwrap_or_default(),
            e.user_agent.clone().unwrap_or_default(),
            e.details.clone(),
            e.prev_hash.clone(),
            e.hash.clone(),
        ];
        let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

/// RFC 4180 quoting; a cell a spreadsheet would run as a formula gets a leading `'`.
fn csv_cell(value: &str) -> String {
    let value = match value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        true => format!("'{value}"),
        false => value.to_owned(),
    };
    match value.contains([',', '"', '\n', '\r']) {
        true => format!("\"{}\"", value.replace('"', "\"\"")),
        false => value,
    }
}

#[cfg(test)]
mod tests {
    use super::csv_cell;

    #[test]
    fn csv_cells_are_quoted_and_defused() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=cmd()"), "'=cmd()");
        assert_eq!(csv_cell("line\nbreak"), "\"line\nbreak\"");
    }
}
