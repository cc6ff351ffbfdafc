//! `audit numbering | verify | trail`.

use ledgerdesk_core::prelude::*;
use ledgerdesk_core::{AnyStore, Error};
use ledgerdesk_types::{AuditEntry, AuditQuery, ChainVerdict};

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
    match command {
        AuditCommand::Numbering { tenant } => numbering(cli, store, tenant).await,
        AuditCommand::Verify { tenant } => {
            let verdict = store.verify_audit(tenant).await?;
            output::read(cli.json, &verdict, describe_verdict)?;
            match verdict.broken {
                Some(link) => Err(Error::AuditChainBroken(link).into()),
                None => Ok(()),
            }
        }
        AuditCommand::Trail { tenant, subject, before, limit } => {
            let query = AuditQuery { subject: subject.clone(), action: None, before_seq: *before, limit: Some(*limit) };
            let entries = store.list_audit(tenant, &query).await?;
            output::read(cli.json, &entries, |entries| {
                entries.iter().map(describe_entry).collect::<Vec<_>>().join("\n")
            })
        }
    }
}

fn describe_verdict(verdict: &ChainVerdict) -> String {
    match &verdict.broken {
        None => format!(
            "audit trail of {}: {} entries, intact; head {} {}",
            verdict.tenant, verdict.entries, verdict.head_seq, verdict.head_hash
        ),
        Some(link) => format!(
            "audit trail of {}: BROKEN at entry {}: {} ({}); {} entries read, head {} {}",
            verdict.tenant, link.seq, link.kind, link.detail, verdict.entries, verdict.head_seq, verdict.head_hash
        ),
    }
}

fn describe_entry(entry: &AuditEntry) -> String {
    let reason = entry.reason.as_deref().map(|r| format!("  — {r}")).unwrap_or_default();
    format!(
        "#{}  {}  {}  {}  {}{reason}  [{}]",
        entry.seq,
        entry.at.format("%Y-%m-%d %H:%M:%S UTC"),
        entry.actor,
        entry.action,
        entry.subject,
        &entry.hash[..12]
    )
}

async fn numbering(cli: &Cli, store: &AnyStore, tenant: &str) -> Outcome {
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
