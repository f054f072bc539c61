//! The Open311 GeoReport v2 facade (`/open311/v2`), so existing Open311 clients (FixMyStreet and
//! others) can list services, submit and follow requests unchanged.

pub mod format;
