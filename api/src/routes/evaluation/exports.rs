//! Exports for auditors (审计导出): the raw rows of a campaign, read-only, limited to the caller's
//! subtree, as CSV or JSON, streamed page by page from the database. Every read is recorded in
//! the audit log as `export.read` before the first byte is sent.

use super::{communities_in, load_visible, EVALUATION_READERS};
use crate::auth::Caller;
use crate::common::audit;
use crate::error::{ApiResult, Problem};
use crate::state::AppState;
use actix_web::web::Bytes;
use actix_web::{get, web, HttpResponse};
use futures_util::stream::{self, Stream};
use gongzhi_domain::evaluation::Aspect;
use gongzhi_domain::jurisdiction::JurisdictionPath;
use gongzhi_persistence::evaluation::{self, CampaignRow, ResponseRow, ScoreRow};
use gongzhi_persistence::{departments, DbConnection, StoreResult};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};

/// Rows read from the database per streamed chunk.
const EXPORT_PAGE: i64 = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Csv,
    Json,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `csv` (default) or `json`.
    pub format: Option<ExportFormat>,
}

/// A per-campaign pseudonym of a household: lets an auditor check one response per household
/// without learning who answered (the key of an online answer is an account id).
fn household_ref(campaign_id: &str, key: &str) -> String {
    let digest = Sha256::digest(format!("{campaign_id}\n{key}").as_bytes());
    hex::encode(&digest[..8])
}

/// Names of the jurisdictions and departments an export refers to: id → (code, name).
type Names = HashMap<String, (String, String)>;

/// One kind of exported row: how to fetch a page and how to render a row.
trait ExportRows: Send + Sync + 'static {
    type Row: Send + 'static;
    fn fetch(&self, c: &mut DbConnection, cursor: Option<&str>, limit: i64) -> StoreResult<Vec<Self::Row>>;
    fn id(row: &Self::Row) -> String;
    fn columns(&self) -> Vec<String>;
    fn csv_cells(&self, row: &Self::Row) -> Vec<String>;
    fn json(&self, row: &Self::Row) -> serde_json::Value;
}

struct Responses {
    campaign: CampaignRow,
    within: JurisdictionPath,
    items: Vec<String>,
    communities: Names,
}

impl ExportRows for Responses {
    type Row = ResponseRow;
    fn fetch(&self, c: &mut DbConnection, cursor: Option<&str>, limit: i64) -> StoreResult<Vec<ResponseRow>> {
        evaluation::responses_page(c, &self.campaign.id, &self.within, cursor, limit)
    }
    fn id(row: &ResponseRow) -> String {
        row.id.clone()
    }
    fn columns(&self) -> Vec<String> {
        let head = ["response_id", "community_id", "community_code", "community_name", "household_ref", "source", "import_id", "submitted_on"];
        head.iter().map(|s| s.to_string()).chain(self.items.iter().cloned()).chain(["suggestion".to_string()]).collect()
    }
    fn csv_cells(&self, r: &ResponseRow) -> Vec<String> {
        let (code, name) = self.communities.get(&r.jurisdiction_id).cloned().unwrap_or_default();
        let answers = r.answers();
        let head = [
            r.id.clone(),
            r.jurisdiction_id.clone(),
            code,
            name,
            household_ref(&r.campaign_id, &r.household_key),
            r.source.clone(),
            r.import_id.clone().unwrap_or_default(),
            r.created_at.date().to_string(),
        ];
        let items = self.items.iter().map(|i| answers.0.get(i).map(|a| a.text()).unwrap_or_default());
        head.into_iter().chain(items).chain([r.suggestion.clone().unwrap_or_default()]).collect()
    }
    fn json(&self, r: &ResponseRow) -> serde_json::Value {
        let (code, name) = self.communities.get(&r.jurisdiction_id).cloned().unwrap_or_default();
        serde_json::json!({
            "response_id": r.id,
            "community_id": r.jurisdiction_id,
            "community_code": code,
            "community_name": name,
            "household_ref": household_ref(&r.campaign_id, &r.household_key),
            "source": r.source,
            "import_id": r.import_id,
            "submitted_on": r.created_at.date(),
            "answers": r.answers(),
            "suggestion": r.suggestion,
        })
    }
}

