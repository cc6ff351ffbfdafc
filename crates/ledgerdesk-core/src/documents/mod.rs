//! The invoice document a customer receives: what it prints of the parties, and its proof of identity.
//!
//! # The invariant
//! An issued invoice has one document. The first print fixes it: the supplier's and the customer's
//! details as they stand then (names, addresses, VAT ids, IBAN, logo, the document language) are copied
//! into `invoice_documents`, and the SHA-256 of the PDF is recorded once. Every later print renders from
//! that copy, never from the current details, and must hash the same: a reprint is provably the
//! document the customer received, even after the tenant moved or the customer changed its VAT id.
//!
//! # How both twins keep it
//! `invoice_documents` has the invoice as its primary key, so two desktops printing the same invoice
//! for the first time at once insert one copy (`ON CONFLICT DO NOTHING`) and both render from it; a
//! trigger refuses any change to the copy, any deletion, and any second write of its hash. The hash is
//! written only where none is (`WHERE sha256 IS NULL`); the print that finds one written compares.
//!
//! Rendering is not here (`ledgerdesk-pdf` renders a [`FixedDocument`]); the details a document
//! prints are set here, checked before anything is written.

pub mod postgres;
pub mod sqlite;

use std::future::Future;

use chrono::{DateTime, Utc};
use ledgerdesk_types::document::{MAX_ADDRESS_LINE_CHARS, MAX_ADDRESS_LINES, MAX_LOGO_BYTES};
use ledgerdesk_types::{DocumentLanguage, DocumentParties, IssuedInvoice, Party, PrintedDocument, SupplierDetails};
use sha2::{Digest, Sha256};

use crate::catalog::validate_text;
use crate::db::forward_to_any_store;
use crate::error::{Error, Result};
use crate::validate::{validate_code, validate_number, validate_user};

/// The parties' document details and the fixed documents of invoices, on any database.
pub trait Documents: Send + Sync {
    /// What a tenant's documents print of it.
    fn supplier_details(&self, tenant: &str) -> impl Future<Output = Result<SupplierDetails>> + Send;

    /// Replaces what a tenant's documents print of it; documents already fixed keep what they printed.
    fn set_supplier_details(&self, change: SupplierChange) -> impl Future<Output = Result<SupplierDetails>> + Send;

    /// What documents print of a customer.
    fn customer_details(&self, tenant: &str, customer: &str) -> impl Future<Output = Result<Party>> + Send;

    /// Replaces a customer's address and VAT id.
    fn set_customer_details(&self, change: CustomerChange) -> impl Future<Output = Result<Party>> + Send;

    /// The document of invoice `number`: fixed now, by `user`, if this is its first print.
    fn fix_document(
        &self,
        tenant: &str,
        number: &str,
        user: &str,
    ) -> impl Future<Output = Result<FixedDocument>> + Send;

    /// Records `sha256` as the hash of the document of invoice `invoice_id` unless one is recorded
    /// already; returns the one on record after the call.
    fn record_hash(&self, invoice_id: i64, sha256: &str) -> impl Future<Output = Result<String>> + Send;
}

forward_to_any_store! {
    impl Documents {
        async fn supplier_details(&self, tenant: &str) -> Result<SupplierDetails>;
        async fn set_supplier_details(&self, change: SupplierChange) -> Result<SupplierDetails>;
        async fn customer_details(&self, tenant: &str, customer: &str) -> Result<Party>;
        async fn set_customer_details(&self, change: CustomerChange) -> Result<Party>;
        async fn fix_document(&self, tenant: &str, number: &str, user: &str) -> Result<FixedDocument>;
        async fn record_hash(&self, invoice_id: i64, sha256: &str) -> Result<String>;
    }
}

/// The new document details of a tenant, replacing the old ones whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupplierChange {
    /// Tenant code.
    pub tenant: String,
    /// Postal address, a line each; blank lines are dropped.
    pub address: Vec<String>,
    /// VAT identification number.
    pub vat_id: Option<String>,
    /// IBAN, with or without spaces.
    pub iban: Option<String>,
    /// The language its documents are printed in.
    pub language: DocumentLanguage,
    /// What becomes of its logo.
    pub logo: LogoChange,
    /// Who changes them.
    pub user: String,
}

/// What a change of supplier details does to the logo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogoChange {
    /// Keeps the logo it has, or none.
    Keep,
    /// Removes it.
    Remove,
    /// Sets this PNG.
    Set(Vec<u8>),
}

/// The new address and VAT id of a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerChange {
    /// Tenant code.
    pub tenant: String,
    /// Customer code.
    pub customer: String,
    /// Postal address, a line each; blank lines are dropped.
    pub address: Vec<String>,
    /// VAT identification number (the customer's tax id).
    pub vat_id: Option<String>,
    /// Who changes them.
    pub user: String,
}

