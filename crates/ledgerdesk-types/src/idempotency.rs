//! Idempotency records as the UI and the CLI see them, and the reply of an idempotent command.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where a key stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyStatus {
    /// Claimed; its command has not finished (or its holder died and the lease has not run out yet).
    InFlight,
    /// The command succeeded; its response is stored.
    Completed,
    /// The command failed after it started; the error is stored and replayed.
    Failed,
}

impl KeyStatus {
    /// Every status, in the order the UI offers them.
    pub const ALL: [KeyStatus; 3] = [KeyStatus::InFlight, KeyStatus::Completed, KeyStatus::Failed];

    /// The stored name (`in_flight`).
    pub fn as_str(self) -> &'static str {
        match self {
            KeyStatus::InFlight => "in_flight",
            KeyStatus::Completed => "completed",
            KeyStatus::Failed => "failed",
        }
    }
}

impl std::str::FromStr for KeyStatus {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        KeyStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == text.trim().to_ascii_lowercase().replace([' ', '-'], "_"))
            .ok_or_else(|| format!("{:?} is not one of in_flight, completed, failed", crate::text::shorten(text, 20)))
    }
}

/// One stored idempotency key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdempotencyRecord {
    /// Tenant code.
    pub tenant: String,
    /// The user who sent it.
    pub user: String,
    /// The command (`license.assign`).
    pub command: String,
    /// The key itself.
    pub key: String,
    /// SHA-256 (hex) of the command's arguments in canonical form.
    pub fingerprint: String,
    /// Where it stands.
    pub status: KeyStatus,
    /// Fencing token: bumped each time a holder takes over an abandoned key.
    pub fence: i64,
    /// The stored response (JSON), once finished: the result, or the error for `failed`.
    pub response: Option<String>,
    /// How many replays it has served.
    pub replays: i64,
    /// When it was first claimed.
    pub created_at: DateTime<Utc>,
    /// While in flight: when the holder's lease runs out and another may take over.
    pub locked_until: Option<DateTime<Utc>>,
    /// When it finished.
    pub completed_at: Option<DateTime<Utc>>,
    /// After this it may be purged, and the key means nothing.
    pub expires_at: DateTime<Utc>,
}

/// Which records to list, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdempotencyQuery {
    /// Only this user's.
    pub user: Option<String>,
    /// Only this command's.
    pub command: Option<String>,
    /// Only those with this status.
    pub status: Option<KeyStatus>,
    /// Only those created at least this many minutes ago.
    pub older_than_minutes: Option<u32>,
    /// Only those already expired (`true`) or still live (`false`).
    pub expired: Option<bool>,
    /// Rows to return (1–500; 100 when absent).
    pub limit: Option<u32>,
}

/// What a purge removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Purged {
    /// Expired records deleted.
    pub removed: u64,
    /// Batches it took.
    pub batches: u32,
}

/// The answer of a command sent with an idempotency key: the result's own fields, plus `replayed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply<T> {
    /// The result.
    #[serde(flatten)]
    pub value: T,
    /// `true` when this is the stored answer of an earlier identical request, and nothing was done now.
    pub replayed: bool,
}
