//! Evaluation (双评议, 双向评估) queries: campaigns, residents' responses, third-party imports
//! and communities' scores of departments. Responses and scores are written once and never
//! changed; the unique indexes back the one-response rules.
//!
//! Household seam: a response is unique per `(campaign_id, household_key)`. Until households
//! exist as records, the key is the evaluator's own household key for imported rows and the
//! resident's account id for online answers; a later households table maps both to a household.

pub mod schema;

use crate::error::{StoreError, StoreResult};
use crate::DbConnection;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use gongzhi_domain::evaluation::{AgreementScoring, AgreementSide, Answers, CampaignKind, CampaignState, DepartmentScoring, Item, Period, Questionnaire};
use gongzhi_domain::jurisdiction::JurisdictionPath;
use schema::{evaluation_agreement_ratings as ratings, evaluation_campaigns as campaigns, evaluation_department_scores as scores, evaluation_imports as imports, evaluation_responses as responses};

pub const SOURCE_ONLINE: &str = "online";
pub const SOURCE_IMPORT: &str = "import";

/// Largest `IN (…)` list sent in one statement.
const CHUNK: usize = 500;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = campaigns, treat_none_as_null = true)]
pub struct CampaignRow {
    pub id: String,
    pub name: String,
    pub jurisdiction_id: String,
    pub path: String,
    /// JSON array of kind names.
    pub kinds: String,
    /// `YYYY-MM-DD`.
    pub period_start: String,
    pub period_end: String,
    pub state: String,
    /// JSON array of questionnaire items.
    pub questionnaire: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub opened_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub published_at: Option<NaiveDateTime>,
}

impl CampaignRow {
    pub fn state(&self) -> CampaignState {
        CampaignState::parse(&self.state).expect("stored campaign state is valid")
    }
    pub fn kinds(&self) -> Vec<CampaignKind> {
        serde_json::from_str(&self.kinds).expect("stored campaign kinds are valid")
    }
    pub fn has_kind(&self, kind: CampaignKind) -> bool {
        self.kinds().contains(&kind)
    }
    pub fn questionnaire(&self) -> Questionnaire {
        Questionnaire::from_stored(serde_json::from_str::<Vec<Item>>(&self.questionnaire).expect("stored questionnaire is valid"))
    }
    pub fn period(&self) -> Period {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("stored date is valid");
        Period { start: d(&self.period_start), end: d(&self.period_end) }
    }
    /// The campaign's area.
    pub fn area(&self) -> JurisdictionPath {
        JurisdictionPath::from_stored(self.path.clone())
    }
    pub fn set_kinds(&mut self, kinds: &[CampaignKind]) {
        self.kinds = serde_json::to_string(kinds).expect("kinds serialize");
    }
    pub fn set_questionnaire(&mut self, q: &Questionnaire) {
        self.questionnaire = serde_json::to_string(q.items()).expect("items serialize");
    }
    pub fn set_period(&mut self, p: Period) {
        self.period_start = p.start.format("%Y-%m-%d").to_string();
        self.period_end = p.end.format("%Y-%m-%d").to_string();
    }
    /// True when a caller scoped at `scope` may see the campaign: it lies in the caller's
    /// subtree, or the caller lies in the campaign's area.
    pub fn visible_from(&self, scope: &JurisdictionPath) -> bool {
        scope.contains(&self.path) || self.area().contains(scope.as_str())
    }
}

/// Paths of the node at `path` and of every ancestor (`/d/`, `/d/s/`, …).
pub fn ancestor_paths(path: &JurisdictionPath) -> Vec<String> {
    let mut out = Vec::new();
    let mut p = JurisdictionPath::root();
    for id in path.ids() {
        p = p.child(id);
        out.push(p.as_str().to_string());
    }
    out
}

pub fn insert_campaign(conn: &mut DbConnection, row: &CampaignRow) -> StoreResult<()> {
    diesel::insert_into(campaigns::table).values(row).execute(conn)?;
    Ok(())
}

pub fn update_campaign(conn: &mut DbConnection, row: &CampaignRow) -> StoreResult<()> {
    diesel::update(campaigns::table.find(&row.id)).set(row).execute(conn)?;
    Ok(())
}

pub fn get_campaign(conn: &mut DbConnection, id: &str) -> StoreResult<CampaignRow> {
    campaigns::table.find(id).select(CampaignRow::as_select()).first(conn).map_err(StoreError::not_found("evaluation campaign"))
}

#[derive(Debug, Default)]
pub struct CampaignFilter {
    pub state: Option<CampaignState>,
    pub kind: Option<CampaignKind>,
}

