//! Evaluation (双评议, 双向评估): civil affairs runs campaigns; residents (households) rate their
//! community (群众评议社区), online or through a third-party evaluator's door-to-door import;
//! community staff rate the departments on ten aspects (社区评议部门), shown beside the clearance
//! refusals and unadmitted attempts of each department; the government side and the community
//! side rate each entrustment agreement (双向评估); results are ranked with a
//! minimum sample and published (三挂钩一公开); auditors export the raw data, read-only, and
//! every export read is itself audited.
//!
//! Anonymity: community and department staff only ever see aggregates; response rows reach
//! auditors without names or account ids (a per-campaign pseudonym `household_ref` instead), and
//! the audit row of an online response names the campaign, not the response.

pub mod agreements;
pub mod campaigns;
pub mod exports;
pub mod responses;
pub mod results;
pub mod scores;

use crate::auth::Caller;
use gongzhi_domain::authz::Scope;
use gongzhi_domain::evaluation::{CampaignKind, CampaignState};
use gongzhi_domain::jurisdiction::{JurisdictionPath, Level};
use gongzhi_domain::role::Role;
use gongzhi_domain::DomainError;
use gongzhi_persistence::evaluation::{self, CampaignRow};
use gongzhi_persistence::jurisdictions::{self, JurisdictionRow};
use gongzhi_persistence::{DbConnection, StoreResult};
use utoipa_actix_web::service_config::ServiceConfig;

/// Roles that run campaigns (民政局).
pub const CAMPAIGN_ADMINS: &[Role] = &[Role::CivilAffairsAdmin];
/// Roles that read unpublished results and export raw data, in their scope.
pub const EVALUATION_READERS: &[Role] = &[Role::CivilAffairsAdmin, Role::Auditor];

/// Registers the evaluation endpoints.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(campaigns::create)
        .service(campaigns::list)
        .service(campaigns::get_one)
        .service(campaigns::update)
        .service(campaigns::open)
        .service(campaigns::close)
        .service(campaigns::publish)
        .service(responses::submit)
        .service(responses::import)
        .service(scores::submit)
        .service(agreements::submit)
        .service(results::campaign_results)
        .service(results::community_history)
        .service(results::department_history)
        .service(results::public_list)
        .service(results::public_campaign)
        .service(exports::responses)
        .service(exports::department_scores);
}

/// A campaign the caller may see (in its subtree, or the caller in the campaign's area), else 404.
pub fn load_visible(c: &mut DbConnection, scope: &Scope, id: &str) -> StoreResult<CampaignRow> {
    let row = evaluation::get_campaign(c, id)?;
    if row.visible_from(&scope.path) {
        Ok(row)
    } else {
        Err(DomainError::NotFound("evaluation campaign").into())
    }
}

/// A campaign the caller administers (in its subtree), else 404.
pub fn load_covered(c: &mut DbConnection, caller: &Caller, id: &str) -> StoreResult<CampaignRow> {
    let row = evaluation::get_campaign(c, id)?;
    caller.scope.check_covers(&row.path, "evaluation campaign")?;
    Ok(row)
}

/// Refuses (422 `kind_not_evaluated`) unless the campaign evaluates `kind`.
pub fn require_kind(row: &CampaignRow, kind: CampaignKind) -> Result<(), DomainError> {
    if row.has_kind(kind) {
        Ok(())
    } else {
        Err(DomainError::rule("kind_not_evaluated", format!("this campaign does not evaluate {}", kind.as_str())))
    }
}

/// Refuses (409 `campaign_not_open`) unless the campaign accepts answers now.
pub fn require_open(row: &CampaignRow) -> Result<(), DomainError> {
    if row.state() == CampaignState::Open {
        Ok(())
    } else {
        Err(DomainError::conflict("campaign_not_open", format!("the campaign is {}, not open", row.state().as_str())))
    }
}

/// The community (社区) a node at `path` lies in.
pub fn community_of(c: &mut DbConnection, path: &JurisdictionPath) -> StoreResult<JurisdictionRow> {
    for id in path.ids() {
        let node = jurisdictions::get(c, id)?;
        if node.level() == Level::Community {
            return Ok(node);
        }
    }
    Err(DomainError::rule("no_community", "your account is not placed in a community").into())
}

/// Communities in the area at `path`, by path order.
pub fn communities_in(c: &mut DbConnection, path: &JurisdictionPath) -> StoreResult<Vec<JurisdictionRow>> {
    let filter = jurisdictions::Filter { level: Some(Level::Community.as_str().into()), ..Default::default() };
    let mut rows = jurisdictions::list(c, path, &filter, None, i64::from(i32::MAX))?;
    rows.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(rows)
}
