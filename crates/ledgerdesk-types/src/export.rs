//! Staged accounting exports as the UI and the CLI see them: destinations, journal rows, the quality
//! panel, approvals, the field-level diff between snapshots, and the requests that move an export on.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::money::Currency;
use crate::named::named_enum;

named_enum! {
    /// The layout of a posted file.
    pub enum ExportFormat {
        /// UTF-8 CSV with a header line, `,` separated, RFC 4180 quoting.
        Csv = "csv",
        /// One JSON document with the rows and their totals.
        Json = "json",
        /// DATEV "Buchungsstapel" (EXTF 700, category 21): `;`, Windows-1252, CRLF, decimal comma.
        Datev = "datev",
    }
}

named_enum! {
    /// Where an export stands.
    pub enum ExportState {
        /// Rows prepared from the invoices; can be edited and submitted.
        Prepared = "PREPARED",
        /// Submitted: being reviewed, edited and approved.
        UnderReview = "UNDER_REVIEW",
        /// Every approval it needs, bound to the exact rows approved.
        Approved = "APPROVED",
        /// Refused by a reviewer; can be revised into a new export.
        Rejected = "REJECTED",
        /// Its file is written.
        Posted = "POSTED",
        /// Writing its file failed; can be posted again.
        Failed = "FAILED",
        /// Someone asked to roll it back; another person must approve.
        RollbackRequested = "ROLLBACK_REQUESTED",
        /// A reversal file undoes it.
        RolledBack = "ROLLED_BACK",
    }
}

named_enum! {
    /// The three copies of an export's rows.
    pub enum Snapshot {
        /// As prepared from the invoices.
        Prepared = "prepared",
        /// The reviewed copy, with the reviewers' corrections (what approvals bind to).
        Approved = "approved",
        /// What was written to the file.
        Posted = "posted",
    }
}

named_enum! {
    /// A step of the workflow (field edits are [`EditExport`]).
    pub enum ExportAction {
        /// PREPARED → UNDER_REVIEW, if the quality check allows.
        Submit = "submit",
        /// An approval (the last one needed: → APPROVED); on a requested rollback, its approval.
        Approve = "approve",
        /// UNDER_REVIEW → REJECTED; on a requested rollback, back to POSTED.
        Reject = "reject",
        /// APPROVED or FAILED → POSTED (or FAILED): writes the file.
        Post = "post",
        /// POSTED → ROLLBACK_REQUESTED: asks for a reversal.
        Rollback = "rollback",
        /// A REJECTED export prepared again from the invoices, as a new export.
        Revise = "revise",
        /// A field edit (listed among the actions a user may take).
        Edit = "edit",
    }
}

named_enum! {
    /// A journal row field a reviewer may correct; `gross` follows `net` and `tax`.
    pub enum RowField {
        /// Debit account (receivables).
        Account = "account",
        /// Credit account (revenue).
        ContraAccount = "contra_account",
        /// Tax code of the accounting system.
        TaxCode = "tax_code",
        /// Cost centre.
        CostCentre = "cost_centre",
        /// Booking text.
        Text = "text",
        /// Net amount.
        Net = "net",
        /// Tax amount.
        Tax = "tax",
    }
}

named_enum! {
    /// How much a quality finding weighs.
    pub enum Severity {
        /// Blocks submission.
        Error = "error",
        /// Lowers the score; some must be acknowledged by the approver.
        Warning = "warning",
    }
}

/// A named target of posted files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Destination {
    /// Database id.
    pub id: i64,
    /// Tenant code.
    pub tenant: String,
    /// Its name (`datev`, `tax-adviser`…).
    pub name: String,
    /// The file layout.
    pub format: ExportFormat,
    /// The folder files are written to.
    pub folder: String,
    /// DATEV Beraternummer.
    pub advisor_number: Option<u32>,
    /// DATEV Mandantennummer.
    pub client_number: Option<u32>,
    /// Who added it.
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// A destination to add.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewDestination {
    /// Tenant code.
    pub tenant: String,
    /// 1–32 letters, digits, `-`, `_`.
    pub name: String,
    /// The file layout.
    pub format: ExportFormat,
    /// An absolute path to an existing folder.
    pub folder: String,
    /// DATEV Beraternummer (1001–9999999), needed for `datev`.
    pub advisor_number: Option<u32>,
    /// DATEV Mandantennummer (1–99999), needed for `datev`.
    pub client_number: Option<u32>,
}

/// The revenue account and tax code of one tax rate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountMapping {
    /// The tax rate, in percent.
    pub tax_rate: Decimal,
    /// Its revenue (contra) account.
    pub revenue_account: String,
    /// Its tax code in the accounting system.
    pub tax_code: String,
}

/// A tenant's export rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportSettings {
    /// Tenant code.
    pub tenant: String,
    /// Quality score an export needs to be submitted (0–100).
    pub quality_threshold: u8,
    /// Hours an approval holds.
    pub approval_hours: u32,
    /// Gross total above which a second approver is needed.
    pub second_approval_above: Option<Decimal>,
    /// The debit account of every journal row.
    pub receivables_account: String,
    /// Revenue account and tax code per tax rate; a rate not listed gets the defaults.
    pub accounts: Vec<AccountMapping>,
}

