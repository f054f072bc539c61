//! Auditor exports (审计导出), shared machinery: read-only rows limited to the caller's subtree,
//! rendered as CSV (with a header line) or as a JSON array, streamed page by page from the
//! database. Every read is recorded in the audit log as `export.read` before the first byte.

use crate::auth::Caller;
use crate::common::audit;
use crate::state::AppState;
use actix_web::web::{self, Bytes};
use actix_web::HttpResponse;
use chrono::{DateTime, Utc};
use futures_util::stream::{self, Stream};
use gongzhi_domain::jurisdiction::JurisdictionPath;
use gongzhi_persistence::{DbConnection, StoreResult};
use serde::Deserialize;
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};

/// Rows read from the database per streamed chunk.
pub const EXPORT_PAGE: i64 = 500;

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

impl ExportFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Json => "json",
        }
    }
}

/// One kind of exported row: how to fetch a page and how to render a row.
pub trait ExportRows: Send + Sync + 'static {
    type Row: Send + 'static;
    fn fetch(&self, c: &mut DbConnection, cursor: Option<&str>, limit: i64) -> StoreResult<Vec<Self::Row>>;
    fn id(row: &Self::Row) -> String;
    fn columns(&self) -> Vec<String>;
    fn csv_cells(&self, row: &Self::Row) -> Vec<String>;
    fn json(&self, row: &Self::Row) -> serde_json::Value;
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

/// Records one export read (`export.read`) of `what` in `format` over `within`, with `target` as the audit
/// row's target, inside the caller's transaction.
pub fn record_read(c: &mut DbConnection, caller: &Caller, now: DateTime<Utc>, (what, format): (&str, ExportFormat), target: (&str, &str), within: &JurisdictionPath, extra: serde_json::Value) -> StoreResult<()> {
    let mut detail = serde_json::json!({"export": what, "format": format.as_str(), "within": within.as_str()});
    if let (Some(d), serde_json::Value::Object(e)) = (detail.as_object_mut(), extra) {
        d.extend(e);
    }
    audit(c, caller, now, "export.read", target, within.as_str(), detail)
}

pub fn respond<E: ExportRows>(state: web::Data<AppState>, export: E, format: ExportFormat, name: &str) -> HttpResponse {
    let (content_type, ext) = match format {
        ExportFormat::Csv => ("text/csv; charset=utf-8", "csv"),
        ExportFormat::Json => ("application/json", "json"),
    };
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("Content-Disposition", format!("attachment; filename=\"{name}.{ext}\"")))
        .streaming(stream_rows(state, export, format))
}

