//! Where exports go and by which rules: a tenant's destinations (a folder and a format) and its export
//! settings (quality threshold, approval lapse, second approver above an amount, account mapping).
//! Every change is recorded in the audit trail in its own transaction; asking again for a destination
//! that exists identically finds it, one that exists differently is refused naming what differs.

pub mod postgres;
pub mod sqlite;

use std::future::Future;

use ledgerdesk_types::{Destination, ExportSettings, ExportSettingsChange, NewDestination};
use rust_decimal::Decimal;

use super::journal;
use crate::db::forward_to_any_store;
use crate::error::{Error, Result};
use crate::model::Created;
use crate::validate::{validate_code, validate_user};

/// Destinations and export rules, on any database.
pub trait ExportSetup: Send + Sync {
    /// Adds a destination (no error if an identical one exists).
    fn add_destination(
        &self,
        destination: NewDestination,
        actor: &str,
    ) -> impl Future<Output = Result<Created<Destination>>> + Send;

    /// The tenant's destinations.
    fn list_destinations(&self, tenant: &str) -> impl Future<Output = Result<Vec<Destination>>> + Send;

    /// The tenant's export rules (defaults where none were set).
    fn export_settings(&self, tenant: &str) -> impl Future<Output = Result<ExportSettings>> + Send;

    /// Changes the tenant's export rules; recorded in the audit trail.
    fn change_export_settings(
        &self,
        change: ExportSettingsChange,
        actor: &str,
    ) -> impl Future<Output = Result<ExportSettings>> + Send;
}

forward_to_any_store! {
    impl ExportSetup {
        async fn add_destination(&self, destination: NewDestination, actor: &str) -> Result<Created<Destination>>;
        async fn list_destinations(&self, tenant: &str) -> Result<Vec<Destination>>;
        async fn export_settings(&self, tenant: &str) -> Result<ExportSettings>;
        async fn change_export_settings(&self, change: ExportSettingsChange, actor: &str) -> Result<ExportSettings>;
    }
}

/// Checks a destination before anything is written.
pub fn validate_destination(destination: &NewDestination, actor: &str) -> Result<()> {
    validate_code("tenant", &destination.tenant)?;
    validate_code("name", &destination.name)?;
    validate_user(actor)?;
    let folder = std::path::Path::new(&destination.folder);
    if !folder.is_absolute()
        || destination.folder.chars().count() > 1_000
        || destination.folder.chars().any(char::is_control)
    {
        return Err(Error::invalid("folder", "must be an absolute path", "mutlak bir yol olmalıdır"));
    }
    if destination.format == ledgerdesk_types::ExportFormat::Datev {
        let advisor = destination.advisor_number.is_some_and(|n| (1_001..=9_999_999).contains(&n));
        let client = destination.client_number.is_some_and(|n| (1..=99_999).contains(&n));
        if !advisor || !client {
            return Err(Error::invalid(
                "advisor_number",
                "DATEV needs the advisor number (1001–9999999) and the client number (1–99999)",
                "DATEV danışman numarasını (1001–9999999) ve müşteri numarasını (1–99999) gerektirir",
            ));
        }
    }
    Ok(())
}

/// Checks a change of export rules.
pub fn validate_settings_change(change: &ExportSettingsChange, actor: &str) -> Result<()> {
    validate_code("tenant", &change.tenant)?;
    validate_user(actor)?;
    if change.quality_threshold.is_some_and(|t| t > 100) {
        return Err(Error::invalid("quality_threshold", "must be 0 to 100", "0 ile 100 arasında olmalıdır"));
    }
    if change.approval_hours.is_some_and(|h| !(1..=8_760).contains(&h)) {
        return Err(Error::invalid("approval_hours", "must be 1 to 8760", "1 ile 8760 arasında olmalıdır"));
    }
    if let Some(Some(amount)) = change.second_approval_above
        && (amount < Decimal::ZERO || amount.scale() > 3)
    {
        return Err(Error::invalid(
            "second_approval_above",
            "must be an amount of 0 or more",
            "0 veya daha büyük bir tutar olmalıdır",
        ));
    }
    let account = |field: &'static str, text: &str, min: usize| {
        let ok = (min..=20).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_alphanumeric());
        if ok {
            Ok(())
        } else {
            Err(Error::invalid(field, "must be up to 20 letters or digits", "en fazla 20 harf ya da rakam olmalıdır"))
        }
    };
    if let Some(receivables) = &change.receivables_account {
        account("receivables_account", receivables, 1)?;
    }
    if let Some(mapping) = &change.account {
        account("revenue_account", &mapping.revenue_account, 1)?;
        account("tax_code", &mapping.tax_code, 0)?;
        if mapping.tax_rate < Decimal::ZERO || mapping.tax_rate > Decimal::from(100) {
            return Err(Error::invalid("tax_rate", "must be 0 to 100", "0 ile 100 arasında olmalıdır"));
        }
    }
    Ok(())
}

/// The rules of a tenant that never set any.
pub(crate) fn default_settings(tenant: &str) -> ExportSettings {
    ExportSettings {
        tenant: tenant.to_owned(),
        quality_threshold: 70,
        approval_hours: 72,
        second_approval_above: None,
        receivables_account: journal::DEFAULT_RECEIVABLES.to_owned(),
        accounts: Vec::new(),
    }
}

/// An existing destination asked for again: the same one is found, not created; a different one is refused.
pub(crate) fn same_destination(existing: Destination, new: &NewDestination) -> Result<Created<Destination>> {
    let fields: Vec<&'static str> = [
        ("format", existing.format != new.format),
        ("folder", existing.folder != new.folder),
        ("advisor_number", existing.advisor_number != new.advisor_number),
        ("client_number", existing.client_number != new.client_number),
    ]
    .into_iter()
    .filter_map(|(field, differs)| differs.then_some(field))
    .collect();
    if fields.is_empty() {
        Ok(Created { value: existing, created: false })
    } else {
        Err(Error::AlreadyExistsDifferently { kind: "destination", code: new.name.clone(), fields })
    }
}

/// `before` with `change` applied (its account mapping is written separately).
pub(crate) fn changed_settings(before: &ExportSettings, change: &ExportSettingsChange) -> ExportSettings {
    let mut after = before.clone();
    if let Some(threshold) = change.quality_threshold {
        after.quality_threshold = threshold;
    }
    if let Some(hours) = change.approval_hours {
        after.approval_hours = hours;
    }
    if let Some(above) = change.second_approval_above {
        after.second_approval_above = above;
    }
    if let Some(receivables) = &change.receivables_account {
        after.receivables_account = receivables.clone();
    }
    after
}
