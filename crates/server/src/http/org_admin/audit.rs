//! `GET /admin/orgs/{org}/audit` (filters, 50 entries a page, newest first) and its export
//! (`/audit/export?format=csv|jsonl`, the same files as the API's).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use poort_store::audit::AuditQuery;
use serde::Deserialize;

use super::super::api::audit::{MAX_EXPORT, to_csv, to_jsonl};
use super::super::error::PageError;
use super::super::locale::RequestLang;
use super::super::render;
use super::super::signed_in::SignedIn;
use super::authorise;
use crate::flows::audit;
use crate::flows::orgs::Permission;
use crate::pages::orgs::{AdminAuditPage, AuditRow};
use crate::state::SharedState;

const PAGE: usize = 50;

#[derive(Deserialize, Default)]
pub struct Filters {
    actor: Option<String>,
    action: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<i64>,
    format: Option<String>,
}

impl Filters {
    fn query(&self) -> Result<AuditQuery, PageError> {
        let time = |v: &Option<String>| -> Result<Option<i64>, PageError> {
            match v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                None => Ok(None),
                Some(text) => text
                    .parse()
                    .map(Some)
                    .map_err(|_| PageError::bad_request("error.audit_times")),
            }
        };
        let text = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        Ok(AuditQuery {
            actor: text(&self.actor),
            action: text(&self.action),
            from: time(&self.from)?,
            to: time(&self.to)?,
            before_seq: self.before,
        })
    }

    /// The filters (not the page) as a query string.
    fn query_string(&self) -> String {
        let pairs = [
            ("actor", &self.actor),
            ("action", &self.action),
            ("from", &self.from),
            ("to", &self.to),
        ];
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(
                pairs
                    .iter()
                    .filter_map(|(k, v)| v.as_deref().filter(|v| !v.is_empty()).map(|v| (*k, v))),
            )
            .finish()
    }
}

fn time_text(at: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(at)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| at.to_string())
}

pub async fn show(
    State(state): State<SharedState>,
    signed: SignedIn,
    lang: RequestLang,
    Path(org_id): Path<String>,
    Query(filters): Query<Filters>,
) -> Result<Response, PageError> {
    let t = lang.tr(signed.user().locale.as_deref(), None);
    let read = Some(Permission::AuditRead);
    let membership = authorise(&state, &signed.principal, &org_id, read).await?;
    let entries = audit::entries(&state.db, &membership.org.id, filters.query()?, PAGE).await?;
    let next_page = match entries.len() == PAGE {
        true => entries.last().map(|e| {
            format!(
                "/admin/orgs/{}/audit?{}&before={}",
                membership.org.id,
                filters.query_string(),
                e.seq
            )
        }),
        false => None,
    };
    let rows = entries
        .into_iter()
        .map(|e| AuditRow {
            seq: e.seq,
            time: time_text(e.at),
            action: e.action,
            actor: e
                .actor
                .unwrap_or_else(|| t.get("org_admin.operator").to_owned()),
            staff: e.staff.unwrap_or_default(),
            target: e.target.unwrap_or_default(),
            ip: e.ip.unwrap_or_default(),
            details: e.details,
        })
        .collect();
    let page = AdminAuditPage {
        t,
        id: membership.org.id.clone(),
        name: membership.org.name.clone(),
        actor: filters.actor.clone().unwrap_or_default(),
        action: filters.action.clone().unwrap_or_default(),
        from: filters.from.clone().unwrap_or_default(),
        to: filters.to.clone().unwrap_or_default(),
        filter_query: filters.query_string(),
        entries: rows,
        next_page,
    };
    Ok(render(StatusCode::OK, &page))
}

pub async fn export(
    State(state): State<SharedState>,
    signed: SignedIn,
    Path(org_id): Path<String>,
    Query(filters): Query<Filters>,
) -> Result<Response, PageError> {
    let read = Some(Permission::AuditRead);
    let membership = authorise(&state, &signed.principal, &org_id, read).await?;
    let query = AuditQuery {
        before_seq: None,
        ..filters.query()?
    };
    let entries = audit::entries(&state.db, &membership.org.id, query, MAX_EXPORT).await?;
    let (body, content_type, extension) = match filters.format.as_deref() {
        Some("csv") => (to_csv(&entries), "text/csv; charset=utf-8", "csv"),
        Some("jsonl") => (to_jsonl(&entries), "application/x-ndjson", "jsonl"),
        _ => return Err(PageError::bad_request("error.export_format")),
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    let disposition = format!(
        "attachment; filename=\"audit-{}.{extension}\"",
        membership.org.id
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}
