//! The district guiding catalogue (指导目录), kept by civil affairs, and each community's
//! responsibility list (三事分流责任清单), adopted and adapted from it by community staff. Every
//! change is a new version; old versions stay readable.

use super::{kept_community, may_read_place, node_of_level, readable_community};
use crate::auth::Caller;
use crate::common::{audit, ts, PageParams};
use crate::error::{ApiResult, Problem};
use crate::json::Json;
use crate::page_type;
use crate::state::AppState;
use actix_web::{get, put, web};
use chrono::{DateTime, Utc};
use gongzhi_domain::authz::JURISDICTION_ADMINS;
use gongzhi_domain::error::Validator;
use gongzhi_domain::jurisdiction::{JurisdictionPath, Level};
use gongzhi_domain::request::list::{ListEntry, ListEntryInput};
use gongzhi_domain::request::{RequestClass, Text};
use gongzhi_domain::{DomainError, FieldError};
use gongzhi_persistence::jurisdictions::JurisdictionRow;
use gongzhi_persistence::requests::lists::{self, ListVersionRow, KIND_CATALOGUE, KIND_COMMUNITY};
use gongzhi_persistence::{departments, new_id, to_db, DbConnection, StoreError, StoreResult};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use utoipa::{IntoParams, ToSchema};

/// Most entries a list may hold.
pub const MAX_ENTRIES: usize = 500;

/// One entry of a catalogue or list: a request category and how it is handled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryBody {
    /// Category code, 2–32 of `A–Z 0–9 - _ .` (upper-cased).
    pub code: String,
    /// Category name (类别名称), at most 100 characters.
    pub name: String,
    /// `major` (大事, red), `minor` (小事, orange) or `private` (私事, yellow).
    pub class: String,
    /// Default department (major matters only; required for them).
    pub default_department_id: Option<String>,
    /// Time limit in hours (限时办结), 1–8760; required for major matters.
    pub deadline_hours: Option<i64>,
    pub description: Option<String>,
}

impl From<&ListEntry> for EntryBody {
    fn from(e: &ListEntry) -> Self {
        EntryBody {
            code: e.code.as_str().into(),
            name: e.name.clone(),
            class: e.class.as_str().into(),
            default_department_id: e.default_department_id.clone(),
            deadline_hours: e.deadline_hours.map(|h| i64::from(h.get())),
            description: e.description.as_ref().map(|d| d.as_str().to_string()),
        }
    }
}

impl EntryBody {
    fn input(&self) -> ListEntryInput {
        ListEntryInput {
            code: self.code.clone(),
            name: self.name.clone(),
            class: self.class.clone(),
            default_department_id: self.default_department_id.clone(),
            deadline_hours: self.deadline_hours,
            description: self.description.clone(),
        }
    }
}

/// An entry as shown, with the colour of its class.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EntryView {
    #[serde(flatten)]
    pub entry: EntryBody,
    /// `red`, `orange` or `yellow` (三事三色).
    pub colour: String,
}

/// Codes that differ from the previous version.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct Changes {
    pub added: Vec<String>,
    pub changed: Vec<String>,
    pub removed: Vec<String>,
}

/// One version of a guiding catalogue or responsibility list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ListVersionView {
    pub id: String,
    /// `catalogue` (指导目录, of a district) or `community` (责任清单).
    pub kind: String,
    /// The district or community.
    pub jurisdiction_id: String,
    /// 1 for the first version, then 2, 3…
    pub version: i32,
    pub entries: Vec<EntryView>,
    /// What changed relative to the previous version.
    pub changes: Changes,
    pub note: Option<String>,
    /// Account that made this version.
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

page_type!(ListVersionPage, ListVersionView);

/// Reads the stored entries of a version back into domain entries.
pub fn stored_entries(row: &ListVersionRow) -> StoreResult<Vec<ListEntry>> {
    let bodies: Vec<EntryBody> = serde_json::from_str(&row.entries).map_err(|e| StoreError::Unavailable(format!("stored list {} is unreadable: {e}", row.id)))?;
    bodies.iter().map(|b| ListEntry::parse(&b.input()).map_err(StoreError::from)).collect()
}

