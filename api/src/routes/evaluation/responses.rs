//! Residents rate their community (群众评议社区): one response per household per campaign,
//! answered online by a resident or imported in bulk by a third-party evaluator (第三方评估)
//! from a door-to-door survey (入户调查) as CSV, all rows or none.
//!
//! Household seam: until households exist as records, an online response's household key is the
//! resident's account id and an imported row's key is the evaluator's `household_key` column.

use super::{communities_in, community_of, load_visible, require_kind, require_open};
use crate::auth::Caller;
use crate::common::{audit, ts};
use crate::error::{ApiError, ApiResult, Problem, ProblemField};
use crate::json::Json;
use crate::state::AppState;
use actix_web::http::{header, StatusCode};
use actix_web::{post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use gongzhi_domain::error::{optional_text, text, Validator};
use gongzhi_domain::evaluation::{CampaignKind, Questionnaire, RESERVED_CODES};
use gongzhi_domain::role::Role;
use gongzhi_domain::{DomainError, FieldError};
use gongzhi_persistence::evaluation::{self, CampaignRow, ImportRow, ResponseRow, SOURCE_IMPORT, SOURCE_ONLINE};
use gongzhi_persistence::{new_id, to_db, DbConnection, StoreResult};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use utoipa::{IntoParams, ToSchema};

/// Largest import file accepted (bytes).
pub const IMPORT_MAX_BYTES: usize = 8 * 1024 * 1024;
/// Most rows (households) in one import file.
pub const IMPORT_MAX_ROWS: usize = 50_000;

/// A resident's own answers to the campaign's questionnaire.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitResponse {
    /// Item code → answer: a whole number 1–5 for a scale item, an option value for a choice item.
    #[schema(value_type = Object)]
    pub answers: BTreeMap<String, serde_json::Value>,
    /// Suggestion to the community (意见建议), at most 1,000 characters.
    pub suggestion: Option<String>,
}

/// Receipt of a response; the answers are not echoed to anyone else.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResponseReceipt {
    pub id: String,
    pub campaign_id: String,
    /// The community rated: the resident's own.
    pub community_id: String,
    pub created_at: DateTime<Utc>,
}

fn answer_texts(answers: &BTreeMap<String, serde_json::Value>) -> Result<BTreeMap<String, String>, DomainError> {
    let mut v = Validator::new();
    let mut out = BTreeMap::new();
    for (code, value) in answers {
        match value {
            serde_json::Value::Number(n) => drop(out.insert(code.clone(), n.to_string())),
            serde_json::Value::String(s) => drop(out.insert(code.clone(), s.clone())),
            _ => v.push(format!("answers.{code}"), "invalid_type", "an answer is a number (scale) or a string (choice)"),
        }
    }
    v.finish()?;
    Ok(out)
}

