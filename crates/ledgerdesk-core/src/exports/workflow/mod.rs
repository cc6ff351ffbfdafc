//! The workflow, judged once for both databases: which step applies in which state, four eyes, the
//! approvals an export needs and whether they still hold, and what each user may do now (with why not).
//!
//! ```text
//! PREPARED ─submit→ UNDER_REVIEW ─approve (every level)→ APPROVED ─post→ POSTED ─rollback→ ROLLBACK_REQUESTED
//!                        │                                 │   │                   approve (by another) │ reject
//!                        │                 post fails: FAILED ─post→ POSTED              ROLLED_BACK ←┘ └→ POSTED
//!                        └──────── reject (also from APPROVED, FAILED) → REJECTED ─revise→ a new PREPARED export
//! ```
//! Edits are allowed in PREPARED, UNDER_REVIEW, APPROVED and FAILED; an edit of an APPROVED or FAILED
//! export sends it back to UNDER_REVIEW in a new review round. Approvals count only in their round, for
//! the exact rows they were given on (the snapshot hash), until they lapse. Posting re-checks all of it,
//! and the quality of the period as it is then.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use ledgerdesk_types::{
    ActionState, Approval, Destination, Export, ExportAction, ExportSettings, ExportState, ExportStep, Localized,
    PostedFile, Quality,
};
use rust_decimal::Decimal;

use crate::error::{Error, Result};
use crate::error::{ExportError, FourEyes};

/// An export's row, as stored (its journal rows apart).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Record {
    pub id: i64,
    pub tenant_id: i64,
    pub tenant: String,
    pub destination: Destination,
    pub period: String,
    pub series_id: Option<i64>,
    pub series: Option<String>,
    pub state: ExportState,
    pub version: i64,
    pub review_round: i64,
    pub revision_of: Option<i64>,
    pub prepared_by: String,
    pub prepared_at: DateTime<Utc>,
    pub posted: Option<PostedFile>,
    pub reversal: Option<PostedFile>,
    pub rollback_requested_by: Option<String>,
    pub rollback_reason: Option<String>,
    pub error: Option<String>,
    pub summary: Summary,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

/// The reviewed copy's summary, kept on the export row.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Summary {
    pub rows: u32,
    pub currency: Option<ledgerdesk_types::Currency>,
    pub net: Decimal,
    pub tax: Decimal,
    pub gross: Decimal,
    pub snapshot_hash: String,
    pub quality: Quality,
}

/// An approval as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApprovalRecord {
    pub kind: String,
    pub round: i64,
    pub level: u8,
    pub approver: String,
    pub snapshot_hash: String,
    pub acknowledged: bool,
    pub approved_at: DateTime<Utc>,
    pub lapses_at: DateTime<Utc>,
}

/// Everything the workflow looks at.
#[derive(Debug, Clone)]
pub(crate) struct Facts {
    pub record: Record,
    pub editors: BTreeSet<String>,
    pub approvals: Vec<ApprovalRecord>,
    pub settings: ExportSettings,
}

/// Kinds of approval.
pub(crate) const EXPORT: &str = "export";
pub(crate) const ROLLBACK: &str = "rollback";

impl Facts {
    /// Approvals the export needs: two when its gross total is above the tenant's amount.
    pub(crate) fn approvals_required(&self) -> u8 {
        match self.settings.second_approval_above {
            Some(above) if self.record.summary.gross.abs() > above => 2,
            _ => 1,
        }
    }

    /// Whether an export approval still holds: this round, these rows, not lapsed.
    pub(crate) fn holds(&self, approval: &ApprovalRecord, now: DateTime<Utc>) -> bool {
        approval.kind == EXPORT
            && approval.round == self.record.review_round
            && approval.snapshot_hash == self.record.summary.snapshot_hash
            && approval.lapses_at > now
    }

    fn this_round(&self) -> impl Iterator<Item = &ApprovalRecord> {
        self.approvals.iter().filter(|a| a.kind == EXPORT && a.round == self.record.review_round)
    }

    /// Why the approvals of this round no longer hold, if one does not (English, Turkish).
    pub(crate) fn broken_approval(&self, now: DateTime<Utc>) -> Option<(String, String)> {
        self.this_round().find(|a| !self.holds(a, now)).map(|a| {
            if a.lapses_at <= now {
                (
                    format!("{}'s approval lapsed at {}", a.approver, a.lapses_at.format("%Y-%m-%d %H:%M UTC")),
                    format!(
                        "{} kişisinin onayının süresi {} tarihinde doldu",
                        a.approver,
                        a.lapses_at.format("%Y-%m-%d %H:%M UTC")
                    ),
                )
            } else {
                (
                    format!("the rows changed after {} approved them", a.approver),
                    format!("satırlar {} onayladıktan sonra değişti", a.approver),
                )
            }
        })
    }
}

