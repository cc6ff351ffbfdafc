//! Tenants, series and customers on Postgres. Twin of `sqlite.rs`; the judgement is in `mod.rs`.
//!
//! A write that adds or changes a series first locks its tenant's row (`FOR NO KEY UPDATE`, which leaves
//! the foreign-key checks of issues unblocked), so collision checks of one tenant run one at a time.

use chrono::NaiveDate;
use sqlx::{PgConnection, PgPool};

use super::templates::{InUse, check_cannot_collide, default_template};
use super::{
    Catalog, FIRST_TEMPLATE_FROM, SeriesState, books_open_from, kind_of, limit_changes, reset_policy, same_or_conflict,
    series_matches, template_change_start, tenant_matches, validate_customer, validate_limits, validate_series,
    validate_tenant,
};
use crate::db::postgres::PgResultExt;
use crate::db::{Backend, PgStore, now};
use crate::error::{Error, Result};
use crate::identity::{Action, Authorize as _, author_or};
use crate::model::{Created, Customer, NewCustomer, NewSeries, NewTenant, Series, Tenant, TenantLimits};
use crate::validate::{validate_code, validate_user};

impl Catalog for PgStore {
    async fn add_tenant(&self, tenant: NewTenant) -> Result<Created<Tenant>> {
        self.authorize(Action::KeepTenants, None)?;
        validate_tenant(&tenant)?;
        self.retried(Error::busy, || add_tenant(self.pool(), &tenant)).await
    }

    async fn get_tenant(&self, tenant: &str) -> Result<Tenant> {
        let mut conn = self.pool().acquire().await.db()?;
        load_tenant(&mut conn, tenant, "").await
    }

    async fn set_tenant_limits(&self, limits: TenantLimits) -> Result<Tenant> {
        self.authorize(Action::KeepTenants, Some(&limits.user))?;
        validate_limits(&limits)?;
        self.retried(Error::busy, || set_limits(self.pool(), &limits)).await
    }

    async fn add_series(&self, series: NewSeries) -> Result<Created<Series>> {
        self.authorize(Action::KeepTenants, None)?;
        validate_series(&series)?;
        let author = author_or(self.identity(), "series add");
        self.retried(Error::busy, || add_series(self.pool(), &series, &author)).await
    }

    async fn retire_series(&self, tenant: &str, series: &str, user: &str) -> Result<Series> {
        self.authorize(Action::KeepTenants, Some(user))?;
        validate_user(user)?;
        self.retried(Error::busy, || retire_series(self.pool(), tenant, series, user)).await
    }

    async fn change_series_format(&self, tenant: &str, series: &str, format: &str, user: &str) -> Result<Series> {
        self.authorize(Action::KeepTenants, Some(user))?;
        validate_user(user)?;
        self.retried(Error::busy, || change_format(self.pool(), tenant, series, format, user)).await
    }

    async fn add_customer(&self, customer: NewCustomer) -> Result<Created<Customer>> {
        self.authorize(Action::KeepCustomers, None)?;
        validate_customer(&customer)?;
        self.retried(Error::busy, || add_customer(self.pool(), &customer)).await
    }

    async fn list_series(&self, tenant: &str) -> Result<Vec<Series>> {
        list_series(self.pool(), tenant).await
    }

    async fn list_customers(&self, tenant: &str) -> Result<Vec<Customer>> {
        list_customers(self.pool(), tenant).await
    }
}

/// The id of tenant `code`.
pub(crate) async fn tenant_id(conn: &mut PgConnection, code: &str) -> Result<i64> {
    sqlx::query_scalar("SELECT id FROM tenants WHERE code = $1")
        .bind(code)
        .fetch_optional(conn)
        .await
        .db()?
        .ok_or_else(|| Error::TenantNotFound(code.to_owned()))
}

