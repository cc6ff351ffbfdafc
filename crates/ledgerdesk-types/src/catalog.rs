//! Master data as the UI and the CLI see it: tenants, invoice series, customers.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::numbering::ResetPolicy;

/// A stored tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tenant {
    /// Database id.
    pub id: i64,
    /// Short code.
    pub code: String,
    /// Legal name.
    pub name: String,
    /// IANA time zone.
    pub time_zone: String,
    /// The first date its books accept: no invoice or reservation may be dated earlier.
    pub books_open_from: NaiveDate,
    /// How many days past today (in its time zone) an issue date may lie.
    pub future_days_allowed: u32,
}

/// A stored series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Series {
    /// Database id.
    pub id: i64,
    /// Tenant code.
    pub tenant: String,
    /// Series code.
    pub code: String,
    /// Number template: the newest one, which prints invoices dated from `format_from` on.
    pub format: String,
    /// The first issue date `format` prints; `None` when it has printed every number of the series.
    pub format_from: Option<NaiveDate>,
    /// Reset policy.
    pub reset: ResetPolicy,
    /// Date of the latest issued invoice; no new issue may be dated earlier.
    pub last_issue_date: Option<NaiveDate>,
    /// Retired: it issues and reserves no more numbers.
    pub retired: bool,
    /// A corrective series: it numbers credit notes only.
    #[serde(default)]
    pub corrective: bool,
}

/// A stored customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    /// Database id.
    pub id: i64,
    /// Tenant code.
    pub tenant: String,
    /// Customer code.
    pub code: String,
    /// Legal name.
    pub name: String,
    /// Tax number.
    pub tax_id: Option<String>,
}