/// What a step does, decided before anything is written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Plan {
    /// Moves to `to`.
    Move { to: ExportState },
    /// Records an export approval; with `completes`, the export is APPROVED. `new_round` starts a new
    /// review round first (the round's earlier approvals no longer hold).
    Approve { level: u8, new_round: bool, completes: bool, lapses_at: DateTime<Utc>, acknowledged: bool },
    /// Writes the file: POSTED, or FAILED if writing fails.
    Post { created: DateTime<Utc> },
    /// An approval no longer holds: back to UNDER_REVIEW in a new round, nothing written.
    SendBack { detail: String, detail_tr: String },
    /// POSTED → ROLLBACK_REQUESTED.
    RequestRollback,
    /// Approves the requested rollback: writes the reversal file, ROLLED_BACK.
    ApproveRollback { lapses_at: DateTime<Utc> },
    /// ROLLBACK_REQUESTED → POSTED.
    CancelRollback,
    /// A new export, prepared again from the invoices, revising this one.
    Revise,
}

fn state_invalid(facts: &Facts, action: ExportAction) -> Error {
    ExportError::StateInvalid { export: facts.record.id, action, state: facts.record.state }.into()
}

fn needs_reason(action: ExportAction, reason: Option<&str>) -> Result<()> {
    if reason.is_none_or(|r| r.trim().is_empty()) {
        return Err(ExportError::ReasonRequired(action).into());
    }
    Ok(())
}

fn quality_allows(quality: &Quality) -> Result<()> {
    if quality.submittable() {
        return Ok(());
    }
    Err(ExportError::QualityInsufficient {
        score: quality.score,
        threshold: quality.threshold,
        errors: quality.errors(),
    }
    .into())
}

/// Whether `facts` may be edited now.
pub(crate) fn check_edit(facts: &Facts) -> Result<()> {
    use ExportState::*;
    match facts.record.state {
        Prepared | UnderReview | Approved | Failed => Ok(()),
        _ => Err(state_invalid(facts, ExportAction::Edit)),
    }
}

/// The state an edit leaves the export in, and whether it starts a new review round.
pub(crate) fn after_edit(state: ExportState) -> (ExportState, bool) {
    match state {
        ExportState::Approved | ExportState::Failed => (ExportState::UnderReview, true),
        state => (state, false),
    }
}

/// Decides `step` by `actor` at `now`, against the export as it is (version checked first).
pub(crate) fn plan(facts: &Facts, step: &ExportStep, actor: &str, now: DateTime<Utc>) -> Result<Plan> {
    let record = &facts.record;
    if record.version != step.expected_version {
        return Err(ExportError::VersionConflict {
            export: record.id,
            expected: step.expected_version,
            current: record.version,
        }
        .into());
    }
    decide(facts, step.action, step.reason.as_deref(), step.acknowledge, actor, now)
}

