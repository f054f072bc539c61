//! Jurisdictions (行政区划 / 网格): district → street → community → grid → micro-grid.
//!
//! Every node has a materialized path of ancestor ids (`/d/s/c/`), so "is X inside my subtree"
//! is a prefix test, in Rust and in SQL (`path LIKE 'prefix%'`). Paths are stable because a node
//! that has children or data cannot move.

use crate::DomainError;
use serde::{Deserialize, Serialize};

/// Level of a jurisdiction node.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// 区/县/市 (district, county or county-level city).
    District,
    /// 街道/乡镇 (street or township).
    Street,
    /// 社区/村 (community or village).
    Community,
    /// 网格 (grid).
    Grid,
    /// 微网格 (micro-grid, about 25 households).
    MicroGrid,
}

impl Level {
    pub const ALL: [Level; 5] = [Level::District, Level::Street, Level::Community, Level::Grid, Level::MicroGrid];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::District => "district",
            Level::Street => "street",
            Level::Community => "community",
            Level::Grid => "grid",
            Level::MicroGrid => "micro_grid",
        }
    }

    pub fn parse(s: &str) -> Result<Level, DomainError> {
        Level::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| DomainError::field("level", "invalid_value", "level must be one of district, street, community, grid, micro_grid"))
    }

    /// The level a node of this level must hang under (`None`: it is a root).
    pub fn parent_level(self) -> Option<Level> {
        match self {
            Level::District => None,
            Level::Street => Some(Level::District),
            Level::Community => Some(Level::Street),
            Level::Grid => Some(Level::Community),
            Level::MicroGrid => Some(Level::Grid),
        }
    }

    /// Checks that a node of `self` may hang under a parent of `parent` (None = root).
    pub fn check_parent(self, parent: Option<Level>) -> Result<(), DomainError> {
        if self.parent_level() == parent {
            return Ok(());
        }
        let msg = match self.parent_level() {
            None => format!("a {} is a root node and has no parent", self.as_str()),
            Some(p) => format!("a {} must be placed under a {}", self.as_str(), p.as_str()),
        };
        Err(DomainError::field("parent_id", "invalid_parent", msg))
    }
}

/// Materialized path of a node: `/` for the whole platform, `/a/b/` for node b under a.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct JurisdictionPath(String);

impl JurisdictionPath {
    /// The platform root: contains every node.
    pub fn root() -> Self {
        JurisdictionPath("/".to_string())
    }
    /// Path of a child node with id `id` under `self`.
    pub fn child(&self, id: &str) -> Self {
        JurisdictionPath(format!("{}{}/", self.0, id))
    }
    /// Wraps a stored path (already produced by [`JurisdictionPath::child`]).
    pub fn from_stored(s: impl Into<String>) -> Self {
        JurisdictionPath(s.into())
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// True when `other` is this node or one of its descendants.
    pub fn contains(&self, other: &str) -> bool {
        other.starts_with(&self.0)
    }
    /// SQL LIKE pattern matching this subtree. Ids are UUIDs, so no LIKE wildcards can occur.
    pub fn like_pattern(&self) -> String {
        format!("{}%", self.0)
    }
    /// Ids of the ancestors and the node itself, root first.
    pub fn ids(&self) -> Vec<&str> {
        self.0.split('/').filter(|s| !s.is_empty()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parent_rules() {
        assert!(Level::District.check_parent(None).is_ok());
        assert!(Level::Street.check_parent(Some(Level::District)).is_ok());
        assert!(Level::Grid.check_parent(Some(Level::Street)).is_err());
        assert!(Level::District.check_parent(Some(Level::District)).is_err());
        assert!(Level::MicroGrid.check_parent(Some(Level::Grid)).is_ok());
        for l in Level::ALL {
            assert_eq!(Level::parse(l.as_str()).unwrap(), l);
        }
        assert!(Level::parse("city").is_err());
    }

    #[test]
    fn path_containment() {
        let d = JurisdictionPath::root().child("d");
        let s = d.child("s");
        assert_eq!(s.as_str(), "/d/s/");
        assert!(d.contains(s.as_str()));
        assert!(!s.contains(d.as_str()));
        assert!(JurisdictionPath::root().contains(s.as_str()));
        // A sibling whose id starts with the same characters is not inside.
        let d2 = JurisdictionPath::root().child("dd");
        assert!(!d.contains(d2.as_str()));
        assert_eq!(s.ids(), vec!["d", "s"]);
    }
}
