//! Connection plumbing for each backend: opening, pooling, transactions with retries, and the mapping
//! of driver errors onto [`crate::Error`]. The guards themselves live in the domain modules, each with a
//! `sqlite.rs` and a `postgres.rs` twin.

pub mod postgres;
pub mod sqlite;

pub use postgres::PgStore;
pub use sqlite::SqliteStore;

use chrono::{DateTime, Utc};

/// A parameter of a query built at run time (a list with optional filters); each twin binds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Param {
    Text(String),
    Int(i64),
    Time(DateTime<Utc>),
}
