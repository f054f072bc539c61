//! Discovery and services (服务类别): a community's responsibility list (三事分流责任清单) as
//! Open311 services.

use super::format::{list as render_list, opt_text, single, text, Field, Open311Error, Record};
use super::{community, required_jurisdiction, ErrorItem, Ext};
use crate::routes::requests::lists::stored_entries;
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{get, web, HttpRequest, HttpResponse};
use gongzhi_domain::request::list::ListEntry;
use gongzhi_persistence::requests::lists::{self as list_store, KIND_COMMUNITY};
use gongzhi_persistence::{DbConnection, StoreResult};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// When this endpoint last changed (the specification's `changeset`).
const CHANGESET: &str = "2026-03-01T00:00:00Z";
const SPECIFICATION: &str = "http://wiki.open311.org/GeoReport_v2";

/// One endpoint of the discovery document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Endpoint {
    /// Always `http://wiki.open311.org/GeoReport_v2`.
    pub specification: String,
    /// This server's `/open311/v2` base URL, built from the request's host.
    pub url: String,
    pub changeset: String,
    /// Always `production`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `text/xml` and `application/json` (XML: `<formats><format>…</format></formats>`).
    pub formats: Vec<String>,
}

/// The discovery document (服务发现), root element `discovery`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Discovery {
    pub changeset: String,
    pub contact: String,
    /// How to obtain an api_key.
    pub key_service: String,
    /// XML: `<endpoints><endpoint>…</endpoint></endpoints>`.
    pub endpoints: Vec<Endpoint>,
}

impl Discovery {
    fn record(self) -> Record {
        let endpoints = self
            .endpoints
            .into_iter()
            .map(|e| {
                vec![
                    ("specification", text(e.specification)),
                    ("url", text(e.url)),
                    ("changeset", text(e.changeset)),
                    ("type", text(e.kind)),
                    ("formats", Field::List("format", e.formats)),
                ]
            })
            .collect();
        vec![
            ("changeset", text(self.changeset)),
            ("contact", text(self.contact)),
            ("key_service", text(self.key_service)),
            ("endpoints", Field::Records("endpoint", endpoints)),
        ]
    }
}

/// Where this facade lives and how to get a key (Open311 服务发现). Public.
#[utoipa::path(
    tag = "open311",
    params(("format" = String, Path, description = "`json` or `xml`")),
    responses(
        (status = 200, description = "The discovery document", content(
            (Discovery = "application/json"),
            (Discovery = "application/xml"),
        )),
        (status = 404, description = "Unknown format", content(
            (Vec<ErrorItem> = "application/json"),
            (Vec<ErrorItem> = "application/xml"),
        )),
    )
)]
#[get("/discovery.{format}")]
pub async fn discovery(ext: Ext, req: HttpRequest) -> HttpResponse {
    let info = req.connection_info();
    let doc = Discovery {
        changeset: CHANGESET.into(),
        contact: "The platform administrator (平台管理员) of this Gongzhi (共治) server".into(),
        key_service: "api_key = <client_id>:<client_secret> of a service account (服务账号), issued by a system administrator with POST /api/v1/service-accounts".into(),
        endpoints: vec![Endpoint {
            specification: SPECIFICATION.into(),
            url: format!("{}://{}/open311/v2", info.scheme(), info.host()),
            changeset: CHANGESET.into(),
            kind: "production".into(),
            formats: vec!["text/xml".into(), "application/json".into()],
        }],
    };
    ext.reply(StatusCode::OK, Ok(single(ext.0, "discovery", &doc.record())))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JurisdictionParam {
    /// The community's id (required: this server serves many communities).
    pub jurisdiction_id: Option<String>,
}

/// A service: an entry of the community's responsibility list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Service {
    /// The category code.
    pub service_code: String,
    /// The category name (类别名称).
    pub service_name: String,
    pub description: Option<String>,
    /// Always false: no extra attributes are asked for.
    pub metadata: bool,
    /// Always `realtime`: requests are created at once.
    #[serde(rename = "type")]
    pub kind: String,
    /// The class and its colour, comma-separated, e.g. `major, red` (三事三色).
    pub keywords: String,
    /// The class's label, e.g. `大事（公家事）`.
    pub group: String,
}