struct Scores {
    campaign: CampaignRow,
    within: JurisdictionPath,
    communities: Names,
    departments: Names,
}

impl ExportRows for Scores {
    type Row = ScoreRow;
    fn fetch(&self, c: &mut DbConnection, cursor: Option<&str>, limit: i64) -> StoreResult<Vec<ScoreRow>> {
        evaluation::scores_page(c, &self.campaign.id, &self.within, cursor, limit)
    }
    fn id(row: &ScoreRow) -> String {
        row.id.clone()
    }
    fn columns(&self) -> Vec<String> {
        let head = ["score_id", "community_id", "community_code", "community_name", "department_id", "department_code", "department_name", "submitted_on"];
        let aspects = Aspect::ALL.iter().flat_map(|a| [a.as_str().to_string(), format!("{}_comment", a.as_str())]);
        head.iter().map(|s| s.to_string()).chain(aspects).collect()
    }
    fn csv_cells(&self, r: &ScoreRow) -> Vec<String> {
        let (ccode, cname) = self.communities.get(&r.jurisdiction_id).cloned().unwrap_or_default();
        let (dcode, dname) = self.departments.get(&r.department_id).cloned().unwrap_or_default();
        let scoring = r.scoring();
        let head = [r.id.clone(), r.jurisdiction_id.clone(), ccode, cname, r.department_id.clone(), dcode, dname, r.created_at.date().to_string()];
        let aspects = Aspect::ALL.iter().flat_map(|a| {
            let s = scoring.0.get(a.as_str());
            [s.map(|s| s.score.to_string()).unwrap_or_default(), s.and_then(|s| s.comment.clone()).unwrap_or_default()]
        });
        head.into_iter().chain(aspects).collect()
    }
    fn json(&self, r: &ScoreRow) -> serde_json::Value {
        let (ccode, cname) = self.communities.get(&r.jurisdiction_id).cloned().unwrap_or_default();
        let (dcode, dname) = self.departments.get(&r.department_id).cloned().unwrap_or_default();
        serde_json::json!({
            "score_id": r.id,
            "community_id": r.jurisdiction_id,
            "community_code": ccode,
            "community_name": cname,
            "department_id": r.department_id,
            "department_code": dcode,
            "department_name": dname,
            "submitted_on": r.created_at.date(),
            "scores": r.scoring(),
        })
    }
}

fn csv_line(cells: &[String]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    // Writing into memory cannot fail.
    let _ = w.write_record(cells);
    w.into_inner().unwrap_or_default()
}

enum Step {
    Head,
    Rows { cursor: Option<String>, first: bool },
    Done,
}

/// Streams the rows page by page: the CSV header or `[`, each page as one chunk, then `]`.
fn stream_rows<E: ExportRows>(state: web::Data<AppState>, export: E, format: ExportFormat) -> impl Stream<Item = Result<Bytes, std::io::Error>> {
    let export = Arc::new(export);
    stream::unfold(Step::Head, move |step| {
        let (state, export) = (state.clone(), export.clone());
        async move {
            match step {
                Step::Head => {
                    let head = match format {
                        ExportFormat::Csv => csv_line(&export.columns()),
                        ExportFormat::Json => b"[".to_vec(),
                    };
                    Some((Ok(Bytes::from(head)), Step::Rows { cursor: None, first: true }))
                }
                Step::Rows { cursor, first } => {
                    let fetcher = export.clone();
                    let page = state.read(move |c| fetcher.fetch(c, cursor.as_deref(), EXPORT_PAGE)).await;
                    match page {
                        Err(e) => Some((Err(std::io::Error::other(e.to_string())), Step::Done)),
                        Ok(rows) if rows.is_empty() => {
                            let tail = if format == ExportFormat::Json { b"]".to_vec() } else { Vec::new() };
                            Some((Ok(Bytes::from(tail)), Step::Done))
                        }
                        Ok(rows) => {
                            let mut out = Vec::new();
                            for (i, r) in rows.iter().enumerate() {
                                match format {
                                    ExportFormat::Csv => out.extend(csv_line(&export.csv_cells(r))),
                                    ExportFormat::Json => {
                                        if !(first && i == 0) {
                                            out.push(b',');
                                        }
                                        out.extend(export.json(r).to_string().into_bytes());
                                    }
                                }
                            }
                            let next = rows.last().map(E::id);
                            Some((Ok(Bytes::from(out)), Step::Rows { cursor: next, first: false }))
                        }
                    }
                }
                Step::Done => None,
            }
        }
    })
}

