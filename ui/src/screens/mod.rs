//! One file per screen.

pub mod audit;
pub mod detail;
pub mod idempotency;
pub mod invoices;
pub mod issue;
pub mod licenses;
pub mod settings;
