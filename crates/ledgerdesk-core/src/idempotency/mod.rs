//! Idempotency keys: a command sent twice with one key takes effect once, and the second answer is the
//! first one, replayed (Stripe; IETF `Idempotency-Key` draft).
//!
//! A key is scoped to (tenant, user, command). Its life:
//! 1. **Claim** (a short transaction of its own, not waited onto disk: losing it in a crash costs a retry,
//!    and the effect's durable commit makes it durable too): insert the key `in_flight` under the primary key, with a
//!    fencing token `fence = 1` and a lease (`locked_until`). A second request finds the row instead:
//!    other arguments → `idempotency_key_reused`; finished → its stored answer, replayed; in flight with a
//!    live lease → `idempotency_key_in_use`; in flight with a lapsed lease (its holder died) → taken over
//!    with `fence + 1`; past its TTL → claimed afresh.
//! 2. **Effect** (one transaction): first the key row, confirmed still ours (same fence, still in flight)
//!    and, on Postgres, locked; then the command's writes; then the key marked `completed` with the
//!    response. The effect and the stored answer commit together or not at all, and a holder whose key
//!    was taken over while it stalled does nothing: its fence no longer matches (`idempotency_lease_lost`).
//! 3. A failure the data decided (`license_already_active`, `version_conflict`…) is stored as `failed`
//!    and replayed. Validation runs before the claim and stores nothing; a retryable failure (contention,
//!    database down) and a request refused as it stands (a tenant, series or customer that does not
//!    exist yet, a date the tenant does not accept today: [`Error::frees_key`]) free the key, so the
//!    retry, or the same request once the cause is fixed, runs again.
//!
//! Lock order, global: the key row first, then the command's own rows (series → counter, or one license).
//! The claim transaction touches only the key row.

mod fingerprint;
pub mod postgres;
pub mod sqlite;

use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use ledgerdesk_types::{IdempotencyQuery, IdempotencyRecord, KeyStatus, Localized, Purged, Reply};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::db::{Param, forward_to_any_store};
use crate::error::{Error, Result};
pub use fingerprint::fingerprint;

/// The stored records of idempotency keys, on any database: what the Idempotency screen and
/// `ledgerdesk idempotency` browse and purge.
pub trait Keys: Send + Sync {
    /// Idempotency records of a tenant, newest first.
    fn list_idempotency_records(
        &self,
        tenant: &str,
        query: &IdempotencyQuery,
    ) -> impl Future<Output = Result<Vec<IdempotencyRecord>>> + Send;

    /// One idempotency record by its full scope.
    fn get_idempotency_record(
        &self,
        tenant: &str,
        user: &str,
        command: &str,
        key: &str,
    ) -> impl Future<Output = Result<Option<IdempotencyRecord>>> + Send;

    /// Deletes expired idempotency records (of every tenant), at most `batch` rows per transaction.
    fn purge_idempotency_records(&self, batch: u32) -> impl Future<Output = Result<Purged>> + Send;
}

forward_to_any_store! {
    impl Keys {
        async fn list_idempotency_records(&self, tenant: &str, query: &IdempotencyQuery) -> Result<Vec<IdempotencyRecord>>;
        async fn get_idempotency_record(&self, tenant: &str, user: &str, command: &str, key: &str) -> Result<Option<IdempotencyRecord>>;
        async fn purge_idempotency_records(&self, batch: u32) -> Result<Purged>;
    }
}