/// Answer a campaign online as a resident: once per household (your account) per campaign.
#[utoipa::path(
    tag = "evaluation",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Campaign id")),
    request_body = SubmitResponse,
    responses(
        (status = 201, description = "Recorded", body = ResponseReceipt),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not a resident", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign covering your community", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Campaign not open (campaign_not_open) or already answered (already_responded)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid answers, or the campaign has no resident survey (kind_not_evaluated)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/evaluation/campaigns/{id}/responses")]
pub async fn submit(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, body: Json<SubmitResponse>) -> ApiResult<HttpResponse> {
    caller.require(&[Role::Resident])?;
    let b = body.into_inner();
    let raw = answer_texts(&b.answers)?;
    let suggestion = optional_text("suggestion", b.suggestion.as_deref(), 1000)?;
    let now = state.clock.now();
    let row = state
        .write(move |c| {
            let campaign = load_visible(c, &caller.scope, &id)?;
            require_kind(&campaign, CampaignKind::ResidentToCommunity)?;
            require_open(&campaign)?;
            let answers = campaign.questionnaire().parse_answers(&raw, "answers.")?;
            let community = community_of(c, &caller.scope.path)?;
            let key = caller.scope.account_id.clone();
            if !evaluation::answered_households(c, &campaign.id, std::slice::from_ref(&key))?.is_empty() {
                return Err(DomainError::conflict("already_responded", "your household has already answered this campaign").into());
            }
            let row = ResponseRow {
                id: new_id(),
                campaign_id: campaign.id.clone(),
                jurisdiction_id: community.id,
                path: community.path,
                household_key: key,
                source: SOURCE_ONLINE.into(),
                import_id: None,
                answers: serde_json::to_string(&answers).expect("answers serialize"),
                suggestion,
                created_at: to_db(now),
            };
            evaluation::insert_response(c, &row)?;
            // The audit row names the campaign and community, never the response: who answered
            // stays unlinkable to what was answered.
            let detail = serde_json::json!({"community_id": row.jurisdiction_id, "source": SOURCE_ONLINE});
            audit(c, &caller, now, "evaluation.response.create", ("evaluation_campaign", &campaign.id), &row.path, detail)?;
            Ok(row)
        })
        .await?;
    let receipt = ResponseReceipt { id: row.id, campaign_id: row.campaign_id, community_id: row.jurisdiction_id, created_at: ts(row.created_at) };
    Ok(HttpResponse::Created().json(receipt))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Validate and report only; write nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// Validation of one data row of an import file.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportRowReport {
    /// Line of the file (the header is line 1).
    pub line: u64,
    pub household_key: String,
    /// The community resolved from the `community` column.
    pub community_id: Option<String>,
    pub ok: bool,
    /// Problems of the row: `field` is the column name.
    pub errors: Vec<ProblemField>,
}

/// Per-row validation report of an import (导入校验报告).
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReport {
    pub dry_run: bool,
    /// True when every row is valid and nothing is wrong with the file.
    pub valid: bool,
    /// Data rows in the file.
    pub rows: u64,
    pub accepted: u64,
    pub rejected: u64,
    /// Problems of the file as a whole (encoding, header).
    pub file_errors: Vec<ProblemField>,
    pub row_reports: Vec<ImportRowReport>,
    /// Set when the rows were written.
    pub import_id: Option<String>,
}

/// A refused import: problem details plus the full report (RFC 9457 extension member `report`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportProblem {
    #[serde(flatten)]
    pub problem: Problem,
    pub report: ImportReport,
}

fn field(f: FieldError) -> ProblemField {
    ProblemField { field: f.field, code: f.code, message: f.message }
}

fn field_errors(e: DomainError) -> Vec<ProblemField> {
    match e {
        DomainError::Validation(v) => v.into_iter().map(field).collect(),
        other => vec![ProblemField { field: String::new(), code: "invalid".into(), message: other.to_string() }],
    }
}

