//! Licenses as the UI and the CLI see them: one holder, a product and plan, seats, a validity window
//! and a status, with a `version` that every change must name (optimistic concurrency).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::ErrorBody;

/// Where a license stands. At most one license per (tenant, holder) is `Active`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LicenseStatus {
    /// In force.
    Active,
    /// Paused by an administrator; may be resumed.
    Suspended,
    /// Ended for good by an administrator.
    Revoked,
    /// Past its expiry.
    Expired,
}

impl LicenseStatus {
    /// Every status, in the order the UI offers them.
    pub const ALL: [LicenseStatus; 4] =
        [LicenseStatus::Active, LicenseStatus::Suspended, LicenseStatus::Revoked, LicenseStatus::Expired];

    /// The stored and displayed name (`ACTIVE`).
    pub fn as_str(self) -> &'static str {
        match self {
            LicenseStatus::Active => "ACTIVE",
            LicenseStatus::Suspended => "SUSPENDED",
            LicenseStatus::Revoked => "REVOKED",
            LicenseStatus::Expired => "EXPIRED",
        }
    }
}

impl std::str::FromStr for LicenseStatus {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        LicenseStatus::ALL.into_iter().find(|s| s.as_str().eq_ignore_ascii_case(text.trim())).ok_or_else(|| {
            format!("{:?} is not one of ACTIVE, SUSPENDED, REVOKED, EXPIRED", crate::text::shorten(text, 20))
        })
    }
}

/// A stored license, with expiry applied: an `ACTIVE` or `SUSPENDED` license past `expires_at` reads as
/// `EXPIRED` even before the sweep has written it so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct License {
    /// Database id.
    pub id: i64,
    /// Tenant code.
    pub tenant: String,
    /// The user who holds it.
    pub holder: String,
    /// Product code.
    pub product: String,
    /// Plan within the product.
    pub plan: String,
    /// Seats granted.
    pub seats: i32,
    /// Start of validity.
    pub starts_at: DateTime<Utc>,
    /// End of validity (exclusive).
    pub expires_at: DateTime<Utc>,
    /// Status, expiry applied.
    pub status: LicenseStatus,
    /// Bumped by every change; a change names the version it was based on.
    pub version: i64,
    /// Who made the last change.
    pub updated_by: String,
    /// When.
    pub updated_at: DateTime<Utc>,
}

/// A license to assign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignLicense {
    /// Tenant code.
    pub tenant: String,
    /// The user who will hold it.
    pub holder: String,
    /// Product code.
    pub product: String,
    /// Plan within the product.
    pub plan: String,
    /// Seats (1 to 100,000).
    pub seats: i32,
    /// Start of validity; now when absent.
    pub starts_at: Option<DateTime<Utc>>,
    /// End of validity; must be after the start.
    pub expires_at: DateTime<Utc>,
}

/// How far to extend a license. An extension never shortens one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Extension {
    /// Push the expiry back by this many days (1 to 3,660).
    ByDays(u32),
    /// Move the expiry to this instant, which must be later than the current one.
    Until(DateTime<Utc>),
}

/// A change to one license.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LicenseAction {
    /// Extend its validity.
    Extend(Extension),
    /// ACTIVE → SUSPENDED.
    Suspend,
    /// SUSPENDED → ACTIVE.
    Resume,
    /// ACTIVE or SUSPENDED → REVOKED, for good.
    Revoke,
}

impl LicenseAction {
    /// The idempotency command name of the action (`license.extend`).
    pub fn command(&self) -> &'static str {
        match self {
            LicenseAction::Extend(_) => "license.extend",
            LicenseAction::Suspend => "license.suspend",
            LicenseAction::Resume => "license.resume",
            LicenseAction::Revoke => "license.revoke",
        }
    }
}

/// A change to one license, based on the version the caller saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeLicense {
    /// Tenant code.
    pub tenant: String,
    /// License id.
    pub license: i64,
    /// The version the change is based on; if the license has moved on, the change is refused.
    pub expected_version: i64,
    /// What to do.
    pub action: LicenseAction,
}

/// Which licenses to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseQuery {
    /// Only this holder's.
    pub holder: Option<String>,
    /// Only those with this status (expiry applied).
    pub status: Option<LicenseStatus>,
}

/// One license of a batch, by id and the version it is based on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchTarget {
    /// License id.
    pub license: i64,
    /// The version the change is based on.
    pub expected_version: i64,
}

/// The outcome of one item of a batch: the license as changed, or why not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchItem {
    /// License id.
    pub license: i64,
    /// The license after the change.
    pub license_after: Option<License>,
    /// Why the change was refused.
    pub error: Option<ErrorBody>,
    /// Whether this answer is a replay of an earlier identical request.
    pub replayed: bool,
}

/// Totals of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchSummary {
    /// Items asked for.
    pub total: usize,
    /// Items changed.
    pub succeeded: usize,
    /// Items refused.
    pub failed: usize,
}

/// A batch's outcome: one item per target, in the order given, and the totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchOutcome {
    /// One per target.
    pub items: Vec<BatchItem>,
    /// Totals.
    pub summary: BatchSummary,
}

impl BatchOutcome {
    /// Builds the outcome and its totals from the items.
    pub fn new(items: Vec<BatchItem>) -> Self {
        let succeeded = items.iter().filter(|i| i.error.is_none()).count();
        let summary = BatchSummary { total: items.len(), succeeded, failed: items.len() - succeeded };
        BatchOutcome { items, summary }
    }
}