/// A state-changing command: its name, its tenant, its fingerprint and its effect on each database.
pub(crate) trait Command: Send + Sync + 'static {
    /// What the command returns; stored as JSON and replayed.
    type Output: Serialize + DeserializeOwned + Send + 'static;

    /// The command's name in key scopes and records (`invoice.issue`).
    fn name(&self) -> &'static str;

    /// The tenant it acts in.
    fn tenant(&self) -> &str;

    /// The user it acts for; keys are scoped to them.
    fn user(&self) -> &str;

    /// What it does, for who may (see `identity`).
    fn action(&self) -> crate::identity::Action;

    /// The arguments that make two requests "the same request".
    fn arguments(&self) -> impl Serialize;

    /// The error when every retry met a lock.
    fn exhausted(attempts: u32) -> Error {
        Error::DatabaseBusy { attempts }
    }

    /// The effect, inside a `BEGIN IMMEDIATE` transaction.
    fn apply_sqlite(&self, tx: &rusqlite::Transaction<'_>) -> Result<Self::Output>;

    /// The effect, inside a Postgres transaction (or, when [`Self::postgres_autocommit`] says so and no key
    /// is held, on a bare connection).
    fn apply_postgres(&self, conn: &mut sqlx::PgConnection) -> impl Future<Output = Result<Self::Output>> + Send;

    /// Whether the effect writes in one statement, which Postgres commits atomically on its own: without
    /// a key it then runs outside `BEGIN … COMMIT`, saving two round trips, and every lock it takes is
    /// held only while that statement runs and commits. Reads before the statement see committed data,
    /// as they would at the start of a READ COMMITTED transaction.
    fn postgres_autocommit(&self) -> bool {
        false
    }
}

/// A key's full scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Scope {
    pub tenant: String,
    pub user: String,
    pub command: String,
    pub key: String,
}

impl Scope {
    /// The scope of a stored record, to look it up.
    pub(crate) fn lookup(tenant: &str, user: &str, command: &str, key: &str) -> Scope {
        Scope { tenant: tenant.to_owned(), user: user.to_owned(), command: command.to_owned(), key: key.to_owned() }
    }
}

/// A claim this request holds: the scope and the fencing token it must still own to commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Held {
    pub scope: Scope,
    pub fence: i64,
}

/// What claiming a key gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Claim {
    /// Ours to run, under this fence.
    Held { fence: i64 },
    /// Finished earlier: its stored answer.
    Finished { status: KeyStatus, response: String },
}

/// The stored row a second claim finds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Existing {
    pub fingerprint: String,
    pub status: KeyStatus,
    pub fence: i64,
    pub locked_until: Option<DateTime<Utc>>,
    pub expires_at: DateTime<Utc>,
    pub response: Option<String>,
}

/// What to do with a key that exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// Past its TTL: replace it with a fresh claim for these arguments.
    Renew,
    /// In flight, lease lapsed: the holder is presumed dead; take over with a new fence.
    TakeOver,
    /// Finished: replay the stored answer.
    Replay,
}

/// The judgement both twins apply to a key that exists; they differ only in SQL.
pub(crate) fn decide(existing: &Existing, fingerprint: &str, command: &str, now: DateTime<Utc>) -> Result<Step> {
    let lease_live = existing.status == KeyStatus::InFlight && existing.locked_until.is_some_and(|until| until > now);
    if existing.expires_at <= now && !lease_live {
        return Ok(Step::Renew);
    }
    if existing.fingerprint != fingerprint {
        return Err(Error::IdempotencyKeyReused { command: command.to_owned() });
    }
    match (existing.status, existing.locked_until) {
        (KeyStatus::InFlight, Some(locked_until)) if lease_live => Err(Error::IdempotencyKeyInUse { locked_until }),
        (KeyStatus::InFlight, _) => Ok(Step::TakeOver),
        _ => Ok(Step::Replay),
    }
}

/// Refuses keys that are empty, longer than 255 characters or not printable ASCII.
pub(crate) fn validate_key(key: &str) -> Result<()> {
    if key.is_empty() {
        return Err(Error::IdempotencyKeyInvalid("it is empty"));
    }
    if key.len() > 255 {
        return Err(Error::IdempotencyKeyInvalid("it is longer than 255 characters"));
    }
    if !key.bytes().all(|b| (b' '..=b'~').contains(&b)) {
        return Err(Error::IdempotencyKeyInvalid("only printable ASCII characters may be used"));
    }
    Ok(())
}

/// JSON text of a value to store.
pub(crate) fn to_json(value: &impl Serialize) -> Result<String> {
    serde_json::to_string(value)
        .map_err(|e| Error::Storage { backend: "core", detail: format!("cannot encode the response: {e}") })
}

