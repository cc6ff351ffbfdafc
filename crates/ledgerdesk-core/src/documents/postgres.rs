//! Document details and fixed documents on Postgres. Twin of `sqlite.rs`; the judgement is in `mod.rs`.
//!
//! A change of details locks its tenant's or customer's row first (`FOR NO KEY UPDATE`), so its audit
//! entry's before and after are those of one change. Two first prints of one invoice insert one copy:
//! the second `INSERT … ON CONFLICT DO NOTHING` waits for the first to commit, inserts nothing, and
//! reads the first's copy.

use chrono::{DateTime, Utc};
use ledgerdesk_types::{DocumentLanguage, IssuedInvoice, Party, SupplierDetails};
use sqlx::PgConnection;

use super::{
    CheckedSupplier, CustomerChange, CustomerRow, Documents, FixedDocument, SupplierChange, address_lines,
    change_entry, check_customer, check_hash, check_print, check_supplier, customer_after, language, parse_parties,
    parties_now,
};
use crate::catalog::postgres::tenant_id;
use crate::db::postgres::PgResultExt;
use crate::db::{PgStore, now};
use crate::error::{Error, Result};
use crate::identity::{Action, Authorize as _};
use crate::trail::Entry;
use crate::trail::postgres::append;

impl Documents for PgStore {
    async fn supplier_details(&self, tenant: &str) -> Result<SupplierDetails> {
        let mut conn = self.pool().acquire().await.db()?;
        supplier(&mut conn, tenant, "").await.map(|(_, details)| details)
    }

    async fn set_supplier_details(&self, change: SupplierChange) -> Result<SupplierDetails> {
        self.authorize(Action::KeepTenants, Some(&change.user))?;
        let checked = check_supplier(&change)?;
        self.retried(Error::busy, || async {
            let mut tx = self.pool().begin().await.db()?;
            let details = set_supplier(&mut tx, &change, &checked).await?;
            tx.commit().await.db()?;
            Ok(details)
        })
        .await
    }

    async fn customer_details(&self, tenant: &str, customer: &str) -> Result<Party> {
        let mut conn = self.pool().acquire().await.db()?;
        customer_party(&mut conn, tenant, customer, "").await.map(|row| row.party)
    }

    async fn set_customer_details(&self, change: CustomerChange) -> Result<Party> {
        self.authorize(Action::KeepCustomers, Some(&change.user))?;
        let (address, vat_id) = check_customer(&change)?;
        self.retried(Error::busy, || async {
            let mut tx = self.pool().begin().await.db()?;
            let party = set_customer(&mut tx, &change, &address, vat_id.as_deref()).await?;
            tx.commit().await.db()?;
            Ok(party)
        })
        .await
    }

    async fn fix_document(&self, tenant: &str, number: &str, user: &str) -> Result<FixedDocument> {
        self.authorize(Action::PrintDocuments, Some(user))?;
        check_print(tenant, number, user)?;
        // An issued invoice never changes what its document prints, so it is read outside the
        // transaction that fixes the document.
        let invoice = crate::invoices::postgres::get(self.pool(), tenant, number).await?;
        self.retried(Error::busy, || async {
            let mut tx = self.pool().begin().await.db()?;
            let fixed = fix(&mut tx, &invoice, user).await?;
            tx.commit().await.db()?;
            Ok(fixed)
        })
        .await
    }

    async fn record_hash(&self, invoice_id: i64, sha256: &str) -> Result<String> {
        self.authorize(Action::PrintDocuments, None)?;
        check_hash(sha256)?;
        let recorded: Option<Option<String>> = sqlx::query_scalar(
            "WITH recorded AS (
                 UPDATE invoice_documents SET sha256 = $2 WHERE invoice_id = $1 AND sha256 IS NULL RETURNING sha256
             )
             SELECT sha256 FROM recorded
             UNION ALL SELECT sha256 FROM invoice_documents WHERE invoice_id = $1 AND NOT EXISTS (SELECT 1 FROM recorded)",
        )
        .bind(invoice_id)
        .bind(sha256)
        .fetch_optional(self.pool())
        .await
        .db()?;
        recorded
            .flatten()
            .ok_or_else(|| Error::Storage { backend: "postgres", detail: "the document was never fixed".into() })
    }
}

type SupplierRow = (i64, String, Option<String>, Option<String>, Option<String>, Option<String>, Option<String>);

/// A tenant's id and document details (its defaults when none are set); `lock` is appended to the
/// query (`FOR NO KEY UPDATE OF t`, or nothing).
async fn supplier(conn: &mut PgConnection, tenant: &str, lock: &str) -> Result<(i64, SupplierDetails)> {
    let row: Option<SupplierRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT t.id, t.name, d.address, d.vat_id, d.iban, d.language, d.logo_sha256
           FROM tenants t LEFT JOIN supplier_details d ON d.tenant_id = t.id WHERE t.code = $1 {lock}"
    )))
    .bind(tenant)
    .fetch_optional(conn)
    .await
    .db()?;
    let (id, legal_name, address, vat_id, iban, stored_language, logo_sha256) =
        row.ok_or_else(|| Error::TenantNotFound(tenant.to_owned()))?;
    let language = match stored_language {
        Some(stored) => language(&stored, "postgres")?,
        None => DocumentLanguage::default(),
    };
    let address = address_lines(&address.unwrap_or_default());
    Ok((id, SupplierDetails { tenant: tenant.to_owned(), legal_name, address, vat_id, iban, language, logo_sha256 }))
}

