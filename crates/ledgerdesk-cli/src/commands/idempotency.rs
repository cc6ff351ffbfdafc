//! `idempotency list | show | purge`.

use ledgerdesk_core::prelude::*;
use ledgerdesk_core::{AnyStore, Error};
use ledgerdesk_types::{IdempotencyQuery, IdempotencyRecord};

use crate::args::{Cli, IdempotencyCommand};
use crate::output::{self, Outcome};

fn summary(record: &IdempotencyRecord) -> String {
    format!(
        "{:<10} {:<16} {:<12} {:<36} replays {:<3} created {}  expires {}",
        record.status.as_str(),
        record.command,
        record.user,
        record.key,
        record.replays,
        record.created_at.format("%Y-%m-%d %H:%M:%S"),
        record.expires_at.format("%Y-%m-%d %H:%M:%S"),
    )
}

fn detail(record: &IdempotencyRecord) -> String {
    let lease = record.locked_until.map(|t| format!("\nlease until  {t}")).unwrap_or_default();
    format!(
        "{}\nfingerprint  {}\nfence        {}{lease}\nresponse     {}",
        summary(record),
        record.fingerprint,
        record.fence,
        record.response.as_deref().unwrap_or("(none yet)")
    )
}

pub async fn run(cli: &Cli, store: &AnyStore, command: &IdempotencyCommand) -> Outcome {
    match command {
        IdempotencyCommand::List { tenant, user, command, status, older_than_minutes, expired, live, limit } => {
            let status = status
                .as_deref()
                .map(|s| s.parse().map_err(|e: String| Error::invalid("status", e.clone(), e)))
                .transpose()?;
            let query = IdempotencyQuery {
                user: user.clone(),
                command: command.clone(),
                status,
                older_than_minutes: *older_than_minutes,
                expired: if *expired {
                    Some(true)
                } else if *live {
                    Some(false)
                } else {
                    None
                },
                limit: Some(*limit),
            };
            let records = store.list_idempotency_records(tenant, &query).await?;
            output::read(cli.json, &records, |list| list.iter().map(summary).collect::<Vec<_>>().join("\n"))
        }
        IdempotencyCommand::Show { tenant, user, command, key } => {
            let record = store.get_idempotency_record(tenant, user, command, key).await?.ok_or_else(|| {
                Error::invalid("key", format!("no record of key {key:?}"), format!("{key:?} anahtarının kaydı yok"))
            })?;
            output::read(cli.json, &record, detail)
        }
        IdempotencyCommand::Purge { batch_size } => {
            let purged = store.purge_idempotency_records(*batch_size).await?;
            let describe = |p: &ledgerdesk_types::Purged| {
                let batches = if p.batches == 1 { "batch" } else { "batches" };
                format!("{} expired records removed in {} {batches}", p.removed, p.batches)
            };
            output::wrote(cli.json, &purged, describe, describe)
        }
    }
}
