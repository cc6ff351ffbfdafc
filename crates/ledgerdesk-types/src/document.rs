//! The invoice document a customer receives: the parties' details it prints, and what a print of it
//! returns.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::named::named_enum;

named_enum! {
    /// The language of a tenant's documents: their labels, dates and number formatting.
    #[derive(Default)]
    pub enum DocumentLanguage {
        /// English.
        #[default]
        En = "en",
        /// Turkish.
        Tr = "tr",
    }
}

/// Most lines of an address.
pub const MAX_ADDRESS_LINES: usize = 5;
/// Longest address line, in characters.
pub const MAX_ADDRESS_LINE_CHARS: usize = 100;
/// Largest logo, in bytes of PNG.
pub const MAX_LOGO_BYTES: usize = 512 * 1024;

/// What a tenant's documents print of it besides its name: set in Settings or with `tenant details`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupplierDetails {
    /// Tenant code.
    pub tenant: String,
    /// Legal name (the tenant's name).
    pub legal_name: String,
    /// Postal address, a line each.
    pub address: Vec<String>,
    /// VAT identification number.
    pub vat_id: Option<String>,
    /// Bank account payments go to, as an IBAN (printed in groups of four).
    pub iban: Option<String>,
    /// The language of its documents.
    pub language: DocumentLanguage,
    /// SHA-256 of its logo (a PNG), when it has one.
    pub logo_sha256: Option<String>,
}

/// A party as a document prints it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    /// Legal name.
    pub name: String,
    /// Postal address, a line each.
    pub address: Vec<String>,
    /// VAT identification number.
    pub vat_id: Option<String>,
}

/// The parties of one invoice's document as they stood when it was first printed; every later print
/// uses these, so a reprint is the same document even after an address changes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentParties {
    /// Who issues the invoice.
    pub supplier: Party,
    /// The supplier's IBAN.
    pub iban: Option<String>,
    /// Who it is issued to; absent on an invoice without a customer.
    pub customer: Option<Party>,
    /// The language it is printed in.
    pub language: DocumentLanguage,
}

/// What printing an invoice's document did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrintedDocument {
    /// The invoice's number.
    pub number: String,
    /// SHA-256 of the PDF's bytes, as hex; every print of the invoice has this one.
    pub sha256: String,
    /// Size of the PDF in bytes.
    pub bytes: usize,
    /// When its document was fixed (its first print).
    pub fixed_at: DateTime<Utc>,
    /// Whether an earlier print exists: this one was checked identical to it.
    pub reprint: bool,
}
