//! Tenants, series and customers on SQLite. Twin of `postgres.rs`.

use chrono::Utc;
use rusqlite::{OptionalExtension, Transaction};

use super::{Catalog, reset_policy, same_or_conflict, validate_customer, validate_series, validate_tenant};
use crate::db::SqliteStore;
use crate::db::sqlite::SqliteResultExt;
use crate::error::{Error, Result};
use crate::model::{Created, Customer, NewCustomer, NewSeries, NewTenant, Series, Tenant};

impl Catalog for SqliteStore {
    async fn add_tenant(&self, tenant: NewTenant) -> Result<Created<Tenant>> {
        validate_tenant(&tenant)?;
        self.write(Error::busy, move |tx| add_tenant(tx, &tenant)).await
    }

    async fn add_series(&self, series: NewSeries) -> Result<Created<Series>> {
        validate_series(&series)?;
        self.write(Error::busy, move |tx| add_series(tx, &series)).await
    }

    async fn add_customer(&self, customer: NewCustomer) -> Result<Created<Customer>> {
        validate_customer(&customer)?;
        self.write(Error::busy, move |tx| add_customer(tx, &customer)).await
    }

    async fn list_series(&self, tenant: &str) -> Result<Vec<Series>> {
        let tenant = tenant.to_owned();
        self.read(move |tx| list_series(tx, &tenant)).await
    }

    async fn list_customers(&self, tenant: &str) -> Result<Vec<Customer>> {
        let tenant = tenant.to_owned();
        self.read(move |tx| list_customers(tx, &tenant)).await
    }
}

/// The id of tenant `code`.
pub(crate) fn tenant_id(tx: &Transaction<'_>, code: &str) -> Result<i64> {
    tx.query_row("SELECT id FROM tenants WHERE code = ?1", [code], |r| r.get(0))
        .optional()
        .db()?
        .ok_or_else(|| Error::TenantNotFound(code.to_owned()))
}

fn add_tenant(tx: &Transaction<'_>, new: &NewTenant) -> Result<Created<Tenant>> {
    let inserted = tx
        .execute(
            "INSERT INTO tenants (code, name, time_zone, created_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (code) DO NOTHING",
            (&new.code, &new.name, &new.time_zone, Utc::now()),
        )
        .db()?;
    let value = tx
        .query_row("SELECT id, code, name, time_zone FROM tenants WHERE code = ?1", [&new.code], |r| {
            Ok(Tenant { id: r.get(0)?, code: r.get(1)?, name: r.get(2)?, time_zone: r.get(3)? })
        })
        .db()?;
    same_or_conflict("tenant", &new.code, value.name == new.name && value.time_zone == new.time_zone)?;
    Ok(Created { value, created: inserted == 1 })
}

fn add_series(tx: &Transaction<'_>, new: &NewSeries) -> Result<Created<Series>> {
    let tenant = tenant_id(tx, &new.tenant)?;
    let inserted = tx
        .execute(
            "INSERT INTO invoice_series (tenant_id, code, format, reset_policy, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (tenant_id, code) DO NOTHING",
            (tenant, &new.code, &new.format, new.reset.as_str(), Utc::now()),
        )
        .db()?;
    let (id, format, reset, last_issue_date): (i64, String, String, _) = tx
        .query_row(
            "SELECT id, format, reset_policy, last_issue_date FROM invoice_series WHERE tenant_id = ?1 AND code = ?2",
            (tenant, &new.code),
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .db()?;
    same_or_conflict("series", &new.code, format == new.format && reset == new.reset.as_str())?;
    let reset = reset_policy(&reset)?;
    Ok(Created {
        value: Series { id, tenant: new.tenant.clone(), code: new.code.clone(), format, reset, last_issue_date },
        created: inserted == 1,
    })
}

fn add_customer(tx: &Transaction<'_>, new: &NewCustomer) -> Result<Created<Customer>> {
    let tenant = tenant_id(tx, &new.tenant)?;
    let inserted = tx
        .execute(
            "INSERT INTO customers (tenant_id, code, name, tax_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (tenant_id, code) DO NOTHING",
            (tenant, &new.code, &new.name, &new.tax_id, Utc::now()),
        )
        .db()?;
    let (id, name, tax_id): (i64, String, Option<String>) = tx
        .query_row(
            "SELECT id, name, tax_id FROM customers WHERE tenant_id = ?1 AND code = ?2",
            (tenant, &new.code),
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .db()?;
    same_or_conflict("customer", &new.code, name == new.name && tax_id == new.tax_id)?;
    Ok(Created {
        value: Customer { id, tenant: new.tenant.clone(), code: new.code.clone(), name, tax_id },
        created: inserted == 1,
    })
}

fn list_series(tx: &Transaction<'_>, tenant: &str) -> Result<Vec<Series>> {
    let tenant_id = tenant_id(tx, tenant)?;
    let mut statement = tx
        .prepare("SELECT id, code, format, reset_policy, last_issue_date FROM invoice_series WHERE tenant_id = ?1 ORDER BY code")
        .db()?;
    let rows = statement
        .query_map([tenant_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, String>(3)?, r.get(4)?)))
        .db()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()?;
    rows.into_iter()
        .map(|(id, code, format, reset, last_issue_date)| {
            Ok(Series { id, tenant: tenant.to_owned(), code, format, reset: reset_policy(&reset)?, last_issue_date })
        })
        .collect()
}

fn list_customers(tx: &Transaction<'_>, tenant: &str) -> Result<Vec<Customer>> {
    let tenant_id = tenant_id(tx, tenant)?;
    let mut statement =
        tx.prepare("SELECT id, code, name, tax_id FROM customers WHERE tenant_id = ?1 ORDER BY code").db()?;
    let rows = statement
        .query_map([tenant_id], |r| {
            Ok(Customer {
                id: r.get(0)?,
                tenant: tenant.to_owned(),
                code: r.get(1)?,
                name: r.get(2)?,
                tax_id: r.get(3)?,
            })
        })
        .db()?;
    rows.collect::<rusqlite::Result<Vec<_>>>().db()
}
