//! Unit tests of the workflow: transitions, four eyes, approvals and what each user may do.

use ledgerdesk_types::{ExportFormat, Finding, Severity};

use super::*;

fn facts(state: ExportState) -> Facts {
    let now = Utc::now();
    Facts {
        record: Record {
            id: 7,
            tenant_id: 1,
            tenant: "ACME".into(),
            destination: Destination {
                id: 1,
                tenant: "ACME".into(),
                name: "datev".into(),
                format: ExportFormat::Datev,
                folder: "/tmp".into(),
                advisor_number: None,
                client_number: None,
                created_by: "admin".into(),
                created_at: now,
            },
            period: "202611".into(),
            series_id: None,
            series: None,
            state,
            version: 3,
            review_round: 1,
            revision_of: None,
            prepared_by: "ana".into(),
            prepared_at: now,
            posted: None,
            reversal: None,
            rollback_requested_by: None,
            rollback_reason: None,
            error: None,
            summary: Summary {
                gross: "5000".parse().unwrap(),
                snapshot_hash: "h1".into(),
                quality: Quality { score: 100, threshold: 70, findings: vec![] },
                ..Summary::default()
            },
            updated_by: "ana".into(),
            updated_at: now,
        },
        editors: BTreeSet::from(["eve".to_owned()]),
        approvals: vec![],
        settings: ExportSettings {
            tenant: "ACME".into(),
            quality_threshold: 70,
            approval_hours: 72,
            second_approval_above: None,
            receivables_account: "1400".into(),
            accounts: vec![],
        },
    }
}

fn step(action: ExportAction) -> ExportStep {
    ExportStep { tenant: "ACME".into(), export: 7, expected_version: 3, action, reason: None, acknowledge: false }
}

fn code(result: Result<Plan>) -> String {
    result.map(|_| "ok".to_owned()).unwrap_or_else(|e| e.code().to_owned())
}

fn approval(approver: &str, hash: &str, lapses_in_hours: i64) -> ApprovalRecord {
    let now = Utc::now();
    ApprovalRecord {
        kind: EXPORT.into(),
        round: 1,
        level: 1,
        approver: approver.into(),
        snapshot_hash: hash.into(),
        acknowledged: false,
        approved_at: now,
        lapses_at: now + chrono::Duration::hours(lapses_in_hours),
    }
}

#[test]
fn only_the_workflows_steps_apply() {
    let now = Utc::now();
    let posted = facts(ExportState::Posted);
    assert_eq!(code(plan(&posted, &step(ExportAction::Submit), "ana", now)), "export_state_invalid");
    assert_eq!(code(plan(&posted, &step(ExportAction::Approve), "bo", now)), "export_state_invalid");
    let prepared = facts(ExportState::Prepared);
    assert_eq!(code(plan(&prepared, &step(ExportAction::Post), "bo", now)), "export_state_invalid");
    assert_eq!(
        plan(&prepared, &step(ExportAction::Submit), "ana", now).unwrap(),
        Plan::Move { to: ExportState::UnderReview }
    );
    let mut stale = step(ExportAction::Submit);
    stale.expected_version = 2;
    assert_eq!(code(plan(&prepared, &stale, "ana", now)), "version_conflict");
    assert_eq!(code(plan(&posted, &step(ExportAction::Rollback), "ana", now)), "reason_required");
}

#[test]
fn four_eyes_and_two_levels_above_the_amount() {
    let now = Utc::now();
    let mut review = facts(ExportState::UnderReview);
    assert_eq!(code(plan(&review, &step(ExportAction::Approve), "ana", now)), "four_eyes_violation");
    assert_eq!(code(plan(&review, &step(ExportAction::Approve), "eve", now)), "four_eyes_violation");
    let Plan::Approve { level: 1, completes: true, .. } =
        plan(&review, &step(ExportAction::Approve), "bo", now).unwrap()
    else {
        panic!("one approval completes below the amount");
    };
    review.settings.second_approval_above = Some("1000".parse().unwrap());
    let Plan::Approve { level: 1, completes: false, .. } =
        plan(&review, &step(ExportAction::Approve), "bo", now).unwrap()
    else {
        panic!("above the amount, the first of two");
    };
    review.approvals.push(approval("bo", "h1", 72));
    assert_eq!(code(plan(&review, &step(ExportAction::Approve), "bo", now)), "four_eyes_violation");
    let Plan::Approve { level: 2, completes: true, new_round: false, .. } =
        plan(&review, &step(ExportAction::Approve), "cy", now).unwrap()
    else {
        panic!("a second person completes it");
    };
}

#[test]
fn an_approval_holds_for_its_rows_until_it_lapses() {
    let now = Utc::now();
    let mut approved = facts(ExportState::Approved);
    approved.approvals.push(approval("bo", "h1", 72));
    assert!(matches!(plan(&approved, &step(ExportAction::Post), "bo", now).unwrap(), Plan::Post { .. }));
    approved.record.summary.snapshot_hash = "h2".into();
    let Plan::SendBack { detail, .. } = plan(&approved, &step(ExportAction::Post), "bo", now).unwrap() else {
        panic!("changed rows");
    };
    assert!(detail.contains("changed after bo approved"), "{detail}");
    approved.record.summary.snapshot_hash = "h1".into();
    approved.approvals[0].lapses_at = now - chrono::Duration::minutes(1);
    let Plan::SendBack { detail, .. } = plan(&approved, &step(ExportAction::Post), "bo", now).unwrap() else {
        panic!("lapsed");
    };
    assert!(detail.contains("lapsed"), "{detail}");
    // Under review again, a lapsed approval starts a new round: the same person may approve anew.
    let mut review = approved.clone();
    review.record.state = ExportState::UnderReview;
    let Plan::Approve { level: 1, new_round: true, .. } =
        plan(&review, &step(ExportAction::Approve), "bo", now).unwrap()
    else {
        panic!("a new round");
    };
}

#[test]
fn quality_and_acknowledgement_gate_submit_and_approve() {
    let now = Utc::now();
    let mut prepared = facts(ExportState::Prepared);
    prepared.record.summary.quality.score = 60;
    assert_eq!(code(plan(&prepared, &step(ExportAction::Submit), "ana", now)), "quality_insufficient");
    let mut review = facts(ExportState::UnderReview);
    review.record.summary.quality.findings.push(Finding {
        severity: Severity::Warning,
        code: "amount_edited".into(),
        count: 1,
        examples: vec![],
        message: String::new(),
        message_tr: String::new(),
    });
    assert_eq!(code(plan(&review, &step(ExportAction::Approve), "bo", now)), "acknowledgement_required");
    let mut acknowledged = step(ExportAction::Approve);
    acknowledged.acknowledge = true;
    assert_eq!(code(plan(&review, &acknowledged, "bo", now)), "ok");
}

#[test]
fn a_rollback_needs_another_persons_approval() {
    let now = Utc::now();
    let mut asked = facts(ExportState::RollbackRequested);
    asked.record.rollback_requested_by = Some("bo".into());
    assert_eq!(code(plan(&asked, &step(ExportAction::Approve), "bo", now)), "four_eyes_violation");
    assert!(matches!(plan(&asked, &step(ExportAction::Approve), "ana", now).unwrap(), Plan::ApproveRollback { .. }));
    let why: Vec<(ExportAction, bool)> = actions(&asked, "bo", now).iter().map(|a| (a.action, a.allowed)).collect();
    assert!(why.contains(&(ExportAction::Approve, false)) && why.contains(&(ExportAction::Reject, true)), "{why:?}");
}
