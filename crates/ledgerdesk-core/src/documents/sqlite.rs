//! Document details and fixed documents on SQLite. Twin of `postgres.rs`; the judgement is in `mod.rs`.
//!
//! Writes run under `BEGIN IMMEDIATE`: a first print's copy of the parties is read and inserted with no
//! other writer between, and a second process printing the same invoice finds it inserted.

use ledgerdesk_types::{DocumentLanguage, Party, SupplierDetails};
use rusqlite::{OptionalExtension, Transaction};

use super::{
    CheckedSupplier, CustomerChange, CustomerRow, Documents, FixedDocument, SupplierChange, address_lines,
    change_entry, check_customer, check_hash, check_print, check_supplier, customer_after, language, parse_parties,
    parties_now,
};
use crate::catalog::sqlite::tenant_id;
use crate::db::SqliteStore;
use crate::db::now;
use crate::db::sqlite::SqliteResultExt;
use crate::error::{Error, Result};
use crate::identity::{Action, Authorize as _};
use crate::trail::Entry;
use crate::trail::sqlite::append;

impl Documents for SqliteStore {
    async fn supplier_details(&self, tenant: &str) -> Result<SupplierDetails> {
        let tenant = tenant.to_owned();
        self.read(move |tx| supplier(tx, &tenant).map(|(_, details)| details)).await
    }

    async fn set_supplier_details(&self, change: SupplierChange) -> Result<SupplierDetails> {
        self.authorize(Action::KeepTenants, Some(&change.user))?;
        let checked = check_supplier(&change)?;
        self.write(Error::busy, move |tx| set_supplier(tx, &change, &checked)).await
    }

    async fn customer_details(&self, tenant: &str, customer: &str) -> Result<Party> {
        let (tenant, customer) = (tenant.to_owned(), customer.to_owned());
        self.read(move |tx| customer_party(tx, &tenant, &customer).map(|row| row.party)).await
    }

    async fn set_customer_details(&self, change: CustomerChange) -> Result<Party> {
        self.authorize(Action::KeepCustomers, Some(&change.user))?;
        let (address, vat_id) = check_customer(&change)?;
        self.write(Error::busy, move |tx| set_customer(tx, &change, &address, vat_id.as_deref())).await
    }

    async fn fix_document(&self, tenant: &str, number: &str, user: &str) -> Result<FixedDocument> {
        self.authorize(Action::PrintDocuments, Some(user))?;
        check_print(tenant, number, user)?;
        let (tenant, number, user) = (tenant.to_owned(), number.to_owned(), user.to_owned());
        // A reprint only reads: an archived (read-only) book still reprints what it printed.
        let (t, n) = (tenant.clone(), number.clone());
        let fixed = self.read(move |tx| stored(tx, &crate::invoices::sqlite::get(tx, &t, &n)?)).await?;
        match fixed {
            Some(fixed) => Ok(fixed),
            None => self.write(Error::busy, move |tx| fix(tx, &tenant, &number, &user)).await,
        }
    }

    async fn record_hash(&self, invoice_id: i64, sha256: &str) -> Result<String> {
        self.authorize(Action::PrintDocuments, None)?;
        check_hash(sha256)?;
        let sha256 = sha256.to_owned();
        self.write(Error::busy, move |tx| {
            tx.execute(
                "UPDATE invoice_documents SET sha256 = ?2 WHERE invoice_id = ?1 AND sha256 IS NULL",
                (invoice_id, &sha256),
            )
            .db()?;
            tx.query_row("SELECT sha256 FROM invoice_documents WHERE invoice_id = ?1", [invoice_id], |r| r.get(0))
                .optional()
                .db()?
                .flatten()
                .ok_or_else(|| Error::Storage { backend: "sqlite", detail: "the document was never fixed".into() })
        })
        .await
    }
}

/// A tenant's id and document details (its defaults when none are set).
fn supplier(tx: &Transaction<'_>, tenant: &str) -> Result<(i64, SupplierDetails)> {
    let row = tx
        .query_row(
            "SELECT t.id, t.name, d.address, d.vat_id, d.iban, d.language, d.logo_sha256
               FROM tenants t LEFT JOIN supplier_details d ON d.tenant_id = t.id WHERE t.code = ?1",
            [tenant],
            |r| {
                let row: (i64, String, Option<String>, _, _, Option<String>, _) =
                    (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?);
                Ok(row)
            },
        )
        .optional()
        .db()?
        .ok_or_else(|| Error::TenantNotFound(tenant.to_owned()))?;
    let (id, legal_name, address, vat_id, iban, stored_language, logo_sha256) = row;
    let language = match stored_language {
        Some(stored) => language(&stored, "sqlite")?,
        None => DocumentLanguage::default(),
    };
    let address = address_lines(&address.unwrap_or_default());
    Ok((id, SupplierDetails { tenant: tenant.to_owned(), legal_name, address, vat_id, iban, language, logo_sha256 }))
}