/// Campaigns visible from `scope` (see [`CampaignRow::visible_from`]), in id order after `cursor`.
/// From a community's path these are the campaigns covering it; from a department's seat, the
/// campaigns whose communities deal with the department.
pub fn list_campaigns(
    conn: &mut DbConnection,
    scope: &JurisdictionPath,
    filter: &CampaignFilter,
    cursor: Option<&str>,
    limit: i64,
) -> StoreResult<Vec<CampaignRow>> {
    let mut q = campaigns::table
        .filter(campaigns::path.like(scope.like_pattern()).or(campaigns::path.eq_any(ancestor_paths(scope))))
        .select(CampaignRow::as_select())
        .order(campaigns::id.asc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(s) = filter.state {
        q = q.filter(campaigns::state.eq(s.as_str()));
    }
    if let Some(k) = filter.kind {
        q = q.filter(campaigns::kinds.like(format!("%\"{}\"%", k.as_str())));
    }
    if let Some(c) = cursor {
        q = q.filter(campaigns::id.gt(c.to_string()));
    }
    Ok(q.load(conn)?)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = imports)]
pub struct ImportRow {
    pub id: String,
    pub campaign_id: String,
    pub path: String,
    pub imported_by: String,
    pub row_count: i32,
    pub created_at: NaiveDateTime,
}

pub fn insert_import(conn: &mut DbConnection, row: &ImportRow) -> StoreResult<()> {
    diesel::insert_into(imports::table).values(row).execute(conn)?;
    Ok(())
}

/// One household's response (居民评议): anonymous towards community staff.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = responses)]
pub struct ResponseRow {
    pub id: String,
    pub campaign_id: String,
    /// The community rated.
    pub jurisdiction_id: String,
    pub path: String,
    pub household_key: String,
    /// `online` or `import`.
    pub source: String,
    pub import_id: Option<String>,
    /// JSON object item code → answer.
    pub answers: String,
    pub suggestion: Option<String>,
    pub created_at: NaiveDateTime,
}

impl ResponseRow {
    pub fn answers(&self) -> Answers {
        serde_json::from_str(&self.answers).expect("stored answers are valid")
    }
}

pub fn insert_response(conn: &mut DbConnection, row: &ResponseRow) -> StoreResult<()> {
    diesel::insert_into(responses::table).values(row).execute(conn)?;
    Ok(())
}

/// Of `keys`, those that already answered the campaign.
pub fn answered_households(conn: &mut DbConnection, campaign_id: &str, keys: &[String]) -> StoreResult<Vec<String>> {
    let mut out = Vec::new();
    for chunk in keys.chunks(CHUNK) {
        out.extend(
            responses::table
                .filter(responses::campaign_id.eq(campaign_id))
                .filter(responses::household_key.eq_any(chunk))
                .select(responses::household_key)
                .load::<String>(conn)?,
        );
    }
    Ok(out)
}

