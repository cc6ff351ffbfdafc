//! The audit trail: one append-only, hash-chained log per tenant of every export step, edit and
//! approval, every invoice issued, payment recorded and license changed.
//!
//! Entry n is written in the same transaction as the change it records, as the last statement before
//! commit: it moves the tenant's `audit_heads` row one step on (a row lock on Postgres, the writer lock
//! on SQLite), so concurrent writers line up and the chain never forks. Its hash is SHA-256 over
//! `"{hash of n-1}\n{n}\n{body}"`, body being the entry's canonical JSON ([`body`]); entry 1 follows
//! [`GENESIS`]. Triggers refuse UPDATE and DELETE on the trail (and TRUNCATE on Postgres), and the head
//! only ever moves one entry on.
//!
//! [`Verifier`] recomputes the chain and names the first break: an entry whose content no longer
//! matches its hash, a gap (entries deleted), an entry past the head or not following its predecessor
//! (entries inserted). Someone able to bypass the triggers *and* rewrite every later hash and the head
//! can forge a consistent chain: the verdict's head hash, written down elsewhere, closes that door.

pub mod postgres;
pub mod sqlite;

use std::future::Future;

use chrono::{DateTime, SecondsFormat, Utc};
use ledgerdesk_types::{AuditEntry, AuditQuery, BrokenLink, ChainBreak, ChainVerdict};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::db::{Param, forward_to_any_store};
use crate::error::{Error, Result};

/// The previous hash of a tenant's first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Entries read per query while verifying, so a chain of millions never sits in memory at once.
pub(crate) const VERIFY_BATCH: i64 = 5_000;

/// The audit trail, on any database.
pub trait AuditTrail: Send + Sync {
    /// Entries of a tenant, newest first.
    fn list_audit(&self, tenant: &str, query: &AuditQuery) -> impl Future<Output = Result<Vec<AuditEntry>>> + Send;

    /// Recomputes the tenant's whole chain and reports the first break.
    fn verify_audit(&self, tenant: &str) -> impl Future<Output = Result<ChainVerdict>> + Send;

    /// Reads every entry of the tenant's chain as `verify_audit` does, hashing and checking nothing;
    /// returns how many: the benchmark's baseline.
    fn scan_audit(&self, tenant: &str) -> impl Future<Output = Result<u64>> + Send;
}

forward_to_any_store! {
    impl AuditTrail {
        async fn list_audit(&self, tenant: &str, query: &AuditQuery) -> Result<Vec<AuditEntry>>;
        async fn verify_audit(&self, tenant: &str) -> Result<ChainVerdict>;
        async fn scan_audit(&self, tenant: &str) -> Result<u64>;
    }
}

/// What a guard appends: who did what to which subject, why, and the subject before and after.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    pub actor: String,
    pub action: &'static str,
    pub subject: String,
    pub reason: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl Entry {
    /// An entry with no reason and no before/after.
    pub(crate) fn new(actor: &str, action: &'static str, subject: String) -> Entry {
        Entry { actor: actor.to_owned(), action, subject, reason: None, before: None, after: None }
    }

    /// With the subject as it is after the change.
    pub(crate) fn after(mut self, value: &impl Serialize) -> Entry {
        self.after = serde_json::to_value(value).ok();
        self
    }

    /// With the subject as it was before the change.
    pub(crate) fn before(mut self, value: &impl Serialize) -> Entry {
        self.before = serde_json::to_value(value).ok();
        self
    }

    /// With a reason.
    pub(crate) fn reason(mut self, reason: Option<&str>) -> Entry {
        self.reason = reason.map(str::to_owned);
        self
    }
}

/// The canonical JSON an entry's hash covers. Fields in this fixed order; objects inside `before` and
/// `after` have sorted keys (serde_json's map); the text is stored as written and hashed as stored.
#[derive(Serialize)]
struct Body<'a> {
    tenant: &'a str,
    at: String,
    actor: &'a str,
    action: &'a str,
    subject: &'a str,
    reason: Option<&'a str>,
    before: Option<&'a Value>,
    after: Option<&'a Value>,
}