/// The part of the tree an export covers: the caller's subtree within the campaign's area.
fn export_area(caller: &Caller, campaign: &CampaignRow) -> JurisdictionPath {
    if caller.scope.covers(&campaign.path) {
        campaign.area()
    } else {
        caller.scope.path.clone()
    }
}

/// Records the read and loads what the export needs, in one transaction.
async fn prepare(state: &web::Data<AppState>, caller: Caller, id: String, what: &'static str, format: ExportFormat) -> ApiResult<(CampaignRow, JurisdictionPath, Names, Names)> {
    caller.require(EVALUATION_READERS)?;
    let now = state.clock.now();
    state
        .write(move |c| {
            let campaign = load_visible(c, &caller.scope, &id)?;
            let within = export_area(&caller, &campaign);
            let communities: Names = communities_in(c, &campaign.area())?.into_iter().map(|j| (j.id, (j.code.unwrap_or_default(), j.name))).collect();
            let departments: Names =
                departments::list_visible(c, &campaign.area(), None, i64::from(i32::MAX))?.into_iter().map(|d| (d.id, (d.code, d.name))).collect();
            let format_name = if format == ExportFormat::Csv { "csv" } else { "json" };
            let detail = serde_json::json!({"export": what, "format": format_name, "within": within.as_str()});
            audit(c, &caller, now, "export.read", ("evaluation_campaign", &campaign.id), within.as_str(), detail)?;
            Ok((campaign, within, communities, departments))
        })
        .await
}

fn respond<E: ExportRows>(state: web::Data<AppState>, export: E, format: ExportFormat, name: &str) -> HttpResponse {
    let (content_type, ext) = match format {
        ExportFormat::Csv => ("text/csv; charset=utf-8", "csv"),
        ExportFormat::Json => ("application/json", "json"),
    };
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("Content-Disposition", format!("attachment; filename=\"{name}.{ext}\"")))
        .streaming(stream_rows(state, export, format))
}

/// Export the residents' responses of a campaign (auditor, civil_affairs_admin; rows in scope).
///
/// No names or account ids: `household_ref` is a per-campaign pseudonym of the household, and
/// only the day of submission is given. Audited as `export.read`.
#[utoipa::path(
    tag = "evaluation",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Campaign id"), ExportQuery),
    responses(
        (status = 200, description = "The rows, streamed: CSV with a header line, or a JSON array", content((String = "text/csv"), (String = "application/json"))),
        (status = 400, description = "Bad query (unknown format)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an auditor or civil affairs", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign visible", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/evaluation/campaigns/{id}/exports/responses")]
pub async fn responses(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, q: web::Query<ExportQuery>) -> ApiResult<HttpResponse> {
    let format = q.format.unwrap_or(ExportFormat::Csv);
    let (campaign, within, communities, _) = prepare(&state, caller, id.into_inner(), "responses", format).await?;
    let items = campaign.questionnaire().items().iter().map(|i| i.code.clone()).collect();
    let name = format!("evaluation-{}-responses", campaign.id);
    Ok(respond(state, Responses { campaign, within, items, communities }, format, &name))
}

/// Export the communities' scores of departments in a campaign (auditor, civil_affairs_admin;
/// rows of scoring communities in scope), with every aspect's score and comment. Audited as
/// `export.read`.
#[utoipa::path(
    tag = "evaluation",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Campaign id"), ExportQuery),
    responses(
        (status = 200, description = "The rows, streamed: CSV with a header line, or a JSON array", content((String = "text/csv"), (String = "application/json"))),
        (status = 400, description = "Bad query (unknown format)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an auditor or civil affairs", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign visible", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/evaluation/campaigns/{id}/exports/department-scores")]
pub async fn department_scores(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, q: web::Query<ExportQuery>) -> ApiResult<HttpResponse> {
    let format = q.format.unwrap_or(ExportFormat::Csv);
    let (campaign, within, communities, departments) = prepare(&state, caller, id.into_inner(), "department_scores", format).await?;
    let name = format!("evaluation-{}-department-scores", campaign.id);
    Ok(respond(state, Scores { campaign, within, communities, departments }, format, &name))
}
