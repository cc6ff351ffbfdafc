//! Export destinations and settings on Postgres. Twin of `sqlite.rs`.

use chrono::{DateTime, Utc};
use ledgerdesk_types::{AccountMapping, Destination, ExportSettings, ExportSettingsChange, NewDestination};
use rust_decimal::Decimal;
use sqlx::PgConnection;

use super::{ExportSetup, default_settings, validate_destination, validate_settings_change};
use crate::catalog::postgres::tenant_id;
use crate::db::postgres::PgResultExt;
use crate::db::{PgStore, now};
use crate::error::{Error, Result};
use crate::exports::queries::{DESTINATION_COLUMNS, RawDestination, destination};
use crate::identity::{Action, Authorize as _};
use crate::model::Created;
use crate::trail::Entry;
use crate::trail::postgres::append;

impl ExportSetup for PgStore {
    async fn add_destination(&self, new: NewDestination, actor: &str) -> Result<Created<Destination>> {
        self.authorize(Action::KeepExportSetup, Some(actor))?;
        validate_destination(&new, actor)?;
        self.retried(Error::busy, || async {
            let mut tx = self.pool().begin().await.db()?;
            let added = add_destination(&mut tx, &new, actor, now()).await?;
            tx.commit().await.db()?;
            Ok(added)
        })
        .await
    }

    async fn list_destinations(&self, tenant: &str) -> Result<Vec<Destination>> {
        let mut conn = self.pool().acquire().await.db()?;
        let tenant_id = tenant_id(&mut conn, tenant).await?;
        let sql = format!("SELECT {DESTINATION_COLUMNS} FROM export_destinations WHERE tenant_id = $1 ORDER BY name");
        let rows: Vec<RawDestination> =
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(tenant_id).fetch_all(&mut *conn).await.db()?;
        rows.into_iter().map(|raw| destination(tenant, raw)).collect()
    }

    async fn export_settings(&self, tenant: &str) -> Result<ExportSettings> {
        let mut conn = self.pool().acquire().await.db()?;
        let tenant_id = tenant_id(&mut conn, tenant).await?;
        settings(&mut conn, tenant_id, tenant).await
    }

    async fn change_export_settings(&self, change: ExportSettingsChange, actor: &str) -> Result<ExportSettings> {
        self.authorize(Action::KeepExportSetup, Some(actor))?;
        validate_settings_change(&change, actor)?;
        self.retried(Error::busy, || async {
            let mut tx = self.pool().begin().await.db()?;
            let changed = change_settings(&mut tx, &change, actor, now()).await?;
            tx.commit().await.db()?;
            Ok(changed)
        })
        .await
    }
}

pub(crate) async fn destination_by_id(conn: &mut PgConnection, tenant: &str, id: i64) -> Result<Destination> {
    let sql = format!("SELECT {DESTINATION_COLUMNS} FROM export_destinations WHERE id = $1");
    destination(tenant, sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_one(conn).await.db()?)
}

pub(crate) async fn destination_by_name(
    conn: &mut PgConnection,
    tenant: &str,
    tenant_id: i64,
    name: &str,
) -> Result<Option<Destination>> {
    let sql = format!("SELECT {DESTINATION_COLUMNS} FROM export_destinations WHERE tenant_id = $1 AND name = $2");
    let raw: Option<RawDestination> =
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(tenant_id).bind(name).fetch_optional(conn).await.db()?;
    raw.map(|raw| destination(tenant, raw)).transpose()
}

