//! Runs a parsed command line against a store.

mod audit;
mod batch;
mod bench;
mod catalog;
mod document;
mod export;
mod idempotency;
mod invoice;
mod license;
mod numbers;
mod sign_in;
mod user;
mod webhook;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use ledgerdesk_core::{AnyStore, Error, Opening, Result, StoreOptions, redact};
use ledgerdesk_types::Currency;
use ledgerdesk_types::text::shorten;

use crate::args::{Cli, Command, UserArg};
use crate::output::{self, Outcome};

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

/// Opens the existing book: every command but `init` and `migrate` refuses a missing one.
async fn open(cli: &Cli) -> Result<AnyStore> {
    let store = AnyStore::open(&database_url(cli)?, options(cli)?).await?;
    sign_in::as_user(store, cli.acting_user.as_deref()).await
}

/// Store options from the global flags, refused when out of range (the same on both databases).
pub(crate) fn options(cli: &Cli) -> Result<StoreOptions> {
    let secs = std::time::Duration::from_secs;
    let mut options = StoreOptions {
        connect_timeout: secs(cli.connect_timeout_secs),
        statement_timeout: secs(cli.statement_timeout_secs),
        ..StoreOptions::default()
    };
    options.keys.lease = secs(cli.key_lease_secs);
    options.validate()?;
    Ok(options)
}

/// `init` and `migrate`: open the book as `opening` says and report it, its password hidden.
async fn set_up(cli: &Cli, opening: Opening) -> Outcome {
    let url = database_url(cli)?;
    let store = AnyStore::open_as(&url, options(cli)?, opening).await?;
    let shown = redact(&url);
    let backend = ledgerdesk_core::Backend::backend(&store);
    let report = serde_json::json!({ "database": shown, "backend": backend, "schema_up_to_date": true });
    output::wrote(
        cli.json,
        &report,
        |_| match opening {
            Opening::New => format!("{shown}: new book created, schema up to date"),
            _ => format!("{shown}: schema up to date"),
        },
        |_| format!("book {shown}"),
    )
}

/// Runs the command.
pub async fn run(cli: &Cli) -> Outcome {
    if let Ok(url) = database_url(cli) {
        sign_in::assume_login(&url);
    }
    match &cli.command {
        Command::Init { admin: None } => set_up(cli, Opening::New).await,
        Command::Init { admin: Some(name) } => {
            set_up(cli, Opening::New).await?;
            user::add_first_admin(cli, &AnyStore::open(&database_url(cli)?, options(cli)?).await?, name).await
        }
        Command::Migrate => set_up(cli, Opening::CreateIfMissing).await,
        Command::Tenant(command) => catalog::tenant(cli, &open(cli).await?, command).await,
        Command::Series(command) => catalog::series(cli, &open(cli).await?, command).await,
        Command::Customer(command) => catalog::customer(cli, &open(cli).await?, command).await,
        // Parses its lines and dates before the book is opened: bad input never touches it.
        Command::Invoice(command) => invoice::run(cli, open(cli), command).await,
        Command::Numbers(command) => numbers::run(cli, &open(cli).await?, command).await,
        Command::Audit(command) => audit::run(cli, &open(cli).await?, command).await,
        Command::License(command) => license::run(cli, &open(cli).await?, command).await,
        Command::Idempotency(command) => idempotency::run(cli, &open(cli).await?, command).await,
        Command::Webhook(command) => webhook::run(cli, &open(cli).await?, command).await,
        Command::Export(command) => export::run(cli, &open(cli).await?, command).await,
        Command::Destination(command) => export::destination(cli, &open(cli).await?, command).await,
        Command::Bench(command) => bench::run(cli, &database_url(cli)?, command).await,
        Command::User(command) => user::run(cli, &open(cli).await?, command).await,
    }
}

/// `--user`, else the signed-in person, else `$USER`, else `cli`.
fn user(arg: &UserArg) -> String {
    arg.user.clone().unwrap_or_else(sign_in::default_author)
}

/// A date written `YYYY-MM-DD`, in the years 1 to 9999.
fn parse_date(field: &'static str, text: Option<&str>) -> Result<Option<NaiveDate>> {
    text.map(|t| {
        let plain = t.len() == 10
            && t.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
        t.parse::<NaiveDate>().ok().filter(|_| plain).ok_or_else(|| {
            Error::invalid(
                field,
                format!("{:?} is not a date like 2026-11-22", shorten(t, 40)),
                format!("{:?} 2026-11-22 gibi bir tarih değil", shorten(t, 40)),
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
        let text = shorten(text, 40);
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
        let text = shorten(text, 12);
        let known: Vec<&str> = Currency::ALL.iter().map(|c| c.code()).collect();
        Error::invalid(
            "currency",
            format!("{text:?} is not supported; use one of {}", known.join(", ")),
            format!("{text:?} desteklenmiyor; şunlardan birini kullanın: {}", known.join(", ")),
        )
    })
}
