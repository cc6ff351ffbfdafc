//! Staged accounting exports: a period's issued invoices become journal rows (one per invoice and tax
//! rate), are reviewed and corrected field by field with reasons, approved by other people than those
//! who prepared or edited them, posted as a file, and rolled back by a reversal file.
//!
//! The guard, held by the database itself on both backends:
//! - only the workflow's transitions happen (trigger `exports_legal_transitions`, see [`workflow`]);
//! - an approver never prepared nor edited the export, a rollback's approver never asked for it, and no
//!   one approves twice in a round (trigger `export_approvals_four_eyes`, unique keys);
//! - the prepared and posted snapshots, every edit and every approval are kept as written; the reviewed
//!   copy changes only until posting;
//! - every change names the version it saw (`version_conflict`) and may carry an idempotency key; the
//!   export row is locked for the change (Postgres `FOR UPDATE`, SQLite's writer lock), and the audit
//!   trail gets its entry last, in the same transaction.
//!
//! An approval binds to the hash of the exact rows approved, in one review round, and lapses; posting
//! re-checks all of it and sends the export back to review if anything moved. A file is written whole
//! or not at all ([`files`]), with bytes that depend only on the approved rows, so posting is idempotent
//! and a crash mid-post leaves the export postable.
//!
//! Modules: [`journal`] (rows, accounts, hashes), [`quality`], [`diff`], [`workflow`] (the state
//! machine and four eyes), [`steps`] (what each command writes, decided once), [`files`] (CSV, JSON,
//! DATEV), [`setup`] (destinations and the tenant's export rules); the twins read and write.
//! Why a step is refused: [`ExportError`], with the other errors.

pub(crate) mod diff;
pub(crate) mod files;
pub(crate) mod journal;
pub mod postgres;
pub(crate) mod quality;
pub(crate) mod queries;
pub mod setup;
pub mod sqlite;
pub(crate) mod steps;
pub(crate) mod workflow;

use std::future::Future;

use ledgerdesk_types::{
    EditExport, Export, ExportDiff, ExportQuery, ExportStep, JournalRow, PrepareExport, Reply, Snapshot,
};

pub use crate::error::{ExportError, FourEyes};

use crate::db::forward_to_any_store;
use crate::error::{Error, Result};
use crate::idempotency::Command;
use crate::validate::{validate_code, validate_user};

/// Staged exports, on any database. `actor` is who acts, `viewer` whom the export's allowed actions
/// are worked out for.
pub trait Exports: Send + Sync {
    /// Prepares an export of a period's issued invoices. With `key`, at most once per key.
    fn prepare_export(
        &self,
        request: PrepareExport,
        actor: &str,
        key: Option<&str>,
    ) -> impl Future<Output = Result<Reply<Export>>> + Send;

    /// Corrects one field of one row of the reviewed copy, with a reason. With `key`, at most once.
    fn edit_export(
        &self,
        request: EditExport,
        actor: &str,
        key: Option<&str>,
    ) -> impl Future<Output = Result<Reply<Export>>> + Send;

    /// Submits, approves, rejects, posts, rolls back or revises. With `key`, at most once per key. A
    /// post whose approvals no longer hold answers with the export back UNDER_REVIEW; one whose file
    /// could not be written, FAILED with the error.
    fn step_export(
        &self,
        request: ExportStep,
        actor: &str,
        key: Option<&str>,
    ) -> impl Future<Output = Result<Reply<Export>>> + Send;

    /// One export as `viewer` sees it.
    fn get_export(&self, tenant: &str, export: i64, viewer: &str) -> impl Future<Output = Result<Export>> + Send;

    /// Exports of a tenant, newest first (their quality findings and actions left out).
    fn list_exports(&self, tenant: &str, query: &ExportQuery) -> impl Future<Output = Result<Vec<Export>>> + Send;

    /// The rows of one snapshot, in their order.
    fn export_rows(
        &self,
        tenant: &str,
        export: i64,
        snapshot: Snapshot,
    ) -> impl Future<Output = Result<Vec<JournalRow>>> + Send;

    /// The field-level diff between two snapshots.
    fn diff_export(
        &self,
        tenant: &str,
        export: i64,
        from: Snapshot,
        to: Snapshot,
    ) -> impl Future<Output = Result<ExportDiff>> + Send;
}

forward_to_any_store! {
    impl Exports {
        async fn prepare_export(&self, request: PrepareExport, actor: &str, key: Option<&str>) -> Result<Reply<Export>>;
        async fn edit_export(&self, request: EditExport, actor: &str, key: Option<&str>) -> Result<Reply<Export>>;
        async fn step_export(&self, request: ExportStep, actor: &str, key: Option<&str>) -> Result<Reply<Export>>;
        async fn get_export(&self, tenant: &str, export: i64, viewer: &str) -> Result<Export>;
        async fn list_exports(&self, tenant: &str, query: &ExportQuery) -> Result<Vec<Export>>;
        async fn export_rows(&self, tenant: &str, export: i64, snapshot: Snapshot) -> Result<Vec<JournalRow>>;
        async fn diff_export(&self, tenant: &str, export: i64, from: Snapshot, to: Snapshot) -> Result<ExportDiff>;
    }
}

/// What a revision of `rejected` prepares: the same destination, period and series.
pub(crate) fn revision_request(rejected: &workflow::Record) -> PrepareExport {
    PrepareExport {
        tenant: rejected.tenant.clone(),
        destination: rejected.destination.name.clone(),
        period: rejected.period.clone(),
        series: rejected.series.clone(),
    }
}