async fn set_supplier(
    conn: &mut PgConnection,
    change: &SupplierChange,
    checked: &CheckedSupplier,
) -> Result<SupplierDetails> {
    let (tenant_id, before) = supplier(&mut *conn, &change.tenant, "FOR NO KEY UPDATE OF t").await?;
    let (keep_logo, png, sha) = match &checked.logo {
        None => (true, None, None),
        Some(None) => (false, None, None),
        Some(Some((png, sha))) => (false, Some(png.as_slice()), Some(sha.as_str())),
    };
    sqlx::query(
        "INSERT INTO supplier_details (tenant_id, address, vat_id, iban, language, logo, logo_sha256)
         VALUES ($1, $2, $3, $4, $5, $7, $8)
         ON CONFLICT (tenant_id) DO UPDATE SET address = excluded.address, vat_id = excluded.vat_id,
             iban = excluded.iban, language = excluded.language,
             logo = CASE WHEN $6 THEN supplier_details.logo ELSE excluded.logo END,
             logo_sha256 = CASE WHEN $6 THEN supplier_details.logo_sha256 ELSE excluded.logo_sha256 END",
    )
    .bind(tenant_id)
    .bind(&checked.address)
    .bind(&checked.vat_id)
    .bind(&checked.iban)
    .bind(checked.language)
    .bind(keep_logo)
    .bind(png)
    .bind(sha)
    .execute(&mut *conn)
    .await
    .db()?;
    let (_, after) = supplier(&mut *conn, &change.tenant, "").await?;
    let subject = format!("tenant:{}", change.tenant);
    if let Some(entry) = change_entry(&change.user, "supplier.details", subject, &before, &after) {
        append(conn, tenant_id, &change.tenant, &entry, now()).await?;
    }
    Ok(after)
}

/// A customer with its tenant, and the party documents print of it; `lock` as for [`supplier`].
async fn customer_party(conn: &mut PgConnection, tenant: &str, customer: &str, lock: &str) -> Result<CustomerRow> {
    let tenant_id = tenant_id(&mut *conn, tenant).await?;
    let row: Option<(i64, String, String, Option<String>)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT id, name, address, tax_id FROM customers WHERE tenant_id = $1 AND code = $2 {lock}"
    )))
    .bind(tenant_id)
    .bind(customer)
    .fetch_optional(conn)
    .await
    .db()?;
    let (id, name, address, vat_id) =
        row.ok_or_else(|| Error::CustomerNotFound { tenant: tenant.to_owned(), customer: customer.to_owned() })?;
    Ok(CustomerRow { tenant_id, id, party: Party { name, address: address_lines(&address), vat_id } })
}

async fn set_customer(
    conn: &mut PgConnection,
    change: &CustomerChange,
    address: &str,
    vat_id: Option<&str>,
) -> Result<Party> {
    let row = customer_party(&mut *conn, &change.tenant, &change.customer, "FOR NO KEY UPDATE").await?;
    sqlx::query("UPDATE customers SET address = $2, tax_id = $3 WHERE id = $1")
        .bind(row.id)
        .bind(address)
        .bind(vat_id)
        .execute(&mut *conn)
        .await
        .db()?;
    let after = customer_after(&row.party, address, vat_id);
    let subject = format!("customer:{}", change.customer);
    if let Some(entry) = change_entry(&change.user, "customer.details", subject, &row.party, &after) {
        append(conn, row.tenant_id, &change.tenant, &entry, now()).await?;
    }
    Ok(after)
}

async fn fix(conn: &mut PgConnection, invoice: &IssuedInvoice, user: &str) -> Result<FixedDocument> {
    if let Some(fixed) = stored(&mut *conn, invoice).await? {
        return Ok(fixed);
    }
    let (tenant_id, supplier) = supplier(&mut *conn, &invoice.tenant, "").await?;
    let customer = match &invoice.customer {
        Some(code) => Some(customer_party(&mut *conn, &invoice.tenant, code, "").await?.party),
        None => None,
    };
    let parties = parties_now(&supplier, customer);
    let json = serde_json::to_string(&parties)
        .map_err(|e| Error::Storage { backend: "postgres", detail: format!("parties do not serialize: {e}") })?;
    let fixed_at = now();
    let inserted = sqlx::query(
        "INSERT INTO invoice_documents (invoice_id, parties, logo, fixed_by, fixed_at)
         SELECT $1, $2::jsonb, (SELECT logo FROM supplier_details WHERE tenant_id = $5), $3, $4
         ON CONFLICT (invoice_id) DO NOTHING",
    )
    .bind(invoice.id)
    .bind(&json)
    .bind(user)
    .bind(fixed_at)
    .bind(tenant_id)
    .execute(&mut *conn)
    .await
    .db()?
    .rows_affected();
    if inserted == 1 {
        let entry = Entry::new(user, "invoice.document", format!("invoice:{}", invoice.number)).after(&parties);
        append(&mut *conn, tenant_id, &invoice.tenant, &entry, fixed_at).await?;
    }
    stored(conn, invoice)
        .await?
        .ok_or_else(|| Error::Storage { backend: "postgres", detail: "the fixed document was not stored".into() })
}

type StoredRow = (String, Option<Vec<u8>>, Option<String>, DateTime<Utc>);

/// The document of `invoice` as fixed, if it has been.
async fn stored(conn: &mut PgConnection, invoice: &IssuedInvoice) -> Result<Option<FixedDocument>> {
    let row: Option<StoredRow> =
        sqlx::query_as("SELECT parties::text, logo, sha256, fixed_at FROM invoice_documents WHERE invoice_id = $1")
            .bind(invoice.id)
            .fetch_optional(conn)
            .await
            .db()?;
    row.map(|(parties, logo, sha256, fixed_at)| {
        let parties = parse_parties(&parties, "postgres")?;
        Ok(FixedDocument { invoice: invoice.clone(), parties, logo, sha256, fixed_at })
    })
    .transpose()
}
