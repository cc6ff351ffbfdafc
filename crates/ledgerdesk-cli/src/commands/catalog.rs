//! `tenant add|show|limits`, `series add|list|retire|format`, `customer add`; `tenant details` and
//! `customer details` are in `document.rs`.

use ledgerdesk_core::prelude::*;
use ledgerdesk_core::{AnyStore, Error, NewCustomer, NewSeries, NewTenant, TenantLimits};
use ledgerdesk_types::ResetPolicy;
use ledgerdesk_types::catalog::{Series, Tenant};
use ledgerdesk_types::text::shorten;

use super::{parse_date, user};
use crate::args::{Cli, CustomerCommand, SeriesCommand, TenantCommand};
use crate::output::{self, Outcome};

fn verb(created: bool) -> &'static str {
    if created { "created" } else { "exists (identical)" }
}

fn describe_tenant(tenant: &Tenant) -> String {
    format!(
        "tenant {} ({}, {}): books open from {}, issue dates up to {} day(s) ahead",
        tenant.code, tenant.name, tenant.time_zone, tenant.books_open_from, tenant.future_days_allowed
    )
}

fn describe_series(series: &Series) -> String {
    let from = series.format_from.map(|from| format!(" from {from}")).unwrap_or_default();
    let retired = if series.retired { ", retired" } else { "" };
    let kind = if series.corrective { ", corrective: credit notes" } else { "" };
    format!("series {} ({}{from}, resets {}{kind}{retired})", series.code, series.format, series.reset)
}

pub async fn tenant(cli: &Cli, store: &AnyStore, command: &TenantCommand) -> Outcome {
    match command {
        TenantCommand::Add { code, name, time_zone, books_open_from, future_days, .. } => {
            let tenant = NewTenant {
                code: code.clone(),
                name: name.clone(),
                time_zone: time_zone.clone(),
                books_open_from: parse_date("books_open_from", books_open_from.as_deref())?,
                future_days_allowed: *future_days,
            };
            let created = store.add_tenant(tenant).await?;
            output::wrote(
                cli.json,
                &created,
                |c| format!("{} {}", describe_tenant(&c.value), verb(c.created)),
                |c| format!("tenant {}", c.value.code),
            )
        }
        TenantCommand::Show { code } => {
            let tenant = store.get_tenant(code).await?;
            output::read(cli.json, &tenant, describe_tenant)
        }
        TenantCommand::Limits { tenant, books_open_from, future_days, user: who } => {
            let limits = TenantLimits {
                tenant: tenant.clone(),
                books_open_from: parse_date("books_open_from", books_open_from.as_deref())?,
                future_days_allowed: *future_days,
                user: user(who),
            };
            let tenant = store.set_tenant_limits(limits).await?;
            output::wrote(cli.json, &tenant, describe_tenant, |t| format!("limits of tenant {}", t.code))
        }
        TenantCommand::Details { tenant, supplier } => super::document::supplier(cli, store, tenant, supplier).await,
    }
}

fn parse_reset(reset: &str) -> ledgerdesk_core::Result<ResetPolicy> {
    reset.parse().map_err(|_| {
        let reset = shorten(reset, 20);
        Error::invalid(
            "reset",
            format!("{reset:?} is not monthly, yearly or never"),
            format!("{reset:?} monthly, yearly veya never değil"),
        )
    })
}

/// `corrective` for a series of credit notes, `regular` for every other.
fn parse_kind(kind: &str) -> ledgerdesk_core::Result<bool> {
    match kind {
        "regular" => Ok(false),
        "corrective" => Ok(true),
        other => {
            let other = shorten(other, 20);
            Err(Error::invalid(
                "kind",
                format!("{other:?} is not regular or corrective"),
                format!("{other:?} regular veya corrective değil"),
            ))
        }
    }
}

pub async fn series(cli: &Cli, store: &AnyStore, command: &SeriesCommand) -> Outcome {
    match command {
        SeriesCommand::Add { tenant, code, format, reset, kind, .. } => {
            let series = NewSeries {
                tenant: tenant.clone(),
                code: code.clone(),
                format: format.clone(),
                reset: parse_reset(reset)?,
                corrective: parse_kind(kind)?,
            };
            let created = store.add_series(series).await?;
            output::wrote(
                cli.json,
                &created,
                |c| format!("{} {}", describe_series(&c.value), verb(c.created)),
                |c| format!("series {}", c.value.code),
            )
        }
        SeriesCommand::List { tenant } => {
            let list = store.list_series(tenant).await?;
            output::read(cli.json, &list, |list| list.iter().map(describe_series).collect::<Vec<_>>().join("\n"))
        }
        SeriesCommand::Retire { tenant, code, user: who } => {
            let series = store.retire_series(tenant, code, &user(who)).await?;
            output::wrote(cli.json, &series, describe_series, |s| format!("series {} retired", s.code))
        }
        SeriesCommand::Format { tenant, code, format, user: who } => {
            let series = store.change_series_format(tenant, code, format, &user(who)).await?;
            output::wrote(cli.json, &series, describe_series, |s| format!("template of series {}", s.code))
        }
    }
}

pub async fn customer(cli: &Cli, store: &AnyStore, command: &CustomerCommand) -> Outcome {
    let (tenant, code, name, tax_id) = match command {
        CustomerCommand::Add { tenant, code, name, tax_id, .. } => (tenant, code, name, tax_id),
        CustomerCommand::Details { tenant, code, details, user: who } => {
            return super::document::customer(cli, store, tenant, code, details, who).await;
        }
    };
    let customer =
        NewCustomer { tenant: tenant.clone(), code: code.clone(), name: name.clone(), tax_id: tax_id.clone() };
    let created = store.add_customer(customer).await?;
    output::wrote(
        cli.json,
        &created,
        |c| format!("customer {} {}", c.value.code, verb(c.created)),
        |c| format!("customer {}", c.value.code),
    )
}