/// An invoice with the parties its document prints, as fixed at its first print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixedDocument {
    /// The invoice (immutable once issued).
    pub invoice: IssuedInvoice,
    /// The parties, as they stood at the first print.
    pub parties: DocumentParties,
    /// The supplier's logo at the first print, a PNG.
    pub logo: Option<Vec<u8>>,
    /// SHA-256 of its PDF, once a print has finished.
    pub sha256: Option<String>,
    /// When it was fixed.
    pub fixed_at: DateTime<Utc>,
}

/// The SHA-256 of `bytes`, as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    crate::trail::hex(&Sha256::digest(bytes))
}

/// Judges a print of `document` whose bytes hash to `rendered`, `recorded` being the hash on record
/// after it: the same, or `document_not_reproducible`.
pub fn judge_print(document: &FixedDocument, rendered: &str, recorded: &str, bytes: usize) -> Result<PrintedDocument> {
    if rendered != recorded {
        return Err(Error::DocumentNotReproducible {
            number: document.invoice.number.clone(),
            recorded: recorded.to_owned(),
            rendered: rendered.to_owned(),
        });
    }
    Ok(PrintedDocument {
        number: document.invoice.number.clone(),
        sha256: recorded.to_owned(),
        bytes,
        fixed_at: document.fixed_at,
        reprint: document.sha256.is_some(),
    })
}

/// A supplier change as it is stored: address joined, IBAN in electronic form, the logo's hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CheckedSupplier {
    pub address: String,
    pub vat_id: Option<String>,
    pub iban: Option<String>,
    pub language: &'static str,
    /// `None`: keep; `Some(None)`: remove; `Some(Some((png, sha)))`: set.
    pub logo: Option<Option<(Vec<u8>, String)>>,
}

/// Checks a supplier change before anything is written.
pub(crate) fn check_supplier(change: &SupplierChange) -> Result<CheckedSupplier> {
    validate_code("tenant", &change.tenant)?;
    validate_user(&change.user)?;
    let logo = match &change.logo {
        LogoChange::Keep => None,
        LogoChange::Remove => Some(None),
        LogoChange::Set(png) => {
            check_logo(png)?;
            Some(Some((png.clone(), sha256_hex(png))))
        }
    };
    Ok(CheckedSupplier {
        address: check_address(&change.address)?,
        vat_id: check_vat_id(change.vat_id.as_deref())?,
        iban: check_iban(change.iban.as_deref())?,
        language: change.language.as_str(),
        logo,
    })
}

/// Checks a customer change before anything is written; returns its address joined and its VAT id.
pub(crate) fn check_customer(change: &CustomerChange) -> Result<(String, Option<String>)> {
    validate_code("tenant", &change.tenant)?;
    validate_code("customer", &change.customer)?;
    validate_user(&change.user)?;
    Ok((check_address(&change.address)?, check_vat_id(change.vat_id.as_deref())?))
}

/// Checks what a print is asked for.
pub(crate) fn check_print(tenant: &str, number: &str, user: &str) -> Result<()> {
    validate_code("tenant", tenant)?;
    validate_number(number)?;
    validate_user(user)
}

/// Checks a recorded hash: 64 lowercase hex digits.
pub(crate) fn check_hash(sha256: &str) -> Result<()> {
    if sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        Ok(())
    } else {
        Err(Error::invalid("sha256", "must be 64 lowercase hex digits", "64 küçük onaltılık rakam olmalıdır"))
    }
}

/// An address's lines, blank ones dropped, joined by a newline as stored.
fn check_address(lines: &[String]) -> Result<String> {
    let lines: Vec<&str> = lines.iter().map(|line| line.trim()).filter(|line| !line.is_empty()).collect();
    if lines.len() > MAX_ADDRESS_LINES {
        return Err(Error::invalid(
            "address",
            format!("has at most {MAX_ADDRESS_LINES} lines, got {}", lines.len()),
            format!("en fazla {MAX_ADDRESS_LINES} satır olabilir, {} satır verildi", lines.len()),
        ));
    }
    for line in &lines {
        validate_text("address", line, MAX_ADDRESS_LINE_CHARS)?;
    }
    Ok(lines.join("\n"))
}

/// The stored address read back as its lines.
pub(crate) fn address_lines(stored: &str) -> Vec<String> {
    stored.lines().filter(|line| !line.is_empty()).map(str::to_owned).collect()
}

/// A VAT id: 2 to 32 letters, digits, spaces, `-`, `.` or `/`, kept as given (trimmed); blank is none.
fn check_vat_id(vat_id: Option<&str>) -> Result<Option<String>> {
    let Some(vat_id) = vat_id.map(str::trim).filter(|id| !id.is_empty()) else {
        return Ok(None);
    };
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, ' ' | '-' | '.' | '/');
    if !(2..=32).contains(&vat_id.len()) || !vat_id.chars().all(allowed) {
        let shown = ledgerdesk_types::text::shorten(vat_id, 40);
        return Err(Error::invalid(
            "vat_id",
            format!("{shown:?} must be 2 to 32 letters, digits, spaces, '-', '.' or '/' (e.g. ES B12345678)"),
            format!("{shown:?} 2 ile 32 arasında harf, rakam, boşluk, '-', '.' veya '/' olmalıdır (ör. TR 1234567890)"),
        ));
    }
    Ok(Some(vat_id.to_owned()))
}

