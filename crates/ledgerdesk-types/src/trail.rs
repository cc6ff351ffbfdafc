//! The audit trail as the UI and the CLI see it: entries of a tenant's hash chain, and what verifying
//! the chain found.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::named::named_enum;

/// One entry of a tenant's audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Its place in the tenant's chain, from 1.
    pub seq: i64,
    /// When it was written.
    pub at: DateTime<Utc>,
    /// Who acted.
    pub actor: String,
    /// What was done (`invoice.issue`, `export.approve`…).
    pub action: String,
    /// What it was done to (`invoice:202611-00001-ACME`, `export:7`…).
    pub subject: String,
    /// Why, when a reason was given.
    pub reason: Option<String>,
    /// The subject before (JSON), when it changed.
    pub before: Option<String>,
    /// The subject after (JSON).
    pub after: Option<String>,
    /// The previous entry's hash (64 zeros for the first).
    pub prev_hash: String,
    /// SHA-256 over the previous hash, the seq and the entry's canonical JSON, hex.
    pub hash: String,
}

/// Which entries to list; newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    /// Only entries about this subject (`export:7`).
    pub subject: Option<String>,
    /// Only this action.
    pub action: Option<String>,
    /// Only entries before this seq (the next page).
    pub before_seq: Option<i64>,
    /// Rows (default 100, at most 500).
    pub limit: Option<u32>,
}

impl AuditQuery {
    /// The page size actually used.
    pub fn page_size(&self) -> u32 {
        self.limit.unwrap_or(100).clamp(1, 500)
    }
}

named_enum! {
    /// How a chain was found broken.
    pub enum ChainBreak {
        /// An entry's content no longer matches its hash (or its columns no longer match its content).
        ContentChanged = "content_changed",
        /// Entries are missing: a gap in the sequence, or the head points past the last entry.
        RowMissing = "row_missing",
        /// An entry was put in behind the writers' back: past the head, or not following its predecessor.
        RowInserted = "row_inserted",
    }
}

/// The first place a chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokenLink {
    /// The entry where it breaks.
    pub seq: i64,
    /// How.
    pub kind: ChainBreak,
    /// What exactly was found.
    pub detail: String,
}

/// What verifying a tenant's chain found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainVerdict {
    /// Tenant code.
    pub tenant: String,
    /// Entries read.
    pub entries: u64,
    /// The head's seq: the number of entries written.
    pub head_seq: i64,
    /// The head's hash: write it down elsewhere, and a later verify proves nothing before it changed.
    pub head_hash: String,
    /// The first break, if any.
    pub broken: Option<BrokenLink>,
}

impl ChainVerdict {
    /// Whether the chain is unbroken.
    pub fn intact(&self) -> bool {
        self.broken.is_none()
    }
}