/// Responses of a campaign inside `within`, in id order after `cursor` (`limit` rows at most;
/// callers page with `limit + 1` to know whether more follow).
pub fn responses_page(conn: &mut DbConnection, campaign_id: &str, within: &JurisdictionPath, cursor: Option<&str>, limit: i64) -> StoreResult<Vec<ResponseRow>> {
    let mut q = responses::table
        .filter(responses::campaign_id.eq(campaign_id))
        .filter(responses::path.like(within.like_pattern()))
        .select(ResponseRow::as_select())
        .order(responses::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(c) = cursor {
        q = q.filter(responses::id.gt(c.to_string()));
    }
    Ok(q.load(conn)?)
}

/// Every response of a campaign, for aggregation: (community id, answers) only.
pub fn campaign_answers(conn: &mut DbConnection, campaign_id: &str) -> StoreResult<Vec<(String, Answers)>> {
    let rows: Vec<(String, String)> = responses::table
        .filter(responses::campaign_id.eq(campaign_id))
        .select((responses::jurisdiction_id, responses::answers))
        .order(responses::id.asc())
        .load(conn)?;
    Ok(rows.into_iter().map(|(j, a)| (j, serde_json::from_str(&a).expect("stored answers are valid"))).collect())
}

/// A community's scoring of one department (社区评议部门).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = scores)]
pub struct ScoreRow {
    pub id: String,
    pub campaign_id: String,
    /// The community scoring.
    pub jurisdiction_id: String,
    pub path: String,
    pub department_id: String,
    pub scored_by: String,
    /// JSON object aspect → {score, comment}.
    pub scores: String,
    pub created_at: NaiveDateTime,
}

impl ScoreRow {
    pub fn scoring(&self) -> DepartmentScoring {
        serde_json::from_str(&self.scores).expect("stored scores are valid")
    }
}

pub fn insert_score(conn: &mut DbConnection, row: &ScoreRow) -> StoreResult<()> {
    diesel::insert_into(scores::table).values(row).execute(conn)?;
    Ok(())
}

pub fn score_exists(conn: &mut DbConnection, campaign_id: &str, community_id: &str, department_id: &str) -> StoreResult<bool> {
    let n: i64 = scores::table
        .filter(scores::campaign_id.eq(campaign_id))
        .filter(scores::jurisdiction_id.eq(community_id))
        .filter(scores::department_id.eq(department_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Scorings of a campaign inside `within`, in id order after `cursor` (at most `limit`).
pub fn scores_page(conn: &mut DbConnection, campaign_id: &str, within: &JurisdictionPath, cursor: Option<&str>, limit: i64) -> StoreResult<Vec<ScoreRow>> {
    let mut q = scores::table
        .filter(scores::campaign_id.eq(campaign_id))
        .filter(scores::path.like(within.like_pattern()))
        .select(ScoreRow::as_select())
        .order(scores::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(c) = cursor {
        q = q.filter(scores::id.gt(c.to_string()));
    }
    Ok(q.load(conn)?)
}

/// Every scoring of a campaign, for aggregation: (department id, scoring).
pub fn campaign_scorings(conn: &mut DbConnection, campaign_id: &str) -> StoreResult<Vec<(String, DepartmentScoring)>> {
    let rows: Vec<(String, String)> =
        scores::table.filter(scores::campaign_id.eq(campaign_id)).select((scores::department_id, scores::scores)).order(scores::id.asc()).load(conn)?;
    Ok(rows.into_iter().map(|(d, s)| (d, serde_json::from_str(&s).expect("stored scores are valid"))).collect())
}

/// One side's rating of an entrustment agreement (双向评估).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = ratings)]
pub struct RatingRow {
    pub id: String,
    pub campaign_id: String,
    pub agreement_id: String,
    /// `government` or `community`.
    pub side: String,
    /// The agreement's community.
    pub jurisdiction_id: String,
    pub path: String,
    pub rated_by: String,
    /// JSON object aspect → {score, comment}.
    pub scores: String,
    pub comment: Option<String>,
    pub created_at: NaiveDateTime,
}

impl RatingRow {
    pub fn side(&self) -> AgreementSide {
        AgreementSide::parse(&self.side).expect("stored side is valid")
    }
    pub fn scoring(&self) -> AgreementScoring {
        serde_json::from_str(&self.scores).expect("stored scores are valid")
    }
}

pub fn insert_rating(conn: &mut DbConnection, row: &RatingRow) -> StoreResult<()> {
    diesel::insert_into(ratings::table).values(row).execute(conn)?;
    Ok(())
}

pub fn rating_exists(conn: &mut DbConnection, campaign_id: &str, agreement_id: &str, side: AgreementSide) -> StoreResult<bool> {
    let n: i64 = ratings::table
        .filter(ratings::campaign_id.eq(campaign_id))
        .filter(ratings::agreement_id.eq(agreement_id))
        .filter(ratings::side.eq(side.as_str()))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Every rating of a campaign, in id order.
pub fn campaign_ratings(conn: &mut DbConnection, campaign_id: &str) -> StoreResult<Vec<RatingRow>> {
    Ok(ratings::table.filter(ratings::campaign_id.eq(campaign_id)).select(RatingRow::as_select()).order(ratings::id.asc()).load(conn)?)
}

/// Evaluation records attached to a jurisdiction node (for `jurisdictions::attached_data`).
pub fn attached_counts(conn: &mut DbConnection, id: &str) -> StoreResult<[(&'static str, i64); 4]> {
    let c: i64 = campaigns::table.filter(campaigns::jurisdiction_id.eq(id)).count().get_result(conn)?;
    let r: i64 = responses::table.filter(responses::jurisdiction_id.eq(id)).count().get_result(conn)?;
    let s: i64 = scores::table.filter(scores::jurisdiction_id.eq(id)).count().get_result(conn)?;
    let a: i64 = ratings::table.filter(ratings::jurisdiction_id.eq(id)).count().get_result(conn)?;
    Ok([("evaluation campaigns", c), ("evaluation responses", r), ("evaluation department scores", s), ("evaluation agreement ratings", a)])
}
