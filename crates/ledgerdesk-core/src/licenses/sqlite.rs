//! Licenses on SQLite. Twin of `postgres.rs`; the judgement is in `mod.rs`.
//!
//! Every write runs under `BEGIN IMMEDIATE`, so the version read by a change cannot move before its
//! `UPDATE`; the `version = ?` condition is kept anyway so both twins run the same statements.

use chrono::{DateTime, Utc};
use ledgerdesk_types::{AssignLicense, ChangeLicense, License, LicenseQuery, LicenseStatus, Reply};
use rusqlite::{OptionalExtension, Transaction};

use super::{
    Assign, Change, LICENSE_COLUMNS, Licenses, audit_entry, effective_status, judge, list_sql, status, sweep_entry,
};
use crate::catalog::sqlite::tenant_id;
use crate::db::sqlite::{SqliteResultExt, bind_all, map_err};
use crate::db::{SqliteStore, now};
use crate::error::{Error, Result};
use crate::idempotency;
use crate::identity::{Action, Authorize as _};
use crate::trail::sqlite::append;
use crate::validate::validate_user;
use crate::webhooks::outbound::OutboundEvent;
use crate::webhooks::outbound::sqlite::emit;

impl Licenses for SqliteStore {
    async fn assign_license(&self, request: AssignLicense, actor: &str, key: Option<&str>) -> Result<Reply<License>> {
        idempotency::execute(self, Assign::new(request, actor)?, key).await
    }

    async fn change_license(&self, request: ChangeLicense, actor: &str, key: Option<&str>) -> Result<Reply<License>> {
        idempotency::execute(self, Change::new(request, actor)?, key).await
    }

    async fn get_license(&self, tenant: &str, id: i64) -> Result<License> {
        let tenant = tenant.to_owned();
        self.read(move |tx| get(tx, &tenant, id, now())).await
    }

    async fn list_licenses(&self, tenant: &str, query: &LicenseQuery) -> Result<Vec<License>> {
        let (tenant, query) = (tenant.to_owned(), query.clone());
        self.read(move |tx| list(tx, &tenant, &query, now())).await
    }

    async fn expire_licenses(&self, tenant: &str, actor: &str) -> Result<u64> {
        self.authorize(Action::KeepLicenses, Some(actor))?;
        validate_user(actor)?;
        let (tenant, actor) = (tenant.to_owned(), actor.to_owned());
        self.write(Error::busy, move |tx| expire(tx, &tenant, &actor, now())).await
    }
}

/// The partial unique index `licenses_one_active` refused a second ACTIVE license.
fn already_active_or(e: rusqlite::Error, holder: &str) -> Error {
    match &e {
        rusqlite::Error::SqliteFailure(f, Some(message))
            if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                && message.contains("licenses.tenant_id, licenses.holder") =>
        {
            Error::LicenseAlreadyActive { holder: holder.to_owned() }
        }
        _ => map_err(e),
    }
}

/// Reads a license row (columns as [`LICENSE_COLUMNS`]) with expiry applied.
fn row_to_license(tenant: &str) -> impl Fn(&rusqlite::Row<'_>) -> rusqlite::Result<(License, String)> + '_ {
    move |r| {
        let expires_at = r.get(6)?;
        Ok((
            License {
                id: r.get(0)?,
                tenant: tenant.to_owned(),
                holder: r.get(1)?,
                product: r.get(2)?,
                plan: r.get(3)?,
                seats: r.get(4)?,
                starts_at: r.get(5)?,
                expires_at,
                status: LicenseStatus::Active,
                version: r.get(8)?,
                updated_by: r.get(9)?,
                updated_at: r.get(10)?,
            },
            r.get(7)?,
        ))
    }
}

fn with_status((mut license, stored): (License, String), now: DateTime<Utc>) -> Result<License> {
    license.status = effective_status(status(&stored)?, license.expires_at, now);
    Ok(license)
}

fn load(tx: &Transaction<'_>, tenant: &str, tenant_id: i64, id: i64, now: DateTime<Utc>) -> Result<License> {
    let row = tx
        .query_row(
            &format!("SELECT {LICENSE_COLUMNS} FROM licenses WHERE id = ?1 AND tenant_id = ?2"),
            (id, tenant_id),
            row_to_license(tenant),
        )
        .optional()
        .db()?
        .ok_or(Error::LicenseNotFound(id))?;
    with_status(row, now)
}

pub(crate) fn assign(tx: &Transaction<'_>, assign: &Assign, now: DateTime<Utc>) -> Result<License> {
    let request = &assign.request;
    let tenant_id = tenant_id(tx, &request.tenant)?;
    // A lapsed ACTIVE license gives up the holder's one active slot before the new one takes it.
    tx.execute(
        "UPDATE licenses SET status = 'EXPIRED', version = version + 1, updated_by = ?3, updated_at = ?4
          WHERE tenant_id = ?1 AND holder = ?2 AND status = 'ACTIVE' AND expires_at <= ?4",
        (tenant_id, &request.holder, &assign.actor, now),
    )
    .db()?;
    let id: i64 = tx
        .query_row(
            "INSERT INTO licenses (tenant_id, holder, product, plan, seats, starts_at, expires_at, status, version,
                                   created_by, created_at, updated_by, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'ACTIVE', 1, ?8, ?9, ?8, ?9)
             RETURNING id",
            rusqlite::params![
                tenant_id,
                request.holder,
                request.product,
                request.plan,
                request.seats,
                request.starts_at.unwrap_or(now),
                request.expires_at,
                assign.actor,
                now
            ],
            |r| r.get(0),
        )
        .map_err(|e| already_active_or(e, &request.holder))?;
    let license = load(tx, &request.tenant, tenant_id, id, now)?;
    emit(tx, tenant_id, &OutboundEvent::license(None, &license, now), now)?;
    append(tx, tenant_id, &request.tenant, &audit_entry(&assign.actor, None, None, &license), now)?;
    Ok(license)
}

