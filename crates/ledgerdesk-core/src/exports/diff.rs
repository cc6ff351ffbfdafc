//! The field-level diff between two snapshots of an export. Rows are matched by their stable id, never
//! by position: a reordering is no change. Each differing field carries who changed it, when and why,
//! from the last edit of that field (`gross` follows the last edit of `net` or `tax`).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use ledgerdesk_types::{ExportDiff, FieldChange, JournalRow, Snapshot};

/// One edit as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EditRecord {
    pub row_id: String,
    pub field: String,
    pub old_value: String,
    pub new_value: String,
    pub reason: String,
    pub actor: String,
    pub at: DateTime<Utc>,
}

/// The diff from `older` to `newer`.
pub(crate) fn diff(
    export: i64,
    (from, older): (Snapshot, &[JournalRow]),
    (to, newer): (Snapshot, &[JournalRow]),
    edits: &[EditRecord],
) -> ExportDiff {
    let older: BTreeMap<&str, &JournalRow> = older.iter().map(|r| (r.row_id.as_str(), r)).collect();
    let newer: BTreeMap<&str, &JournalRow> = newer.iter().map(|r| (r.row_id.as_str(), r)).collect();
    // The last edit of each (row, field); edits come oldest first.
    let mut last_edit: BTreeMap<(&str, &str), &EditRecord> = BTreeMap::new();
    for edit in edits {
        last_edit.insert((edit.row_id.as_str(), edit.field.as_str()), edit);
    }
    let ids: BTreeSet<&str> = older.keys().chain(newer.keys()).copied().collect();
    let mut changes = Vec::new();
    for id in &ids {
        match (older.get(id), newer.get(id)) {
            (Some(a), Some(b)) => {
                for field in JournalRow::FIELDS {
                    let (before, after) = (a.field(field), b.field(field));
                    if before == after {
                        continue;
                    }
                    let edit = if field == "gross" {
                        [last_edit.get(&(*id, "net")), last_edit.get(&(*id, "tax"))]
                            .into_iter()
                            .flatten()
                            .max_by_key(|e| e.at)
                            .copied()
                    } else {
                        last_edit.get(&(*id, field)).copied()
                    };
                    changes.push(FieldChange {
                        row_id: (*id).to_owned(),
                        field: field.to_owned(),
                        before,
                        after,
                        by: edit.map(|e| e.actor.clone()),
                        at: edit.map(|e| e.at),
                        reason: edit.map(|e| e.reason.clone()),
                    });
                }
            }
            (a, b) => changes.push(FieldChange {
                row_id: (*id).to_owned(),
                field: "row".into(),
                before: a.map(|_| "present".into()),
                after: b.map(|_| "present".into()),
                by: None,
                at: None,
                reason: None,
            }),
        }
    }
    ExportDiff { export, from, to, rows_compared: ids.len() as u32, changes }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use ledgerdesk_types::Currency;

    use super::*;

    fn row(id: &str, net: &str) -> JournalRow {
        let net: rust_decimal::Decimal = net.parse().unwrap();
        JournalRow {
            row_id: id.into(),
            invoice: id.split('/').next().unwrap().into(),
            date: NaiveDate::from_ymd_opt(2026, 11, 3).unwrap(),
            customer: None,
            customer_tax_id: None,
            account: "1400".into(),
            contra_account: "8400".into(),
            tax_code: "".into(),
            tax_rate: "19".parse().unwrap(),
            currency: Currency::Eur,
            net,
            tax: "0".parse().unwrap(),
            gross: net,
            cost_centre: "".into(),
            text: "t".into(),
        }
    }

    #[test]
    fn reordered_rows_diff_to_nothing() {
        let rows: Vec<JournalRow> = (1..=50).map(|i| row(&format!("A-{i}/19"), &format!("{i}.00"))).collect();
        let mut shuffled = rows.clone();
        shuffled.reverse();
        shuffled.swap(3, 40);
        let diff = diff(1, (Snapshot::Prepared, &rows), (Snapshot::Approved, &shuffled), &[]);
        assert!(diff.changes.is_empty(), "{:?}", diff.changes);
        assert_eq!(diff.rows_compared, 50);
    }

    #[test]
    fn each_changed_field_names_its_last_edit() {
        let before = vec![row("A-1/19", "10.00"), row("A-2/19", "20.00")];
        let mut after = before.clone();
        after[1].net = "25.00".parse().unwrap();
        after[1].gross = after[1].net;
        after[0].cost_centre = "K1".into();
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let edit = |field: &str, old: &str, new: &str, actor: &str, minutes: i64| EditRecord {
            row_id: if field == "cost_centre" { "A-1/19".into() } else { "A-2/19".into() },
            field: field.into(),
            old_value: old.into(),
            new_value: new.into(),
            reason: format!("{actor}'s reason"),
            actor: actor.into(),
            at: at + chrono::Duration::minutes(minutes),
        };
        let edits = [
            edit("net", "20.00", "22.00", "ana", 0),
            edit("net", "22.00", "25.00", "bo", 5),
            edit("cost_centre", "", "K1", "cy", 1),
        ];
        let diff = diff(1, (Snapshot::Prepared, &before), (Snapshot::Approved, &after), &edits);
        let seen: Vec<(&str, &str, Option<&str>, Option<&str>)> = diff
            .changes
            .iter()
            .map(|c| (c.row_id.as_str(), c.field.as_str(), c.after.as_deref(), c.by.as_deref()))
            .collect();
        assert_eq!(
            seen,
            [
                ("A-1/19", "cost_centre", Some("K1"), Some("cy")),
                ("A-2/19", "net", Some("25.00"), Some("bo")),
                ("A-2/19", "gross", Some("25.00"), Some("bo")),
            ]
        );
        assert_eq!(diff.changes[1].before.as_deref(), Some("20.00"));
        assert_eq!(diff.changes[1].reason.as_deref(), Some("bo's reason"));

        let gone = diff_rows_only(&before[..1], &before);
        assert_eq!(
            (gone[0].field.as_str(), gone[0].before.as_deref(), gone[0].after.as_deref()),
            ("row", None, Some("present"))
        );
    }

    fn diff_rows_only(a: &[JournalRow], b: &[JournalRow]) -> Vec<FieldChange> {
        diff(1, (Snapshot::Approved, a), (Snapshot::Posted, b), &[]).changes
    }
}
