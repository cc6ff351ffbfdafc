//! The app's commands, one module per domain. Each is thin: arguments in, one core call, result out.
//! Arguments use snake_case on both sides (`rename_all = "snake_case"`), as the shared types do.

pub mod batch;
pub mod documents;
pub mod exports;
pub mod idempotency;
pub mod invoices;
pub mod licenses;
pub mod people;
pub mod settings;
pub mod setup;
pub mod webhooks;
