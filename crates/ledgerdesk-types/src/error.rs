//! The wire shape of every error Ledgerdesk reports, and the trait that produces it.

use serde::{Deserialize, Serialize};

/// An error as the UI and the CLI's JSON output see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Stable machine code, e.g. `numbering_contention`. Never changes once released.
    pub code: String,
    /// English message.
    pub message: String,
    /// Turkish message.
    pub message_tr: String,
    /// Optional structured details (the field at fault, the conflicting value…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
}

/// An error with a stable code and a message in each supported language.
///
/// `Display` (from `thiserror`) is the English message; [`Localized::message_tr`] the Turkish one.
pub trait Localized: std::fmt::Display {
    /// Stable machine code.
    fn code(&self) -> &str;
    /// Turkish message.
    fn message_tr(&self) -> String;
    /// Structured details, when there are any worth a machine's attention.
    fn details(&self) -> Option<String> {
        None
    }
    /// The error in its wire shape.
    fn to_body(&self) -> ErrorBody {
        ErrorBody {
            code: self.code().to_owned(),
            message: self.to_string(),
            message_tr: self.message_tr(),
            details: self.details(),
        }
    }
}