fn view(row: ListVersionRow) -> StoreResult<ListVersionView> {
    let entries = stored_entries(&row)?
        .iter()
        .map(|e| EntryView { entry: e.into(), colour: e.class.colour().into() })
        .collect();
    Ok(ListVersionView {
        entries,
        changes: serde_json::from_str(&row.changes).unwrap_or_default(),
        id: row.id,
        kind: row.kind,
        jurisdiction_id: row.jurisdiction_id,
        version: row.version,
        note: row.note,
        created_by: row.created_by,
        created_at: ts(row.created_at),
    })
}

/// Checks every entry (field errors are named `entries[i].field`) and refuses repeated codes.
fn parse_entries(bodies: &[EntryBody]) -> Result<Vec<ListEntry>, DomainError> {
    if bodies.len() > MAX_ENTRIES {
        return Err(DomainError::field("entries", "too_many", format!("a list has at most {MAX_ENTRIES} entries")));
    }
    let mut v = Validator::new();
    let mut out = Vec::with_capacity(bodies.len());
    let mut seen = BTreeSet::new();
    for (i, b) in bodies.iter().enumerate() {
        match ListEntry::parse(&b.input()) {
            Ok(e) => {
                if !seen.insert(e.code.clone()) {
                    v.push(format!("entries[{i}].code"), "duplicate", "this code appears twice in the list");
                }
                out.push(e);
            }
            Err(DomainError::Validation(errors)) => {
                for f in errors {
                    v.push(format!("entries[{i}].{}", f.field), f.code, f.message);
                }
            }
            Err(other) => return Err(other),
        }
    }
    v.finish()?;
    Ok(out)
}

