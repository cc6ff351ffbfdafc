//! Batch issuing: many invoices in one transaction and one durable commit.
//!
//! # The invariant
//! A batch is one transaction. It commits whole or, killed or cut off, not at all; inside it each
//! invoice is issued in a savepoint of its own, so one that fails rolls back alone and consumes no number,
//! while the others are numbered gaplessly in the batch's order, exactly as the same single issues one
//! after another would be (same checks, same statements, same audit entries and outbox events).
//!
//! # Keys
//! Every keyed item is claimed first, in the batch's own transaction, before any series is touched (key
//! rows, then series → counter: the global lock order, so a batch and a single keyed issue never wait on
//! each other in a circle); each answer is stored in the item's savepoint with its invoice. A key that
//! finished earlier replays its answer and issues nothing; so a batch killed halfway and run again, with
//! the same keys, issues exactly the invoices that did not commit. A failure the data decided is stored as
//! the key's answer, as for a single issue; a key whose failure frees it is left unclaimed.
//!
//! # Why
//! One commit for hundreds of invoices instead of one each, and the series' counter row locked once per
//! batch: the cost of durability and of the lock is shared.

pub mod file;
pub(crate) mod group;
pub mod postgres;
pub mod run;
pub mod sqlite;

use std::collections::HashMap;
use std::future::Future;

use chrono::NaiveDate;
use ledgerdesk_types::{Identity, IssuedInvoice, Localized, Reply};

use crate::db::forward_to_any_store;
use crate::error::{Error, Result};
use crate::idempotency::{Command, Held, Scope, fingerprint, to_json, validate_key};
use crate::identity::{Action, authorize};
use crate::model::IssueInvoice;
use crate::numbering::{Draft, SeriesContext};

/// One invoice of a batch, with its idempotency key if it has one.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchItem {
    /// What to issue.
    pub request: IssueInvoice,
    /// At most once per key (1–255 printable ASCII characters).
    pub key: Option<String>,
}

/// What became of one item: its invoice (replayed, for a key that finished earlier), or why not.
pub type BatchOutcome = Result<Reply<IssuedInvoice>>;

/// Most items one batch (one transaction) may carry, so that no batch holds a series' lock for long.
pub const MAX_BATCH: usize = 2_000;

/// Issuing many invoices at once, on any database.
pub trait BatchIssuing: Send + Sync {
    /// Issues `items` in one transaction (see the module's invariant); one outcome per item, in order.
    /// An error for the whole batch (the database went away, every retry met a lock) means nothing of it
    /// was committed.
    fn issue_batch(&self, items: Vec<BatchItem>) -> impl Future<Output = Result<Vec<BatchOutcome>>> + Send;
}

forward_to_any_store! {
    impl BatchIssuing {
        async fn issue_batch(&self, items: Vec<BatchItem>) -> Result<Vec<BatchOutcome>>;
    }
}

/// An item that passed every check needing no database.
#[derive(Debug, Clone)]
pub(crate) struct Ready {
    /// Its place in the batch.
    pub index: usize,
    pub draft: Draft,
    /// Its key's scope and the fingerprint of its arguments.
    pub key: Option<(Scope, String)>,
}

/// A batch split into the outcomes known before the database (refused input) and the items to run.
pub(crate) struct Plan {
    pub outcomes: Vec<Option<BatchOutcome>>,
    pub ready: Vec<Ready>,
}

impl Plan {
    /// Checks every item as a single issue would before its transaction: the batch as a whole needs
    /// the right to issue, and each item must name the signed-in person (see `identity`).
    pub fn of(items: Vec<BatchItem>, identity: &Identity) -> Result<Plan> {
        authorize(identity, Action::IssueInvoices, None)?;
        if items.len() > MAX_BATCH {
            return Err(Error::invalid(
                "items",
                format!("a batch takes at most {MAX_BATCH} invoices"),
                format!("bir toplu işlem en çok {MAX_BATCH} fatura alır"),
            ));
        }
        let mut outcomes = Vec::with_capacity(items.len());
        let mut ready = Vec::with_capacity(items.len());
        for (index, item) in items.into_iter().enumerate() {
            let named = authorize(identity, Action::IssueInvoices, Some(&item.request.user));
            match named.and_then(|()| Self::ready(index, item)) {
                Ok(item) => {
                    outcomes.push(None);
                    ready.push(item);
                }
                Err(e) => outcomes.push(Some(Err(e))),
            }
        }
        Ok(Plan { outcomes, ready })
    }

