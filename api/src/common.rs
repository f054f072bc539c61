//! Pieces every resource uses: pagination, the audit record, time formatting.

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use base64::Engine;
use chrono::{DateTime, NaiveDateTime, Utc};
use gongzhi_domain::paging::Limit;
use gongzhi_persistence::{audit, new_id, to_db, DbConnection, StoreResult};
use serde::Deserialize;
use utoipa::IntoParams;

/// Cursor pagination parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page size, 1–100 (default 20).
    pub limit: Option<i64>,
    /// Opaque cursor from the previous page's `next_cursor`.
    pub cursor: Option<String>,
}

impl PageParams {
    /// Validated limit and the decoded cursor (the last id of the previous page).
    pub fn parse(&self) -> ApiResult<(i64, Option<String>)> {
        let limit = Limit::parse(self.limit)?.get();
        let cursor = match self.cursor.as_deref() {
            None | Some("") => None,
            Some(c) => Some(decode_cursor(c)?),
        };
        Ok((limit, cursor))
    }
}

pub fn encode_cursor(id: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(id.as_bytes())
}

fn decode_cursor(c: &str) -> ApiResult<String> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(c)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .filter(|s| uuid::Uuid::parse_str(s).is_ok())
        .ok_or_else(invalid_cursor)
}

/// The refusal of a cursor this API did not issue (or issued for another scope): 400
/// `invalid_query` with the field error `cursor: invalid_cursor`.
pub fn invalid_cursor() -> ApiError {
    let mut e = ApiError::validation(vec![gongzhi_domain::FieldError::new("cursor", "invalid_cursor", "the cursor is not one this API issued")]);
    e.status = actix_web::http::StatusCode::BAD_REQUEST;
    e.code = "invalid_query".into();
    e
}

/// Declares a page type `$name` of `$item` for OpenAPI (`items` and `next_cursor`).
#[macro_export]
macro_rules! page_type {
    ($name:ident, $item:ty) => {
        /// A page of results; pass `next_cursor` as `cursor` to get the next one.
        #[derive(Debug, serde::Serialize, utoipa::ToSchema)]
        pub struct $name {
            pub items: Vec<$item>,
            /// Absent on the last page.
            pub next_cursor: Option<String>,
        }

        impl $name {
            pub fn from_rows<R>(rows: Vec<R>, limit: i64, id: impl Fn(&R) -> String, view: impl Fn(R) -> $item) -> Self {
                let page = gongzhi_persistence::Page::from_rows(rows, limit, id);
                $name { items: page.items.into_iter().map(view).collect(), next_cursor: page.next.as_deref().map($crate::common::encode_cursor) }
            }
        }
    };
}

/// Serialises timestamps exactly as chrono does (RFC 3339 UTC with `Z`, fractional seconds only
/// when present: 3, 6 or 9 digits) but as one string written from its digits: chrono's
/// `Serialize` goes through `Display`, which writes the text a character at a time, and
/// serde_json escape-checks every write — 300 timestamps on a list page of 50 requests were ≈8% of
/// its CPU; `to_rfc3339_opts` still allocated a string and ran chrono's formatter for each (≈2%
/// of a single read). For `#[serde(serialize_with = …)]` on hot views.
pub mod rfc3339 {
    use chrono::{DateTime, Datelike, SecondsFormat, Timelike, Utc};
    use serde::Serializer;

    /// Room for the longest text: `±YYYYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` (chrono's years reach
    /// ±262,143) is 33 bytes.
    pub const MAX_LEN: usize = 40;

