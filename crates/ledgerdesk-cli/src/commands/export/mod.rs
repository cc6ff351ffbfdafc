//! `export prepare | show | list | rows | edit | submit | approve | reject | post | rollback | revise |
//! diff | settings` and `destination add | list`.

mod describe;

use ledgerdesk_core::prelude::*;
use ledgerdesk_core::{AnyStore, Error, ExportError, Result};
use ledgerdesk_types::text::parse_plain_decimal;
use ledgerdesk_types::{
    AccountMapping, EditExport, Export, ExportAction, ExportQuery, ExportSettings, ExportSettingsChange, ExportState,
    ExportStep, NewDestination, PrepareExport, Reply, Snapshot,
};

use super::{replayed, user};
use crate::args::{Cli, DestinationCommand, ExportCommand, ExportTarget, StepArgs};
use crate::output::{self, Failure, Outcome};

fn parse<T: std::str::FromStr<Err = String>>(field: &'static str, text: &str) -> Result<T> {
    text.parse().map_err(|e: String| Error::invalid(field, e.clone(), e))
}

/// Prints an export a write returned. A post that did not write its file, or whose approvals no longer
/// held, is printed too (its new state is recorded) and then reported as the failure it is.
fn wrote(cli: &Cli, reply: &Reply<Export>, action: Option<ExportAction>, key: Option<&str>) -> Outcome {
    output::wrote(
        cli.json,
        reply,
        |reply| replayed(describe::full(&reply.value), reply.replayed),
        |reply| {
            let export = &reply.value;
            let key = key.map(|key| format!(", idempotency key {key:?}")).unwrap_or_default();
            format!("export {} now {} at version {}{key}", export.id, export.state, export.version)
        },
    )?;
    let export = &reply.value;
    match (action, export.state) {
        (Some(ExportAction::Post), ExportState::Failed) => Err(Failure::Refused(
            ExportError::FileFailed {
                path: export.destination.clone(),
                detail: export.error.clone().unwrap_or_default(),
            }
            .into(),
        )),
        (Some(ExportAction::Post), ExportState::UnderReview) => {
            Err(Failure::Refused(Error::Export(ExportError::ApprovalInvalid {
                export: export.id,
                detail: export.error.clone().unwrap_or_default(),
                detail_tr: export.error.clone().unwrap_or_default(),
            })))
        }
        _ => Ok(()),
    }
}

/// The version the caller gave, or the export's version now.
async fn version(store: &AnyStore, target: &ExportTarget) -> Result<i64> {
    match target.version {
        Some(version) => Ok(version),
        None => Ok(store.get_export(&target.tenant, target.export, &user(&target.user)).await?.version),
    }
}

async fn step(cli: &Cli, store: &AnyStore, args: &StepArgs, action: ExportAction, acknowledge: bool) -> Outcome {
    let target = &args.target;
    let request = ExportStep {
        tenant: target.tenant.clone(),
        export: target.export,
        expected_version: version(store, target).await?,
        action,
        reason: args.reason.clone(),
        acknowledge,
    };
    let key = target.key.idempotency_key.as_deref();
    let reply = store.step_export(request, &user(&target.user), key).await?;
    wrote(cli, &reply, Some(action), key)
}

fn settings_change(
    tenant: &str,
    threshold: Option<u8>,
    approval_hours: Option<u32>,
    above: Option<&str>,
    receivables: Option<&str>,
    mapping: (Option<&str>, Option<&str>, &str),
) -> Result<ExportSettingsChange> {
    let second_approval_above = match above {
        None => None,
        Some("none") => Some(None),
        Some(text) => Some(Some(
            parse_plain_decimal(text)
                .map_err(|e| Error::invalid("second_approval_above", e.to_string(), e.message_tr()))?,
        )),
    };
    let account = match mapping {
        (None, None, _) => None,
        (Some(rate), Some(revenue), tax_code) => Some(AccountMapping {
            tax_rate: parse_plain_decimal(rate).map_err(|e| Error::invalid("rate", e.to_string(), e.message_tr()))?,
            revenue_account: revenue.to_owned(),
            tax_code: tax_code.to_owned(),
        }),
        _ => {
            return Err(Error::invalid(
                "rate",
                "give --rate and --revenue together",
                "--rate ve --revenue birlikte verilmelidir",
            ));
        }
    };
    Ok(ExportSettingsChange {
        tenant: tenant.to_owned(),
        quality_threshold: threshold,
        approval_hours,
        second_approval_above,
        receivables_account: receivables.map(str::to_owned),
        account,
    })
}

fn describe_settings(settings: &ExportSettings) -> String {
    let mut lines = vec![format!(
        "{}: quality threshold {}, approvals hold {} h, second approver above {}, receivables {}",
        settings.tenant,
        settings.quality_threshold,
        settings.approval_hours,
        settings.second_approval_above.map(|a| a.to_string()).unwrap_or_else(|| "never".into()),
        settings.receivables_account
    )];
    lines.extend(settings.accounts.iter().map(|m| {
        format!(
            "  {}% → revenue {} tax code {}",
            m.tax_rate,
            m.revenue_account,
            if m.tax_code.is_empty() { "-" } else { &m.tax_code }
        )
    }));
    lines.push("  other rates: SKR03 defaults (19 % 8400, 7 % 8300, 0 % 8120, else 8000), no tax code".into());
    lines.join("\n")
}

