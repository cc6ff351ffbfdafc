//! The command line.

use clap::{Args, Parser, Subcommand};

/// Ledgerdesk: gapless invoice numbering and accounting guards on SQLite or Postgres.
#[derive(Debug, Parser)]
#[command(name = "ledgerdesk", version)]
pub struct Cli {
    /// Database: sqlite:PATH or postgres://user@host/db [default: a SQLite file in the app-data dir]
    #[arg(long, env = "LEDGERDESK_DB", global = true)]
    pub db: Option<String>,
    /// Print results as JSON.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the database if needed and apply pending migrations.
    Migrate,
    /// Tenants.
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Invoice series.
    #[command(subcommand)]
    Series(SeriesCommand),
    /// Customers.
    #[command(subcommand)]
    Customer(CustomerCommand),
    /// Invoices.
    #[command(subcommand)]
    Invoice(InvoiceCommand),
    /// Number reservations for batch runs.
    #[command(subcommand)]
    Numbers(NumbersCommand),
    /// Audits.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Benchmarks against a raw baseline measured in the same run.
    #[command(subcommand)]
    Bench(BenchCommand),
}

#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Create a tenant (no error if an identical one exists).
    Add {
        /// Short code, also the {SUFFIX} of invoice numbers.
        #[arg(long)]
        code: String,
        /// Legal name.
        #[arg(long)]
        name: String,
        /// IANA time zone for "today".
        #[arg(long, default_value = "UTC")]
        time_zone: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum SeriesCommand {
    /// Create an invoice series (no error if an identical one exists).
    Add {
        #[arg(long)]
        tenant: String,
        /// Series code.
        #[arg(long)]
        code: String,
        /// Number template.
        #[arg(long, default_value = "{YYYY}{MM}-{SEQ:5}-{SUFFIX}")]
        format: String,
        /// monthly, yearly or never.
        #[arg(long, default_value = "monthly")]
        reset: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum CustomerCommand {
    /// Create a customer (no error if an identical one exists).
    Add {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        /// VAT or tax number.
        #[arg(long)]
        tax_id: Option<String>,
    },
}

/// Who is writing; recorded on every write.
#[derive(Debug, Args)]
pub struct UserArg {
    /// Recorded as the author [default: $USER].
    #[arg(long)]
    pub user: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum InvoiceCommand {
    /// Issue an invoice and print its number.
    Issue {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        series: String,
        #[arg(long)]
        customer: Option<String>,
        /// Issue date (YYYY-MM-DD) [default: today in the tenant's time zone].
        #[arg(long)]
        date: Option<String>,
        #[arg(long, default_value = "EUR")]
        currency: String,
        /// A line: "DESCRIPTION|QUANTITY|UNIT_PRICE|TAX_RATE_PERCENT"; repeat for more lines.
        #[arg(long = "line", required = true)]
        lines: Vec<String>,
        /// Issue under this reservation (with --seq) instead of taking the next number.
        #[arg(long, requires = "seq")]
        reservation: Option<i64>,
        /// Position within the reservation.
        #[arg(long, requires = "reservation")]
        seq: Option<i64>,
        #[command(flatten)]
        user: UserArg,
    },
    /// List invoices, newest first.
    List {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        series: Option<String>,
        #[arg(long)]
        period: Option<String>,
        #[arg(long)]
        customer: Option<String>,
        /// Rows per page (1–500).
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Only invoices older than this id (the last id of the previous page).
        #[arg(long)]
        before_id: Option<i64>,
    },
    /// Show one invoice with its lines.
    Show {
        #[arg(long)]
        tenant: String,
        /// The invoice number.
        number: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum NumbersCommand {
    /// Reserve a block of consecutive numbers.
    Reserve {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        series: String,
        #[arg(long)]
        count: i64,
        /// Any date of the period to reserve in [default: today].
        #[arg(long)]
        date: Option<String>,
        #[command(flatten)]
        user: UserArg,
    },
    /// Release a reservation; its unused numbers go to the voided-numbers register.
    Release {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        reservation: i64,
        #[command(flatten)]
        user: UserArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Continuity of every series and period of a tenant: count, first, last, gaps, duplicates, voided.
    Numbering {
        #[arg(long)]
        tenant: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Issue real invoices at a given concurrency and compare with a bare counter increment.
    ///
    /// Writes a fresh BENCH… tenant into the database: point it at a scratch database.
    Numbering {
        /// Concurrent issuers.
        #[arg(long, default_value_t = 8)]
        concurrency: u32,
        /// Invoices to issue (and raw increments to make).
        #[arg(long, default_value_t = 1000)]
        count: u32,
    },
    /// Time pages of the invoice list (what the desktop shows) on a book of N invoices.
    ///
    /// Fills a BENCHLIST tenant up to N invoices with real issues on first use: a scratch database.
    List {
        /// Invoices the book must hold.
        #[arg(long, default_value_t = 100_000)]
        invoices: u32,
        /// Pages to time in each phase.
        #[arg(long, default_value_t = 200)]
        pages: u32,
    },
}