/// The body of `entry`, written at `at` in `tenant`.
pub(crate) fn body(tenant: &str, at: DateTime<Utc>, entry: &Entry) -> Result<String> {
    let body = Body {
        tenant,
        at: at.to_rfc3339_opts(SecondsFormat::Micros, true),
        actor: &entry.actor,
        action: entry.action,
        subject: &entry.subject,
        reason: entry.reason.as_deref(),
        before: entry.before.as_ref(),
        after: entry.after.as_ref(),
    };
    serde_json::to_string(&body)
        .map_err(|e| Error::Storage { backend: "core", detail: format!("cannot encode an audit entry: {e}") })
}

/// Entry `seq`'s hash: SHA-256 over `"{prev}\n{seq}\n{body}"`, lower-case hex. The Postgres twin computes
/// the same in SQL (`sha256(convert_to(…, 'UTF8'))`).
pub(crate) fn link(prev: &str, seq: i64, body: &str) -> String {
    let digest = Sha256::new().chain_update(prev).chain_update(b"\n").chain_update(seq.to_string()).chain_update(b"\n");
    hex(&digest.chain_update(body).finalize())
}

/// The columns both twins read an entry from, in this order.
pub(crate) const COLUMNS: &str = "seq, at, actor, action, subject, body, prev_hash, hash";

/// The newest entries of tenant `{1}` with the query's filters. `placeholder` spells parameter `n`.
pub(crate) fn list_sql(tenant_id: i64, query: &AuditQuery, placeholder: fn(usize) -> String) -> (String, Vec<Param>) {
    let mut sql = format!("SELECT {COLUMNS} FROM audit_trail WHERE tenant_id = {}", placeholder(1));
    let mut params = vec![Param::Int(tenant_id)];
    let mut filter = |clause: &str, param: Param| {
        params.push(param);
        sql.push_str(&clause.replace("{p}", &placeholder(params.len())));
    };
    if let Some(subject) = &query.subject {
        filter(" AND subject = {p}", Param::Text(subject.clone()));
    }
    if let Some(action) = &query.action {
        filter(" AND action = {p}", Param::Text(action.clone()));
    }
    if let Some(seq) = query.before_seq {
        filter(" AND seq < {p}", Param::Int(seq));
    }
    filter(" ORDER BY seq DESC LIMIT {p}", Param::Int(i64::from(query.page_size())));
    (sql, params)
}

/// The next batch of entries to verify: tenant `{1}`, after seq `{2}`, at most `{3}`, in order.
pub(crate) fn verify_batch_sql(placeholder: fn(usize) -> String) -> String {
    format!(
        "SELECT {COLUMNS} FROM audit_trail WHERE tenant_id = {} AND seq > {} ORDER BY seq LIMIT {}",
        placeholder(1),
        placeholder(2),
        placeholder(3)
    )
}

/// Lower-case hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An entry as stored: the searchable columns and the hashed body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stored {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub body: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The parts of a body the columns copy, and the rest the UI shows.
#[derive(serde::Deserialize)]
struct ParsedBody {
    tenant: String,
    at: DateTime<Utc>,
    actor: String,
    action: String,
    subject: String,
    reason: Option<String>,
    before: Option<Value>,
    after: Option<Value>,
}

impl Stored {
    /// The entry as listed: its reason and before/after come from the body.
    pub(crate) fn into_entry(self) -> AuditEntry {
        let parsed = serde_json::from_str::<ParsedBody>(&self.body).ok();
        let json = |value: Option<Value>| value.map(|v| v.to_string());
        let (reason, before, after) = match parsed {
            Some(body) => (body.reason, json(body.before), json(body.after)),
            None => (None, None, None),
        };
        AuditEntry {
            seq: self.seq,
            at: self.at,
            actor: self.actor,
            action: self.action,
            subject: self.subject,
            reason,
            before,
            after,
            prev_hash: self.prev_hash,
            hash: self.hash,
        }
    }
}