    fn ready(index: usize, item: BatchItem) -> Result<Ready> {
        let draft = Draft::validate(item.request)?;
        let key = match item.key {
            Some(key) => {
                validate_key(&key)?;
                let scope = Scope {
                    tenant: draft.tenant().to_owned(),
                    user: draft.user().to_owned(),
                    command: draft.name().to_owned(),
                    key,
                };
                let fingerprint = fingerprint(draft.name(), &draft.arguments())?;
                Some((scope, fingerprint))
            }
            None => None,
        };
        Ok(Ready { index, draft, key })
    }

    /// The outcomes, every item's filled in.
    pub fn finish(self) -> Vec<BatchOutcome> {
        self.outcomes
            .into_iter()
            .map(|outcome| {
                outcome.unwrap_or_else(|| {
                    Err(Error::Storage { backend: "core", detail: "a batch item was left without an outcome".into() })
                })
            })
            .collect()
    }
}

/// What the item's key says before its invoice is issued.
pub(crate) enum KeyTurn {
    /// No key: just issue.
    Unkeyed,
    /// Ours under this claim: issue, and store the answer.
    Held(Held),
    /// Decided already (replayed, or refused: in use, reused with other arguments). Boxed: an outcome
    /// (an invoice) is far larger than a claim.
    Decided(Box<BatchOutcome>),
}

/// The checks of a single issue, for a run of invoices of one series issued together: each is admitted
/// (its customer exists, its date is within the books and follows the one before it) in the run's
/// order, under the series lock, and the positions it needs are counted per period.
pub(crate) struct RunCheck<'a> {
    series: &'a SeriesContext,
    last: Option<NaiveDate>,
    periods: Vec<(String, i64)>,
}

impl<'a> RunCheck<'a> {
    /// A run of `series`, whose last issue is dated `last`.
    pub fn new(series: &'a SeriesContext, last: Option<NaiveDate>) -> Self {
        RunCheck { series, last, periods: Vec::new() }
    }

    /// Admits the run's next invoice; returns its customer's id and its date.
    pub fn admit(&mut self, draft: &Draft, customers: &HashMap<String, i64>) -> Result<(Option<i64>, NaiveDate)> {
        let (series, request) = (self.series, &draft.request);
        let customer = match &request.customer {
            Some(code) => Some(*customers.get(code).ok_or_else(|| Error::CustomerNotFound {
                tenant: series.tenant_code.clone(),
                customer: code.clone(),
            })?),
            None => None,
        };
        let date = series.issue_date(request.issue_date)?;
        series.admit(date)?;
        draft.admit_kind(series, date)?;
        if let Some(last) = self.last.filter(|last| date < *last) {
            return Err(series.out_of_order(date, last));
        }
        self.last = Some(date);
        // Dates only rise along the run, so each period's invoices are consecutive.
        let period = series.period(date);
        match self.periods.last_mut() {
            Some((open, count)) if *open == period => *count += 1,
            _ => self.periods.push((period, 1)),
        }
        Ok((customer, date))
    }

    /// Positions to take per period, in the run's order.
    pub fn periods(&self) -> Vec<(String, i64)> {
        self.periods.clone()
    }

    /// The date of the run's last admitted invoice (or the series' last issue date).
    pub fn last(&self) -> Option<NaiveDate> {
        self.last
    }
}

/// What to store as a key's answer after its item failed: `Some(body)` for a failure the data decided,
/// `None` when the key is to be freed instead (see [`Error::frees_key`]).
pub(crate) fn failure_to_store(error: &Error) -> Option<String> {
    if error.frees_key() { None } else { to_json(&error.to_body()).ok() }
}
