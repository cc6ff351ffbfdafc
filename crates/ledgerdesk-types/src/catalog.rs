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
    /// Number template.
    pub format: String,
    /// Reset policy.
    pub reset: ResetPolicy,
    /// Date of the latest issued invoice; no new issue may be dated earlier.
    pub last_issue_date: Option<NaiveDate>,
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