/// Walks a tenant's entries in seq order and stops at the first break; both twins feed it.
#[derive(Debug)]
pub(crate) struct Verifier {
    tenant: String,
    head_seq: i64,
    head_hash: String,
    entries: u64,
    last_seq: i64,
    last_hash: String,
    broken: Option<BrokenLink>,
}

impl Verifier {
    /// A walk of `tenant`'s chain, whose head says `head_seq` entries ending in `head_hash`.
    pub(crate) fn new(tenant: &str, head_seq: i64, head_hash: String) -> Verifier {
        Verifier {
            tenant: tenant.to_owned(),
            head_seq,
            head_hash,
            entries: 0,
            last_seq: 0,
            last_hash: GENESIS.to_owned(),
            broken: None,
        }
    }

    /// Checks the next entry; `false` once the chain is broken (stop reading).
    pub(crate) fn check(&mut self, entry: &Stored) -> bool {
        if self.broken.is_some() {
            return false;
        }
        self.entries += 1;
        let expected = self.last_seq + 1;
        let seq = entry.seq;
        let broken = if seq != expected {
            let detail = if seq - 1 == expected {
                format!("entry {expected} is missing")
            } else {
                format!("entries {expected} to {} are missing", seq - 1)
            };
            Some((expected, ChainBreak::RowMissing, detail))
        } else if seq > self.head_seq {
            let detail =
                format!("entry {seq} lies past the chain's head ({}): it was not written by Ledgerdesk", self.head_seq);
            Some((seq, ChainBreak::RowInserted, detail))
        } else if link(&entry.prev_hash, seq, &entry.body) != entry.hash {
            Some((seq, ChainBreak::ContentChanged, format!("entry {seq}'s content no longer matches its hash")))
        } else if let Some(column) = column_differing_from_body(entry, &self.tenant) {
            Some((seq, ChainBreak::ContentChanged, format!("entry {seq}'s {column} differs from what was hashed")))
        } else if entry.prev_hash != self.last_hash {
            let detail = format!("entry {seq} does not follow entry {}: one of them was put in afterwards", seq - 1);
            Some((seq, ChainBreak::RowInserted, detail))
        } else {
            None
        };
        if let Some((seq, kind, detail)) = broken {
            self.broken = Some(BrokenLink { seq, kind, detail });
            return false;
        }
        self.last_seq = seq;
        self.last_hash = entry.hash.clone();
        true
    }

    /// The verdict, once every entry was read (or the walk stopped at a break).
    pub(crate) fn finish(mut self) -> ChainVerdict {
        if self.broken.is_none() {
            if self.last_seq < self.head_seq {
                let detail =
                    format!("the head says {} entries, the last one found is {}", self.head_seq, self.last_seq);
                self.broken = Some(BrokenLink { seq: self.last_seq + 1, kind: ChainBreak::RowMissing, detail });
            } else if self.last_hash != self.head_hash {
                let detail = format!("entry {} is not the one the head recorded", self.last_seq);
                self.broken = Some(BrokenLink { seq: self.last_seq, kind: ChainBreak::ContentChanged, detail });
            }
        }
        ChainVerdict {
            tenant: self.tenant,
            entries: self.entries,
            head_seq: self.head_seq,
            head_hash: self.head_hash,
            broken: self.broken,
        }
    }
}

