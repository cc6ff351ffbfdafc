//! Tenants, series and customers on Postgres. Twin of `sqlite.rs`.

use chrono::{NaiveDate, Utc};
use sqlx::{PgConnection, PgPool};

use super::{Catalog, reset_policy, same_or_conflict, validate_customer, validate_series, validate_tenant};
use crate::db::PgStore;
use crate::db::postgres::PgResultExt;
use crate::error::{Error, Result};
use crate::model::{Created, Customer, NewCustomer, NewSeries, NewTenant, Series, Tenant};

impl Catalog for PgStore {
    async fn add_tenant(&self, tenant: NewTenant) -> Result<Created<Tenant>> {
        validate_tenant(&tenant)?;
        self.retried(Error::busy, || add_tenant(self.pool(), &tenant)).await
    }

    async fn add_series(&self, series: NewSeries) -> Result<Created<Series>> {
        validate_series(&series)?;
        self.retried(Error::busy, || add_series(self.pool(), &series)).await
    }

    async fn add_customer(&self, customer: NewCustomer) -> Result<Created<Customer>> {
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

async fn add_tenant(pool: &PgPool, new: &NewTenant) -> Result<Created<Tenant>> {
    let mut tx = pool.begin().await.db()?;
    let inserted = sqlx::query(
        "INSERT INTO tenants (code, name, time_zone, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (code) DO NOTHING",
    )
    .bind(&new.code)
    .bind(&new.name)
    .bind(&new.time_zone)
    .bind(Utc::now())
    .execute(&mut *tx)
    .await
    .db()?
    .rows_affected();
    let (id, code, name, time_zone): (i64, String, String, String) =
        sqlx::query_as("SELECT id, code, name, time_zone FROM tenants WHERE code = $1")
            .bind(&new.code)
            .fetch_one(&mut *tx)
            .await
            .db()?;
    same_or_conflict("tenant", &new.code, name == new.name && time_zone == new.time_zone)?;
    tx.commit().await.db()?;
    Ok(Created { value: Tenant { id, code, name, time_zone }, created: inserted == 1 })
}

async fn add_series(pool: &PgPool, new: &NewSeries) -> Result<Created<Series>> {
    let mut tx = pool.begin().await.db()?;
    let tenant = tenant_id(&mut tx, &new.tenant).await?;
    let inserted = sqlx::query(
        "INSERT INTO invoice_series (tenant_id, code, format, reset_policy, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant_id, code) DO NOTHING",
    )
    .bind(tenant)
    .bind(&new.code)
    .bind(&new.format)
    .bind(new.reset.as_str())
    .bind(Utc::now())
    .execute(&mut *tx)
    .await
    .db()?
    .rows_affected();
    let (id, format, reset, last_issue_date): (i64, String, String, Option<NaiveDate>) = sqlx::query_as(
        "SELECT id, format, reset_policy, last_issue_date FROM invoice_series WHERE tenant_id = $1 AND code = $2",
    )
    .bind(tenant)
    .bind(&new.code)
    .fetch_one(&mut *tx)
    .await
    .db()?;
    same_or_conflict("series", &new.code, format == new.format && reset == new.reset.as_str())?;
    let reset = reset_policy(&reset)?;
    tx.commit().await.db()?;
    Ok(Created {
        value: Series { id, tenant: new.tenant.clone(), code: new.code.clone(), format, reset, last_issue_date },
        created: inserted == 1,
    })
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
    .bind(Utc::now())
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
    same_or_conflict("customer", &new.code, name == new.name && tax_id == new.tax_id)?;
    tx.commit().await.db()?;
    Ok(Created {
        value: Customer { id, tenant: new.tenant.clone(), code: new.code.clone(), name, tax_id },
        created: inserted == 1,
    })
}

async fn list_series(pool: &PgPool, tenant: &str) -> Result<Vec<Series>> {
    let mut conn = pool.acquire().await.db()?;
    let tenant_id = tenant_id(&mut conn, tenant).await?;
    let rows: Vec<(i64, String, String, String, Option<NaiveDate>)> = sqlx::query_as(
        "SELECT id, code, format, reset_policy, last_issue_date FROM invoice_series WHERE tenant_id = $1 ORDER BY code",
    )
    .bind(tenant_id)
    .fetch_all(&mut *conn)
    .await
    .db()?;
    rows.into_iter()
        .map(|(id, code, format, reset, last_issue_date)| {
            Ok(Series { id, tenant: tenant.to_owned(), code, format, reset: reset_policy(&reset)?, last_issue_date })
        })
        .collect()
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