/// Reads the CSV body and validates every row against the campaign, the caller's scope and the
/// responses already recorded. Returns the report and the rows to write when it is valid.
fn validate(c: &mut DbConnection, caller: &Caller, campaign: &CampaignRow, body: &[u8], dry_run: bool) -> StoreResult<(ImportReport, Vec<ResponseRow>)> {
    let mut report = ImportReport { dry_run, valid: false, rows: 0, accepted: 0, rejected: 0, file_errors: Vec::new(), row_reports: Vec::new(), import_id: None };
    let file_error = |code: &str, message: String| ProblemField { field: String::new(), code: code.into(), message };
    let Ok(text_body) = std::str::from_utf8(body) else {
        report.file_errors.push(file_error("invalid_encoding", "the file must be UTF-8 encoded".into()));
        return Ok((report, Vec::new()));
    };
    let text_body = text_body.strip_prefix('\u{feff}').unwrap_or(text_body);
    let q: Questionnaire = campaign.questionnaire();
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(text_body.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(str::to_string).collect(),
        Err(e) => {
            report.file_errors.push(file_error("invalid_csv", e.to_string()));
            return Ok((report, Vec::new()));
        }
    };
    let mut seen = HashSet::new();
    for h in &headers {
        if !seen.insert(h.as_str()) {
            report.file_errors.push(ProblemField { field: h.clone(), code: "duplicate_column".into(), message: format!("column '{h}' appears twice") });
        } else if !RESERVED_CODES.contains(&h.as_str()) && !q.items().iter().any(|i| &i.code == h) {
            report.file_errors.push(ProblemField { field: h.clone(), code: "unknown_column".into(), message: format!("the questionnaire has no item '{h}'") });
        }
    }
    let required_columns = ["community", "household_key"].into_iter().chain(q.items().iter().filter(|i| i.required).map(|i| i.code.as_str()));
    for col in required_columns {
        if !headers.iter().any(|h| h == col) {
            report.file_errors.push(ProblemField { field: col.into(), code: "missing_column".into(), message: format!("column '{col}' is required") });
        }
    }
    if !report.file_errors.is_empty() {
        return Ok((report, Vec::new()));
    }
    // Communities of the campaign's area that the caller covers, by id and by code.
    let mut communities = HashMap::new();
    for j in communities_in(c, &campaign.area())? {
        if caller.scope.covers(&j.path) {
            if let Some(code) = &j.code {
                communities.insert(code.clone(), j.clone());
            }
            communities.insert(j.id.clone(), j);
        }
    }
    let mut records = Vec::new();
    for r in reader.records() {
        match r {
            Ok(rec) => records.push(rec),
            Err(e) => {
                report.file_errors.push(file_error("invalid_csv", e.to_string()));
                return Ok((report, Vec::new()));
            }
        }
        if records.len() > IMPORT_MAX_ROWS {
            report.file_errors.push(file_error("too_many_rows", format!("an import holds at most {IMPORT_MAX_ROWS} rows")));
            return Ok((report, Vec::new()));
        }
    }
    if records.is_empty() {
        report.file_errors.push(file_error("empty", "the file has no data rows".into()));
        return Ok((report, Vec::new()));
    }
    let key_column = headers.iter().position(|h| h == "household_key").unwrap_or_default();
    let keys: Vec<String> = records.iter().filter_map(|r| r.get(key_column)).map(str::to_string).collect();
    let answered: HashSet<String> = evaluation::answered_households(c, &campaign.id, &keys)?.into_iter().collect();
    let mut in_file = HashSet::new();
    let mut rows = Vec::new();
    for rec in &records {
        let line = rec.position().map(|p| p.line()).unwrap_or_default();
        let mut errors = Vec::new();
        let mut cells: BTreeMap<&str, &str> = BTreeMap::new();
        if rec.len() != headers.len() {
            errors.push(ProblemField { field: String::new(), code: "wrong_field_count".into(), message: format!("expected {} fields, found {}", headers.len(), rec.len()) });
        }
        for (h, v) in headers.iter().zip(rec.iter()) {
            cells.insert(h.as_str(), v);
        }
        let key = cells.get("household_key").copied().unwrap_or_default().to_string();
        match text("household_key", &key, 64) {
            Err(e) => errors.extend(field_errors(e)),
            Ok(k) if answered.contains(&k) => {
                errors.push(ProblemField { field: "household_key".into(), code: "already_responded".into(), message: "this household has already answered the campaign".into() })
            }
            Ok(k) if !in_file.insert(k.clone()) => {
                errors.push(ProblemField { field: "household_key".into(), code: "duplicate_in_file".into(), message: "this household appears twice in the file".into() })
            }
            Ok(_) => {}
        }
        let community = match cells.get("community").copied().unwrap_or_default() {
            "" => {
                errors.push(ProblemField { field: "community".into(), code: "required".into(), message: "community is required".into() });
                None
            }
            v => {
                let found = communities.get(v);
                if found.is_none() {
                    errors.push(ProblemField { field: "community".into(), code: "unknown_community".into(), message: format!("no community '{v}' in the campaign's area and your scope") });
                }
                found
            }
        };
        let raw: BTreeMap<String, String> = cells.iter().filter(|(h, _)| !RESERVED_CODES.contains(h)).map(|(h, v)| (h.to_string(), v.to_string())).collect();
        let answers = q.parse_answers(&raw, "").map_err(|e| errors.extend(field_errors(e))).ok();
        let suggestion = optional_text("suggestion", cells.get("suggestion").copied(), 1000).map_err(|e| errors.extend(field_errors(e))).ok();
        let ok = errors.is_empty();
        report.row_reports.push(ImportRowReport { line, household_key: key.clone(), community_id: community.map(|j| j.id.clone()), ok, errors });
        if let (true, Some(j), Some(a), Some(s)) = (ok, community, answers, suggestion) {
            rows.push(ResponseRow {
                id: String::new(),
                campaign_id: campaign.id.clone(),
                jurisdiction_id: j.id.clone(),
                path: j.path.clone(),
                household_key: key,
                source: SOURCE_IMPORT.into(),
                import_id: None,
                answers: serde_json::to_string(&a).expect("answers serialize"),
                suggestion: s,
                created_at: Default::default(),
            });
        }
    }
    report.rows = records.len() as u64;
    report.accepted = rows.len() as u64;
    report.rejected = report.rows - report.accepted;
    report.valid = report.rejected == 0;
    Ok((report, rows))
}