fn decide(
    facts: &Facts,
    action: ExportAction,
    reason: Option<&str>,
    acknowledge: bool,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Plan> {
    use ExportState::*;
    let record = &facts.record;
    let quality = &record.summary.quality;
    let lapses_at = now + chrono::Duration::hours(i64::from(facts.settings.approval_hours));
    match (action, record.state) {
        (ExportAction::Edit, _) => check_edit(facts).map(|()| Plan::Move { to: after_edit(record.state).0 }),
        (ExportAction::Submit, Prepared) => {
            quality_allows(quality)?;
            Ok(Plan::Move { to: UnderReview })
        }
        (ExportAction::Approve, UnderReview) => {
            if actor == record.prepared_by {
                return Err(ExportError::FourEyes(FourEyes::Preparer).into());
            }
            if facts.editors.contains(actor) {
                return Err(ExportError::FourEyes(FourEyes::Editor).into());
            }
            quality_allows(quality)?;
            if quality.needs_acknowledgement() && !acknowledge {
                return Err(ExportError::AcknowledgementRequired.into());
            }
            let new_round = facts.broken_approval(now).is_some();
            if !new_round && facts.this_round().any(|a| a.approver == actor) {
                return Err(ExportError::FourEyes(FourEyes::ApprovedAlready).into());
            }
            let held = if new_round { 0 } else { facts.this_round().count() };
            let level = held as u8 + 1;
            Ok(Plan::Approve {
                level,
                new_round,
                completes: level >= facts.approvals_required(),
                lapses_at,
                acknowledged: acknowledge,
            })
        }
        (ExportAction::Approve, RollbackRequested) => {
            if record.rollback_requested_by.as_deref() == Some(actor) {
                return Err(ExportError::FourEyes(FourEyes::RollbackRequester).into());
            }
            Ok(Plan::ApproveRollback { lapses_at })
        }
        (ExportAction::Reject, UnderReview | Approved | Failed) => {
            needs_reason(action, reason)?;
            Ok(Plan::Move { to: Rejected })
        }
        (ExportAction::Reject, RollbackRequested) => {
            needs_reason(action, reason)?;
            Ok(Plan::CancelRollback)
        }
        (ExportAction::Post, Approved | Failed) => {
            // The period as it is now: an invoice issued into it since approval blocks the post.
            quality_allows(quality)?;
            let valid = facts.this_round().filter(|a| facts.holds(a, now)).count();
            if let Some((detail, detail_tr)) = facts.broken_approval(now) {
                return Ok(Plan::SendBack { detail, detail_tr });
            }
            if valid < usize::from(facts.approvals_required()) {
                return Ok(Plan::SendBack {
                    detail: format!("it has {valid} of the {} approvals it needs", facts.approvals_required()),
                    detail_tr: format!("gereken {} onayın {valid} tanesi var", facts.approvals_required()),
                });
            }
            let created = facts.this_round().map(|a| a.approved_at).max().unwrap_or(now);
            Ok(Plan::Post { created })
        }
        (ExportAction::Rollback, Posted) => {
            needs_reason(action, reason)?;
            Ok(Plan::RequestRollback)
        }
        (ExportAction::Revise, Rejected) => Ok(Plan::Revise),
        _ => Err(state_invalid(facts, action)),
    }
}

/// The actions the UI offers, each allowed or not for `viewer` now, with why not.
pub(crate) fn actions(facts: &Facts, viewer: &str, now: DateTime<Utc>) -> Vec<ActionState> {
    ExportAction::ALL
        .iter()
        .map(|&action| {
            // A reason is asked for when the step is taken; acknowledging is a checkbox next to Approve.
            let decided = decide(facts, action, Some("-"), true, viewer, now);
            let refusal = decided.err();
            ActionState {
                action,
                allowed: refusal.is_none(),
                why_not: refusal.as_ref().map(|e| e.to_string()),
                why_not_tr: refusal.as_ref().map(|e| e.message_tr()),
            }
        })
        .collect()
}

/// The export as `viewer` sees it at `now`.
pub(crate) fn to_export(facts: &Facts, viewer: &str, now: DateTime<Utc>) -> Export {
    let record = &facts.record;
    let summary = &record.summary;
    Export {
        id: record.id,
        tenant: record.tenant.clone(),
        destination: record.destination.name.clone(),
        format: record.destination.format,
        period: record.period.clone(),
        series: record.series.clone(),
        state: record.state,
        version: record.version,
        review_round: record.review_round,
        revision_of: record.revision_of,
        prepared_by: record.prepared_by.clone(),
        prepared_at: record.prepared_at,
        updated_by: record.updated_by.clone(),
        updated_at: record.updated_at,
        rows: summary.rows,
        currency: summary.currency,
        net_total: summary.net,
        tax_total: summary.tax,
        gross_total: summary.gross,
        snapshot_hash: summary.snapshot_hash.clone(),
        quality: summary.quality.clone(),
        editors: facts.editors.iter().cloned().collect(),
        approvals: facts
            .approvals
            .iter()
            .map(|a| Approval {
                kind: a.kind.clone(),
                round: a.round,
                level: a.level,
                approver: a.approver.clone(),
                snapshot_hash: a.snapshot_hash.clone(),
                acknowledged: a.acknowledged,
                approved_at: a.approved_at,
                lapses_at: a.lapses_at,
                valid: facts.holds(a, now) || (a.kind == ROLLBACK),
            })
            .collect(),
        approvals_required: facts.approvals_required(),
        posted: record.posted.clone(),
        reversal: record.reversal.clone(),
        rollback_requested_by: record.rollback_requested_by.clone(),
        rollback_reason: record.rollback_reason.clone(),
        error: record.error.clone(),
        actions: actions(facts, viewer, now),
    }
}

/// An export as listed: its state and summary, without the findings, approvals and actions of one.
pub(crate) fn listed(record: Record, settings: &ExportSettings) -> Export {
    let facts = Facts { record, editors: BTreeSet::new(), approvals: Vec::new(), settings: settings.clone() };
    let mut export = to_export(&facts, "", facts.record.updated_at);
    export.quality.findings.clear();
    export.actions.clear();
    export
}

#[cfg(test)]
mod tests;