/// The first searchable column that no longer says what the hashed body says.
fn column_differing_from_body(entry: &Stored, tenant: &str) -> Option<&'static str> {
    let Ok(body) = serde_json::from_str::<ParsedBody>(&entry.body) else {
        return Some("body");
    };
    [
        ("tenant", body.tenant == tenant),
        ("time", body.at == entry.at),
        ("actor", body.actor == entry.actor),
        ("action", body.action == entry.action),
        ("subject", body.subject == entry.subject),
    ]
    .into_iter()
    .find_map(|(column, same)| (!same).then_some(column))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<Stored> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|seq| {
                let at = DateTime::from_timestamp(1_800_000_000 + seq, 0).unwrap();
                let entry = Entry::new("ana", "invoice.issue", format!("invoice:{seq}"));
                let body = body("ACME", at, &entry).unwrap();
                let hash = link(&prev, seq, &body);
                let stored = Stored {
                    seq,
                    at,
                    actor: "ana".into(),
                    action: "invoice.issue".into(),
                    subject: format!("invoice:{seq}"),
                    body,
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                stored
            })
            .collect()
    }

    fn verify(entries: &[Stored], head_seq: i64, head_hash: &str) -> ChainVerdict {
        let mut verifier = Verifier::new("ACME", head_seq, head_hash.to_owned());
        for entry in entries {
            if !verifier.check(entry) {
                break;
            }
        }
        verifier.finish()
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let entries = chain(5);
        let verdict = verify(&entries, 5, &entries[4].hash);
        assert!(verdict.intact(), "{verdict:?}");
        assert_eq!(verdict.entries, 5);
        assert!(verify(&[], 0, GENESIS).intact());
    }

    #[test]
    fn each_kind_of_tampering_is_named_at_its_entry() {
        let entries = chain(5);
        let head = entries[4].hash.clone();

        let mut edited = entries.clone();
        edited[2].body = edited[2].body.replace("invoice:3", "invoice:33");
        let broken = verify(&edited, 5, &head).broken.unwrap();
        assert_eq!((broken.seq, broken.kind), (3, ChainBreak::ContentChanged));

        let mut column = entries.clone();
        column[1].actor = "mallory".into();
        let broken = verify(&column, 5, &head).broken.unwrap();
        assert_eq!((broken.seq, broken.kind), (2, ChainBreak::ContentChanged), "{}", broken.detail);
        assert!(broken.detail.contains("actor"));

        let mut deleted = entries.clone();
        deleted.remove(1);
        let broken = verify(&deleted, 5, &head).broken.unwrap();
        assert_eq!((broken.seq, broken.kind), (2, ChainBreak::RowMissing));

        let broken = verify(&entries[..4], 5, &head).broken.unwrap();
        assert_eq!((broken.seq, broken.kind), (5, ChainBreak::RowMissing), "the last entry deleted");

        let longer = chain(6);
        let broken = verify(&longer, 5, &head).broken.unwrap();
        assert_eq!((broken.seq, broken.kind), (6, ChainBreak::RowInserted), "an entry past the head");

        // Entry 3 replaced by a self-consistent forgery: entry 4 no longer follows it.
        let mut forged = entries.clone();
        forged[2].body = forged[2].body.replace("invoice:3", "invoice:x");
        forged[2].subject = "invoice:x".into();
        forged[2].hash = link(&forged[2].prev_hash, 3, &forged[2].body);
        let broken = verify(&forged, 5, &head).broken.unwrap();
        assert_eq!((broken.seq, broken.kind), (4, ChainBreak::RowInserted), "{}", broken.detail);
    }

    #[test]
    fn the_hash_covers_the_previous_hash_the_seq_and_the_body() {
        let a = link(GENESIS, 1, "{}");
        assert_eq!(a.len(), 64);
        assert_ne!(a, link(GENESIS, 2, "{}"));
        assert_ne!(a, link(&"1".repeat(64), 1, "{}"));
        assert_ne!(a, link(GENESIS, 1, "{ }"));
        // The same bytes Postgres hashes: sha256(convert_to(prev || E'\n' || seq || E'\n' || body, 'UTF8')).
        let mut plain = Sha256::new();
        plain.update(format!("{GENESIS}\n1\n{{}}"));
        assert_eq!(a, hex(&plain.finalize()));
    }
}
