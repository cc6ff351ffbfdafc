//! Runs a parsed command line against a store.

mod audit;
mod bench;
mod catalog;
mod invoice;
mod numbers;

use chrono::NaiveDate;
use ledgerdesk_core::{AnyStore, Error, Result, StoreOptions};
use ledgerdesk_types::Currency;

use crate::args::{Cli, Command, UserArg};
use crate::output;

/// The database URL: `--db`, `LEDGERDESK_DB`, or the default SQLite file.
fn database_url(cli: &Cli) -> Result<String> {
    if let Some(url) = &cli.db {
        return Ok(url.clone());
    }
    ledgerdesk_core::store::default_sqlite_path().map(|path| format!("sqlite:{}", path.display())).ok_or_else(|| {
        Error::DatabaseUnavailable {
            backend: "sqlite",
            detail: "no home directory to keep the default database in; pass --db".into(),
        }
    })
}

async fn open(cli: &Cli, options: StoreOptions) -> Result<AnyStore> {
    AnyStore::open(&database_url(cli)?, options).await
}

/// Runs the command.
pub async fn run(cli: &Cli) -> Result<()> {
    match &cli.command {
        Command::Migrate => {
            let url = database_url(cli)?;
            let store = AnyStore::open(&url, StoreOptions::default()).await?;
            output::print(
                cli.json,
                &serde_json::json!({ "database": url, "backend": ledgerdesk_core::Store::backend(&store), "migrated": true }),
                |_| format!("{url}: schema up to date"),
            );
            Ok(())
        }
        Command::Tenant(command) => catalog::tenant(cli, &open(cli, StoreOptions::default()).await?, command).await,
        Command::Series(command) => catalog::series(cli, &open(cli, StoreOptions::default()).await?, command).await,
        Command::Customer(command) => catalog::customer(cli, &open(cli, StoreOptions::default()).await?, command).await,
        Command::Invoice(command) => invoice::run(cli, &open(cli, StoreOptions::default()).await?, command).await,
        Command::Numbers(command) => numbers::run(cli, &open(cli, StoreOptions::default()).await?, command).await,
        Command::Audit(command) => audit::run(cli, &open(cli, StoreOptions::default()).await?, command).await,
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
