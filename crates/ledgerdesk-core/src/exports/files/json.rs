//! The JSON layout: one document with the export's identity, its totals and its rows (amounts as
//! decimal strings, never floats).

use ledgerdesk_types::JournalRow;
use serde_json::json;

use super::FileMeta;
use crate::exports::journal::totals;

pub(crate) fn render(meta: &FileMeta<'_>, rows: &[JournalRow]) -> Result<Vec<u8>, String> {
    let (currency, net, tax, gross) = totals(rows);
    let document = json!({
        "export": meta.export,
        "tenant": meta.tenant,
        "period": meta.period,
        "destination": meta.destination.name,
        "from": meta.range.0,
        "to": meta.range.1,
        "created": meta.created,
        "reverses": meta.reverses.map(|original| json!({"path": original.path, "sha256": original.sha256})),
        "currency": currency,
        "totals": {"net": net, "tax": tax, "gross": gross},
        "rows": rows,
    });
    let mut bytes = serde_json::to_vec_pretty(&document).map_err(|e| e.to_string())?;
    bytes.push(b'\n');
    Ok(bytes)
}
