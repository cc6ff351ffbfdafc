//! How exports, their rows and their diffs read as text.

use ledgerdesk_types::{Export, ExportDiff, JournalRow, Severity};

/// One line per export, as listed.
pub(crate) fn line(export: &Export) -> String {
    let currency = export.currency.map(|c| c.code()).unwrap_or("");
    format!(
        "#{}  {}  {}{}  {}  {} rows  {} {currency}  quality {}  (version {}, prepared by {})",
        export.id,
        export.period,
        export.destination,
        export.series.as_deref().map(|s| format!(" [{s}]")).unwrap_or_default(),
        export.state,
        export.rows,
        export.gross_total,
        export.quality.score,
        export.version,
        export.prepared_by
    )
}

/// An export in full: the line, its quality findings, approvals, files and what the viewer may do.
pub(crate) fn full(export: &Export) -> String {
    let mut lines = vec![line(export)];
    lines.push(format!(
        "  totals: net {} tax {} gross {}; rows hash {}",
        export.net_total,
        export.tax_total,
        export.gross_total,
        &export.snapshot_hash[..export.snapshot_hash.len().min(16)]
    ));
    let quality = &export.quality;
    lines.push(format!("  quality {} (threshold {}):", quality.score, quality.threshold));
    for finding in &quality.findings {
        let tag = if finding.severity == Severity::Error { "error" } else { "warning" };
        let examples = finding.examples.iter().take(3).cloned().collect::<Vec<_>>().join(", ");
        lines.push(format!("    {tag}[{}] {} (e.g. {examples})", finding.code, finding.message));
    }
    if !export.editors.is_empty() {
        lines.push(format!("  edited by: {}", export.editors.join(", ")));
    }
    lines.push(format!("  approvals ({} needed):", export.approvals_required));
    for a in &export.approvals {
        lines.push(format!(
            "    {} level {} round {} by {} at {}{}",
            a.kind,
            a.level,
            a.round,
            a.approver,
            a.approved_at.format("%Y-%m-%d %H:%M UTC"),
            if a.valid { String::new() } else { "  (no longer holds)".into() }
        ));
    }
    if let Some(file) = &export.posted {
        lines.push(format!("  posted: {} ({} bytes, sha256 {})", file.path, file.size, file.sha256));
    }
    if let Some(requester) = &export.rollback_requested_by {
        lines.push(format!("  rollback asked by {requester}: {}", export.rollback_reason.as_deref().unwrap_or("")));
    }
    if let Some(file) = &export.reversal {
        lines.push(format!("  reversal: {} ({} bytes, sha256 {})", file.path, file.size, file.sha256));
    }
    if let Some(error) = &export.error {
        lines.push(format!("  last error: {error}"));
    }
    let allowed: Vec<&str> = export.actions.iter().filter(|a| a.allowed).map(|a| a.action.as_str()).collect();
    lines.push(format!("  you may: {}", if allowed.is_empty() { "nothing now".into() } else { allowed.join(", ") }));
    lines.join("\n")
}

pub(crate) fn rows(rows: &[JournalRow]) -> String {
    let mut lines =
        vec!["row_id  date  account  contra  tax_code  net  tax  gross  currency  cost_centre  text".to_owned()];
    lines.extend(rows.iter().map(|r| {
        format!(
            "{}  {}  {}  {}  {}  {}  {}  {}  {}  {}  {}",
            r.row_id,
            r.date,
            r.account,
            r.contra_account,
            if r.tax_code.is_empty() { "-" } else { &r.tax_code },
            r.net,
            r.tax,
            r.gross,
            r.currency,
            if r.cost_centre.is_empty() { "-" } else { &r.cost_centre },
            r.text
        )
    }));
    lines.join("\n")
}

pub(crate) fn diff(diff: &ExportDiff) -> String {
    let mut lines = vec![format!(
        "export #{}: {} → {}, {} rows compared, {} changes",
        diff.export,
        diff.from,
        diff.to,
        diff.rows_compared,
        diff.changes.len()
    )];
    for change in &diff.changes {
        let who = match (&change.by, &change.at, &change.reason) {
            (Some(by), Some(at), Some(reason)) => {
                format!("  by {by} at {} — {reason}", at.format("%Y-%m-%d %H:%M UTC"))
            }
            _ => String::new(),
        };
        lines.push(format!(
            "{}  {}: {} → {}{who}",
            change.row_id,
            change.field,
            change.before.as_deref().unwrap_or("(absent)"),
            change.after.as_deref().unwrap_or("(absent)")
        ));
    }
    lines.join("\n")
}