async fn add_destination(
    conn: &mut PgConnection,
    new: &NewDestination,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<Created<Destination>> {
    let tenant_id = tenant_id(&mut *conn, &new.tenant).await?;
    if let Some(existing) = destination_by_name(&mut *conn, &new.tenant, tenant_id, &new.name).await? {
        return super::same_destination(existing, new);
    }
    sqlx::query(
        "INSERT INTO export_destinations (tenant_id, name, format, folder, advisor_number, client_number, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(tenant_id)
    .bind(&new.name)
    .bind(new.format.as_str())
    .bind(&new.folder)
    .bind(new.advisor_number.map(i64::from))
    .bind(new.client_number.map(i64::from))
    .bind(actor)
    .bind(at)
    .execute(&mut *conn)
    .await
    .db()?;
    let added = destination_by_name(&mut *conn, &new.tenant, tenant_id, &new.name).await?.ok_or_else(|| {
        Error::Storage { backend: "postgres", detail: "the destination just added is missing".into() }
    })?;
    let entry = Entry::new(actor, "export.destination.add", format!("destination:{}", added.name)).after(&added);
    append(conn, tenant_id, &new.tenant, &entry, at).await?;
    Ok(Created { value: added, created: true })
}

pub(crate) async fn settings(conn: &mut PgConnection, tenant_id: i64, tenant: &str) -> Result<ExportSettings> {
    let mut settings = default_settings(tenant);
    let stored: Option<(i32, i32, Option<Decimal>, String)> = sqlx::query_as(
        "SELECT quality_threshold, approval_hours, second_approval_above, receivables_account
           FROM export_settings WHERE tenant_id = $1",
    )
    .bind(tenant_id)
    .fetch_optional(&mut *conn)
    .await
    .db()?;
    if let Some((threshold, hours, above, receivables)) = stored {
        settings.quality_threshold = u8::try_from(threshold).unwrap_or(100);
        settings.approval_hours = u32::try_from(hours).unwrap_or(1);
        settings.second_approval_above = above;
        settings.receivables_account = receivables;
    }
    let accounts: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT tax_rate, revenue_account, tax_code FROM export_accounts WHERE tenant_id = $1 ORDER BY tax_rate",
    )
    .bind(tenant_id)
    .fetch_all(&mut *conn)
    .await
    .db()?;
    settings.accounts = accounts
        .into_iter()
        .map(|(rate, revenue_account, tax_code)| {
            let tax_rate = rate.parse().map_err(|e| Error::Storage {
                backend: "postgres",
                detail: format!("an unreadable tax rate in export_accounts: {e}"),
            })?;
            Ok(AccountMapping { tax_rate, revenue_account, tax_code })
        })
        .collect::<Result<_>>()?;
    Ok(settings)
}

async fn change_settings(
    conn: &mut PgConnection,
    change: &ExportSettingsChange,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<ExportSettings> {
    let tenant_id = tenant_id(&mut *conn, &change.tenant).await?;
    let before = settings(&mut *conn, tenant_id, &change.tenant).await?;
    let after = super::changed_settings(&before, change);
    sqlx::query(
        "INSERT INTO export_settings (tenant_id, quality_threshold, approval_hours, second_approval_above,
                                      receivables_account, updated_by, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (tenant_id) DO UPDATE SET quality_threshold = $2, approval_hours = $3,
             second_approval_above = $4, receivables_account = $5, updated_by = $6, updated_at = $7",
    )
    .bind(tenant_id)
    .bind(i32::from(after.quality_threshold))
    .bind(after.approval_hours as i32)
    .bind(after.second_approval_above)
    .bind(&after.receivables_account)
    .bind(actor)
    .bind(at)
    .execute(&mut *conn)
    .await
    .db()?;
    if let Some(mapping) = &change.account {
        sqlx::query(
            "INSERT INTO export_accounts (tenant_id, tax_rate, revenue_account, tax_code, updated_by, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (tenant_id, tax_rate) DO UPDATE SET revenue_account = $3, tax_code = $4, updated_by = $5, updated_at = $6",
        )
        .bind(tenant_id)
        .bind(mapping.tax_rate.normalize().to_string())
        .bind(&mapping.revenue_account)
        .bind(&mapping.tax_code)
        .bind(actor)
        .bind(at)
        .execute(&mut *conn)
        .await
        .db()?;
    }
    let after = settings(&mut *conn, tenant_id, &change.tenant).await?;
    let entry =
        Entry::new(actor, "export.settings.change", format!("tenant:{}", change.tenant)).before(&before).after(&after);
    append(conn, tenant_id, &change.tenant, &entry, at).await?;
    Ok(after)
}