/// The answer a finished key gives again: its stored value, or its stored failure as [`Error::Replayed`].
pub(crate) fn replay<T: DeserializeOwned>(status: KeyStatus, response: &str) -> Result<Reply<T>> {
    match status {
        KeyStatus::Failed => Err(Error::Replayed(stored(response)?)),
        _ => Ok(Reply { value: stored(response)?, replayed: true }),
    }
}

fn stored<T: DeserializeOwned>(response: &str) -> Result<T> {
    serde_json::from_str(response)
        .map_err(|e| Error::Storage { backend: "core", detail: format!("cannot read a stored response: {e}") })
}

/// What each store does with keys; [`execute`] drives it the same way on both databases.
pub(crate) trait KeyLedger: crate::db::Backend + Sync {
    /// Claims `scope` for a request with `fingerprint` (step 1), in a transaction of its own.
    fn claim(&self, scope: &Scope, fingerprint: &str) -> impl Future<Output = Result<Claim>> + Send;

    /// Runs the command's effect in one transaction, retried whole on contention; with `held`, the key is
    /// marked completed in that same transaction, if its fence is still ours (step 2).
    fn apply<C: Command>(
        &self,
        command: &Arc<C>,
        held: Option<&Held>,
    ) -> impl Future<Output = Result<C::Output>> + Send;

    /// Stores a failure the data decided as the key's answer, if its fence is still ours (step 3).
    fn record_failure(&self, held: &Held, error: &str) -> impl Future<Output = Result<()>> + Send;

    /// Frees the key after a retryable failure, if its fence is still ours.
    fn release(&self, held: &Held) -> impl Future<Output = Result<()>> + Send;
}

/// Runs `command`; with `key` (1–255 printable ASCII characters, one per logical request), at most once
/// per key. Who is acting is checked first (see `identity`): a refused request claims no key, and runs
/// under the same key once the person holds the role.
pub(crate) async fn execute<L: KeyLedger, C: Command>(
    ledger: &L,
    command: C,
    key: Option<&str>,
) -> Result<Reply<C::Output>> {
    crate::identity::authorize(ledger.identity(), command.action(), Some(command.user()))?;
    execute_authorized(ledger, command, key).await
}

/// [`execute`] for a command whose caller was authorized already (an issue queued for group commit,
/// checked as it joined the queue and run by the queue's task).
pub(crate) async fn execute_authorized<L: KeyLedger, C: Command>(
    ledger: &L,
    command: C,
    key: Option<&str>,
) -> Result<Reply<C::Output>> {
    let command = Arc::new(command);
    let Some(key) = key else {
        return ledger.apply(&command, None).await.map(|value| Reply { value, replayed: false });
    };
    validate_key(key)?;
    let scope = Scope {
        tenant: command.tenant().to_owned(),
        user: command.user().to_owned(),
        command: command.name().to_owned(),
        key: key.to_owned(),
    };
    let fingerprint = fingerprint(command.name(), &command.arguments())?;
    let fence = match ledger.claim(&scope, &fingerprint).await? {
        Claim::Held { fence } => fence,
        Claim::Finished { status, response } => return replay(status, &response),
    };
    crate::fault::pause("after-claim").await;
    let held = Held { scope, fence };
    match ledger.apply(&command, Some(&held)).await {
        Ok(value) => Ok(Reply { value, replayed: false }),
        Err(error) if error.frees_key() => {
            // Retryable, or refused as the request stands (bad input, a lookup that found nothing yet):
            // nothing is stored, so the same key runs again once the cause is fixed. Best effort: if
            // freeing fails too, the lease runs out and the next request takes over.
            let _ = ledger.release(&held).await;
            Err(error)
        }
        Err(error) => {
            // The caller hears the command's own error either way; if it cannot be stored, the key is
            // freed instead, so a retry runs the command again rather than wait out the lease.
            let stored = match to_json(&error.to_body()) {
                Ok(body) => ledger.record_failure(&held, &body).await,
                Err(e) => Err(e),
            };
            if stored.is_err() {
                let _ = ledger.release(&held).await;
            }
            Err(error)
        }
    }
}

