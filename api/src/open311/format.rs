//! Open311 GeoReport v2 representations, rendered as JSON or XML exactly as the specification
//! names them (<https://wiki.open311.org/GeoReport_v2>): element names, list wrappers
//! (`services`/`service`, `service_requests`/`request`, `errors`/`error`), ISO 8601 times with a
//! zone, and the XML declaration with UTF-8.

use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use serde::Serialize;

/// Output format chosen by the resource's extension (`.json` or `.xml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
}

impl Format {
    pub fn parse(ext: &str) -> Option<Format> {
        match ext {
            "json" => Some(Format::Json),
            "xml" => Some(Format::Xml),
            _ => None,
        }
    }
}

/// A value of one Open311 field: text, a number, a boolean, or absent.
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Null,
    /// A nested list (e.g. `keywords`, `formats`), with the XML element name of each item.
    List(&'static str, Vec<String>),
    /// A nested record (e.g. `endpoints/endpoint`).
    Records(&'static str, Vec<Record>),
}

/// One Open311 record: ordered (name, value) pairs.
pub type Record = Vec<(&'static str, Field)>;

pub fn text(s: impl Into<String>) -> Field {
    Field::Text(s.into())
}

pub fn opt_text(s: Option<impl Into<String>>) -> Field {
    s.map(|v| Field::Text(v.into())).unwrap_or(Field::Null)
}

fn json_value(f: &Field) -> serde_json::Value {
    match f {
        Field::Text(s) => serde_json::Value::String(s.clone()),
        Field::Int(n) => serde_json::json!(n),
        Field::Float(n) => serde_json::json!(n),
        Field::Bool(b) => serde_json::Value::Bool(*b),
        Field::Null => serde_json::Value::Null,
        Field::List(_, items) => serde_json::json!(items),
        Field::Records(_, recs) => serde_json::Value::Array(recs.iter().map(json_record).collect()),
    }
}

fn json_record(r: &Record) -> serde_json::Value {
    serde_json::Value::Object(r.iter().map(|(k, v)| (k.to_string(), json_value(v))).collect())
}

/// Escapes text for XML element content.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry are dropped.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

fn xml_field(out: &mut String, name: &str, f: &Field) {
    match f {
        Field::Null => out.push_str(&format!("<{name}/>")),
        Field::Text(s) => out.push_str(&format!("<{name}>{}</{name}>", escape(s))),
        Field::Int(n) => out.push_str(&format!("<{name}>{n}</{name}>")),
        Field::Float(n) => out.push_str(&format!("<{name}>{n}</{name}>")),
        Field::Bool(b) => out.push_str(&format!("<{name}>{b}</{name}>")),
        Field::List(item, items) => {
            out.push_str(&format!("<{name}>"));
            for i in items {
                out.push_str(&format!("<{item}>{}</{item}>", escape(i)));
            }
            out.push_str(&format!("</{name}>"));
        }
        Field::Records(item, recs) => {
            out.push_str(&format!("<{name}>"));
            for r in recs {
                xml_record(out, item, r);
            }
            out.push_str(&format!("</{name}>"));
        }
    }
}

fn xml_record(out: &mut String, element: &str, r: &Record) {
    out.push_str(&format!("<{element}>"));
    for (k, v) in r {
        xml_field(out, k, v);
    }
    out.push_str(&format!("</{element}>"));
}

const XML_DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";

/// Renders a list: a JSON array, or `<root><item>…</item></root>`.
pub fn list(format: Format, root: &str, item: &str, records: &[Record]) -> String {
    match format {
        Format::Json => serde_json::Value::Array(records.iter().map(json_record).collect()).to_string(),
        Format::Xml => {
            let mut out = String::from(XML_DECL);
            out.push_str(&format!("<{root}>"));
            for r in records {
                xml_record(&mut out, item, r);
            }
            out.push_str(&format!("</{root}>"));
            out
        }
    }
}

/// Renders a single record: a JSON object, or `<root>…</root>`.
pub fn single(format: Format, root: &str, record: &Record) -> String {
    match format {
        Format::Json => json_record(record).to_string(),
        Format::Xml => {
            let mut out = String::from(XML_DECL);
            xml_record(&mut out, root, record);
            out
        }
    }
}

pub fn respond(format: Format, status: StatusCode, body: String) -> HttpResponse {
    let ct = match format {
        Format::Json => "application/json; charset=utf-8",
        Format::Xml => "application/xml; charset=utf-8",
    };
    HttpResponse::build(status).content_type(ct).body(body)
}

/// An Open311 error: the HTTP status and a description, rendered as the specification's
/// `errors` list whose `code` is the HTTP status.
#[derive(Debug, Clone, Serialize)]
pub struct Open311Error {
    pub status: u16,
    pub description: String,
}

impl Open311Error {
    pub fn new(status: u16, description: impl Into<String>) -> Self {
        Open311Error { status, description: description.into() }
    }

    pub fn render(&self, format: Format) -> HttpResponse {
        let rec: Record = vec![("code", Field::Int(self.status as i64)), ("description", text(self.description.clone()))];
        respond(format, StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST), list(format, "errors", "error", &[rec]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service() -> Record {
        vec![
            ("service_code", text("ROAD-LIGHT")),
            ("service_name", text("路灯不亮 <night>")),
            ("description", Field::Null),
            ("metadata", Field::Bool(false)),
            ("type", text("realtime")),
            ("keywords", Field::List("keyword", vec!["lamp".into(), "road".into()])),
            ("group", text("major")),
        ]
    }

    #[test]
    fn json_lists_are_arrays_of_objects() {
        let s = list(Format::Json, "services", "service", &[service()]);
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v[0]["service_code"], "ROAD-LIGHT");
        assert_eq!(v[0]["metadata"], false);
        assert_eq!(v[0]["description"], serde_json::Value::Null);
        assert_eq!(v[0]["keywords"][1], "road");
    }

    #[test]
    fn xml_has_declaration_wrappers_and_escaping() {
        let s = list(Format::Xml, "services", "service", &[service()]);
        assert!(s.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?><services><service><service_code>ROAD-LIGHT</service_code>"));
        assert!(s.contains("<service_name>路灯不亮 &lt;night&gt;</service_name>"));
        assert!(s.contains("<description/>"));
        assert!(s.contains("<keywords><keyword>lamp</keyword><keyword>road</keyword></keywords>"));
        assert!(s.ends_with("</service></services>"));
    }

    #[test]
    fn errors_follow_the_spec() {
        let e = Open311Error::new(400, "service_code not found");
        let v: serde_json::Value = serde_json::from_str(&list(Format::Json, "errors", "error", &[vec![("code", Field::Int(400)), ("description", text(e.description.clone()))]])).unwrap();
        assert_eq!(v[0]["code"], 400);
        let r = e.render(Format::Xml);
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert_eq!(escape("a&b\u{1}"), "a&amp;b");
    }
}