/// The id of `tenant`'s series `code`, or `series_not_found`.
pub(crate) async fn series_id(conn: &mut PgConnection, tenant: &str, tenant_id: i64, code: &str) -> Result<i64> {
    sqlx::query_scalar("SELECT id FROM invoice_series WHERE tenant_id = $1 AND code = $2")
        .bind(tenant_id)
        .bind(code)
        .fetch_optional(conn)
        .await
        .db()?
        .ok_or_else(|| Error::SeriesNotFound { tenant: tenant.to_owned(), series: code.to_owned() })
}

type TenantRow = (i64, String, String, String, NaiveDate, i32);

/// Tenant `code`; `lock` is appended to the query (`FOR NO KEY UPDATE`, or nothing).
async fn load_tenant(conn: &mut PgConnection, code: &str, lock: &str) -> Result<Tenant> {
    let row: Option<TenantRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT id, code, name, time_zone, books_open_from, future_days_allowed FROM tenants WHERE code = $1 {lock}"
    )))
    .bind(code)
    .fetch_optional(conn)
    .await
    .db()?;
    let (id, code_read, name, time_zone, books_open_from, days) =
        row.ok_or_else(|| Error::TenantNotFound(code.to_owned()))?;
    Ok(Tenant { id, code: code_read, name, time_zone, books_open_from, future_days_allowed: days.unsigned_abs() })
}

async fn add_tenant(pool: &PgPool, new: &NewTenant) -> Result<Created<Tenant>> {
    let mut tx = pool.begin().await.db()?;
    let inserted = sqlx::query(
        "INSERT INTO tenants (code, name, time_zone, books_open_from, future_days_allowed, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (code) DO NOTHING",
    )
    .bind(&new.code)
    .bind(&new.name)
    .bind(&new.time_zone)
    .bind(books_open_from(new)?)
    .bind(new.future_days_allowed.unwrap_or(0) as i32)
    .bind(now())
    .execute(&mut *tx)
    .await
    .db()?
    .rows_affected();
    let value = load_tenant(&mut tx, &new.code, "").await?;
    same_or_conflict("tenant", &new.code, &tenant_matches(&value, new))?;
    tx.commit().await.db()?;
    Ok(Created { value, created: inserted == 1 })
}

async fn set_limits(pool: &PgPool, limits: &TenantLimits) -> Result<Tenant> {
    let mut tx = pool.begin().await.db()?;
    let tenant = load_tenant(&mut tx, &limits.tenant, "FOR NO KEY UPDATE").await?;
    let changes = limit_changes(&tenant, limits)?;
    if changes.is_empty() {
        return Ok(tenant);
    }
    sqlx::query(
        "UPDATE tenants SET books_open_from = coalesce($2, books_open_from),
                            future_days_allowed = coalesce($3, future_days_allowed) WHERE id = $1",
    )
    .bind(tenant.id)
    .bind(limits.books_open_from)
    .bind(limits.future_days_allowed.map(|days| days as i32))
    .execute(&mut *tx)
    .await
    .db()?;
    let (fields, (old, new)): (Vec<&str>, (Vec<String>, Vec<String>)) =
        changes.into_iter().map(|(field, old, new)| (field, (old, new))).unzip();
    sqlx::query(
        "INSERT INTO tenant_changes (tenant_id, field, old_value, new_value, changed_by, changed_at)
         SELECT $1, field, old_value, new_value, $5, $6 FROM UNNEST($2::text[], $3::text[], $4::text[])
             AS c (field, old_value, new_value)",
    )
    .bind(tenant.id)
    .bind(&fields)
    .bind(&old)
    .bind(&new)
    .bind(&limits.user)
    .bind(now())
    .execute(&mut *tx)
    .await
    .db()?;
    let tenant = load_tenant(&mut tx, &limits.tenant, "").await?;
    tx.commit().await.db()?;
    Ok(tenant)
}

/// Every template the tenant's series use or have used.
async fn templates_in_use(conn: &mut PgConnection, tenant_id: i64) -> Result<Vec<InUse>> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT s.code, s.reset_policy, f.format FROM series_formats f JOIN invoice_series s ON s.id = f.series_id
          WHERE s.tenant_id = $1 ORDER BY s.code, f.valid_from",
    )
    .bind(tenant_id)
    .fetch_all(conn)
    .await
    .db()?;
    rows.into_iter().map(|(series, reset, format)| Ok(InUse { series, reset: reset_policy(&reset)?, format })).collect()
}

