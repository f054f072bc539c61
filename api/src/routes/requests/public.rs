//! Public disclosure (信息公开) of a community's handled requests: anonymised, no names, phones,
//! descriptions, addresses or staff-written texts (which may name people); only resolved and
//! closed major and minor matters — private matters (私事) stay private.

use super::lists::colour_of;
use super::node_of_level;
use crate::common::{ts, PageParams};
use crate::error::{ApiResult, Problem};
use crate::page_type;
use crate::state::AppState;
use actix_web::{get, web};
use chrono::{DateTime, Utc};
use gongzhi_domain::jurisdiction::Level;
use gongzhi_persistence::requests::{self as store, Full};
use serde::Serialize;
use utoipa::ToSchema;

/// A handled request as the public sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicRequestView {
    pub id: String,
    pub category_code: String,
    /// The category's name on the community's list, when listed.
    pub category_name: Option<String>,
    pub class: Option<String>,
    pub colour: Option<String>,
    /// resolved or closed.
    pub status: String,
    pub received_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Whether it was resolved within its deadline (major matters).
    pub resolved_on_time: Option<bool>,
    /// The resident's rating (满意 / 基本满意 / 不满意), once given.
    pub rating: Option<String>,
}

fn view((r, d): Full) -> PublicRequestView {
    // `d.result` is free text written by staff and may name residents: never published.
    let category_name = serde_json::from_str::<serde_json::Value>(&d.listing)
        .ok()
        .and_then(|v| v.get("category_name").and_then(|n| n.as_str()).map(str::to_string));
    PublicRequestView {
        colour: colour_of(r.class.as_deref()),
        category_name,
        id: r.id,
        category_code: r.category_code,
        class: r.class,
        status: r.status,
        received_at: ts(r.received_at),
        resolved_at: r.resolved_at.map(ts),
        closed_at: d.closed_at.map(ts),
        resolved_on_time: r.resolved_on_time,
        rating: r.rating,
    }
}

page_type!(PublicRequestPage, PublicRequestView);

/// Handled requests of a community, anonymised, for information disclosure (诉求办理公开).
#[utoipa::path(
    tag = "public",
    params(("id" = String, Path, description = "Community id"), PageParams),
    responses(
        (status = 200, description = "A page of resolved and closed requests", body = PublicRequestPage),
        (status = 400, description = "Bad query", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such community", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/public/communities/{id}/requests")]
pub async fn list(state: web::Data<AppState>, id: web::Path<String>, page: web::Query<PageParams>) -> ApiResult<web::Json<PublicRequestPage>> {
    let (limit, cursor) = page.parse()?;
    let rows = state
        .read(move |c| {
            let community = node_of_level(c, &id, Level::Community, "community")?;
            store::list_public(c, &community.id, cursor.as_deref(), limit)
        })
        .await?;
    Ok(web::Json(PublicRequestPage::from_rows(rows, limit, |r| r.0.id.clone(), view)))
}
