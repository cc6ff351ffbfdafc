//! Licenses on Postgres. Twin of `sqlite.rs`; the judgement is in `mod.rs`.
//!
//! READ COMMITTED with optimistic concurrency: a change reads the license without a lock, judges it,
//! then updates `WHERE version = expected`. A concurrent change that committed first makes that `UPDATE`
//! wait for the row lock and then match nothing, which is reported as `version_conflict`: no lost update.
//! Two concurrent assigns for one holder meet on the partial unique index; the second waits for the
//! first to commit, then fails with `license_already_active`.

use chrono::{DateTime, Utc};
use ledgerdesk_types::{AssignLicense, ChangeLicense, License, LicenseQuery, Reply};
use sqlx::{PgConnection, PgPool};

use super::{
    Assign, Change, LICENSE_COLUMNS, Licenses, audit_entry, effective_status, judge, list_sql, status, sweep_entry,
};
use crate::catalog::postgres::tenant_id;
use crate::db::postgres::{PgResultExt, bind_all, map_err};
use crate::db::{PgStore, now};
use crate::error::{Error, Result};
use crate::idempotency;
use crate::identity::{Action, Authorize as _};
use crate::trail::postgres::append;
use crate::validate::validate_user;
use crate::webhooks::outbound::OutboundEvent;
use crate::webhooks::outbound::postgres::emit;

impl Licenses for PgStore {
    async fn assign_license(&self, request: AssignLicense, actor: &str, key: Option<&str>) -> Result<Reply<License>> {
        idempotency::execute(self, Assign::new(request, actor)?, key).await
    }

    async fn change_license(&self, request: ChangeLicense, actor: &str, key: Option<&str>) -> Result<Reply<License>> {
        idempotency::execute(self, Change::new(request, actor)?, key).await
    }

    async fn get_license(&self, tenant: &str, id: i64) -> Result<License> {
        get(self.pool(), tenant, id, now()).await
    }

    async fn list_licenses(&self, tenant: &str, query: &LicenseQuery) -> Result<Vec<License>> {
        list(self.pool(), tenant, query, now()).await
    }

    async fn expire_licenses(&self, tenant: &str, actor: &str) -> Result<u64> {
        self.authorize(Action::KeepLicenses, Some(actor))?;
        validate_user(actor)?;
        self.retried(Error::busy, || expire(self.pool(), tenant, actor, now())).await
    }
}

/// The partial unique index `licenses_one_active` refused a second ACTIVE license.
fn already_active_or(e: sqlx::Error, holder: &str) -> Error {
    match &e {
        sqlx::Error::Database(db) if db.constraint() == Some("licenses_one_active") => {
            Error::LicenseAlreadyActive { holder: holder.to_owned() }
        }
        _ => map_err(e),
    }
}

type LicenseRow = (i64, String, String, String, i32, DateTime<Utc>, DateTime<Utc>, String, i64, String, DateTime<Utc>);

/// A license row (columns as [`LICENSE_COLUMNS`]) with expiry applied.
fn to_license(tenant: &str, row: LicenseRow, now: DateTime<Utc>) -> Result<License> {
    let (id, holder, product, plan, seats, starts_at, expires_at, stored, version, updated_by, updated_at) = row;
    Ok(License {
        id,
        tenant: tenant.to_owned(),
        holder,
        product,
        plan,
        seats,
        starts_at,
        expires_at,
        status: effective_status(status(&stored)?, expires_at, now),
        version,
        updated_by,
        updated_at,
    })
}

async fn load(conn: &mut PgConnection, tenant: &str, tenant_id: i64, id: i64, now: DateTime<Utc>) -> Result<License> {
    let row: Option<LicenseRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {LICENSE_COLUMNS} FROM licenses WHERE id = $1 AND tenant_id = $2"
    )))
    .bind(id)
    .bind(tenant_id)
    .fetch_optional(conn)
    .await
    .db()?;
    to_license(tenant, row.ok_or(Error::LicenseNotFound(id))?, now)
}