/// The record list of one tenant with only the filters asked for, newest first. `placeholder` spells
/// parameter `n` (`?n` for SQLite, `$n` for Postgres).
pub(crate) fn list_sql(
    tenant: &str,
    query: &IdempotencyQuery,
    now: DateTime<Utc>,
    placeholder: fn(usize) -> String,
) -> (String, Vec<Param>) {
    let mut sql = format!("SELECT {RECORD_COLUMNS} FROM idempotency_keys WHERE tenant = {}", placeholder(1));
    let mut params = vec![Param::Text(tenant.to_owned())];
    let mut filter = |clause: &str, param: Param| {
        params.push(param);
        sql.push_str(&clause.replace("{p}", &placeholder(params.len())));
    };
    if let Some(user) = &query.user {
        filter(" AND user_id = {p}", Param::Text(user.clone()));
    }
    if let Some(command) = &query.command {
        filter(" AND command = {p}", Param::Text(command.clone()));
    }
    if let Some(status) = query.status {
        filter(" AND status = {p}", Param::Text(status.as_str().to_owned()));
    }
    if let Some(minutes) = query.older_than_minutes {
        filter(" AND created_at <= {p}", Param::Time(now - chrono::Duration::minutes(i64::from(minutes))));
    }
    match query.expired {
        Some(true) => filter(" AND expires_at <= {p}", Param::Time(now)),
        Some(false) => filter(" AND expires_at > {p}", Param::Time(now)),
        None => {}
    }
    let limit = query.limit.unwrap_or(100).clamp(1, 500);
    filter(" ORDER BY created_at DESC, key LIMIT {p}", Param::Int(i64::from(limit)));
    (sql, params)
}

/// The columns of a record, in the order both twins read them.
pub(crate) const RECORD_COLUMNS: &str = "tenant, user_id, command, key, fingerprint, status, fence, response, replays, \
     created_at, locked_until, completed_at, expires_at";

/// Parses a stored status.
pub(crate) fn status(text: &str) -> Result<KeyStatus> {
    text.parse().map_err(|e: String| Error::Storage { backend: "core", detail: e })
}

/// Rows a purge deletes per transaction unless told otherwise, so a large purge never holds locks long.
pub const PURGE_BATCH: u32 = 1_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_one_to_255_printable_ascii_characters() {
        assert!(validate_key("a").is_ok());
        assert!(validate_key(&"k".repeat(255)).is_ok());
        assert!(validate_key("order 42/retry:1 ~").is_ok());
        for bad in [String::new(), "k".repeat(256), "tab\there".into(), "ünicode".into(), "nl\n".into()] {
            assert_eq!(validate_key(&bad).unwrap_err().code(), "idempotency_key_invalid", "{bad:?}");
        }
    }

    #[test]
    fn decides_replay_in_use_take_over_renew_and_reuse() {
        let now = Utc::now();
        let later = now + chrono::Duration::minutes(1);
        let earlier = now - chrono::Duration::minutes(1);
        let row = |status, locked_until, expires_at| Existing {
            fingerprint: "f".into(),
            status,
            fence: 1,
            locked_until,
            expires_at,
            response: None,
        };
        let decide = |row: &Existing, fp: &str| decide(row, fp, "c", now);
        assert_eq!(decide(&row(KeyStatus::Completed, None, later), "f").unwrap(), Step::Replay);
        assert_eq!(decide(&row(KeyStatus::Failed, None, later), "f").unwrap(), Step::Replay);
        assert_eq!(decide(&row(KeyStatus::Completed, None, later), "g").unwrap_err().code(), "idempotency_key_reused");
        let in_flight = row(KeyStatus::InFlight, Some(later), later);
        assert_eq!(decide(&in_flight, "f").unwrap_err().code(), "idempotency_key_in_use");
        assert_eq!(decide(&in_flight, "g").unwrap_err().code(), "idempotency_key_reused");
        assert_eq!(decide(&row(KeyStatus::InFlight, Some(earlier), later), "f").unwrap(), Step::TakeOver);
        assert_eq!(decide(&row(KeyStatus::Completed, None, earlier), "g").unwrap(), Step::Renew);
        // A live lease outlasts the TTL: the key stays in use.
        assert_eq!(
            decide(&row(KeyStatus::InFlight, Some(later), earlier), "f").unwrap_err().code(),
            "idempotency_key_in_use"
        );
    }
}