    /// Fractional digits: `None` as chrono's `AutoSi` (none, 3, 6 or 9, the fewest that keep the
    /// value), or `Some` of 3, 6 or 9 (chrono's `Millis`, `Micros`, `Nanos`); no other count.
    pub fn format<'b>(t: &DateTime<Utc>, digits: Option<u8>, buf: &'b mut [u8; MAX_LEN]) -> &'b str {
        debug_assert!(matches!(digits, None | Some(3 | 6 | 9)), "3, 6 or 9 fractional digits");
        let (year, nanos) = (t.year(), t.nanosecond());
        // Years of other than four digits and leap seconds: chrono's own text.
        if !(0..=9999).contains(&year) || nanos >= 1_000_000_000 {
            let format = match digits {
                None => SecondsFormat::AutoSi,
                Some(3) => SecondsFormat::Millis,
                Some(6) => SecondsFormat::Micros,
                Some(_) => SecondsFormat::Nanos,
            };
            let text = t.to_rfc3339_opts(format, true);
            let n = text.len().min(MAX_LEN);
            buf[..n].copy_from_slice(&text.as_bytes()[..n]);
            return std::str::from_utf8(&buf[..n]).unwrap_or_default();
        }
        let put = |buf: &mut [u8; MAX_LEN], at: usize, width: usize, mut v: u32| {
            for i in (at..at + width).rev() {
                buf[i] = b'0' + (v % 10) as u8;
                v /= 10;
            }
        };
        put(buf, 0, 4, year as u32);
        put(buf, 5, 2, t.month());
        put(buf, 8, 2, t.day());
        put(buf, 11, 2, t.hour());
        put(buf, 14, 2, t.minute());
        put(buf, 17, 2, t.second());
        for (at, sep) in [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')] {
            buf[at] = sep;
        }
        let digits = match digits {
            Some(d) => d.min(9) as usize,
            None if nanos == 0 => 0,
            None if nanos % 1_000_000 == 0 => 3,
            None if nanos % 1_000 == 0 => 6,
            None => 9,
        };
        let mut end = 19;
        if digits > 0 {
            buf[19] = b'.';
            put(buf, 20, digits, nanos / 10u32.pow(9 - digits as u32));
            end = 20 + digits;
        }
        buf[end] = b'Z';
        // Only ASCII digits and separators were written.
        std::str::from_utf8(&buf[..=end]).unwrap_or_default()
    }

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(format(t, None, &mut [0; MAX_LEN]))
    }

    pub fn serialize_opt<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => serialize(t, s),
            None => s.serialize_none(),
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use chrono::TimeZone;

        #[test]
        fn the_text_is_chronos_for_every_precision_and_range() {
            let mut seen = 0;
            for secs in [-62_135_596_800i64, -1, 0, 1, 951_782_400, 1_700_000_000, 253_402_300_799, 253_402_300_800, -62_167_219_201, 8_210_266_876_799] {
                for nanos in [0u32, 5_000_000, 350_000_000, 123_456_000, 1_000, 999_999_999, 7, 1_500_000_000] {
                    let Some(t) = Utc.timestamp_opt(secs, nanos).single() else { continue };
                    seen += 1;
                    let mut buf = [0; MAX_LEN];
                    assert_eq!(format(&t, None, &mut buf), t.to_rfc3339_opts(SecondsFormat::AutoSi, true), "{secs} {nanos}");
                    assert_eq!(format(&t, Some(3), &mut buf), t.to_rfc3339_opts(SecondsFormat::Millis, true), "{secs} {nanos}");
                    assert_eq!(format(&t, Some(6), &mut buf), t.to_rfc3339_opts(SecondsFormat::Micros, true), "{secs} {nanos}");
                    assert_eq!(format(&t, Some(9), &mut buf), t.to_rfc3339_opts(SecondsFormat::Nanos, true), "{secs} {nanos}");
                }
            }
            assert!(seen > 50, "{seen} instants compared");
        }
    }
}

/// Formats a stored timestamp as RFC 3339 UTC.
pub fn ts(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

/// Appends one audit-log row inside the caller's write transaction.
#[allow(clippy::too_many_arguments)]
pub fn record(
    conn: &mut DbConnection,
    actor: Option<&Caller>,
    request_id: &str,
    now: DateTime<Utc>,
    action: &str,
    target_type: &str,
    target_id: Option<&str>,
    path: &str,
    detail: serde_json::Value,
) -> StoreResult<()> {
    audit::insert(
        conn,
        &audit::AuditRow {
            id: new_id(),
            at: to_db(now),
            actor_id: actor.map(|c| c.scope.account_id.clone()),
            actor_role: actor.map(|c| c.scope.role.as_str().to_string()),
            action: action.into(),
            target_type: target_type.into(),
            target_id: target_id.map(str::to_string),
            path: path.into(),
            request_id: request_id.into(),
            detail: detail.to_string(),
        },
    )
}

/// Records an action of an authenticated caller.
pub fn audit(
    conn: &mut DbConnection,
    caller: &Caller,
    now: DateTime<Utc>,
    action: &str,
    target: (&str, &str),
    path: &str,
    detail: serde_json::Value,
) -> StoreResult<()> {
    record(conn, Some(caller), &caller.request_id, now, action, target.0, Some(target.1), path, detail)
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, TimeZone, Utc};

    #[derive(serde::Serialize)]
    struct Fast {
        #[serde(serialize_with = "super::rfc3339::serialize")]
        at: DateTime<Utc>,
        #[serde(serialize_with = "super::rfc3339::serialize_opt")]
        maybe: Option<DateTime<Utc>>,
    }

    #[derive(serde::Serialize)]
    struct Chrono {
        at: DateTime<Utc>,
        maybe: Option<DateTime<Utc>>,
    }

    /// The one-write timestamps are byte for byte chrono's, with and without fractions.
    #[test]
    fn rfc3339_matches_chrono() {
        let base = Utc.with_ymd_and_hms(2026, 11, 24, 8, 5, 9).unwrap();
        for nanos in [0, 1, 1_000, 120_000_000, 590_000_000, 999_999_999] {
            for at in [base, Utc.with_ymd_and_hms(1970, 1, 1, 0, 0, 0).unwrap(), Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap()] {
                let at = at + chrono::Duration::nanoseconds(nanos);
                for maybe in [None, Some(at)] {
                    let fast = serde_json::to_string(&Fast { at, maybe }).unwrap();
                    assert_eq!(fast, serde_json::to_string(&Chrono { at, maybe }).unwrap());
                }
            }
        }
    }
}
