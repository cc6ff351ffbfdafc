//! Batch issuing on Postgres. Twin of `sqlite.rs`; the invariant is in `mod.rs`.
//!
//! READ COMMITTED, as a single issue: the key rows are locked by their claims, the series and counter
//! rows by the first item of each series, all until the batch commits. Each item's savepoint costs two
//! round trips; its invoice is the same one statement a single issue sends.

use ledgerdesk_types::{KeyStatus, Reply};
use sqlx::PgConnection;

use super::{BatchIssuing, BatchItem, BatchOutcome, KeyTurn, Plan, Ready, failure_to_store};
use crate::db::postgres::PgResultExt;
use crate::db::{KeyPolicy, PgStore, now};
use crate::error::{Error, Result};
use crate::idempotency::postgres::{claim_in, finish, release};
use crate::idempotency::{Claim, Held, replay, to_json};
use crate::numbering::postgres::issue;

impl BatchIssuing for PgStore {
    async fn issue_batch(&self, items: Vec<BatchItem>) -> Result<Vec<BatchOutcome>> {
        let mut plan = Plan::of(items)?;
        if plan.ready.is_empty() {
            return Ok(plan.finish());
        }
        let policy = self.key_policy();
        let outcomes = self
            .retried(Error::contention, || async {
                let mut tx = self.pool().begin().await.db()?;
                let outcomes = run(&mut tx, &plan.ready, policy).await?;
                tx.commit().await.db()?;
                Ok(outcomes)
            })
            .await?;
        for (index, outcome) in plan.ready.iter().map(|item| item.index).zip(outcomes) {
            plan.outcomes[index] = Some(outcome);
        }
        Ok(plan.finish())
    }
}

/// The batch's transaction: every key claimed, then every invoice in its savepoint.
async fn run(tx: &mut PgConnection, ready: &[Ready], policy: KeyPolicy) -> Result<Vec<BatchOutcome>> {
    let mut turns = Vec::with_capacity(ready.len());
    for item in ready {
        turns.push(key_turn(&mut *tx, item, policy).await?);
    }
    let mut outcomes = Vec::with_capacity(ready.len());
    for (item, turn) in ready.iter().zip(turns) {
        let held = match turn {
            KeyTurn::Decided(outcome) => {
                outcomes.push(outcome);
                continue;
            }
            KeyTurn::Unkeyed => None,
            KeyTurn::Held(held) => Some(held),
        };
        outcomes.push(issue_one(&mut *tx, item, held.as_ref()).await?);
    }
    Ok(outcomes)
}

async fn key_turn(tx: &mut PgConnection, item: &Ready, policy: KeyPolicy) -> Result<KeyTurn> {
    let Some((scope, fingerprint)) = &item.key else { return Ok(KeyTurn::Unkeyed) };
    // Its own savepoint: a refused claim (a key in use) must not abort the batch's transaction.
    sqlx::query("SAVEPOINT batch_key").execute(&mut *tx).await.db()?;
    let turn = match claim_in(&mut *tx, scope, fingerprint, policy, now()).await {
        Ok(Claim::Held { fence }) => KeyTurn::Held(Held { scope: scope.clone(), fence }),
        Ok(Claim::Finished { status, response }) => KeyTurn::Decided(replay(status, &response)),
        Err(e) if e.is_retryable() => return Err(e),
        Err(e) => {
            sqlx::query("ROLLBACK TO batch_key").execute(&mut *tx).await.db()?;
            KeyTurn::Decided(Err(e))
        }
    };
    sqlx::query("RELEASE batch_key").execute(&mut *tx).await.db()?;
    Ok(turn)
}

/// One item in its savepoint. `Err` only for what ends the whole batch (retryable: contention, the
/// database gone); the item's own failure is its outcome.
async fn issue_one(tx: &mut PgConnection, item: &Ready, held: Option<&Held>) -> Result<BatchOutcome> {
    sqlx::query("SAVEPOINT batch_item").execute(&mut *tx).await.db()?;
    let issued = match issue(&mut *tx, &item.draft).await {
        Ok(invoice) => match held {
            Some(held) => {
                finish(&mut *tx, held, KeyStatus::Completed, &to_json(&invoice)?, now()).await.map(|_| invoice)
            }
            None => Ok(invoice),
        },
        Err(e) => Err(e),
    };
    match issued {
        Ok(invoice) => {
            sqlx::query("RELEASE batch_item").execute(&mut *tx).await.db()?;
            Ok(Ok(Reply { value: invoice, replayed: false }))
        }
        Err(e) if e.is_retryable() => Err(e),
        Err(e) => {
            sqlx::query("ROLLBACK TO batch_item").execute(&mut *tx).await.db()?;
            sqlx::query("RELEASE batch_item").execute(&mut *tx).await.db()?;
            if let Some(held) = held {
                match failure_to_store(&e) {
                    Some(body) => finish(&mut *tx, held, KeyStatus::Failed, &body, now()).await.map(drop)?,
                    None => release(&mut *tx, held).await?,
                }
            }
            Ok(Err(e))
        }
    }
}