/// Every default department must be active and visible from the list's jurisdiction.
fn check_departments(c: &mut DbConnection, entries: &[ListEntry], at: &JurisdictionPath) -> StoreResult<()> {
    let mut errors = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        if let Some(d) = &e.default_department_id {
            let ok = match departments::get(c, d) {
                Ok(row) => row.active && departments::is_visible(&row, at),
                Err(StoreError::Domain(DomainError::NotFound(_))) => false,
                Err(other) => return Err(other),
            };
            if !ok {
                errors.push(FieldError::new(format!("entries[{i}].default_department_id"), "unknown_department", "no such active department for this jurisdiction"));
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(DomainError::Validation(errors).into())
    }
}

fn changes(old: &[ListEntry], new: &[ListEntry]) -> Changes {
    let old: BTreeMap<&str, &ListEntry> = old.iter().map(|e| (e.code.as_str(), e)).collect();
    let new: BTreeMap<&str, &ListEntry> = new.iter().map(|e| (e.code.as_str(), e)).collect();
    Changes {
        added: new.keys().filter(|k| !old.contains_key(*k)).map(|k| k.to_string()).collect(),
        changed: new.iter().filter(|(k, e)| old.get(*k).is_some_and(|o| o != *e)).map(|(k, _)| k.to_string()).collect(),
        removed: old.keys().filter(|k| !new.contains_key(*k)).map(|k| k.to_string()).collect(),
    }
}

/// Appends a new version of the list of `kind` at `node`, recording who changed what.
fn save_version(c: &mut DbConnection, caller: &Caller, kind: &str, node: &JurisdictionRow, entries: Vec<ListEntry>, note: Option<Text>, now: DateTime<Utc>) -> StoreResult<ListVersionRow> {
    check_departments(c, &entries, &node.path())?;
    let previous = lists::current(c, kind, &node.id)?;
    let old = previous.as_ref().map(stored_entries).transpose()?.unwrap_or_default();
    let diff = changes(&old, &entries);
    let bodies: Vec<EntryBody> = entries.iter().map(EntryBody::from).collect();
    let row = ListVersionRow {
        id: new_id(),
        kind: kind.into(),
        jurisdiction_id: node.id.clone(),
        path: node.path.clone(),
        version: previous.map_or(1, |p| p.version + 1),
        entries: serde_json::to_string(&bodies).unwrap_or_default(),
        changes: serde_json::to_string(&diff).unwrap_or_default(),
        note: note.map(|n| n.as_str().to_string()),
        created_by: caller.scope.account_id.clone(),
        created_at: to_db(now),
    };
    lists::insert(c, &row)?;
    let detail = serde_json::json!({"kind": kind, "version": row.version, "changes": diff, "note": row.note});
    audit(c, caller, now, &format!("{}.publish", if kind == KIND_CATALOGUE { "guiding_catalogue" } else { "responsibility_list" }), ("responsibility_list", &row.id), &row.path, detail)?;
    Ok(row)
}

fn current_view(c: &mut DbConnection, kind: &str, node_id: &str, what: &'static str) -> StoreResult<ListVersionView> {
    let row = lists::current(c, kind, node_id)?.ok_or(DomainError::NotFound(what))?;
    view(row)
}

fn versions_page(c: &mut DbConnection, kind: &str, node_id: &str, cursor: Option<&str>, limit: i64) -> StoreResult<ListVersionPage> {
    let rows = lists::versions(c, kind, node_id, cursor, limit)?;
    let page = gongzhi_persistence::Page::from_rows(rows, limit, |r| r.id.clone());
    Ok(ListVersionPage {
        items: page.items.into_iter().map(view).collect::<StoreResult<_>>()?,
        next_cursor: page.next.as_deref().map(crate::common::encode_cursor),
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DistrictParam {
    /// The district; defaults to the caller's own district.
    pub district_id: Option<String>,
}

/// The district the caller means: the given one, or the district of the caller's scope.
fn district(c: &mut DbConnection, caller: &Caller, given: Option<&str>) -> StoreResult<JurisdictionRow> {
    let id = match given {
        Some(d) => d.to_string(),
        None => caller
            .scope
            .path
            .ids()
            .first()
            .map(|s| s.to_string())
            .ok_or_else(|| DomainError::field("district_id", "required", "name the district (platform-wide accounts have none)"))?,
    };
    node_of_level(c, &id, Level::District, "district")
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogueBody {
    /// The whole catalogue: this replaces the current version by a new one.
    pub entries: Vec<EntryBody>,
    /// Why the catalogue changed (变更说明).
    pub note: Option<String>,
}

/// The guiding catalogue in force (指导目录) of a district, readable by everyone in it.
#[utoipa::path(
    tag = "responsibility lists",
    security(("bearer" = [])),
    params(DistrictParam),
    responses(
        (status = 200, description = "The current version", body = ListVersionView),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such district in reach, or no catalogue published yet", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "district_id missing for a platform-wide account", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/guiding-catalogue")]
pub async fn get_catalogue(state: web::Data<AppState>, caller: Caller, q: web::Query<DistrictParam>) -> ApiResult<web::Json<ListVersionView>> {
    let v = state
        .read(move |c| {
            let d = district(c, &caller, q.district_id.as_deref())?;
            if !may_read_place(&caller, &d.path) {
                return Err(DomainError::NotFound("district").into());
            }
            current_view(c, KIND_CATALOGUE, &d.id, "guiding catalogue")
        })
        .await?;
    Ok(web::Json(v))
}

/// Publish a new version of a district's guiding catalogue (civil_affairs_admin, system_admin).
#[utoipa::path(
    tag = "responsibility lists",
    security(("bearer" = [])),
    params(DistrictParam),
    request_body = CatalogueBody,
    responses(
        (status = 200, description = "The new version, now in force", body = ListVersionView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not keep the catalogue", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such district in scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid entries", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/guiding-catalogue")]
pub async fn put_catalogue(state: web::Data<AppState>, caller: Caller, q: web::Query<DistrictParam>, body: Json<CatalogueBody>) -> ApiResult<web::Json<ListVersionView>> {
    caller.require(JURISDICTION_ADMINS)?;
    let b = body.into_inner();
    let entries = parse_entries(&b.entries)?;
    let note = Text::parse_optional("note", b.note.as_deref())?;
    let now = state.clock.now();
    let v = state
        .write(move |c| {
            let d = district(c, &caller, q.district_id.as_deref())?;
            caller.scope.check_covers(&d.path, "district")?;
            view(save_version(c, &caller, KIND_CATALOGUE, &d, entries, note, now)?)
        })
        .await?;
    Ok(web::Json(v))
}

/// Every version of a district's guiding catalogue, newest first.
#[utoipa::path(
    tag = "responsibility lists",
    security(("bearer" = [])),
    params(DistrictParam, PageParams),
    responses(
        (status = 200, description = "A page of versions", body = ListVersionPage),
        (status = 400, description = "Bad query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such district in reach", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/guiding-catalogue/versions")]
pub async fn catalogue_versions(state: web::Data<AppState>, caller: Caller, q: web::Query<DistrictParam>, page: web::Query<PageParams>) -> ApiResult<web::Json<ListVersionPage>> {
    let (limit, cursor) = page.parse()?;
    let p = state
        .read(move |c| {
            let d = district(c, &caller, q.district_id.as_deref())?;
            if !may_read_place(&caller, &d.path) {
                return Err(DomainError::NotFound("district").into());
            }
            versions_page(c, KIND_CATALOGUE, &d.id, cursor.as_deref(), limit)
        })
        .await?;
    Ok(web::Json(p))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ListBody {
    /// The whole list; omit it when adopting the catalogue.
    pub entries: Option<Vec<EntryBody>>,
    /// True: adopt the district's current guiding catalogue as this community's list (采用指导目录).
    #[serde(default)]
    pub adopt_catalogue: bool,
    /// Why the list changed (变更说明), e.g. the residents' meeting that agreed it.
    pub note: Option<String>,
}

/// The responsibility list in force (三事分流责任清单) of a community: readable by its residents,
/// grid workers and staff in scope.
#[utoipa::path(
    tag = "responsibility lists",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Community id")),
    responses(
        (status = 200, description = "The current version", body = ListVersionView),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such community in reach, or no list published yet", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/communities/{id}/responsibility-list")]
pub async fn get_list(state: web::Data<AppState>, caller: Caller, id: web::Path<String>) -> ApiResult<web::Json<ListVersionView>> {
    let v = state
        .read(move |c| {
            let community = readable_community(c, &caller, &id)?;
            current_view(c, KIND_COMMUNITY, &community.id, "responsibility list")
        })
        .await?;
    Ok(web::Json(v))
}

/// Publish a new version of the community's list (community_staff of that community): either the
/// given entries, or the district's catalogue adopted as it stands.
#[utoipa::path(
    tag = "responsibility lists",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Community id")),
    request_body = ListBody,
    responses(
        (status = 200, description = "The new version, now in force", body = ListVersionView),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Role may not keep the list", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such community in scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid entries; both or neither of entries and adopt_catalogue; no catalogue to adopt (`no_catalogue`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/communities/{id}/responsibility-list")]
pub async fn put_list(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, body: Json<ListBody>) -> ApiResult<web::Json<ListVersionView>> {
    caller.require(&[gongzhi_domain::role::Role::CommunityStaff])?;
    let b = body.into_inner();
    let given = match (&b.entries, b.adopt_catalogue) {
        (Some(e), false) => Some(parse_entries(e)?),
        (None, true) => None,
        _ => return Err(DomainError::field("entries", "invalid_value", "give the entries, or adopt_catalogue: true, not both").into()),
    };
    let note = Text::parse_optional("note", b.note.as_deref())?;
    let now = state.clock.now();
    let v = state
        .write(move |c| {
            let community = kept_community(c, &caller, &id)?;
            let entries = match given {
                Some(e) => e,
                None => {
                    let district_id = community.path().ids().first().map(|s| s.to_string()).unwrap_or_default();
                    let catalogue = lists::current(c, KIND_CATALOGUE, &district_id)?
                        .ok_or_else(|| DomainError::rule("no_catalogue", "the district has not published a guiding catalogue"))?;
                    stored_entries(&catalogue)?
                }
            };
            view(save_version(c, &caller, KIND_COMMUNITY, &community, entries, note, now)?)
        })
        .await?;
    Ok(web::Json(v))
}

/// Every version of a community's list, newest first (who changed what, when).
#[utoipa::path(
    tag = "responsibility lists",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Community id"), PageParams),
    responses(
        (status = 200, description = "A page of versions", body = ListVersionPage),
        (status = 400, description = "Bad query", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such community in reach", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/communities/{id}/responsibility-list/versions")]
pub async fn list_versions(state: web::Data<AppState>, caller: Caller, id: web::Path<String>, page: web::Query<PageParams>) -> ApiResult<web::Json<ListVersionPage>> {
    let (limit, cursor) = page.parse()?;
    let p = state
        .read(move |c| {
            let community = readable_community(c, &caller, &id)?;
            versions_page(c, KIND_COMMUNITY, &community.id, cursor.as_deref(), limit)
        })
        .await?;
    Ok(web::Json(p))
}

/// The class colour of a stored class name (`None` for an unknown or absent class).
pub fn colour_of(class: Option<&str>) -> Option<String> {
    class.and_then(|c| RequestClass::parse(c).ok()).map(|c| c.colour().to_string())
}
