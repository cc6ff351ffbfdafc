//! Batch issuing on SQLite. Twin of `postgres.rs`; the invariant is in `mod.rs`.
//!
//! The batch is one `BEGIN IMMEDIATE` transaction (retried whole on busy), so it excludes every other
//! writer for as long as it runs: keep batches to [`super::MAX_BATCH`] items.

use std::sync::Arc;

use ledgerdesk_types::{KeyStatus, Reply};
use rusqlite::Transaction;

use super::{BatchIssuing, BatchItem, BatchOutcome, KeyTurn, Plan, Ready, failure_to_store};
use crate::db::sqlite::SqliteResultExt;
use crate::db::{KeyPolicy, SqliteStore, now};
use crate::error::{Error, Result};
use crate::idempotency::sqlite::{claim, finish, release};
use crate::idempotency::{Claim, Held, replay, to_json};
use crate::numbering::sqlite::issue;

impl super::group::Grouped for SqliteStore {
    fn group(&self) -> std::sync::Arc<super::group::Group> {
        self.shared()
    }

    fn leader(&self) -> Self {
        self.acting_as(crate::db::owner_identity())
    }
}

impl BatchIssuing for SqliteStore {
    async fn issue_batch(&self, items: Vec<BatchItem>) -> Result<Vec<BatchOutcome>> {
        let plan = Plan::of(items, crate::db::Backend::identity(self))?;
        if plan.ready.is_empty() {
            return Ok(plan.finish());
        }
        let ready = Arc::new(plan.ready.clone());
        let policy = self.options().keys;
        let outcomes = self.write(Error::contention, move |tx| run(tx, &ready, policy)).await?;
        let mut plan = plan;
        for (item, outcome) in plan.ready.iter().zip(outcomes) {
            plan.outcomes[item.index] = Some(outcome);
        }
        Ok(plan.finish())
    }
}

/// The batch's transaction: every key claimed, then every invoice in its savepoint.
fn run(tx: &Transaction<'_>, ready: &[Ready], policy: KeyPolicy) -> Result<Vec<BatchOutcome>> {
    let turns = ready.iter().map(|item| key_turn(tx, item, policy)).collect::<Result<Vec<_>>>()?;
    let mut outcomes = Vec::with_capacity(ready.len());
    for (item, turn) in ready.iter().zip(turns) {
        let held = match turn {
            KeyTurn::Decided(outcome) => {
                outcomes.push(*outcome);
                continue;
            }
            KeyTurn::Unkeyed => None,
            KeyTurn::Held(held) => Some(held),
        };
        outcomes.push(issue_one(tx, item, held.as_ref())?);
    }
    Ok(outcomes)
}

fn key_turn(tx: &Transaction<'_>, item: &Ready, policy: KeyPolicy) -> Result<KeyTurn> {
    let Some((scope, fingerprint)) = &item.key else { return Ok(KeyTurn::Unkeyed) };
    Ok(match claim(tx, scope, fingerprint, policy, now()) {
        Ok(Claim::Held { fence }) => KeyTurn::Held(Held { scope: scope.clone(), fence }),
        Ok(Claim::Finished { status, response }) => KeyTurn::Decided(Box::new(replay(status, &response))),
        Err(e) if e.is_retryable() => return Err(e),
        Err(e) => KeyTurn::Decided(Box::new(Err(e))),
    })
}

/// One item in its savepoint. `Err` only for what ends the whole batch (retryable: the database is busy
/// or gone); the item's own failure is its outcome.
fn issue_one(tx: &Transaction<'_>, item: &Ready, held: Option<&Held>) -> Result<BatchOutcome> {
    tx.execute_batch("SAVEPOINT batch_item").db()?;
    let issued = issue(tx, &item.draft).and_then(|invoice| {
        if let Some(held) = held {
            finish(tx, held, KeyStatus::Completed, &to_json(&invoice)?, now())?;
        }
        Ok(invoice)
    });
    match issued {
        Ok(invoice) => {
            tx.execute_batch("RELEASE batch_item").db()?;
            Ok(Ok(Reply { value: invoice, replayed: false }))
        }
        Err(e) if e.is_retryable() => Err(e),
        Err(e) => {
            tx.execute_batch("ROLLBACK TO batch_item; RELEASE batch_item").db()?;
            if let Some(held) = held {
                match failure_to_store(&e) {
                    Some(body) => finish(tx, held, KeyStatus::Failed, &body, now()).map(drop)?,
                    None => release(tx, held)?,
                }
            }
            Ok(Err(e))
        }
    }
}