async fn add_series(pool: &PgPool, new: &NewSeries, author: &str) -> Result<Created<Series>> {
    let mut tx = pool.begin().await.db()?;
    let tenant = load_tenant(&mut tx, &new.tenant, "FOR NO KEY UPDATE").await?;
    if let Some(existing) = load_series(&mut tx, &tenant, &new.code).await? {
        same_or_conflict("series", &new.code, &series_matches(&existing.series, new))?;
        return Ok(Created { value: existing.series, created: false });
    }
    let in_use = templates_in_use(&mut tx, tenant.id).await?;
    let format = new.format.clone().unwrap_or_else(|| default_template(new.reset, in_use.is_empty()));
    check_cannot_collide(&tenant.code, &new.code, new.reset, &format, &in_use)?;
    sqlx::query(
        "WITH series AS (
             INSERT INTO invoice_series (tenant_id, code, format, reset_policy, created_at, kind)
             VALUES ($1, $2, $3, $4, $5, $7) RETURNING id
         )
         INSERT INTO series_formats (series_id, valid_from, format, set_by, set_at)
         SELECT id, $6, $3, $8, $5 FROM series",
    )
    .bind(tenant.id)
    .bind(&new.code)
    .bind(&format)
    .bind(new.reset.as_str())
    .bind(now())
    .bind(FIRST_TEMPLATE_FROM)
    .bind(kind_of(new))
    .bind(author)
    .execute(&mut *tx)
    .await
    .db()?;
    let created = load_series(&mut tx, &tenant, &new.code).await?;
    tx.commit().await.db()?;
    let state =
        created.ok_or_else(|| Error::SeriesNotFound { tenant: new.tenant.clone(), series: new.code.clone() })?;
    Ok(Created { value: state.series, created: true })
}

type SeriesRow = (i64, String, String, String, Option<NaiveDate>, bool, NaiveDate, bool);

const SERIES_COLUMNS: &str = "s.id, s.code, s.format, s.reset_policy, s.last_issue_date, s.retired_at IS NOT NULL,
     (SELECT max(valid_from) FROM series_formats f WHERE f.series_id = s.id), s.kind = 'corrective'";

fn to_series(tenant: &str, row: SeriesRow) -> Result<(Series, NaiveDate)> {
    let (id, code, format, reset, last_issue_date, retired, newest_from, corrective) = row;
    let format_from = (newest_from > FIRST_TEMPLATE_FROM).then_some(newest_from);
    let reset = reset_policy(&reset)?;
    Ok((
        Series {
            id,
            tenant: tenant.to_owned(),
            code,
            format,
            format_from,
            reset,
            last_issue_date,
            retired,
            corrective,
        },
        newest_from,
    ))
}

async fn load_series(conn: &mut PgConnection, tenant: &Tenant, code: &str) -> Result<Option<SeriesState>> {
    let row: Option<SeriesRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {SERIES_COLUMNS} FROM invoice_series s WHERE s.tenant_id = $1 AND s.code = $2"
    )))
    .bind(tenant.id)
    .bind(code)
    .fetch_optional(conn)
    .await
    .db()?;
    row.map(|row| {
        let (series, newest_from) = to_series(&tenant.code, row)?;
        Ok(SeriesState { series, tenant: tenant.clone(), newest_from })
    })
    .transpose()
}

async fn existing_series(conn: &mut PgConnection, tenant: &str, code: &str) -> Result<SeriesState> {
    validate_code("series", code)?;
    let tenant = load_tenant(&mut *conn, tenant, "FOR NO KEY UPDATE").await?;
    load_series(conn, &tenant, code)
        .await?
        .ok_or_else(|| Error::SeriesNotFound { tenant: tenant.code.clone(), series: code.to_owned() })
}

