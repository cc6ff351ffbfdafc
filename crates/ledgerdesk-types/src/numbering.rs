//! Series reset policies and the continuity audit report.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// When a series starts counting from 1 again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResetPolicy {
    /// A new period every calendar month of the issue date (`202611`).
    Monthly,
    /// A new period every calendar year of the issue date (`2026`).
    Yearly,
    /// One period forever (`all`).
    Never,
}

impl ResetPolicy {
    /// The name stored in the database and typed on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            ResetPolicy::Monthly => "monthly",
            ResetPolicy::Yearly => "yearly",
            ResetPolicy::Never => "never",
        }
    }
}

impl fmt::Display for ResetPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text given is not a reset policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown reset policy {0:?}: expected monthly, yearly or never")]
pub struct UnknownResetPolicy(pub String);

impl FromStr for ResetPolicy {
    type Err = UnknownResetPolicy;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "monthly" => Ok(ResetPolicy::Monthly),
            "yearly" => Ok(ResetPolicy::Yearly),
            "never" => Ok(ResetPolicy::Never),
            _ => Err(UnknownResetPolicy(crate::text::shorten(s, 20).into_owned())),
        }
    }
}

/// Continuity of one (tenant, series, period): what an auditor checks first.
///
/// Every number from 1 to `last` must be either issued or voided; `gaps` lists those that are neither,
/// `duplicates` those issued twice. A clean period has both empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberingAudit {
    /// Tenant code.
    pub tenant: String,
    /// Series code.
    pub series: String,
    /// Numbering period.
    pub period: String,
    /// Issued invoices.
    pub count: i64,
    /// Lowest issued or voided position.
    pub first: Option<i64>,
    /// Highest issued or voided position.
    pub last: Option<i64>,
    /// Positions below `last` neither issued nor voided.
    pub gaps: Vec<i64>,
    /// Positions issued more than once.
    pub duplicates: Vec<i64>,
    /// Positions recorded in the voided-numbers register.
    pub voided: Vec<i64>,
    /// Positions reserved and not yet issued nor released.
    pub reserved: Vec<i64>,
    /// The counter's next value; `last + 1` when nothing is outstanding.
    pub next_value: i64,
}

impl NumberingAudit {
    /// No gap and no duplicate.
    pub fn is_clean(&self) -> bool {
        self.gaps.is_empty() && self.duplicates.is_empty()
    }
}