pub(crate) async fn assign(conn: &mut PgConnection, assign: &Assign, now: DateTime<Utc>) -> Result<License> {
    let request = &assign.request;
    let tenant_id = tenant_id(conn, &request.tenant).await?;
    // A lapsed ACTIVE license gives up the holder's one active slot before the new one takes it.
    sqlx::query(
        "UPDATE licenses SET status = 'EXPIRED', version = version + 1, updated_by = $3, updated_at = $4
          WHERE tenant_id = $1 AND holder = $2 AND status = 'ACTIVE' AND expires_at <= $4",
    )
    .bind(tenant_id)
    .bind(&request.holder)
    .bind(&assign.actor)
    .bind(now)
    .execute(&mut *conn)
    .await
    .db()?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO licenses (tenant_id, holder, product, plan, seats, starts_at, expires_at, status, version,
                               created_by, created_at, updated_by, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'ACTIVE', 1, $8, $9, $8, $9)
         RETURNING id",
    )
    .bind(tenant_id)
    .bind(&request.holder)
    .bind(&request.product)
    .bind(&request.plan)
    .bind(request.seats)
    .bind(request.starts_at.unwrap_or(now))
    .bind(request.expires_at)
    .bind(&assign.actor)
    .bind(now)
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| already_active_or(e, &request.holder))?;
    let license = load(conn, &request.tenant, tenant_id, id, now).await?;
    emit(conn, tenant_id, &OutboundEvent::license(None, &license, now), now).await?;
    append(conn, tenant_id, &request.tenant, &audit_entry(&assign.actor, None, None, &license), now).await?;
    Ok(license)
}

pub(crate) async fn change(conn: &mut PgConnection, change: &Change, now: DateTime<Utc>) -> Result<License> {
    let request = &change.request;
    let tenant_id = tenant_id(conn, &request.tenant).await?;
    let current = load(conn, &request.tenant, tenant_id, request.license, now).await?;
    let patch = judge(&current, request)?;
    let updated = sqlx::query(
        "UPDATE licenses SET status = $1, expires_at = $2, version = version + 1, updated_by = $3, updated_at = $4
          WHERE id = $5 AND tenant_id = $6 AND version = $7",
    )
    .bind(patch.status.as_str())
    .bind(patch.expires_at)
    .bind(&change.actor)
    .bind(now)
    .bind(request.license)
    .bind(tenant_id)
    .bind(request.expected_version)
    .execute(&mut *conn)
    .await
    .map_err(|e| already_active_or(e, &current.holder))?;
    let after = load(conn, &request.tenant, tenant_id, request.license, now).await?;
    if updated.rows_affected() == 0 {
        return Err(Error::VersionConflict {
            license: request.license,
            expected: request.expected_version,
            current: Box::new(after),
        });
    }
    emit(conn, tenant_id, &OutboundEvent::license(Some(request.action), &after, now), now).await?;
    append(
        conn,
        tenant_id,
        &request.tenant,
        &audit_entry(&change.actor, Some(request.action), Some(&current), &after),
        now,
    )
    .await?;
    Ok(after)
}

async fn list(pool: &PgPool, tenant: &str, query: &LicenseQuery, now: DateTime<Utc>) -> Result<Vec<License>> {
    let mut conn = pool.acquire().await.db()?;
    let tenant_id = tenant_id(&mut conn, tenant).await?;
    let (sql, params) = list_sql(tenant_id, query, now, |n| format!("${n}"));
    let rows =
        bind_all(sqlx::query_as::<_, LicenseRow>(sqlx::AssertSqlSafe(sql)), params).fetch_all(&mut *conn).await.db()?;
    rows.into_iter().map(|row| to_license(tenant, row, now)).collect()
}

async fn get(pool: &PgPool, tenant: &str, id: i64, now: DateTime<Utc>) -> Result<License> {
    let mut conn = pool.acquire().await.db()?;
    let tenant_id = tenant_id(&mut conn, tenant).await?;
    load(&mut conn, tenant, tenant_id, id, now).await
}

/// Writes EXPIRED on every ACTIVE or SUSPENDED license past its expiry; returns how many.
async fn expire(pool: &PgPool, tenant: &str, actor: &str, now: DateTime<Utc>) -> Result<u64> {
    let mut tx = pool.begin().await.db()?;
    let tenant_id = tenant_id(&mut tx, tenant).await?;
    let expired: Vec<i64> = sqlx::query_scalar(
        "UPDATE licenses SET status = 'EXPIRED', version = version + 1, updated_by = $2, updated_at = $3
          WHERE tenant_id = $1 AND status IN ('ACTIVE', 'SUSPENDED') AND expires_at <= $3 RETURNING id",
    )
    .bind(tenant_id)
    .bind(actor)
    .bind(now)
    .fetch_all(&mut *tx)
    .await
    .db()?;
    if !expired.is_empty() {
        append(&mut tx, tenant_id, tenant, &sweep_entry(actor, tenant, &expired), now).await?;
    }
    tx.commit().await.db()?;
    Ok(expired.len() as u64)
}
