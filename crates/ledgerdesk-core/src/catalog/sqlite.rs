//! Tenants, series and customers on SQLite. Twin of `postgres.rs`; the judgement is in `mod.rs`.
//!
//! Every write runs under `BEGIN IMMEDIATE`, which also serializes the collision check of a new or
//! changed template against the tenant's other templates.

use chrono::NaiveDate;
use rusqlite::{OptionalExtension, Row, Transaction};

use super::templates::{InUse, check_cannot_collide, default_template};
use super::{
    Catalog, FIRST_TEMPLATE_FROM, SeriesState, books_open_from, kind_of, limit_changes, reset_policy, same_or_conflict,
    series_matches, template_change_start, tenant_matches, validate_customer, validate_limits, validate_series,
    validate_tenant,
};
use crate::db::sqlite::SqliteResultExt;
use crate::db::{Backend, SqliteStore, now};
use crate::error::{Error, Result};
use crate::identity::{Action, Authorize as _, author_or};
use crate::model::{Created, Customer, NewCustomer, NewSeries, NewTenant, Series, Tenant, TenantLimits};
use crate::validate::{validate_code, validate_user};

impl Catalog for SqliteStore {
    async fn add_tenant(&self, tenant: NewTenant) -> Result<Created<Tenant>> {
        self.authorize(Action::KeepTenants, None)?;
        validate_tenant(&tenant)?;
        self.write(Error::busy, move |tx| add_tenant(tx, &tenant)).await
    }

    async fn get_tenant(&self, tenant: &str) -> Result<Tenant> {
        let tenant = tenant.to_owned();
        self.read(move |tx| load_tenant(tx, &tenant)).await
    }

    async fn set_tenant_limits(&self, limits: TenantLimits) -> Result<Tenant> {
        self.authorize(Action::KeepTenants, Some(&limits.user))?;
        validate_limits(&limits)?;
        self.write(Error::busy, move |tx| set_limits(tx, &limits)).await
    }

    async fn add_series(&self, series: NewSeries) -> Result<Created<Series>> {
        self.authorize(Action::KeepTenants, None)?;
        validate_series(&series)?;
        let author = author_or(self.identity(), "series add");
        self.write(Error::busy, move |tx| add_series(tx, &series, &author)).await
    }

    async fn retire_series(&self, tenant: &str, series: &str, user: &str) -> Result<Series> {
        self.authorize(Action::KeepTenants, Some(user))?;
        validate_user(user)?;
        let (tenant, series, user) = (tenant.to_owned(), series.to_owned(), user.to_owned());
        self.write(Error::busy, move |tx| retire_series(tx, &tenant, &series, &user)).await
    }

    async fn change_series_format(&self, tenant: &str, series: &str, format: &str, user: &str) -> Result<Series> {
        self.authorize(Action::KeepTenants, Some(user))?;
        validate_user(user)?;
        let (tenant, series, format, user) = (tenant.to_owned(), series.to_owned(), format.to_owned(), user.to_owned());
        self.write(Error::busy, move |tx| change_format(tx, &tenant, &series, &format, &user)).await
    }