/// Changes to a tenant's export rules; what is `None` stays as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportSettingsChange {
    /// Tenant code.
    pub tenant: String,
    /// New threshold.
    pub quality_threshold: Option<u8>,
    /// New approval lifetime.
    pub approval_hours: Option<u32>,
    /// New two-approver amount; `Some(None)` removes it.
    pub second_approval_above: Option<Option<Decimal>>,
    /// New receivables account.
    pub receivables_account: Option<String>,
    /// A rate's revenue account and tax code to set.
    pub account: Option<AccountMapping>,
}

/// One journal row: one invoice at one tax rate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalRow {
    /// Stable id, `{invoice}/{tax rate}`: rows are matched by it, never by position.
    pub row_id: String,
    /// Invoice number.
    pub invoice: String,
    /// Issue date.
    pub date: NaiveDate,
    /// Customer code.
    pub customer: Option<String>,
    /// Customer tax id.
    pub customer_tax_id: Option<String>,
    /// Debit account (receivables).
    pub account: String,
    /// Credit account (revenue for this tax rate).
    pub contra_account: String,
    /// Tax code.
    pub tax_code: String,
    /// Tax rate, percent.
    pub tax_rate: Decimal,
    /// Currency.
    pub currency: Currency,
    /// Net amount.
    pub net: Decimal,
    /// Tax amount.
    pub tax: Decimal,
    /// Net plus tax.
    pub gross: Decimal,
    /// Cost centre (empty: none).
    pub cost_centre: String,
    /// Booking text.
    pub text: String,
}

impl JournalRow {
    /// The fields compared by a diff, in the order shown.
    pub const FIELDS: [&'static str; 14] = [
        "invoice",
        "date",
        "customer",
        "customer_tax_id",
        "account",
        "contra_account",
        "tax_code",
        "tax_rate",
        "currency",
        "net",
        "tax",
        "gross",
        "cost_centre",
        "text",
    ];

    /// A field's value as text (empty for none); `None` for a name that is not a field.
    pub fn field(&self, name: &str) -> Option<String> {
        let text = |value: &Option<String>| value.clone().unwrap_or_default();
        Some(match name {
            "row_id" => self.row_id.clone(),
            "invoice" => self.invoice.clone(),
            "date" => self.date.to_string(),
            "customer" => text(&self.customer),
            "customer_tax_id" => text(&self.customer_tax_id),
            "account" => self.account.clone(),
            "contra_account" => self.contra_account.clone(),
            "tax_code" => self.tax_code.clone(),
            "tax_rate" => self.tax_rate.to_string(),
            "currency" => self.currency.code().to_owned(),
            "net" => self.net.to_string(),
            "tax" => self.tax.to_string(),
            "gross" => self.gross.to_string(),
            "cost_centre" => self.cost_centre.clone(),
            "text" => self.text.clone(),
            _ => return None,
        })
    }
}

/// One finding of the quality check: one code, and the rows (or invoices) it was found in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Error or warning.
    pub severity: Severity,
    /// Stable code (`account_missing`, `totals_mismatch`, `amount_edited`…).
    pub code: String,
    /// How many rows (or invoices, or numbers) it was found in.
    pub count: u32,
    /// The first of them (row ids, invoice numbers), at most 20.
    pub examples: Vec<String>,
    /// English.
    pub message: String,
    /// Turkish.
    pub message_tr: String,
}

/// The quality panel: findings and a score.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quality {
    /// 0–100: 100 less 25 per kind of error and 5 per kind of warning found.
    pub score: u8,
    /// What the tenant requires to submit.
    pub threshold: u8,
    /// Every finding, errors first.
    pub findings: Vec<Finding>,
}

/// Finding codes an approver must acknowledge before approving.
pub const ACKNOWLEDGE_CODES: [&str; 1] = ["amount_edited"];

impl Quality {
    /// Errors found.
    pub fn errors(&self) -> usize {
        self.findings.iter().filter(|f| f.severity == Severity::Error).count()
    }

    /// Warnings found.
    pub fn warnings(&self) -> usize {
        self.findings.iter().filter(|f| f.severity == Severity::Warning).count()
    }

    /// No errors and a score at or above the threshold.
    pub fn submittable(&self) -> bool {
        self.errors() == 0 && self.score >= self.threshold
    }

    /// Whether an approver must acknowledge warnings (edited amounts) to approve.
    pub fn needs_acknowledgement(&self) -> bool {
        self.findings.iter().any(|f| ACKNOWLEDGE_CODES.contains(&f.code.as_str()))
    }
}

/// One approval given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    /// `export` or `rollback`.
    pub kind: String,
    /// The review round it was given in.
    pub round: i64,
    /// 1, or 2 for a second approver.
    pub level: u8,
    /// Who approved.
    pub approver: String,
    /// The hash of the rows approved.
    pub snapshot_hash: String,
    /// Edited amounts were acknowledged.
    pub acknowledged: bool,
    /// When.
    pub approved_at: DateTime<Utc>,
    /// When it lapses.
    pub lapses_at: DateTime<Utc>,
    /// Still holds: this round, the rows unchanged since, not lapsed.
    pub valid: bool,
}

