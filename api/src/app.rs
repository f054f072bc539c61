//! The application factory and the OpenAPI document.

use crate::error::{query_error, ApiError};
use crate::routes;
use crate::state::AppState;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{get, web, App};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::{scope, AppExt, UtoipaApp};
use utoipa_swagger_ui::SwaggerUi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Gongzhi (共治) community-governance API",
        description = "One API for residents' and grid workers' apps, departments' systems and auditors: \
requests (三事分流), clearance (准入清单), ledgers (电子台账), social organisations (社会组织) and evaluation (双评议). \
Errors are RFC 9457 problem details (application/problem+json) with a stable `code`. Lists use cursor pagination \
(`limit` ≤ 100, `cursor` → `next_cursor`). Every response carries `X-Request-Id`.",
        license(name = "Apache-2.0")
    ),
    modifiers(&Security),
    tags(
        (name = "auth", description = "Login, tokens, registration, own account (认证)"),
        (name = "jurisdictions", description = "District → street → community → grid tree (行政区划/网格)"),
        (name = "departments", description = "Government departments (职能部门)"),
        (name = "accounts", description = "Accounts and service accounts (账号)"),
        (name = "clearance", description = "Clearance catalogue (准入清单): admission (凡进必审), enforcement, entrustment agreements (委托协议书), signboards and seals, burden report (减负)"),
        (name = "audit", description = "Audit log (审计日志)"),
        (name = "requests", description = "Residents' requests, 三事分流: submission, triage, handling, rating, timeline, photos, measures (诉求)"),
        (name = "responsibility lists", description = "District guiding catalogue (指导目录) and communities' responsibility lists (三事分流责任清单), versioned"),
        (name = "service directory", description = "Communities' service directories (便民服务目录) for private matters"),
        (name = "ledgers", description = "Electronic ledgers generated from events, hash-chained and verifiable (电子台账)"),
        (name = "households", description = "Households and their grid workers (户, 包片联户)"),
        (name = "visits", description = "Grid workers' visits and their measures (入户走访, 民情走访日记)"),
        (name = "organisations", description = "Social organisations registry, incubation bases and certified social workers (社会组织名录, 孵化基地, 社工)"),
        (name = "venture-philanthropy", description = "Venture-philanthropy calls, applications, awards and funded projects (公益创投)"),
        (name = "purchased-services", description = "Government purchase of services: contracts, milestones, payments (政府购买服务)"),
        (name = "volunteers", description = "Volunteers, activities, service hours and the points scheme (志愿者, 积分制)"),
        (name = "evaluation", description = "Evaluation campaigns (双评议, 双向评估): residents rate communities, communities rate departments, results, exports"),
        (name = "open311", description = "Open311 GeoReport v2 facade at /open311/v2 (12345 / 诉求 for existing Open311 clients): discovery, services (= a community's responsibility list), requests filed by a service account's api_key (`<client_id>:<client_secret>`), anonymised public search; JSON or XML by extension, errors as the specification's errors/error{code, description}"),
        (name = "exports", description = "Auditor exports (审计导出): audit log, entrustment agreements, requests measures, ledger entries; read-only, in scope, CSV or JSON, every read audited"),
        (name = "public", description = "Public, unauthenticated information (公开信息)"),
        (name = "health", description = "Probes"),
    )
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut bearer = Http::new(HttpAuthScheme::Bearer);
        bearer.bearer_format = Some("JWT".into());
        bearer.description = Some("Access token from /api/v1/auth/login or /api/v1/auth/token".into());
        components.add_security_scheme("bearer", SecurityScheme::Http(bearer));
    }
}

/// Registers every documented route on a utoipa app.
fn register<T>(app: UtoipaApp<T>) -> UtoipaApp<T>
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    app.openapi(ApiDoc::openapi())
        .service(routes::health::healthz)
        .service(routes::health::readyz)
        .service(scope::scope("/api/v1").configure(routes::configure))
        .service(scope::scope("/open311/v2").configure(crate::open311::configure))
}

/// The serialized OpenAPI document, computed once at start-up.
pub struct OpenApiJson(pub String);

/// The OpenAPI contract of this API (this document).
#[utoipa::path(tag = "health", responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json")))]
#[get("/openapi.json")]
pub async fn openapi_json(spec: web::Data<OpenApiJson>) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok().content_type("application/json").body(spec.0.clone())
}

/// The OpenAPI document exactly as served at `/api/v1/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    register(App::new().into_utoipa_app()).split_for_parts().1
}

/// Builds the whole application: routes, extractor configuration, middleware, docs.
pub fn build_app(
    state: web::Data<AppState>,
) -> App<impl ServiceFactory<ServiceRequest, Config = (), Response = ServiceResponse<impl MessageBody>, Error = actix_web::Error, InitError = ()>> {
    let limit = state.config.max_body_bytes;
    let (app, api) = register(App::new().into_utoipa_app().map(|app| {
        app.app_data(state)
            .app_data(web::FormConfig::default().limit(limit).error_handler(|e, _| {
                let code = match e {
                    actix_web::error::UrlencodedError::Overflow { .. } => "payload_too_large",
                    _ => "invalid_body",
                };
                let status = if code == "payload_too_large" {
                    actix_web::http::StatusCode::PAYLOAD_TOO_LARGE
                } else {
                    actix_web::http::StatusCode::BAD_REQUEST
                };
                ApiError::new(status, code, e.to_string()).into()
            }))
            .app_data(web::QueryConfig::default().error_handler(|e, _| query_error(e).into()))
            .app_data(web::PayloadConfig::default().limit(limit))
    }))
    .split_for_parts();
    let spec = web::Data::new(OpenApiJson(api.to_pretty_json().expect("the OpenAPI document serializes")));
    app.app_data(spec)
        .service(SwaggerUi::new("/docs/{_:.*}").config(utoipa_swagger_ui::Config::from("/api/v1/openapi.json")))
        .service(web::redirect("/docs", "/docs/"))
        .default_service(web::to(|| async { Err::<actix_web::HttpResponse, _>(ApiError::not_found("route")) }))
        .wrap(actix_web::middleware::from_fn(crate::middleware::request_id))
}

