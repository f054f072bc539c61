//! Ledger types (台账类型): which entry kinds a book collects, where it applies, whether staff
//! may add manual entries (补录). Managed by civil affairs (民政局).

use crate::auth::Caller;
use crate::common::{audit, ts, PageParams};
use crate::error::{ApiResult, Problem};
use crate::json::Json;
use crate::page_type;
use crate::state::AppState;
use actix_web::{get, patch, post, web, HttpResponse};
use crate::routes::clearance::{today, valid_on};
use chrono::{DateTime, NaiveDate, Utc};
use gongzhi_domain::clearance::ItemKind;
use gongzhi_domain::error::text;
use gongzhi_domain::jurisdiction::{JurisdictionPath, Level};
use gongzhi_domain::ledger::{EntryKind, LEDGER_READERS, LEDGER_TYPE_ADMINS};
use gongzhi_domain::DomainError;
use gongzhi_persistence::ledgers::{self, LedgerTypeRow};
use gongzhi_persistence::clearance as clearance_store;
use gongzhi_persistence::{jurisdictions, new_id, to_db, DbConnection, StoreResult};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A ledger type (台账类型).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LedgerTypeView {
    pub id: String,
    /// The district, street or community the type applies to (and everything below it).
    pub jurisdiction_id: String,
    /// Short code, unique within the jurisdiction, e.g. `visit_diary` (民情走访日记).
    pub code: String,
    pub name: String,
    /// Entry kinds the book collects.
    pub entry_kinds: Vec<EntryKind>,
    /// Whether community staff may add manual entries (补录).
    pub allows_manual: bool,
    /// The admitted clearance item (准入事项, kind `ledger`) this type rests on.
    pub clearance_item_id: Option<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<LedgerTypeRow> for LedgerTypeView {
    fn from(r: LedgerTypeRow) -> Self {
        LedgerTypeView {
            entry_kinds: r.kinds(),
            id: r.id,
            jurisdiction_id: r.jurisdiction_id,
            code: r.code,
            name: r.name,
            allows_manual: r.allows_manual,
            clearance_item_id: r.clearance_item_id,
            active: r.active,
            created_at: ts(r.created_at),
            updated_at: ts(r.updated_at),
        }
    }
}

page_type!(LedgerTypePage, LedgerTypeView);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateLedgerType {
    pub jurisdiction_id: String,
    pub code: String,
    pub name: String,
    pub entry_kinds: Vec<EntryKind>,
    pub allows_manual: bool,
    /// Id of the admitted clearance item (准入事项) of kind `ledger`: approved, valid today, and
    /// held by the type's jurisdiction or an ancestor (凡进必审); otherwise 422 `ledger_type_not_admitted`.
    pub clearance_item_id: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateLedgerType {
    pub name: Option<String>,
    pub entry_kinds: Option<Vec<EntryKind>>,
    pub allows_manual: Option<bool>,
    /// Another admitted clearance item of kind `ledger` (checked like on creation).
    pub clearance_item_id: Option<String>,
    /// An inactive type takes no manual entries; its entries stay.
    pub active: Option<bool>,
}

fn parse_code(code: &str) -> Result<String, DomainError> {
    let c = code.trim().to_ascii_lowercase();
    if (2..=32).contains(&c.len()) && c.chars().all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_') {
        Ok(c)
    } else {
        Err(DomainError::field("code", "invalid_format", "a ledger type code is 2–32 letters, digits or '_'"))
    }
}

fn parse_kinds(kinds: &[EntryKind]) -> Result<String, DomainError> {
    if kinds.is_empty() {
        return Err(DomainError::field("entry_kinds", "required", "a ledger type collects at least one entry kind"));
    }
    if kinds.iter().enumerate().any(|(i, k)| kinds[..i].contains(k)) {
        return Err(DomainError::field("entry_kinds", "duplicate", "each entry kind at most once"));
    }
    Ok(serde_json::to_string(kinds).unwrap_or_default())
}

fn parse_clearance_item(id: Option<&str>) -> Result<Option<String>, DomainError> {
    id.map(|v| {
        uuid::Uuid::parse_str(v.trim())
            .map(|u| u.to_string())
            .map_err(|_| DomainError::field("clearance_item_id", "invalid_format", "clearance_item_id must be a clearance item's id"))
    })
    .transpose()
}

/// Refuses a ledger type that does not rest on an admitted item (凡进必审): `item_id` must name an
/// approved clearance application of kind `ledger`, valid on `day`, not on the negative list, whose
/// jurisdiction is the type's (at `type_path`) or an ancestor (422 `ledger_type_not_admitted`).
fn check_admitted(c: &mut DbConnection, item_id: Option<&str>, type_path: &str, day: NaiveDate) -> StoreResult<()> {
    let admitted = match item_id {
        Some(id) => clearance_store::find_application(c, id)?.is_some_and(|item| {
            item.kind == ItemKind::Ledger.as_str() && !clearance_store::is_negative(&item) && valid_on(&item, day) && JurisdictionPath::from_stored(item.path.clone()).contains(type_path)
        }),
        None => false,
    };
    if admitted {
        Ok(())
    } else {
        Err(DomainError::rule(
            "ledger_type_not_admitted",
            "a ledger type needs an admitted clearance item (准入事项) of kind ledger, valid today, covering its jurisdiction",
        )
        .into())
    }
}

/// Create a ledger type (台账类型, civil_affairs_admin) at a district, street or community in
/// scope. It must rest on an admitted clearance item of kind `ledger` (凡进必审).
#[utoipa::path(
    tag = "ledgers",
    security(("bearer" = [])),
    request_body = CreateLedgerType,
    responses(
        (status = 201, description = "Created", body = LedgerTypeView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not manage ledger types", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Code already used in this jurisdiction", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields; `ledger_type_not_admitted`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/ledger-types")]
pub async fn create(state: web::Data<AppState>, caller: Caller, body: Json<CreateLedgerType>) -> ApiResult<HttpResponse> {
    caller.require(LEDGER_TYPE_ADMINS)?;
    let b = body.into_inner();
    let code = parse_code(&b.code)?;
    let name = text("name", &b.name, 64)?;
    let kinds = parse_kinds(&b.entry_kinds)?;
    let clearance_item_id = parse_clearance_item(b.clearance_item_id.as_deref())?;
    let now = state.clock.now();
    let day = today(&state);
    let row = state
        .write(move |c| {
            let node = jurisdictions::get_within(c, &b.jurisdiction_id, &caller.scope.path)
                .map_err(|_| DomainError::field("jurisdiction_id", "unknown", "no such jurisdiction in your scope"))?;
            if !matches!(node.level(), Level::District | Level::Street | Level::Community) {
                return Err(DomainError::field("jurisdiction_id", "invalid_level", "a ledger type belongs to a district, street or community").into());
            }
            if ledgers::type_code_taken(c, &node.id, &code)? {
                return Err(DomainError::conflict("code_taken", "this code is already used in the jurisdiction").into());
            }
            check_admitted(c, clearance_item_id.as_deref(), &node.path, day)?;
            let row = LedgerTypeRow {
                id: new_id(),
                jurisdiction_id: node.id,
                path: node.path,
                code,
                name,
                entry_kinds: kinds,
                allows_manual: b.allows_manual,
                clearance_item_id,
                active: true,
                created_at: to_db(now),
                updated_at: to_db(now),
            };
            ledgers::insert_type(c, &row)?;
            audit(
                c,
                &caller,
                now,
                "ledger_type.create",
                ("ledger_type", &row.id),
                &row.path,
                serde_json::json!({"code": row.code, "entry_kinds": row.kinds(), "allows_manual": row.allows_manual, "clearance_item_id": row.clearance_item_id}),
            )?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(LedgerTypeView::from(row)))
}

/// Ledger types that apply in the caller's scope (defined there, above or below).
#[utoipa::path(
    tag = "ledgers",
    security(("bearer" = [])),
    params(PageParams),
    responses(
        (status = 200, description = "A page of ledger types", body = LedgerTypePage),
        (status = 400, description = "Bad query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not read ledgers", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/ledger-types")]
pub async fn list(state: web::Data<AppState>, caller: Caller, page: web::Query<PageParams>) -> ApiResult<web::Json<LedgerTypePage>> {
    caller.require(LEDGER_READERS)?;
    let (limit, cursor) = page.parse()?;
    let rows = state.read(move |c| ledgers::list_types(c, &caller.scope.path, cursor.as_deref(), limit)).await?;
    Ok(web::Json(LedgerTypePage::from_rows(rows, limit, |r| r.id.clone(), LedgerTypeView::from)))
}

fn load_visible(c: &mut DbConnection, caller: &Caller, id: &str) -> StoreResult<LedgerTypeRow> {
    let row = ledgers::get_type(c, id)?;
    if ledgers::type_visible(&row, &caller.scope.path) {
        Ok(row)
    } else {
        Err(DomainError::NotFound("ledger type").into())
    }
}

/// One ledger type visible to the caller.
#[utoipa::path(
    tag = "ledgers",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Ledger type id")),
    responses(
        (status = 200, description = "The ledger type", body = LedgerTypeView),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not read ledgers", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such ledger type visible", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/ledger-types/{id}")]
pub async fn get_one(state: web::Data<AppState>, caller: Caller, id: web::Path<String>) -> ApiResult<web::Json<LedgerTypeView>> {
    caller.require(LEDGER_READERS)?;
    let row = state.read(move |c| load_visible(c, &caller, &id)).await?;
    Ok(web::Json(row.into()))
}

/// Change a ledger type defined in the caller's subtree (civil_affairs_admin). Re-activating it,
/// or pointing an active type at another item, checks admission again (凡进必审).
#[utoipa::path(
    tag = "ledgers",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Ledger type id")),
    request_body = UpdateLedgerType,
    responses(
        (status = 200, description = "Updated", body = LedgerTypeView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not manage ledger types", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such ledger type in scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields; `ledger_type_not_admitted`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/ledger-types/{id}")]
pub async fn update(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, body: Json<UpdateLedgerType>) -> ApiResult<web::Json<LedgerTypeView>> {
    caller.require(LEDGER_TYPE_ADMINS)?;
    let b = body.into_inner();
    let name = b.name.as_deref().map(|n| text("name", n, 64)).transpose()?;
    let kinds = b.entry_kinds.as_deref().map(parse_kinds).transpose()?;
    let clearance_item_id = parse_clearance_item(b.clearance_item_id.as_deref())?;
    let now = state.clock.now();
    let day = today(&state);
    let row = state
        .write(move |c| {
            let mut row = ledgers::get_type(c, &id)?;
            caller.scope.check_covers(&row.path, "ledger type")?;
            row.name = name.unwrap_or(row.name);
            row.entry_kinds = kinds.unwrap_or(row.entry_kinds);
            row.allows_manual = b.allows_manual.unwrap_or(row.allows_manual);
            let reactivated = b.active == Some(true) && !row.active;
            let new_item = clearance_item_id.is_some() && clearance_item_id != row.clearance_item_id;
            row.active = b.active.unwrap_or(row.active);
            row.clearance_item_id = clearance_item_id.or(row.clearance_item_id);
            if row.active && (reactivated || new_item) {
                check_admitted(c, row.clearance_item_id.as_deref(), &row.path, day)?;
            }
            row.updated_at = to_db(now);
            ledgers::update_type(c, &row)?;
            audit(
                c,
                &caller,
                now,
                "ledger_type.update",
                ("ledger_type", &row.id),
                &row.path,
                serde_json::json!({"name": row.name, "entry_kinds": row.kinds(), "allows_manual": row.allows_manual, "active": row.active, "clearance_item_id": row.clearance_item_id}),
            )?;
            Ok(row)
        })
        .await?;
    Ok(web::Json(row.into()))
}