/// A written file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostedFile {
    /// Its full path.
    pub path: String,
    /// Bytes.
    pub size: u64,
    /// SHA-256 of its bytes, hex.
    pub sha256: String,
    /// When it was written.
    pub at: DateTime<Utc>,
}

/// Whether the viewing user may take an action now, and if not, why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionState {
    /// The action.
    pub action: ExportAction,
    /// Allowed for this user now.
    pub allowed: bool,
    /// Why not (English).
    pub why_not: Option<String>,
    /// Why not (Turkish).
    pub why_not_tr: Option<String>,
}

/// A staged export, as one user sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Export {
    /// Database id.
    pub id: i64,
    /// Tenant code.
    pub tenant: String,
    /// Destination name.
    pub destination: String,
    /// Its format.
    pub format: ExportFormat,
    /// Period (`202611`, `2026`).
    pub period: String,
    /// Only this series, if one.
    pub series: Option<String>,
    /// Where it stands.
    pub state: ExportState,
    /// Bumped by every change (optimistic concurrency).
    pub version: i64,
    /// Review round: approvals count only in theirs.
    pub review_round: i64,
    /// The rejected export this one revises.
    pub revision_of: Option<i64>,
    /// Who prepared it.
    pub prepared_by: String,
    /// When.
    pub prepared_at: DateTime<Utc>,
    /// Who changed it last.
    pub updated_by: String,
    /// When.
    pub updated_at: DateTime<Utc>,
    /// Journal rows.
    pub rows: u32,
    /// Their currency, when they share one.
    pub currency: Option<Currency>,
    /// Net total of the reviewed copy.
    pub net_total: Decimal,
    /// Tax total.
    pub tax_total: Decimal,
    /// Gross total.
    pub gross_total: Decimal,
    /// SHA-256 of the reviewed copy's rows (what an approval binds to).
    pub snapshot_hash: String,
    /// The quality panel of the reviewed copy.
    pub quality: Quality,
    /// Everyone who edited it.
    pub editors: Vec<String>,
    /// Approvals given, oldest first.
    pub approvals: Vec<Approval>,
    /// Approvals it needs (1, or 2 above the tenant's amount).
    pub approvals_required: u8,
    /// The file written, once posted.
    pub posted: Option<PostedFile>,
    /// The reversal file, once rolled back.
    pub reversal: Option<PostedFile>,
    /// Who asked for the rollback.
    pub rollback_requested_by: Option<String>,
    /// Why.
    pub rollback_reason: Option<String>,
    /// Why the last post failed.
    pub error: Option<String>,
    /// What the viewing user may do now.
    pub actions: Vec<ActionState>,
}

/// One field that differs between two snapshots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    /// The row.
    pub row_id: String,
    /// The field (`row` when the whole row is only on one side).
    pub field: String,
    /// Its value in the older snapshot (`None`: the row is not there).
    pub before: Option<String>,
    /// Its value in the newer one (`None`: the row is not there).
    pub after: Option<String>,
    /// Who made the change (the last edit of this field).
    pub by: Option<String>,
    /// When.
    pub at: Option<DateTime<Utc>>,
    /// Why.
    pub reason: Option<String>,
}

/// The field-level difference between two snapshots of an export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportDiff {
    /// Export id.
    pub export: i64,
    /// The older snapshot.
    pub from: Snapshot,
    /// The newer one.
    pub to: Snapshot,
    /// Rows compared (both sides together, matched by id).
    pub rows_compared: u32,
    /// Every differing field, by row id then field order.
    pub changes: Vec<FieldChange>,
}

/// Which exports to list; newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportQuery {
    /// Only this state.
    pub state: Option<ExportState>,
    /// Rows (default 100, at most 500).
    pub limit: Option<u32>,
}

/// Prepare an export of a period's issued invoices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrepareExport {
    /// Tenant code.
    pub tenant: String,
    /// Destination name.
    pub destination: String,
    /// `202611` (a month) or `2026` (a year).
    pub period: String,
    /// Only this series.
    pub series: Option<String>,
}

/// Correct one field of one row of the reviewed copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditExport {
    /// Tenant code.
    pub tenant: String,
    /// Export id.
    pub export: i64,
    /// The version the editor saw.
    pub expected_version: i64,
    /// The row.
    pub row_id: String,
    /// The field.
    pub field: RowField,
    /// Its new value (amounts as plain decimals).
    pub value: String,
    /// Why: required.
    pub reason: String,
}

/// Move an export on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportStep {
    /// Tenant code.
    pub tenant: String,
    /// Export id.
    pub export: i64,
    /// The version the user saw.
    pub expected_version: i64,
    /// The step.
    pub action: ExportAction,
    /// Why (required to reject and to roll back).
    pub reason: Option<String>,
    /// The approver acknowledges the warnings that ask for it (edited amounts).
    pub acknowledge: bool,
}
