//! `tenant add`, `series add`, `customer add`.

use ledgerdesk_core::prelude::*;
use ledgerdesk_core::{AnyStore, Error, NewCustomer, NewSeries, NewTenant, Result};
use ledgerdesk_types::ResetPolicy;

use crate::args::{Cli, CustomerCommand, SeriesCommand, TenantCommand};
use crate::output;

fn verb(created: bool) -> &'static str {
    if created { "created" } else { "exists (identical)" }
}

pub async fn tenant(cli: &Cli, store: &AnyStore, command: &TenantCommand) -> Result<()> {
    let TenantCommand::Add { code, name, time_zone } = command;
    let tenant = NewTenant { code: code.clone(), name: name.clone(), time_zone: time_zone.clone() };
    let created = store.add_tenant(tenant).await?;
    output::print(cli.json, &created, |c| format!("tenant {} {}", c.value.code, verb(c.created)));
    Ok(())
}

pub async fn series(cli: &Cli, store: &AnyStore, command: &SeriesCommand) -> Result<()> {
    let SeriesCommand::Add { tenant, code, format, reset } = command;
    let reset: ResetPolicy = reset.parse().map_err(|_| {
        Error::invalid(
            "reset",
            format!("{reset:?} is not monthly, yearly or never"),
            format!("{reset:?} monthly, yearly veya never değil"),
        )
    })?;
    let series = NewSeries { tenant: tenant.clone(), code: code.clone(), format: format.clone(), reset };
    let created = store.add_series(series).await?;
    output::print(cli.json, &created, |c| {
        format!("series {} ({}, resets {}) {}", c.value.code, c.value.format, c.value.reset, verb(c.created))
    });
    Ok(())
}

pub async fn customer(cli: &Cli, store: &AnyStore, command: &CustomerCommand) -> Result<()> {
    let CustomerCommand::Add { tenant, code, name, tax_id } = command;
    let customer =
        NewCustomer { tenant: tenant.clone(), code: code.clone(), name: name.clone(), tax_id: tax_id.clone() };
    let created = store.add_customer(customer).await?;
    output::print(cli.json, &created, |c| format!("customer {} {}", c.value.code, verb(c.created)));
    Ok(())
}