pub(crate) fn change(tx: &Transaction<'_>, change: &Change, now: DateTime<Utc>) -> Result<License> {
    let request = &change.request;
    let tenant_id = tenant_id(tx, &request.tenant)?;
    let current = load(tx, &request.tenant, tenant_id, request.license, now)?;
    let patch = judge(&current, request)?;
    let updated = tx
        .execute(
            "UPDATE licenses SET status = ?1, expires_at = ?2, version = version + 1, updated_by = ?3, updated_at = ?4
              WHERE id = ?5 AND tenant_id = ?6 AND version = ?7",
            rusqlite::params![
                patch.status.as_str(),
                patch.expires_at,
                change.actor,
                now,
                request.license,
                tenant_id,
                request.expected_version
            ],
        )
        .map_err(|e| already_active_or(e, &current.holder))?;
    let after = load(tx, &request.tenant, tenant_id, request.license, now)?;
    if updated == 0 {
        return Err(Error::VersionConflict {
            license: request.license,
            expected: request.expected_version,
            current: Box::new(after),
        });
    }
    emit(tx, tenant_id, &OutboundEvent::license(Some(request.action), &after, now), now)?;
    append(
        tx,
        tenant_id,
        &request.tenant,
        &audit_entry(&change.actor, Some(request.action), Some(&current), &after),
        now,
    )?;
    Ok(after)
}

fn list(tx: &Transaction<'_>, tenant: &str, query: &LicenseQuery, now: DateTime<Utc>) -> Result<Vec<License>> {
    let tenant_id = tenant_id(tx, tenant)?;
    let (sql, params) = list_sql(tenant_id, query, now, |n| format!("?{n}"));
    let mut statement = tx.prepare(&sql).db()?;
    let rows = statement.query_map(bind_all(params), row_to_license(tenant)).db()?;
    rows.map(|row| with_status(row.db()?, now)).collect()
}

fn get(tx: &Transaction<'_>, tenant: &str, id: i64, now: DateTime<Utc>) -> Result<License> {
    load(tx, tenant, tenant_id(tx, tenant)?, id, now)
}

/// Writes EXPIRED on every ACTIVE or SUSPENDED license past its expiry; returns how many.
fn expire(tx: &Transaction<'_>, tenant: &str, actor: &str, now: DateTime<Utc>) -> Result<u64> {
    let tenant_id = tenant_id(tx, tenant)?;
    let expired: Vec<i64> = tx
        .prepare(
            "UPDATE licenses SET status = 'EXPIRED', version = version + 1, updated_by = ?2, updated_at = ?3
              WHERE tenant_id = ?1 AND status IN ('ACTIVE', 'SUSPENDED') AND expires_at <= ?3 RETURNING id",
        )
        .db()?
        .query_map((tenant_id, actor, now), |r| r.get(0))
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()?;
    if !expired.is_empty() {
        append(tx, tenant_id, tenant, &sweep_entry(actor, tenant, &expired), now)?;
    }
    Ok(expired.len() as u64)
}
