//! The command line of staged exports, their destinations and the audit trail.

use clap::{Args, Subcommand};

use super::{KeyArg, UserArg};

#[derive(Debug, Subcommand)]
pub enum DestinationCommand {
    /// Add a destination of posted exports (no error if an identical one exists).
    Add {
        #[arg(long)]
        tenant: String,
        /// 1–32 letters, digits, '-' or '_'.
        #[arg(long)]
        name: String,
        /// csv, json or datev.
        #[arg(long)]
        format: String,
        /// An existing folder, absolute path: posted files are written there.
        #[arg(long)]
        folder: String,
        /// DATEV Beraternummer (datev only).
        #[arg(long)]
        advisor_number: Option<u32>,
        /// DATEV Mandantennummer (datev only).
        #[arg(long)]
        client_number: Option<u32>,
        #[command(flatten)]
        user: UserArg,
    },
    /// The tenant's destinations.
    List {
        #[arg(long)]
        tenant: String,
    },
}

/// Which export, and the version the caller saw.
#[derive(Debug, Args)]
pub struct ExportTarget {
    #[arg(long)]
    pub tenant: String,
    /// Export id.
    pub export: i64,
    /// The version you saw (`export show`); refused with version_conflict if it moved. Without it, the
    /// version now: pass it in scripts that retry under an idempotency key.
    #[arg(long)]
    pub version: Option<i64>,
    #[command(flatten)]
    pub user: UserArg,
    #[command(flatten)]
    pub key: KeyArg,
}

/// A workflow step's arguments.
#[derive(Debug, Args)]
pub struct StepArgs {
    #[command(flatten)]
    pub target: ExportTarget,
    /// Why (required to reject and to roll back).
    #[arg(long)]
    pub reason: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Turn a period's issued invoices into journal rows (one per invoice and tax rate): PREPARED.
    Prepare {
        #[arg(long)]
        tenant: String,
        /// Destination name.
        #[arg(long)]
        destination: String,
        /// 202611 (a month) or 2026 (a year).
        #[arg(long)]
        period: String,
        /// Only this series.
        #[arg(long)]
        series: Option<String>,
        #[command(flatten)]
        user: UserArg,
        #[command(flatten)]
        key: KeyArg,
    },
    /// An export: state, totals, quality, approvals, and what --user may do now.
    Show {
        #[arg(long)]
        tenant: String,
        export: i64,
        #[command(flatten)]
        user: UserArg,
    },
    /// Exports of a tenant, newest first.
    List {
        #[arg(long)]
        tenant: String,
        /// PREPARED, UNDER_REVIEW, APPROVED, REJECTED, POSTED, FAILED, ROLLBACK_REQUESTED, ROLLED_BACK.
        #[arg(long)]
        state: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// The journal rows of a snapshot.
    Rows {
        #[arg(long)]
        tenant: String,
        export: i64,
        /// prepared, approved (the reviewed copy) or posted.
        #[arg(long, default_value = "approved")]
        snapshot: String,
    },
    /// Correct one field of one row of the reviewed copy, with a reason.
    Edit {
        #[command(flatten)]
        target: ExportTarget,
        /// Row id (`202611-00001-ACME/19`).
        #[arg(long)]
        row: String,
        /// account, contra_account, tax_code, cost_centre, text, net or tax.
        #[arg(long)]
        field: String,
        #[arg(long)]
        value: String,
        /// Why: required.
        #[arg(long)]
        reason: String,
    },
    /// PREPARED → UNDER_REVIEW, if the quality check allows.
    Submit(StepArgs),
    /// Approve (by someone who neither prepared nor edited it), or approve a requested rollback.
    Approve {
        #[command(flatten)]
        step: StepArgs,
        /// Acknowledge that amounts were changed in review.
        #[arg(long)]
        acknowledge: bool,
    },
    /// Reject with a reason (or refuse a requested rollback).
    Reject(StepArgs),
    /// Write the file of an APPROVED (or FAILED) export to its destination.
    Post(StepArgs),
    /// Ask for a posted export to be rolled back (a reversal file, approved by someone else).
    Rollback(StepArgs),
    /// Prepare a REJECTED export again from the invoices, as a new export.
    Revise(StepArgs),
    /// The field-level diff between two snapshots.
    Diff {
        #[arg(long)]
        tenant: String,
        export: i64,
        #[arg(long, default_value = "prepared")]
        from: String,
        #[arg(long, default_value = "approved")]
        to: String,
    },
    /// Show or change the tenant's export rules and account mapping.
    Settings {
        #[arg(long)]
        tenant: String,
        /// Quality score needed to submit (0–100).
        #[arg(long)]
        threshold: Option<u8>,
        /// Hours an approval holds.
        #[arg(long)]
        approval_hours: Option<u32>,
        /// Gross total above which two approvers are needed; `none` for one always.
        #[arg(long)]
        second_approval_above: Option<String>,
        /// Debit account of every row.
        #[arg(long)]
        receivables: Option<String>,
        /// A tax rate to map (with --revenue and --tax-code).
        #[arg(long)]
        rate: Option<String>,
        /// The rate's revenue account.
        #[arg(long)]
        revenue: Option<String>,
        /// The rate's tax code.
        #[arg(long, default_value = "")]
        tax_code: String,
        #[command(flatten)]
        user: UserArg,
    },
}