    async fn add_customer(&self, customer: NewCustomer) -> Result<Created<Customer>> {
        self.authorize(Action::KeepCustomers, None)?;
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

/// The id of `tenant`'s series `code`, or `series_not_found`.
pub(crate) fn series_id(tx: &Transaction<'_>, tenant: &str, tenant_id: i64, code: &str) -> Result<i64> {
    tx.query_row("SELECT id FROM invoice_series WHERE tenant_id = ?1 AND code = ?2", (tenant_id, code), |r| r.get(0))
        .optional()
        .db()?
        .ok_or_else(|| Error::SeriesNotFound { tenant: tenant.to_owned(), series: code.to_owned() })
}

const TENANT_COLUMNS: &str = "id, code, name, time_zone, books_open_from, future_days_allowed";

fn tenant_row(r: &Row<'_>) -> rusqlite::Result<Tenant> {
    Ok(Tenant {
        id: r.get(0)?,
        code: r.get(1)?,
        name: r.get(2)?,
        time_zone: r.get(3)?,
        books_open_from: r.get(4)?,
        future_days_allowed: r.get(5)?,
    })
}

fn load_tenant(tx: &Transaction<'_>, code: &str) -> Result<Tenant> {
    tx.query_row(&format!("SELECT {TENANT_COLUMNS} FROM tenants WHERE code = ?1"), [code], tenant_row)
        .optional()
        .db()?
        .ok_or_else(|| Error::TenantNotFound(code.to_owned()))
}

fn add_tenant(tx: &Transaction<'_>, new: &NewTenant) -> Result<Created<Tenant>> {
    let inserted = tx
        .execute(
            "INSERT INTO tenants (code, name, time_zone, books_open_from, future_days_allowed, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (code) DO NOTHING",
            (&new.code, &new.name, &new.time_zone, books_open_from(new)?, new.future_days_allowed.unwrap_or(0), now()),
        )
        .db()?;
    let value = load_tenant(tx, &new.code)?;
    same_or_conflict("tenant", &new.code, &tenant_matches(&value, new))?;
    Ok(Created { value, created: inserted == 1 })
}

fn set_limits(tx: &Transaction<'_>, limits: &TenantLimits) -> Result<Tenant> {
    let tenant = load_tenant(tx, &limits.tenant)?;
    let changes = limit_changes(&tenant, limits)?;
    if changes.is_empty() {
        return Ok(tenant);
    }
    tx.execute(
        "UPDATE tenants SET books_open_from = coalesce(?2, books_open_from),
                            future_days_allowed = coalesce(?3, future_days_allowed) WHERE id = ?1",
        (tenant.id, limits.books_open_from, limits.future_days_allowed),
    )
    .db()?;
    let changed_at = now();
    for (field, old_value, new_value) in changes {
        tx.execute(
            "INSERT INTO tenant_changes (tenant_id, field, old_value, new_value, changed_by, changed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            (tenant.id, field, old_value, new_value, &limits.user, changed_at),
        )
        .db()?;
    }
    load_tenant(tx, &limits.tenant)
}

/// Every template the tenant's series use or have used.
fn templates_in_use(tx: &Transaction<'_>, tenant_id: i64) -> Result<Vec<InUse>> {
    let mut statement = tx
        .prepare(
            "SELECT s.code, s.reset_policy, f.format FROM series_formats f JOIN invoice_series s ON s.id = f.series_id
              WHERE s.tenant_id = ?1 ORDER BY s.code, f.valid_from",
        )
        .db()?;
    let rows = statement
        .query_map([tenant_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))
        .db()?
        .collect::<rusqlite::Result<Vec<_>>>()
        .db()?;
    rows.into_iter().map(|(series, reset, format)| Ok(InUse { series, reset: reset_policy(&reset)?, format })).collect()
}

fn add_series(tx: &Transaction<'_>, new: &NewSeries, author: &str) -> Result<Created<Series>> {
    let tenant = load_tenant(tx, &new.tenant)?;
    if let Some(existing) = load_series(tx, &tenant, &new.code)? {
        same_or_conflict("series", &new.code, &series_matches(&existing.series, new))?;
        return Ok(Created { value: existing.series, created: false });
    }
    let in_use = templates_in_use(tx, tenant.id)?;
    let format = new.format.clone().unwrap_or_else(|| default_template(new.reset, in_use.is_empty()));
    check_cannot_collide(&tenant.code, &new.code, new.reset, &format, &in_use)?;
    let created_at = now();
    let id: i64 = tx
        .query_row(
            "INSERT INTO invoice_series (tenant_id, code, format, reset_policy, created_at, kind)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
            (tenant.id, &new.code, &format, new.reset.as_str(), created_at, kind_of(new)),
            |r| r.get(0),
        )
        .db()?;
    tx.execute(
        "INSERT INTO series_formats (series_id, valid_from, format, set_by, set_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        (id, FIRST_TEMPLATE_FROM, &format, author, created_at),
    )
    .db()?;
    let series = load_series(tx, &tenant, &new.code)?
        .ok_or_else(|| Error::SeriesNotFound { tenant: new.tenant.clone(), series: new.code.clone() })?;
    Ok(Created { value: series.series, created: true })
}

const SERIES_COLUMNS: &str = "s.id, s.code, s.format, s.reset_policy, s.last_issue_date, s.retired_at IS NOT NULL,
     (SELECT max(valid_from) FROM series_formats f WHERE f.series_id = s.id), s.kind = 'corrective'";

fn series_row(tenant: &str) -> impl Fn(&Row<'_>) -> rusqlite::Result<(Series, String, NaiveDate)> + '_ {
    move |r| {
        let newest_from: NaiveDate = r.get(6)?;
        let series = Series {
            id: r.get(0)?,
            tenant: tenant.to_owned(),
            code: r.get(1)?,
            format: r.get(2)?,
            format_from: (newest_from > FIRST_TEMPLATE_FROM).then_some(newest_from),
            reset: ledgerdesk_types::ResetPolicy::Monthly,
            last_issue_date: r.get(4)?,
            retired: r.get(5)?,
            corrective: r.get(7)?,
        };
        Ok((series, r.get(3)?, newest_from))
    }
}

fn load_series(tx: &Transaction<'_>, tenant: &Tenant, code: &str) -> Result<Option<SeriesState>> {
    let row = tx
        .query_row(
            &format!("SELECT {SERIES_COLUMNS} FROM invoice_series s WHERE s.tenant_id = ?1 AND s.code = ?2"),
            (tenant.id, code),
            series_row(&tenant.code),
        )
        .optional()
        .db()?;
    row.map(|(mut series, reset, newest_from)| {
        series.reset = reset_policy(&reset)?;
        Ok(SeriesState { series, tenant: tenant.clone(), newest_from })
    })
    .transpose()
}

fn existing_series(tx: &Transaction<'_>, tenant: &str, code: &str) -> Result<SeriesState> {
    validate_code("series", code)?;
    let tenant = load_tenant(tx, tenant)?;
    load_series(tx, &tenant, code)?
        .ok_or_else(|| Error::SeriesNotFound { tenant: tenant.code.clone(), series: code.to_owned() })
}

fn retire_series(tx: &Transaction<'_>, tenant: &str, code: &str, user: &str) -> Result<Series> {
    let state = existing_series(tx, tenant, code)?;
    if state.series.retired {
        return Ok(state.series);
    }
    tx.execute(
        "UPDATE invoice_series SET retired_at = ?2, retired_by = ?3 WHERE id = ?1",
        (state.series.id, now(), user),
    )
    .db()?;
    Ok(Series { retired: true, ..state.series })
}

fn change_format(tx: &Transaction<'_>, tenant: &str, code: &str, format: &str, user: &str) -> Result<Series> {
    let state = existing_series(tx, tenant, code)?;
    let Some(valid_from) = template_change_start(&state, format)? else {
        return Ok(state.series);
    };
    let in_use = templates_in_use(tx, state.tenant.id)?;
    check_cannot_collide(&state.tenant.code, code, state.series.reset, format, &in_use)?;
    tx.execute(
        "INSERT INTO series_formats (series_id, valid_from, format, set_by, set_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        (state.series.id, valid_from, format, user, now()),
    )
    .db()?;
    tx.execute("UPDATE invoice_series SET format = ?2 WHERE id = ?1", (state.series.id, format)).db()?;
    Ok(Series { format: format.to_owned(), format_from: Some(valid_from), ..state.series })
}

fn add_customer(tx: &Transaction<'_>, new: &NewCustomer) -> Result<Created<Customer>> {
    let tenant = tenant_id(tx, &new.tenant)?;
    let inserted = tx
        .execute(
            "INSERT INTO customers (tenant_id, code, name, tax_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (tenant_id, code) DO NOTHING",
            (tenant, &new.code, &new.name, &new.tax_id, now()),
        )
        .db()?;
    let (id, name, tax_id): (i64, String, Option<String>) = tx
        .query_row(
            "SELECT id, name, tax_id FROM customers WHERE tenant_id = ?1 AND code = ?2",
            (tenant, &new.code),
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .db()?;
    same_or_conflict("customer", &new.code, &[("name", name == new.name), ("tax_id", tax_id == new.tax_id)])?;
    Ok(Created {
        value: Customer { id, tenant: new.tenant.clone(), code: new.code.clone(), name, tax_id },
        created: inserted == 1,
    })
}

fn list_series(tx: &Transaction<'_>, tenant: &str) -> Result<Vec<Series>> {
    let tenant_id = tenant_id(tx, tenant)?;
    let mut statement = tx
        .prepare(&format!("SELECT {SERIES_COLUMNS} FROM invoice_series s WHERE s.tenant_id = ?1 ORDER BY s.code"))
        .db()?;
    let rows = statement.query_map([tenant_id], series_row(tenant)).db()?.collect::<rusqlite::Result<Vec<_>>>().db()?;
    rows.into_iter().map(|(series, reset, _)| Ok(Series { reset: reset_policy(&reset)?, ..series })).collect()
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
