//! What callers hand to a [`crate::Store`] and what they get back, apart from the wire types that the
//! UI shares (those live in `ledgerdesk_types`).

use chrono::{DateTime, NaiveDate, Utc};
pub use ledgerdesk_types::catalog::{Customer, Series, Tenant};
use ledgerdesk_types::{Currency, LineInput, ResetPolicy};
use serde::{Deserialize, Serialize};

/// A value that a create call found or made. Creating something that exists identically is not an
/// error, so scripts can be re-run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Created<T> {
    /// The stored value.
    #[serde(flatten)]
    pub value: T,
    /// `false` when an identical one existed already.
    pub created: bool,
}

/// A tenant to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTenant {
    /// Short code, also the `{SUFFIX}` of its invoice numbers (`ACME`).
    pub code: String,
    /// Legal name.
    pub name: String,
    /// IANA time zone in which "today" is reckoned for issue dates (`Europe/Madrid`).
    pub time_zone: String,
    /// The first date its books accept; 1 January of the current year (in its time zone) when absent.
    pub books_open_from: Option<NaiveDate>,
    /// How many days past today an issue date may lie (0 to 366); 0 when absent.
    pub future_days_allowed: Option<u32>,
}

/// A change of a tenant's date limits, recorded with who made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantLimits {
    /// Tenant code.
    pub tenant: String,
    /// Open the books from this earlier date.
    pub books_open_from: Option<NaiveDate>,
    /// Accept issue dates this many days past today (0 to 366).
    pub future_days_allowed: Option<u32>,
    /// Who changes them.
    pub user: String,
}

/// An invoice series to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSeries {
    /// Tenant code.
    pub tenant: String,
    /// Series code, unique within the tenant (`INV`).
    pub code: String,
    /// Number template, e.g. `{YYYY}{MM}-{SEQ:5}-{SUFFIX}`; when absent, the reference template for a
    /// tenant's first series and `{SERIES}-` before it for the others, so that they cannot collide.
    pub format: Option<String>,
    /// When numbering starts again from 1.
    pub reset: ResetPolicy,
    /// A corrective series numbers credit notes, and nothing else.
    pub corrective: bool,
}

/// A customer to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCustomer {
    /// Tenant code.
    pub tenant: String,
    /// Customer code, unique within the tenant.
    pub code: String,
    /// Legal name.
    pub name: String,
    /// VAT or tax number, when known.
    pub tax_id: Option<String>,
}

/// A position of a reservation to issue an invoice under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ReservedSlot {
    /// Reservation id.
    pub reservation: i64,
    /// Position within the period; must lie in the reservation's block and be unused.
    pub seq: i64,
}

/// A request to issue one invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssueInvoice {
    /// Tenant code.
    pub tenant: String,
    /// Series code.
    pub series: String,
    /// Customer code, if the invoice names a customer.
    pub customer: Option<String>,
    /// Legal issue date; today in the tenant's time zone when absent.
    pub issue_date: Option<NaiveDate>,
    /// Invoice currency.
    pub currency: Currency,
    /// The lines.
    pub lines: Vec<LineInput>,
    /// Who issues it (recorded on the invoice).
    pub user: String,
    /// Issue under a reserved number instead of taking the next one.
    pub reserved: Option<ReservedSlot>,
}

/// A request to reserve a block of consecutive numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReserveNumbers {
    /// Tenant code.
    pub tenant: String,
    /// Series code.
    pub series: String,
    /// Any date of the period to reserve in; today in the tenant's time zone when absent.
    pub date: Option<NaiveDate>,
    /// How many numbers (1 to 10,000).
    pub count: i64,
    /// Who reserves them.
    pub user: String,
}

/// A block of reserved numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reservation {
    /// Reservation id.
    pub id: i64,
    /// Tenant code.
    pub tenant: String,
    /// Series code.
    pub series: String,
    /// The period the numbers belong to.
    pub period: String,
    /// First reserved position.
    pub first_seq: i64,
    /// Last reserved position.
    pub last_seq: i64,
    /// When it was released, if it was.
    pub released_at: Option<DateTime<Utc>>,
}

/// What releasing a reservation did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Released {
    /// The reservation, now released.
    pub reservation: Reservation,
    /// Positions that had been issued under it.
    pub issued: Vec<i64>,
    /// Numbers recorded in the voided-numbers register.
    pub voided: Vec<String>,
}
