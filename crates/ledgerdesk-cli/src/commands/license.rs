//! `license assign | list | show | extend | extend-batch | suspend | resume | revoke | sweep`.

use chrono::{Duration, NaiveTime, Utc};
use ledgerdesk_core::prelude::*;
use ledgerdesk_core::{AnyStore, Error, Result};
use ledgerdesk_types::{
    AssignLicense, BatchOutcome, BatchTarget, ChangeLicense, Extension, License, LicenseAction, LicenseQuery, Reply,
};

use super::{parse_instant, replayed, user};
use crate::args::{ChangeArgs, Cli, ExtensionArgs, LicenseCommand};
use crate::output::{self, Failure, Outcome};

pub(crate) fn describe(license: &License) -> String {
    format!(
        "#{}  {}  {}/{} ×{}  {}  {} → {}  (version {}, by {})",
        license.id,
        license.holder,
        license.product,
        license.plan,
        license.seats,
        license.status.as_str(),
        license.starts_at.format("%Y-%m-%d %H:%M UTC"),
        license.expires_at.format("%Y-%m-%d %H:%M UTC"),
        license.version,
        license.updated_by
    )
}

fn extension(args: &ExtensionArgs) -> Result<Extension> {
    match (&args.days, &args.until) {
        (Some(days), _) => Ok(Extension::ByDays(*days)),
        (None, Some(until)) => parse_instant("until", until).map(Extension::Until),
        (None, None) => Err(Error::invalid("days", "give --days or --until", "--days veya --until verin")),
    }
}

fn target(text: &str) -> Result<BatchTarget> {
    let parsed = text.split_once(':').and_then(|(license, version)| {
        Some(BatchTarget { license: license.trim().parse().ok()?, expected_version: version.trim().parse().ok()? })
    });
    parsed.ok_or_else(|| {
        Error::invalid(
            "target",
            format!("{text:?} is not LICENSE_ID:VERSION, e.g. 12:3"),
            format!("{text:?} LİSANS_NO:SÜRÜM biçiminde değil, örn. 12:3"),
        )
    })
}

/// Prints a license a write returned; if it cannot be printed, stderr still names it and its version.
fn wrote(cli: &Cli, reply: &Reply<License>, key: Option<&str>) -> Outcome {
    output::wrote(
        cli.json,
        reply,
        |reply| replayed(describe(&reply.value), reply.replayed),
        |reply| {
            let license = &reply.value;
            let key = key.map(|key| format!(", idempotency key {key:?}")).unwrap_or_default();
            format!("license {} now {} at version {}{key}", license.id, license.status.as_str(), license.version)
        },
    )
}

async fn change(cli: &Cli, store: &AnyStore, args: &ChangeArgs, action: LicenseAction) -> Outcome {
    let request =
        ChangeLicense { tenant: args.tenant.clone(), license: args.license, expected_version: args.version, action };
    let key = args.key.idempotency_key.as_deref();
    let reply = store.change_license(request, &user(&args.user), key).await?;
    wrote(cli, &reply, key)
}

fn describe_batch(outcome: &BatchOutcome) -> String {
    let mut lines: Vec<String> = outcome
        .items
        .iter()
        .map(|item| match (&item.license_after, &item.error) {
            (Some(license), _) => replayed(format!("ok     {}", describe(license)), item.replayed),
            (None, Some(error)) => format!("failed #{}  error[{}]: {}", item.license, error.code, error.message),
            (None, None) => format!("?      #{}", item.license),
        })
        .collect();
    let summary = outcome.summary;
    lines.push(format!("{} licenses: {} extended, {} failed", summary.total, summary.succeeded, summary.failed));
    lines.join("\n")
}

pub async fn run(cli: &Cli, store: &AnyStore, command: &LicenseCommand) -> Outcome {
    match command {
        LicenseCommand::Assign { tenant, holder, product, plan, seats, starts, expires, days, user: who, key } => {
            let starts_at = starts.as_deref().map(|s| parse_instant("starts", s)).transpose()?;
            let expires_at = match (expires, days) {
                (Some(expires), _) => parse_instant("expires", expires)?,
                // Midnight UTC, so that the same command run again the same day is the same request
                // (and replays under its idempotency key).
                (None, Some(days)) => {
                    let from = starts_at.unwrap_or_else(Utc::now).date_naive().and_time(NaiveTime::MIN).and_utc();
                    from.checked_add_signed(Duration::days(i64::from(*days)))
                        .ok_or_else(|| Error::invalid("days", "is too far in the future", "çok uzak bir gelecekte"))?
                }
                (None, None) => {
                    return Err(
                        Error::invalid("expires", "give --expires or --days", "--expires veya --days verin").into()
                    );
                }
            };
            let request = AssignLicense {
                tenant: tenant.clone(),
                holder: holder.clone(),
                product: product.clone(),
                plan: plan.clone(),
                seats: *seats,
                starts_at,
                expires_at,
            };
            let key = key.idempotency_key.as_deref();
            let reply = store.assign_license(request, &user(who), key).await?;
            wrote(cli, &reply, key)
        }
        LicenseCommand::List { tenant, holder, status } => {
            let status = status
                .as_deref()
                .map(|s| s.parse().map_err(|e: String| Error::invalid("status", e.clone(), e)))
                .transpose()?;
            let licenses = store.list_licenses(tenant, &LicenseQuery { holder: holder.clone(), status }).await?;
            output::read(cli.json, &licenses, |list| list.iter().map(describe).collect::<Vec<_>>().join("\n"))
        }
        LicenseCommand::Show { tenant, license } => {
            let license = store.get_license(tenant, *license).await?;
            output::read(cli.json, &license, describe)
        }
        LicenseCommand::Extend { change: args, extension: how } => {
            change(cli, store, args, LicenseAction::Extend(extension(how)?)).await
        }
        LicenseCommand::ExtendBatch { tenant, targets, extension: how, user: who, key } => {
            let targets = targets.iter().map(|t| target(t)).collect::<Result<Vec<_>>>()?;
            let action = LicenseAction::Extend(extension(how)?);
            let outcome =
                store.change_licenses(tenant, &targets, action, &user(who), key.idempotency_key.as_deref()).await?;
            let summary = outcome.summary;
            output::wrote(cli.json, &outcome, describe_batch, |_| {
                format!("{} of {} licenses extended", summary.succeeded, summary.total)
            })?;
            // Some items took effect and some did not: a script must not read that as success.
            if summary.failed > 0 {
                return Err(Failure::PartlyFailed { failed: summary.failed, total: summary.total });
            }
            Ok(())
        }
        LicenseCommand::Suspend(args) => change(cli, store, args, LicenseAction::Suspend).await,
        LicenseCommand::Resume(args) => change(cli, store, args, LicenseAction::Resume).await,
        LicenseCommand::Revoke(args) => change(cli, store, args, LicenseAction::Revoke).await,
        LicenseCommand::Sweep { tenant, user: who } => {
            let expired = store.expire_licenses(tenant, &user(who)).await?;
            output::wrote(
                cli.json,
                &serde_json::json!({ "expired": expired }),
                |_| format!("{expired} licenses marked EXPIRED"),
                |_| format!("{expired} licenses marked EXPIRED"),
            )
        }
    }
}