pub async fn run(cli: &Cli, store: &AnyStore, command: &ExportCommand) -> Outcome {
    match command {
        ExportCommand::Prepare { tenant, destination, period, series, user: who, key } => {
            let request = PrepareExport {
                tenant: tenant.clone(),
                destination: destination.clone(),
                period: period.clone(),
                series: series.clone(),
            };
            let key = key.idempotency_key.as_deref();
            let reply = store.prepare_export(request, &user(who), key).await?;
            wrote(cli, &reply, None, key)
        }
        ExportCommand::Show { tenant, export, user: who } => {
            let export = store.get_export(tenant, *export, &user(who)).await?;
            output::read(cli.json, &export, describe::full)
        }
        ExportCommand::List { tenant, state, limit } => {
            let state = state.as_deref().map(|s| parse::<ExportState>("state", s)).transpose()?;
            let exports = store.list_exports(tenant, &ExportQuery { state, limit: Some(*limit) }).await?;
            output::read(cli.json, &exports, |list| list.iter().map(describe::line).collect::<Vec<_>>().join("\n"))
        }
        ExportCommand::Rows { tenant, export, snapshot } => {
            let rows = store.export_rows(tenant, *export, parse::<Snapshot>("snapshot", snapshot)?).await?;
            output::read(cli.json, &rows, |rows| describe::rows(rows))
        }
        ExportCommand::Edit { target, row, field, value, reason } => {
            let request = EditExport {
                tenant: target.tenant.clone(),
                export: target.export,
                expected_version: version(store, target).await?,
                row_id: row.clone(),
                field: parse("field", field)?,
                value: value.clone(),
                reason: reason.clone(),
            };
            let key = target.key.idempotency_key.as_deref();
            let reply = store.edit_export(request, &user(&target.user), key).await?;
            wrote(cli, &reply, None, key)
        }
        ExportCommand::Submit(args) => step(cli, store, args, ExportAction::Submit, false).await,
        ExportCommand::Approve { step: args, acknowledge } => {
            step(cli, store, args, ExportAction::Approve, *acknowledge).await
        }
        ExportCommand::Reject(args) => step(cli, store, args, ExportAction::Reject, false).await,
        ExportCommand::Post(args) => step(cli, store, args, ExportAction::Post, false).await,
        ExportCommand::Rollback(args) => step(cli, store, args, ExportAction::Rollback, false).await,
        ExportCommand::Revise(args) => step(cli, store, args, ExportAction::Revise, false).await,
        ExportCommand::Diff { tenant, export, from, to } => {
            let diff = store.diff_export(tenant, *export, parse("from", from)?, parse("to", to)?).await?;
            output::read(cli.json, &diff, describe::diff)
        }
        ExportCommand::Settings {
            tenant,
            threshold,
            approval_hours,
            second_approval_above,
            receivables,
            rate,
            revenue,
            tax_code,
            user: who,
        } => {
            let change = settings_change(
                tenant,
                *threshold,
                *approval_hours,
                second_approval_above.as_deref(),
                receivables.as_deref(),
                (rate.as_deref(), revenue.as_deref(), tax_code),
            )?;
            let unchanged =
                change == ExportSettingsChange { tenant: tenant.clone(), ..ExportSettingsChange::default() };
            if unchanged {
                let settings = store.export_settings(tenant).await?;
                return output::read(cli.json, &settings, describe_settings);
            }
            let settings = store.change_export_settings(change, &user(who)).await?;
            output::wrote(cli.json, &settings, describe_settings, |s| {
                format!("export settings of {} changed", s.tenant)
            })
        }
    }
}

pub async fn destination(cli: &Cli, store: &AnyStore, command: &DestinationCommand) -> Outcome {
    match command {
        DestinationCommand::Add { tenant, name, format, folder, advisor_number, client_number, user: who } => {
            let destination = NewDestination {
                tenant: tenant.clone(),
                name: name.clone(),
                format: parse("format", format)?,
                folder: folder.clone(),
                advisor_number: *advisor_number,
                client_number: *client_number,
            };
            let created = store.add_destination(destination, &user(who)).await?;
            output::wrote(
                cli.json,
                &created,
                |c| {
                    format!(
                        "destination {} ({}) → {}{}",
                        c.value.name,
                        c.value.format,
                        c.value.folder,
                        if c.created { "" } else { "  (exists already)" }
                    )
                },
                |c| format!("destination {}", c.value.name),
            )
        }
        DestinationCommand::List { tenant } => {
            let list = store.list_destinations(tenant).await?;
            output::read(cli.json, &list, |list| {
                list.iter().map(|d| format!("{}  {}  {}", d.name, d.format, d.folder)).collect::<Vec<_>>().join("\n")
            })
        }
    }
}
