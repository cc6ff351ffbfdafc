//! Export destinations and settings on SQLite. Twin of `postgres.rs`.

use chrono::{DateTime, Utc};
use ledgerdesk_types::{AccountMapping, Destination, ExportSettings, ExportSettingsChange, NewDestination};
use rusqlite::{OptionalExtension, Row, Transaction};

use super::{ExportSetup, default_settings, validate_destination, validate_settings_change};
use crate::catalog::sqlite::tenant_id;
use crate::db::sqlite::{SqliteResultExt, decimal_at};
use crate::db::{SqliteStore, now};
use crate::error::{Error, Result};
use crate::exports::queries::{DESTINATION_COLUMNS, RawDestination, destination};
use crate::identity::{Action, Authorize as _};
use crate::model::Created;
use crate::trail::Entry;
use crate::trail::sqlite::append;

impl ExportSetup for SqliteStore {
    async fn add_destination(&self, new: NewDestination, actor: &str) -> Result<Created<Destination>> {
        self.authorize(Action::KeepExportSetup, Some(actor))?;
        validate_destination(&new, actor)?;
        let actor = actor.to_owned();
        self.write(Error::busy, move |tx| add_destination(tx, &new, &actor, now())).await
    }

    async fn list_destinations(&self, tenant: &str) -> Result<Vec<Destination>> {
        let tenant = tenant.to_owned();
        self.read(move |tx| {
            let sql =
                format!("SELECT {DESTINATION_COLUMNS} FROM export_destinations WHERE tenant_id = ?1 ORDER BY name");
            let mut statement = tx.prepare(&sql).db()?;
            let rows = statement.query_map([tenant_id(tx, &tenant)?], raw_destination).db()?;
            rows.map(|raw| destination(&tenant, raw.db()?)).collect()
        })
        .await
    }

    async fn export_settings(&self, tenant: &str) -> Result<ExportSettings> {
        let tenant = tenant.to_owned();
        self.read(move |tx| settings(tx, tenant_id(tx, &tenant)?, &tenant)).await
    }

    async fn change_export_settings(&self, change: ExportSettingsChange, actor: &str) -> Result<ExportSettings> {
        self.authorize(Action::KeepExportSetup, Some(actor))?;
        validate_settings_change(&change, actor)?;
        let actor = actor.to_owned();
        self.write(Error::busy, move |tx| change_settings(tx, &change, &actor, now())).await
    }
}

fn raw_destination(r: &Row<'_>) -> rusqlite::Result<RawDestination> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?))
}

pub(crate) fn destination_by_id(tx: &Transaction<'_>, tenant: &str, id: i64) -> Result<Destination> {
    let sql = format!("SELECT {DESTINATION_COLUMNS} FROM export_destinations WHERE id = ?1");
    destination(tenant, tx.query_row(&sql, [id], raw_destination).db()?)
}

pub(crate) fn destination_by_name(
    tx: &Transaction<'_>,
    tenant: &str,
    tenant_id: i64,
    name: &str,
) -> Result<Option<Destination>> {
    let sql = format!("SELECT {DESTINATION_COLUMNS} FROM export_destinations WHERE tenant_id = ?1 AND name = ?2");
    tx.query_row(&sql, (tenant_id, name), raw_destination)
        .optional()
        .db()?
        .map(|raw| destination(tenant, raw))
        .transpose()
}

fn add_destination(
    tx: &Transaction<'_>,
    new: &NewDestination,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<Created<Destination>> {
    let tenant_id = tenant_id(tx, &new.tenant)?;
    if let Some(existing) = destination_by_name(tx, &new.tenant, tenant_id, &new.name)? {
        return super::same_destination(existing, new);
    }
    tx.execute(
        "INSERT INTO export_destinations (tenant_id, name, format, folder, advisor_number, client_number, created_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        rusqlite::params![tenant_id, new.name, new.format.as_str(), new.folder, new.advisor_number, new.client_number, actor, at],
    )
    .db()?;
    let added = destination_by_name(tx, &new.tenant, tenant_id, &new.name)?
        .ok_or_else(|| Error::Storage { backend: "sqlite", detail: "the destination just added is missing".into() })?;
    let entry = Entry::new(actor, "export.destination.add", format!("destination:{}", added.name)).after(&added);
    append(tx, tenant_id, &new.tenant, &entry, at)?;
    Ok(Created { value: added, created: true })
}

pub(crate) fn settings(tx: &Transaction<'_>, tenant_id: i64, tenant: &str) -> Result<ExportSettings> {
    let mut settings = default_settings(tenant);
    let stored = tx
        .query_row(
            "SELECT quality_threshold, approval_hours, second_approval_above, receivables_account
               FROM export_settings WHERE tenant_id = ?1",
            [tenant_id],
            |r| Ok((r.get::<_, u8>(0)?, r.get::<_, u32>(1)?, r.get::<_, Option<String>>(2)?, r.get::<_, String>(3)?)),
        )
        .optional()
        .db()?;
    if let Some((threshold, hours, above, receivables)) = stored {
        settings.quality_threshold = threshold;
        settings.approval_hours = hours;
        settings.second_approval_above = above.map(|a| a.parse()).transpose().map_err(|e| Error::Storage {
            backend: "sqlite",
            detail: format!("an unreadable amount in export_settings: {e}"),
        })?;
        settings.receivables_account = receivables;
    }
    let mut statement = tx
        .prepare(
            "SELECT tax_rate, revenue_account, tax_code FROM export_accounts WHERE tenant_id = ?1 ORDER BY tax_rate",
        )
        .db()?;
    settings.accounts = statement
        .query_map([tenant_id], |r| {
            Ok(AccountMapping { tax_rate: decimal_at(r, 0)?, revenue_account: r.get(1)?, tax_code: r.get(2)? })
        })
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()?;
    Ok(settings)
}

fn change_settings(
    tx: &Transaction<'_>,
    change: &ExportSettingsChange,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<ExportSettings> {
    let tenant_id = tenant_id(tx, &change.tenant)?;
    let before = settings(tx, tenant_id, &change.tenant)?;
    let after = super::changed_settings(&before, change);
    tx.execute(
        "INSERT INTO export_settings (tenant_id, quality_threshold, approval_hours, second_approval_above,
                                      receivables_account, updated_by, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (tenant_id) DO UPDATE SET quality_threshold = ?2, approval_hours = ?3,
             second_approval_above = ?4, receivables_account = ?5, updated_by = ?6, updated_at = ?7",
        rusqlite::params![
            tenant_id,
            after.quality_threshold,
            after.approval_hours,
            after.second_approval_above.map(|a| a.to_string()),
            after.receivables_account,
            actor,
            at
        ],
    )
    .db()?;
    if let Some(mapping) = &change.account {
        tx.execute(
            "INSERT INTO export_accounts (tenant_id, tax_rate, revenue_account, tax_code, updated_by, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (tenant_id, tax_rate) DO UPDATE SET revenue_account = ?3, tax_code = ?4, updated_by = ?5, updated_at = ?6",
            (tenant_id, mapping.tax_rate.normalize().to_string(), &mapping.revenue_account, &mapping.tax_code, actor, at),
        )
        .db()?;
    }
    let after = settings(tx, tenant_id, &change.tenant)?;
    let entry =
        Entry::new(actor, "export.settings.change", format!("tenant:{}", change.tenant)).before(&before).after(&after);
    append(tx, tenant_id, &change.tenant, &entry, at)?;
    Ok(after)
}
