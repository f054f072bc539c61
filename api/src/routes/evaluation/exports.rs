//! Exports for auditors (审计导出): the raw rows of a campaign, read-only, limited to the caller's
//! subtree, as CSV or JSON, streamed page by page from the database. Every read is recorded in
//! the audit log as `export.read` before the first byte is sent.

use super::{communities_in, load_visible, EVALUATION_READERS};
use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::export::{record_read, respond, ExportFormat, ExportQuery, ExportRows};
use crate::state::AppState;
use actix_web::{get, web, HttpResponse};
use gongzhi_domain::evaluation::Aspect;
use gongzhi_domain::jurisdiction::JurisdictionPath;
use gongzhi_persistence::evaluation::{self, CampaignRow, ResponseRow, ScoreRow};
use gongzhi_persistence::{departments, DbConnection, StoreResult};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// A per-campaign pseudonym of a household: lets an auditor check one response per household
/// without learning who answered (the key of an online answer is an account id). Keyed with the
/// server's secret, so it cannot be recomputed from known account ids or household keys.
fn household_ref(secret: &str, campaign_id: &str, key: &str) -> String {
    let digest = Sha256::digest(format!("{secret}\n{campaign_id}\n{key}").as_bytes());
    hex::encode(&digest[..8])
}

/// Names of the jurisdictions and departments an export refers to: id → (code, name).
type Names = HashMap<String, (String, String)>;

struct Responses {
    /// Key of the household pseudonyms.
    secret: String,
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
            household_ref(&self.secret, &r.campaign_id, &r.household_key),
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
            "household_ref": household_ref(&self.secret, &r.campaign_id, &r.household_key),
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
            record_read(c, &caller, now, (what, format), ("evaluation_campaign", &campaign.id), &within, serde_json::json!({}))?;
            Ok((campaign, within, communities, departments))
        })
        .await
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
    let secret = state.config.jwt_secret.clone();
    Ok(respond(state, Responses { secret, campaign, within, items, communities }, format, &name))
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
