//! What the desktop UI sends to the backend and gets back, beyond the domain types.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::invoice::LineInput;
use crate::money::Currency;
use crate::numbering::ResetPolicy;

/// Where the desktop keeps its data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Connection {
    /// Offline: one local SQLite file.
    Sqlite {
        /// Path of the file.
        path: String,
    },
    /// Connected: a Postgres shared with other desktops.
    Postgres {
        /// `postgres://user@host/db`.
        url: String,
    },
}

impl Connection {
    /// The URL the core library opens.
    pub fn url(&self) -> String {
        match self {
            Connection::Sqlite { path } => format!("sqlite:{path}"),
            Connection::Postgres { url } => url.clone(),
        }
    }
}

/// Language of messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    /// English.
    #[default]
    En,
    /// Turkish.
    Tr,
}

/// The desktop's settings, kept in a file in the OS config directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// Where the data lives.
    pub connection: Connection,
    /// The tenant whose books are open.
    pub tenant: Option<String>,
    /// Recorded as the author of every write.
    pub user: String,
    /// Language of messages.
    pub language: Language,
}

/// What the open book allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookStatus {
    /// `sqlite` or `postgres`.
    pub backend: String,
    /// This user can read the book but not write it (an archived or read-only file).
    pub read_only: bool,
}

/// A request to issue an invoice from the form; tenant and user come from the settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueRequest {
    /// Series code.
    pub series: String,
    /// Customer code, if any.
    pub customer: Option<String>,
    /// Issue date; today in the tenant's time zone when absent.
    pub issue_date: Option<NaiveDate>,
    /// Currency.
    pub currency: Currency,
    /// Lines.
    pub lines: Vec<LineInput>,
}

/// A request to credit an invoice from its detail; tenant and user come from the settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditRequest {
    /// The invoice to credit.
    pub invoice: String,
    /// The corrective series.
    pub series: String,
    /// Why.
    pub reason: String,
    /// The credit note's date; today in the tenant's time zone when absent.
    pub issue_date: Option<NaiveDate>,
    /// Everything left, or chosen lines and quantities.
    pub scope: crate::CreditScope,
}

/// What the selected tenant's documents print of it, as Settings edits it (the logo is set with
/// `ledgerdesk tenant details --logo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupplierDetailsRequest {
    /// Postal address, a line each.
    pub address: Vec<String>,
    /// VAT identification number; empty for none.
    pub vat_id: Option<String>,
    /// IBAN; empty for none.
    pub iban: Option<String>,
    /// The language of its documents.
    pub language: crate::DocumentLanguage,
}

/// An invoice's document saved where the user chose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedDocument {
    /// Where it was saved.
    pub path: String,
    /// What the print did.
    pub printed: crate::PrintedDocument,
}

/// First-run set-up: a tenant and its first series, created or confirmed identical.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetupRequest {
    /// Tenant code (the number suffix).
    pub tenant_code: String,
    /// Tenant legal name.
    pub tenant_name: String,
    /// IANA time zone.
    pub time_zone: String,
    /// The first date the tenant's books accept; 1 January of this year when absent.
    pub books_open_from: Option<NaiveDate>,
    /// Series code.
    pub series_code: String,
    /// Number template; empty for the default (which no other series of the tenant can collide with).
    pub series_format: String,
    /// Reset policy.
    pub reset: ResetPolicy,
}

/// An outbound webhook endpoint to add from the UI (its secret is generated).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointRequest {
    /// Where messages are POSTed.
    pub url: String,
    /// Event types or patterns (`*`, `invoice.issued`, `license.*`).
    pub events: Vec<String>,
}

/// An inbound webhook source to add from the UI (its secret is generated).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRequest {
    /// Its name, the last part of its URL.
    pub name: String,
}

/// A customer to add from the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerRequest {
    /// Customer code.
    pub code: String,
    /// Legal name.
    pub name: String,
    /// Tax number.
    pub tax_id: Option<String>,
    /// Postal address, a line each, as its invoice documents print it.
    #[serde(default)]
    pub address: Vec<String>,
}

/// A further series of the selected tenant, from Settings: regular, or corrective (credit notes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeriesRequest {
    /// Series code.
    pub code: String,
    /// Number template; the default when empty.
    pub format: String,
    /// When numbering restarts.
    pub reset: ResetPolicy,
    /// A corrective series numbers credit notes only.
    pub corrective: bool,
}

/// Who the desktop acts as, and whether it must sign someone in first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Whom the open book's store acts as (the owner, a signed-in account, or the Postgres login);
    /// `None` while a sign-in is required.
    pub identity: Option<crate::Identity>,
    /// The book keeps accounts and no one is signed in: the app shows only its sign-in screen.
    pub sign_in_required: bool,
}

/// A sign-in from the desktop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInRequest {
    /// The account's name.
    pub name: String,
    /// Its password.
    pub password: String,
}