async fn read_body(mut payload: web::Payload) -> ApiResult<Vec<u8>> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request("invalid_body", e.to_string()))?;
        if body.len() + chunk.len() > IMPORT_MAX_BYTES {
            return Err(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", format!("an import file exceeds {IMPORT_MAX_BYTES} bytes")));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Import door-to-door survey results (入户调查) as CSV (auditor as third-party evaluator).
///
/// Body `text/csv`, UTF-8, header line then one row per household: `community` (id or code of a
/// community in the campaign's area and your scope), `household_key` (the evaluator's key of the
/// household, at most 64 characters), one column per questionnaire item code (blank =
/// unanswered), optional `suggestion`. All or nothing: any bad row refuses the whole file with
/// 422 `import_rejected` and the full per-row report; `dry_run=true` returns the report and
/// writes nothing.
#[utoipa::path(
    tag = "evaluation",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Campaign id"), ImportQuery),
    request_body(content = String, content_type = "text/csv", description = "community,household_key,<item codes…>,suggestion"),
    responses(
        (status = 200, description = "Dry run: the report, nothing written", body = ImportReport),
        (status = 201, description = "Every row imported", body = ImportReport),
        (status = 400, description = "Bad query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an auditor", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign visible", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Campaign not open (campaign_not_open)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "File too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not text/csv", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad row or file (import_rejected, with `report`), or no resident survey (kind_not_evaluated)", body = ImportProblem, content_type = "application/problem+json"),
    )
)]
#[post("/evaluation/campaigns/{id}/responses/import")]
pub async fn import(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<String>,
    q: web::Query<ImportQuery>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    caller.require(&[Role::Auditor])?;
    let is_csv = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<mime::Mime>().ok())
        .is_some_and(|m| m.type_() == mime::TEXT && m.subtype() == mime::CSV);
    if !is_csv {
        return Err(ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "expected Content-Type: text/csv"));
    }
    let body = read_body(payload).await?;
    let dry_run = q.dry_run;
    let now = state.clock.now();
    let report = if dry_run {
        state
            .read(move |c| {
                let campaign = load_visible(c, &caller.scope, &id)?;
                require_kind(&campaign, CampaignKind::ResidentToCommunity)?;
                require_open(&campaign)?;
                Ok(validate(c, &caller, &campaign, &body, true)?.0)
            })
            .await?
    } else {
        state
            .write(move |c| {
                let campaign = load_visible(c, &caller.scope, &id)?;
                require_kind(&campaign, CampaignKind::ResidentToCommunity)?;
                require_open(&campaign)?;
                let (mut report, rows) = validate(c, &caller, &campaign, &body, false)?;
                if !report.valid || !report.file_errors.is_empty() {
                    return Ok(report);
                }
                let batch = ImportRow {
                    id: new_id(),
                    campaign_id: campaign.id.clone(),
                    path: campaign.path.clone(),
                    imported_by: caller.scope.account_id.clone(),
                    row_count: rows.len() as i32,
                    created_at: to_db(now),
                };
                evaluation::insert_import(c, &batch)?;
                for mut row in rows {
                    row.id = new_id();
                    row.import_id = Some(batch.id.clone());
                    row.created_at = to_db(now);
                    evaluation::insert_response(c, &row)?;
                }
                let detail = serde_json::json!({"campaign_id": campaign.id, "rows": batch.row_count});
                audit(c, &caller, now, "evaluation.responses.import", ("evaluation_import", &batch.id), &campaign.path, detail)?;
                report.import_id = Some(batch.id);
                Ok(report)
            })
            .await?
    };
    let valid = report.valid && report.file_errors.is_empty();
    if dry_run {
        return Ok(HttpResponse::Ok().json(report));
    }
    if !valid {
        let detail = format!("{} of {} rows rejected, {} file problems; nothing was imported", report.rejected, report.rows, report.file_errors.len());
        let problem = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "import_rejected", detail).to_problem();
        return Ok(HttpResponse::UnprocessableEntity().content_type("application/problem+json").json(ImportProblem { problem, report }));
    }
    Ok(HttpResponse::Created().json(report))
}