/// An IBAN, checked by its country's length and the ISO 13616 check digits, stored without spaces;
/// blank is none.
fn check_iban(iban: Option<&str>) -> Result<Option<String>> {
    let Some(iban) = iban.map(str::trim).filter(|iban| !iban.is_empty()) else {
        return Ok(None);
    };
    use iban::IbanLike;
    match iban.parse::<iban::Iban>() {
        Ok(parsed) => Ok(Some(parsed.electronic_str().to_owned())),
        Err(e) => {
            let shown = ledgerdesk_types::text::shorten(iban, 40);
            Err(Error::invalid(
                "iban",
                format!("{shown:?} is not a valid IBAN ({e})"),
                format!("{shown:?} geçerli bir IBAN değil (denetim basamakları ya da ülke uzunluğu tutmuyor)"),
            ))
        }
    }
}

/// Largest logo, in pixels a side: a document prints it at most 6 cm wide.
const MAX_LOGO_SIDE: u32 = 2_000;

/// A logo is a PNG of at most [`MAX_LOGO_BYTES`] and [`MAX_LOGO_SIDE`] pixels a side that decodes whole:
/// a file from outside is read to its end here, so no print fails on it later.
fn check_logo(png: &[u8]) -> Result<()> {
    let refuse = |why: &str, why_tr: &str| Error::invalid("logo", why.to_owned(), why_tr.to_owned());
    if png.len() > MAX_LOGO_BYTES {
        return Err(refuse(
            &format!("is {} bytes; a logo is at most {MAX_LOGO_BYTES} bytes", png.len()),
            &format!("{} bayt; bir logo en fazla {MAX_LOGO_BYTES} bayt olabilir", png.len()),
        ));
    }
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let mut reader =
        decoder.read_info().map_err(|e| refuse(&format!("is not a PNG image ({e})"), "bir PNG görüntüsü değil"))?;
    let (width, height) = (reader.info().width, reader.info().height);
    if width > MAX_LOGO_SIDE || height > MAX_LOGO_SIDE {
        return Err(refuse(
            &format!("is {width}×{height} pixels; at most {MAX_LOGO_SIDE} a side"),
            &format!("{width}×{height} piksel; bir kenar en fazla {MAX_LOGO_SIDE} piksel olabilir"),
        ));
    }
    let mut pixels = vec![0; reader.output_buffer_size().unwrap_or(0)];
    reader
        .next_frame(&mut pixels)
        .map_err(|e| refuse(&format!("is a damaged PNG ({e})"), "bozuk bir PNG görüntüsü"))?;
    Ok(())
}

/// The parties a document fixed now prints.
pub(crate) fn parties_now(supplier: &SupplierDetails, customer: Option<Party>) -> DocumentParties {
    DocumentParties {
        supplier: Party {
            name: supplier.legal_name.clone(),
            address: supplier.address.clone(),
            vat_id: supplier.vat_id.clone(),
        },
        iban: supplier.iban.clone(),
        customer,
        language: supplier.language,
    }
}

/// A customer as a change of its details finds it: its row, its tenant's, and what documents print of it.
pub(crate) struct CustomerRow {
    pub tenant_id: i64,
    pub id: i64,
    pub party: Party,
}

/// The customer after a change of its address and VAT id (as checked by [`check_customer`]).
pub(crate) fn customer_after(before: &Party, address: &str, vat_id: Option<&str>) -> Party {
    Party { address: address_lines(address), vat_id: vat_id.map(str::to_owned), ..before.clone() }
}

/// The audit entry of a change of document details, or none when nothing changed.
pub(crate) fn change_entry<T: serde::Serialize + PartialEq>(
    user: &str,
    action: &'static str,
    subject: String,
    before: &T,
    after: &T,
) -> Option<crate::trail::Entry> {
    (after != before).then(|| crate::trail::Entry::new(user, action, subject).before(before).after(after))
}

/// The stored copy of the parties, read back.
pub(crate) fn parse_parties(stored: &str, backend: &'static str) -> Result<DocumentParties> {
    serde_json::from_str(stored)
        .map_err(|e| Error::Storage { backend, detail: format!("invoice_documents.parties does not parse: {e}") })
}

/// A stored document language, read back.
pub(crate) fn language(stored: &str, backend: &'static str) -> Result<DocumentLanguage> {
    stored.parse().map_err(|e| Error::Storage { backend, detail: format!("supplier_details.language: {e}") })
}

#[cfg(test)]
mod tests;
