//! One file per screen.

pub mod audit;
pub mod detail;
pub mod invoices;
pub mod issue;
pub mod settings;
