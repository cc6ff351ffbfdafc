//! Runs a parsed command line against a store.

mod audit;
mod bench;
mod catalog;
mod idempotency;
mod invoice;
mod license;
mod numbers;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use ledgerdesk_core::{AnyStore, Error, Result, StoreOptions};
use ledgerdesk_types::Currency;

use crate::args::{Cli, Command, UserArg};
use crate::output;

/// The database URL: `--db`, `LEDGERDESK_DB`, or the default SQLite file.
fn database_url(cli: &Cli) -> Result<String> {
    if let Some(url) = &cli.db {
        return Ok(url.clone());
    }
    ledgerdesk_core::default_sqlite_path().map(|path| format!("sqlite:{}", path.display())).ok_or_else(|| {
        Error::DatabaseUnavailable {
            backend: "sqlite",
            detail: "no home directory to keep the default database in; pass --db".into(),
        }
    })
}

async fn open(cli: &Cli, options: StoreOptions) -> Result<AnyStore> {
    AnyStore::open(&database_url(cli)?, options).await
}

/// Store options from the global flags.
fn options(cli: &Cli) -> StoreOptions {
    let mut options = StoreOptions::default();
    options.keys.lease = std::time::Duration::from_secs(cli.key_lease_secs);
    options
}

/// Runs the command.
pub async fn run(cli: &Cli) -> Result<()> {
    match &cli.command {
        Command::Migrate => {
            let url = database_url(cli)?;
            let store = AnyStore::open(&url, StoreOptions::default()).await?;
            output::print(
                cli.json,
                &serde_json::json!({ "database": url, "backend": ledgerdesk_core::Backend::backend(&store), "migrated": true }),
                |_| format!("{url}: schema up to date"),
            );
            Ok(())
        }
        Command::Tenant(command) => catalog::tenant(cli, &open(cli, StoreOptions::default()).await?, command).await,
        Command::Series(command) => catalog::series(cli, &open(cli, StoreOptions::default()).await?, command).await,
        Command::Customer(command) => catalog::customer(cli, &open(cli, StoreOptions::default()).await?, command).await,
        Command::Invoice(command) => invoice::run(cli, &open(cli, options(cli)).await?, command).await,
        Command::Numbers(command) => numbers::run(cli, &open(cli, StoreOptions::default()).await?, command).await,
        Command::Audit(command) => audit::run(cli, &open(cli, StoreOptions::default()).await?, command).await,
        Command::License(command) => license::run(cli, &open(cli, options(cli)).await?, command).await,
        Command::Idempotency(command) => idempotency::run(cli, &open(cli, options(cli)).await?, command).await,
        Command::Bench(command) => bench::run(cli, &database_url(cli)?, command).await,
    }
}

/// `--user`, else `$USER`, else `cli`.
fn user(arg: &UserArg) -> String {
    arg.user.clone().or_else(|| std::env::var("USER").ok()).unwrap_or_else(|| "cli".to_owned())
}

fn parse_date(field: &'static str, text: Option<&str>) -> Result<Option<NaiveDate>> {
    text.map(|t| {
        t.parse::<NaiveDate>().map_err(|_| {
            Error::invalid(
                field,
                format!("{t:?} is not a date like 2026-11-22"),
                format!("{t:?} 2026-11-22 gibi bir tarih değil"),
            )
        })
    })
    .transpose()
}

/// A date (`YYYY-MM-DD`, midnight UTC) or an RFC 3339 instant.
fn parse_instant(field: &'static str, text: &str) -> Result<DateTime<Utc>> {
    if let Ok(date) = text.parse::<NaiveDate>() {
        return Ok(date.and_time(NaiveTime::MIN).and_utc());
    }
    DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc)).map_err(|_| {
        Error::invalid(
            field,
            format!("{text:?} is not a date like 2026-11-22 or an instant like 2026-11-22T09:30:00+01:00"),
            format!("{text:?} 2026-11-22 gibi bir tarih veya 2026-11-22T09:30:00+01:00 gibi bir an değil"),
        )
    })
}

/// Appends "(replayed)" to the text of a replayed answer.
fn replayed(text: String, replayed: bool) -> String {
    if replayed { format!("{text}  (replayed: the stored answer of an earlier identical request)") } else { text }
}

fn parse_currency(text: &str) -> Result<Currency> {
    text.parse().map_err(|_| {
        let known: Vec<&str> = Currency::ALL.iter().map(|c| c.code()).collect();
        Error::invalid(
            "currency",
            format!("{text:?} is not supported; use one of {}", known.join(", ")),
            format!("{text:?} desteklenmiyor; şunlardan birini kullanın: {}", known.join(", ")),
        )
    })
}