fn validate_reason(reason: &str) -> Result<()> {
    if reason.trim().is_empty() || reason.chars().count() > 500 || ledgerdesk_types::text::unsafe_char(reason).is_some()
    {
        return Err(Error::invalid(
            "reason",
            "must be 1 to 500 printable characters",
            "1 ile 500 arasında yazdırılabilir karakter olmalıdır",
        ));
    }
    Ok(())
}

/// Prepare an export.
pub(crate) struct Prepare {
    pub request: PrepareExport,
    pub actor: String,
}

impl Prepare {
    pub(crate) fn new(request: PrepareExport, actor: &str) -> Result<Self> {
        validate_code("tenant", &request.tenant)?;
        validate_code("destination", &request.destination)?;
        validate_user(actor)?;
        journal::period_range(&request.period)?;
        if let Some(series) = &request.series {
            validate_code("series", series)?;
        }
        Ok(Prepare { request, actor: actor.to_owned() })
    }
}

/// Edit one field.
pub(crate) struct Edit {
    pub request: EditExport,
    pub actor: String,
}

impl Edit {
    pub(crate) fn new(request: EditExport, actor: &str) -> Result<Self> {
        validate_code("tenant", &request.tenant)?;
        validate_user(actor)?;
        validate_reason(&request.reason)?;
        if request.row_id.is_empty() || request.row_id.len() > 200 {
            return Err(Error::invalid(
                "row",
                "must be a row id like 202611-00001-ACME/19",
                "202611-00001-ACME/19 gibi bir satır kimliği olmalıdır",
            ));
        }
        if request.value.chars().count() > 500 {
            return Err(Error::invalid("value", "must be at most 500 characters", "en fazla 500 karakter olmalıdır"));
        }
        Ok(Edit { request, actor: actor.to_owned() })
    }
}

/// Move an export on.
pub(crate) struct Step {
    pub request: ExportStep,
    pub actor: String,
}

impl Step {
    pub(crate) fn new(request: ExportStep, actor: &str) -> Result<Self> {
        validate_code("tenant", &request.tenant)?;
        validate_user(actor)?;
        if let Some(reason) = &request.reason {
            validate_reason(reason)?;
        }
        Ok(Step { request, actor: actor.to_owned() })
    }
}

impl Command for Prepare {
    type Output = Export;

    fn name(&self) -> &'static str {
        "export.prepare"
    }
    fn tenant(&self) -> &str {
        &self.request.tenant
    }
    fn user(&self) -> &str {
        &self.actor
    }
    fn action(&self) -> crate::identity::Action {
        crate::identity::Action::PrepareExports
    }
    fn arguments(&self) -> impl serde::Serialize {
        &self.request
    }
    fn apply_sqlite(&self, tx: &rusqlite::Transaction<'_>) -> Result<Export> {
        sqlite::prepare(tx, &self.request, &self.actor, None, crate::db::now())
    }
    fn apply_postgres(&self, conn: &mut sqlx::PgConnection) -> impl Future<Output = Result<Export>> + Send {
        postgres::prepare(conn, &self.request, &self.actor, None, crate::db::now())
    }
}

impl Command for Edit {
    type Output = Export;

    fn name(&self) -> &'static str {
        "export.edit"
    }
    fn tenant(&self) -> &str {
        &self.request.tenant
    }
    fn user(&self) -> &str {
        &self.actor
    }
    fn action(&self) -> crate::identity::Action {
        crate::identity::Action::PrepareExports
    }
    fn arguments(&self) -> impl serde::Serialize {
        &self.request
    }
    fn apply_sqlite(&self, tx: &rusqlite::Transaction<'_>) -> Result<Export> {
        sqlite::edit(tx, self, crate::db::now())
    }
    fn apply_postgres(&self, conn: &mut sqlx::PgConnection) -> impl Future<Output = Result<Export>> + Send {
        postgres::edit(conn, self, crate::db::now())
    }
}

impl Command for Step {
    type Output = Export;

    fn name(&self) -> &'static str {
        match self.request.action {
            ledgerdesk_types::ExportAction::Submit => "export.submit",
            ledgerdesk_types::ExportAction::Approve => "export.approve",
            ledgerdesk_types::ExportAction::Reject => "export.reject",
            ledgerdesk_types::ExportAction::Post => "export.post",
            ledgerdesk_types::ExportAction::Rollback => "export.rollback",
            ledgerdesk_types::ExportAction::Revise => "export.revise",
            ledgerdesk_types::ExportAction::Edit => "export.edit",
        }
    }
    fn tenant(&self) -> &str {
        &self.request.tenant
    }
    fn user(&self) -> &str {
        &self.actor
    }
    fn action(&self) -> crate::identity::Action {
        match self.request.action {
            ledgerdesk_types::ExportAction::Submit
            | ledgerdesk_types::ExportAction::Revise
            | ledgerdesk_types::ExportAction::Edit => crate::identity::Action::PrepareExports,
            ledgerdesk_types::ExportAction::Approve
            | ledgerdesk_types::ExportAction::Reject
            | ledgerdesk_types::ExportAction::Post
            | ledgerdesk_types::ExportAction::Rollback => crate::identity::Action::ApproveExports,
        }
    }
    fn arguments(&self) -> impl serde::Serialize {
        &self.request
    }
    fn apply_sqlite(&self, tx: &rusqlite::Transaction<'_>) -> Result<Export> {
        sqlite::step(tx, self, crate::db::now())
    }
    fn apply_postgres(&self, conn: &mut sqlx::PgConnection) -> impl Future<Output = Result<Export>> + Send {
        postgres::step(conn, self, crate::db::now())
    }
}
