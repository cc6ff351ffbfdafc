//! `audit numbering`.

use ledgerdesk_core::AnyStore;
use ledgerdesk_core::prelude::*;

use crate::args::{AuditCommand, Cli};
use crate::output::{self, Outcome};

fn list(positions: &[i64]) -> String {
    if positions.is_empty() {
        "-".to_owned()
    } else {
        positions.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
    }
}

pub async fn run(cli: &Cli, store: &AnyStore, command: &AuditCommand) -> Outcome {
    let AuditCommand::Numbering { tenant } = command;
    let report = store.audit_numbering(tenant).await?;
    output::read(cli.json, &report, |report| {
        let mut text = String::from("series  period  count  first  last  gaps  duplicates  voided  reserved  status");
        for r in report {
            text.push_str(&format!(
                "\n{:<7} {:<7} {:>5}  {:>5}  {:>4}  {}  {}  {}  {}  {}",
                r.series,
                r.period,
                r.count,
                r.first.map_or("-".into(), |v| v.to_string()),
                r.last.map_or("-".into(), |v| v.to_string()),
                list(&r.gaps),
                list(&r.duplicates),
                list(&r.voided),
                list(&r.reserved),
                if r.is_clean() { "clean" } else { "BROKEN" }
            ));
        }
        text
    })
}