fn set_supplier(tx: &Transaction<'_>, change: &SupplierChange, checked: &CheckedSupplier) -> Result<SupplierDetails> {
    let (tenant_id, before) = supplier(tx, &change.tenant)?;
    tx.execute(
        "INSERT INTO supplier_details (tenant_id, address, vat_id, iban, language) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (tenant_id) DO UPDATE SET address = excluded.address, vat_id = excluded.vat_id,
                                               iban = excluded.iban, language = excluded.language",
        (tenant_id, &checked.address, &checked.vat_id, &checked.iban, checked.language),
    )
    .db()?;
    if let Some(logo) = &checked.logo {
        let (png, sha) = logo.as_ref().map(|(png, sha)| (png.as_slice(), sha.as_str())).unzip();
        tx.execute(
            "UPDATE supplier_details SET logo = ?2, logo_sha256 = ?3 WHERE tenant_id = ?1",
            (tenant_id, png, sha),
        )
        .db()?;
    }
    let (_, after) = supplier(tx, &change.tenant)?;
    let subject = format!("tenant:{}", change.tenant);
    if let Some(entry) = change_entry(&change.user, "supplier.details", subject, &before, &after) {
        append(tx, tenant_id, &change.tenant, &entry, now())?;
    }
    Ok(after)
}

/// A customer with its tenant, and the party documents print of it.
fn customer_party(tx: &Transaction<'_>, tenant: &str, customer: &str) -> Result<CustomerRow> {
    let tenant_id = tenant_id(tx, tenant)?;
    tx.query_row(
        "SELECT id, name, address, tax_id FROM customers WHERE tenant_id = ?1 AND code = ?2",
        (tenant_id, customer),
        |r| {
            let address: String = r.get(2)?;
            let party = Party { name: r.get(1)?, address: address_lines(&address), vat_id: r.get(3)? };
            Ok(CustomerRow { tenant_id, id: r.get(0)?, party })
        },
    )
    .optional()
    .db()?
    .ok_or_else(|| Error::CustomerNotFound { tenant: tenant.to_owned(), customer: customer.to_owned() })
}

fn set_customer(tx: &Transaction<'_>, change: &CustomerChange, address: &str, vat_id: Option<&str>) -> Result<Party> {
    let row = customer_party(tx, &change.tenant, &change.customer)?;
    tx.execute("UPDATE customers SET address = ?2, tax_id = ?3 WHERE id = ?1", (row.id, address, vat_id)).db()?;
    let after = customer_after(&row.party, address, vat_id);
    let subject = format!("customer:{}", change.customer);
    if let Some(entry) = change_entry(&change.user, "customer.details", subject, &row.party, &after) {
        append(tx, row.tenant_id, &change.tenant, &entry, now())?;
    }
    Ok(after)
}

fn fix(tx: &Transaction<'_>, tenant: &str, number: &str, user: &str) -> Result<FixedDocument> {
    let invoice = crate::invoices::sqlite::get(tx, tenant, number)?;
    if let Some(fixed) = stored(tx, &invoice)? {
        return Ok(fixed);
    }
    let (tenant_id, supplier) = supplier(tx, tenant)?;
    let customer = match &invoice.customer {
        Some(code) => Some(customer_party(tx, tenant, code)?.party),
        None => None,
    };
    let parties = parties_now(&supplier, customer);
    let json = serde_json::to_string(&parties)
        .map_err(|e| Error::Storage { backend: "sqlite", detail: format!("parties do not serialize: {e}") })?;
    let fixed_at = now();
    tx.execute(
        "INSERT INTO invoice_documents (invoice_id, parties, logo, fixed_by, fixed_at)
         SELECT ?1, ?2, logo, ?3, ?4 FROM (SELECT 1) LEFT JOIN supplier_details ON tenant_id = ?5",
        (invoice.id, &json, user, fixed_at, tenant_id),
    )
    .db()?;
    let entry = Entry::new(user, "invoice.document", format!("invoice:{number}")).after(&parties);
    append(tx, tenant_id, tenant, &entry, fixed_at)?;
    stored(tx, &invoice)?
        .ok_or_else(|| Error::Storage { backend: "sqlite", detail: "the fixed document was not stored".into() })
}

/// The parties (JSON), logo, hash and time a fixed document is stored with.
type StoredRow = (String, Option<Vec<u8>>, Option<String>, chrono::DateTime<chrono::Utc>);

/// The document of `invoice` as fixed, if it has been.
fn stored(tx: &Transaction<'_>, invoice: &ledgerdesk_types::IssuedInvoice) -> Result<Option<FixedDocument>> {
    let row: Option<StoredRow> = tx
        .query_row(
            "SELECT parties, logo, sha256, fixed_at FROM invoice_documents WHERE invoice_id = ?1",
            [invoice.id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()
        .db()?;
    row.map(|(parties, logo, sha256, fixed_at)| {
        Ok(FixedDocument {
            invoice: invoice.clone(),
            parties: parse_parties(&parties, "sqlite")?,
            logo,
            sha256,
            fixed_at,
        })
    })
    .transpose()
}