impl From<&ListEntry> for Service {
    fn from(e: &ListEntry) -> Self {
        Service {
            service_code: e.code.as_str().into(),
            service_name: e.name.clone(),
            description: e.description.as_ref().map(|d| d.as_str().to_string()),
            metadata: false,
            kind: "realtime".into(),
            keywords: format!("{}, {}", e.class.as_str(), e.class.colour()),
            group: e.class.label_zh().into(),
        }
    }
}

impl Service {
    fn record(self) -> Record {
        vec![
            ("service_code", text(self.service_code)),
            ("service_name", text(self.service_name)),
            ("description", opt_text(self.description)),
            ("metadata", Field::Bool(self.metadata)),
            ("type", text(self.kind)),
            ("keywords", text(self.keywords)),
            ("group", text(self.group)),
        ]
    }
}

/// The entries of the community's list in force (none before one is published).
pub(super) fn entries(c: &mut DbConnection, community_id: &str) -> StoreResult<Vec<ListEntry>> {
    Ok(list_store::current(c, KIND_COMMUNITY, community_id)?.map(|v| stored_entries(&v)).transpose()?.unwrap_or_default())
}

async fn services_of(state: &AppState, jurisdiction_id: Option<&str>) -> Result<Vec<ListEntry>, Open311Error> {
    let id = required_jurisdiction(jurisdiction_id)?;
    Ok(state
        .read(move |c| {
            let node = community(c, &id)?;
            entries(c, &node.id)
        })
        .await?)
}

/// The community's services: its responsibility list (三事分流责任清单) in force, each category
/// with its class and colour. Public.
#[utoipa::path(
    tag = "open311",
    params(("format" = String, Path, description = "`json` or `xml`"), JurisdictionParam),
    responses(
        (status = 200, description = "The services (XML: `<services><service>…</service></services>`)", content(
            (Vec<Service> = "application/json"),
            (Vec<Service> = "application/xml"),
        )),
        (status = 400, description = "jurisdiction_id missing", content(
            (Vec<ErrorItem> = "application/json"),
            (Vec<ErrorItem> = "application/xml"),
        )),
        (status = 404, description = "Unknown format or jurisdiction_id", content(
            (Vec<ErrorItem> = "application/json"),
            (Vec<ErrorItem> = "application/xml"),
        )),
    )
)]
#[get("/services.{format}")]
pub async fn list(state: web::Data<AppState>, ext: Ext, q: web::Query<JurisdictionParam>) -> HttpResponse {
    let body = services_of(&state, q.jurisdiction_id.as_deref())
        .await
        .map(|entries| render_list(ext.0, "services", "service", &entries.iter().map(|e| Service::from(e).record()).collect::<Vec<_>>()));
    ext.reply(StatusCode::OK, body)
}

/// A service definition: the code and its attributes (none are asked for).
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceDefinition {
    pub service_code: String,
    /// Always empty (XML: `<attributes></attributes>`).
    #[schema(value_type = Vec<Object>)]
    pub attributes: Vec<serde_json::Value>,
}

/// The definition of one service (服务定义): no extra attributes. Public.
#[utoipa::path(
    tag = "open311",
    params(("service_code" = String, Path, description = "A category code of the community's list"), ("format" = String, Path, description = "`json` or `xml`"), JurisdictionParam),
    responses(
        (status = 200, description = "The definition (XML root `service_definition`)", content(
            (ServiceDefinition = "application/json"),
            (ServiceDefinition = "application/xml"),
        )),
        (status = 400, description = "jurisdiction_id missing", content(
            (Vec<ErrorItem> = "application/json"),
            (Vec<ErrorItem> = "application/xml"),
        )),
        (status = 404, description = "Unknown format, jurisdiction_id or service_code", content(
            (Vec<ErrorItem> = "application/json"),
            (Vec<ErrorItem> = "application/xml"),
        )),
    )
)]
#[get("/services/{service_code}.{format}")]
pub async fn definition(state: web::Data<AppState>, ext: Ext, path: web::Path<(String, String)>, q: web::Query<JurisdictionParam>) -> HttpResponse {
    let code = path.into_inner().0.trim().to_ascii_uppercase();
    let body = services_of(&state, q.jurisdiction_id.as_deref()).await.and_then(|entries| {
        let entry = entries.iter().find(|e| e.code.as_str() == code).ok_or_else(|| Open311Error::new(404, "service_code not found in this jurisdiction"))?;
        Ok(single(ext.0, "service_definition", &vec![("service_code", text(entry.code.as_str())), ("attributes", Field::Records("attribute", Vec::new()))]))
    });
    ext.reply(StatusCode::OK, body)
}