async fn retire_series(pool: &PgPool, tenant: &str, code: &str, user: &str) -> Result<Series> {
    let mut tx = pool.begin().await.db()?;
    let state = existing_series(&mut tx, tenant, code).await?;
    if state.series.retired {
        return Ok(state.series);
    }
    sqlx::query("UPDATE invoice_series SET retired_at = $2, retired_by = $3 WHERE id = $1")
        .bind(state.series.id)
        .bind(now())
        .bind(user)
        .execute(&mut *tx)
        .await
        .db()?;
    tx.commit().await.db()?;
    Ok(Series { retired: true, ..state.series })
}

async fn change_format(pool: &PgPool, tenant: &str, code: &str, format: &str, user: &str) -> Result<Series> {
    let mut tx = pool.begin().await.db()?;
    let state = existing_series(&mut tx, tenant, code).await?;
    let Some(valid_from) = template_change_start(&state, format)? else {
        return Ok(state.series);
    };
    let in_use = templates_in_use(&mut tx, state.tenant.id).await?;
    check_cannot_collide(&state.tenant.code, code, state.series.reset, format, &in_use)?;
    sqlx::query(
        "WITH template AS (
             INSERT INTO series_formats (series_id, valid_from, format, set_by, set_at) VALUES ($1, $2, $3, $4, $5)
         )
         UPDATE invoice_series SET format = $3 WHERE id = $1",
    )
    .bind(state.series.id)
    .bind(valid_from)
    .bind(format)
    .bind(user)
    .bind(now())
    .execute(&mut *tx)
    .await
    .db()?;
    tx.commit().await.db()?;
    Ok(Series { format: format.to_owned(), format_from: Some(valid_from), ..state.series })
}

async fn add_customer(pool: &PgPool, new: &NewCustomer) -> Result<Created<Customer>> {
    let mut tx = pool.begin().await.db()?;
    let tenant = tenant_id(&mut tx, &new.tenant).await?;
    let inserted = sqlx::query(
        "INSERT INTO customers (tenant_id, code, name, tax_id, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant_id, code) DO NOTHING",
    )
    .bind(tenant)
    .bind(&new.code)
    .bind(&new.name)
    .bind(&new.tax_id)
    .bind(now())
    .execute(&mut *tx)
    .await
    .db()?
    .rows_affected();
    let (id, name, tax_id): (i64, String, Option<String>) =
        sqlx::query_as("SELECT id, name, tax_id FROM customers WHERE tenant_id = $1 AND code = $2")
            .bind(tenant)
            .bind(&new.code)
            .fetch_one(&mut *tx)
            .await
            .db()?;
    same_or_conflict("customer", &new.code, &[("name", name == new.name), ("tax_id", tax_id == new.tax_id)])?;
    tx.commit().await.db()?;
    Ok(Created {
        value: Customer { id, tenant: new.tenant.clone(), code: new.code.clone(), name, tax_id },
        created: inserted == 1,
    })
}

async fn list_series(pool: &PgPool, tenant: &str) -> Result<Vec<Series>> {
    let mut conn = pool.acquire().await.db()?;
    let tenant_id = tenant_id(&mut conn, tenant).await?;
    let rows: Vec<SeriesRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {SERIES_COLUMNS} FROM invoice_series s WHERE s.tenant_id = $1 ORDER BY s.code"
    )))
    .bind(tenant_id)
    .fetch_all(&mut *conn)
    .await
    .db()?;
    rows.into_iter().map(|row| to_series(tenant, row).map(|(series, _)| series)).collect()
}

async fn list_customers(pool: &PgPool, tenant: &str) -> Result<Vec<Customer>> {
    let mut conn = pool.acquire().await.db()?;
    let tenant_id = tenant_id(&mut conn, tenant).await?;
    let rows: Vec<(i64, String, String, Option<String>)> =
        sqlx::query_as("SELECT id, code, name, tax_id FROM customers WHERE tenant_id = $1 ORDER BY code")
            .bind(tenant_id)
            .fetch_all(&mut *conn)
            .await
            .db()?;
    Ok(rows
        .into_iter()
        .map(|(id, code, name, tax_id)| Customer { id, tenant: tenant.to_owned(), code, name, tax_id })
        .collect())
}
