//! The command line.

mod exports;

use clap::{Args, Parser, Subcommand};
pub use exports::{DestinationCommand, ExportCommand, ExportTarget, StepArgs};

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
    /// Seconds an idempotency key is held before another request may take it over (its holder presumed dead);
    /// 1 to 86400.
    #[arg(long, env = "LEDGERDESK_KEY_LEASE_SECS", global = true, default_value_t = 300)]
    pub key_lease_secs: u64,
    /// Seconds to wait for Postgres to answer a connection before giving up (1 to 600).
    #[arg(long, env = "LEDGERDESK_CONNECT_TIMEOUT_SECS", global = true, default_value_t = 10)]
    pub connect_timeout_secs: u64,
    /// Seconds a Postgres statement may run before the server cancels it (1 to 86400).
    #[arg(long, env = "LEDGERDESK_STATEMENT_TIMEOUT_SECS", global = true, default_value_t = 60)]
    pub statement_timeout_secs: u64,
    #[command(subcommand)]
    pub command: Command,
    /// The innermost subcommand's `--user`, found by `main` after parsing.
    #[arg(skip)]
    pub acting_user: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new book (a SQLite file, mode 0600; on Postgres, set up an empty database). Refused
    /// where a book exists already: a new book starts its numbering again at 1.
    Init {
        /// Also add its first administrator (password from LEDGERDESK_NEW_PASSWORD, or asked for
        /// twice); from then on the book keeps accounts, and --user signs in.
        #[arg(long)]
        admin: Option<String>,
    },
    /// Bring a book's schema up to date, creating the book if there is none.
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
    /// Licenses: at most one ACTIVE per holder; every change names the version it is based on.
    #[command(subcommand)]
    License(LicenseCommand),
    /// Idempotency records: browse and purge.
    #[command(subcommand)]
    Idempotency(IdempotencyCommand),
    /// Webhooks: sources and the receiver (inbound), endpoints and delivery (outbound), records.
    #[command(subcommand)]
    Webhook(WebhookCommand),
    /// Staged accounting exports: prepare, review, approve (four eyes), post, roll back.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Where posted exports are written.
    #[command(subcommand)]
    Destination(DestinationCommand),
    /// Benchmarks against a raw baseline measured in the same run.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// People and their roles: offline accounts in the book, or Postgres logins.
    #[command(subcommand)]
    User(UserCommand),
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a person (password from LEDGERDESK_NEW_PASSWORD, or asked for twice).
    Add {
        /// Sign-in name: a-z, 0-9, _ and ., starting with a letter.
        name: String,
        /// clerk, approver or admin; repeat for several.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        #[command(flatten)]
        user: UserArg,
    },
    /// Grant roles, and on Postgres tenants, to a person.
    Grant(UserChangeArgs),
    /// Revoke roles, and on Postgres tenants, from a person (from their next sign-in).
    Revoke(UserChangeArgs),
    /// Everyone, with their roles (and tenants).
    List {
        #[command(flatten)]
        user: UserArg,
    },
    /// Who this command line acts as.
    Whoami {
        #[command(flatten)]
        user: UserArg,
    },
}

/// The roles and tenants of a grant or revoke.
#[derive(Debug, Args)]
pub struct UserChangeArgs {
    /// The person.
    pub name: String,
    /// clerk, approver or admin; repeat for several.
    #[arg(long = "role")]
    pub roles: Vec<String>,
    /// Tenant code (Postgres); repeat for several.
    #[arg(long = "tenant", required_unless_present = "roles")]
    pub tenants: Vec<String>,
    #[command(flatten)]
    pub user: UserArg,
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
        /// First date the books accept (YYYY-MM-DD) [default: 1 January of this year].
        #[arg(long)]
        books_open_from: Option<String>,
        /// Days past today an issue may be dated (0 to 366) [default: 0].
        #[arg(long)]
        future_days: Option<u32>,
        /// Signs in, in a book with accounts (the series' or tenant's author is the signed-in person).
        #[command(flatten)]
        user: UserArg,
    },
    /// Show a tenant with its date limits.
    Show {
        /// Tenant code.
        code: String,
    },
    /// Open the books earlier, or change how many days ahead an issue may be dated; recorded.
    Limits {
        #[arg(long)]
        tenant: String,
        /// Open the books from this earlier date (YYYY-MM-DD); they never open later.
        #[arg(long, required_unless_present = "future_days")]
        books_open_from: Option<String>,
        /// Days past today an issue may be dated (0 to 366).
        #[arg(long)]
        future_days: Option<u32>,
        #[command(flatten)]
        user: UserArg,
    },
    /// Show, or change, what the tenant's invoice documents print of it: address, VAT id, IBAN, logo,
    /// language. Only the details given change; documents already printed keep what they printed.
    Details {
        #[arg(long)]
        tenant: String,
        #[command(flatten)]
        supplier: SupplierArgs,
    },
}

/// What a tenant's invoice documents print of it besides the address and VAT id.
#[derive(Debug, Args)]
pub struct SupplierArgs {
    #[command(flatten)]
    pub details: DetailsArgs,
    /// The bank account to pay to, as an IBAN (spaces allowed); "" removes it.
    #[arg(long)]
    pub iban: Option<String>,
    /// The language of its documents: en or tr.
    #[arg(long)]
    pub language: Option<String>,
    /// A PNG logo (at most 512 KiB and 2000 pixels a side), printed top left.
    #[arg(long, conflicts_with = "no_logo")]
    pub logo: Option<std::path::PathBuf>,
    /// Remove the logo.
    #[arg(long)]
    pub no_logo: bool,
    #[command(flatten)]
    pub user: UserArg,
}

/// The address and VAT id a document prints of a party.
#[derive(Debug, Args)]
pub struct DetailsArgs {
    /// An address line; repeat for each line (at most 5). Replaces the whole address.
    #[arg(long = "address", conflicts_with = "clear_address")]
    pub address: Vec<String>,
    /// Remove the address.
    #[arg(long)]
    pub clear_address: bool,
    /// VAT identification number; "" removes it.
    #[arg(long)]
    pub vat_id: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum SeriesCommand {
    /// Create an invoice series (no error if an identical one exists); refused if its template could
    /// print a number another series of the tenant prints.
    Add {
        #[arg(long)]
        tenant: String,
        /// Series code.
        #[arg(long)]
        code: String,
        /// Number template [default: {YYYY}{MM}-{SEQ:5}-{SUFFIX} for a tenant's first series,
        /// {SERIES}-{YYYY}{MM}-{SEQ:5}-{SUFFIX} for the others; yearly and never-resetting alike].
        #[arg(long)]
        format: Option<String>,
        /// monthly, yearly or never.
        #[arg(long, default_value = "monthly")]
        reset: String,
        /// regular (invoices) or corrective (credit notes only, numbered on their own).
        #[arg(long, default_value = "regular")]
        kind: String,
        #[command(flatten)]
        user: UserArg,
    },
    /// List a tenant's series.
    List {
        #[arg(long)]
        tenant: String,
    },
    /// Retire a series: it issues and reserves no more numbers.
    Retire {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        code: String,
        #[command(flatten)]
        user: UserArg,
    },
    /// Change a series' template from its next period on (checked like a new series).
    Format {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        code: String,
        /// The new template.
        #[arg(long)]
        format: String,
        #[command(flatten)]
        user: UserArg,
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
        #[command(flatten)]
        user: UserArg,
    },
    /// Show, or change, the address and VAT id the customer's invoice documents print. Only the details
    /// given change.
    Details {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        code: String,
        #[command(flatten)]
        details: DetailsArgs,
        #[command(flatten)]
        user: UserArg,
    },
}

/// Who is writing; recorded on every write.
#[derive(Debug, Args)]
pub struct UserArg {
    /// Recorded as the author [default: the Postgres login, else $USER]. In a book with accounts, signs
    /// in as this account (password from LEDGERDESK_PASSWORD, or asked for).
    #[arg(long = "user", id = ACTING_USER)]
    pub user: Option<String>,
}

/// The clap id of every subcommand's `--user`, by which `main` finds who signs in.
pub const ACTING_USER: &str = "acting_user";

/// An idempotency key: the same key sent again replays the first answer instead of acting twice.
#[derive(Debug, Args)]
pub struct KeyArg {
    /// 1–255 printable ASCII characters, one per logical request; scoped to tenant, --user and command.
    #[arg(long)]
    pub idempotency_key: Option<String>,
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
        /// A line: "DESCRIPTION|QUANTITY|UNIT_PRICE|TAX_RATE_PERCENT", exactly four fields (write a `|` in
        /// the description as `\|`, a `\` as `\\`); repeat for more lines.
        #[arg(long = "line", required_unless_present = "lines_json")]
        lines: Vec<String>,
        /// Lines as JSON: [{"description":…,"quantity":"2","unit_price":"150.00","tax_rate":"21"},…],
        /// amounts as strings.
        #[arg(long, conflicts_with = "lines")]
        lines_json: Option<String>,
        /// Issue under this reservation (with --seq) instead of taking the next number.
        #[arg(long, requires = "seq")]
        reservation: Option<i64>,
        /// Position within the reservation.
        #[arg(long, requires = "reservation")]
        seq: Option<i64>,
        #[command(flatten)]
        user: UserArg,
        #[command(flatten)]
        key: KeyArg,
    },
    /// Issue one invoice per record of a CSV or JSON Lines file, in chunks of one transaction each.
    ///
    /// JSON Lines (.jsonl): one object per line, {"ref":"sub-1","customer":"C1","date":"2026-11-30",
    /// "currency":"EUR","key":"…","lines":[{"description":"…","quantity":"1","unit_price":"120.00",
    /// "tax_rate":"21"}]}; only "lines" is required, amounts are strings. CSV (.csv): a header with the
    /// columns ref,customer,date,currency,description,quantity,unit_price,tax_rate (and optionally key);
    /// one row per invoice line, consecutive rows with one ref are one invoice. An empty date is today in
    /// the tenant's time zone; an empty currency is --currency.
    ///
    /// Each invoice's idempotency key is the record's own, or batch:BATCH_ID:REF: the same file run again
    /// (within a day) replays what it issued and issues only the rest, so a killed or cancelled run is
    /// simply run again. A bad record is reported with its line and stops nothing. Exit 4 when some
    /// records failed.
    IssueBatch {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        series: String,
        /// The file: .csv, .jsonl or .ndjson.
        #[arg(long)]
        from: std::path::PathBuf,
        /// Currency of records that name none.
        #[arg(long, default_value = "EUR")]
        currency: String,
        /// Invoices per transaction (1 to 2000).
        #[arg(long, default_value_t = 500)]
        chunk: usize,
        /// The batch's name in its keys [default: the file's SHA-256, first 16 digits]. Give the earlier
        /// run's id to finish a file you have edited since: records issued already are replayed (or, if
        /// their content changed, refused with idempotency_key_reused), the rest issued.
        #[arg(long)]
        batch_id: Option<String>,
        /// Read and check the file only (its form: columns, amounts, dates, currencies); issue nothing.
        /// What only the database can check (customers, the series' dates) is checked when issuing.
        #[arg(long)]
        check: bool,
        #[command(flatten)]
        user: UserArg,
    },
    /// Credit an invoice, in full (--all) or in part (--line N:QUANTITY … or --amount RATE:NET …), with a
    /// credit note in a corrective series.
    Credit {
        #[arg(long)]
        tenant: String,
        /// The number of the invoice to credit.
        #[arg(long)]
        invoice: String,
        /// The corrective series to number the credit note in.
        #[arg(long)]
        series: String,
        /// Why (printed on the credit note and kept in the audit trail).
        #[arg(long)]
        reason: String,
        /// The credit note's date (YYYY-MM-DD) [default: today in the tenant's time zone].
        #[arg(long)]
        date: Option<String>,
        /// A line of the invoice and how much of its quantity to credit: "2:1.5"; repeat for more lines.
        #[arg(long = "line", required_unless_present_any = ["all", "amounts"], conflicts_with_all = ["all", "amounts"])]
        lines: Vec<String>,
        /// A net amount to take back at one of the invoice's tax rates, with its VAT: "21:50.00"; repeat
        /// for more rates. An invoice is credited by lines or by amounts, never both.
        #[arg(long = "amount", conflicts_with = "all")]
        amounts: Vec<String>,
        /// Everything not yet credited (a cancellation).
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        user: UserArg,
        #[command(flatten)]
        key: KeyArg,
    },
    /// List invoices, newest first.
    List {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        series: Option<String>,
        /// YYYYMM (monthly series), YYYY (yearly) or all (never reset).
        #[arg(long)]
        period: Option<String>,
        #[arg(long)]
        customer: Option<String>,
        /// Only invoices that are issued, partially_credited, credited, or credit notes (credit_note).
        #[arg(long)]
        status: Option<String>,
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
    /// Save the invoice's document as a PDF. The first print fixes it; every reprint is checked to be
    /// byte-identical to it (by SHA-256).
    Pdf {
        #[arg(long)]
        tenant: String,
        /// The invoice number.
        number: String,
        /// Where to save it; an existing file is replaced whole, never half-written.
        #[arg(long)]
        out: std::path::PathBuf,
        #[command(flatten)]
        user: UserArg,
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
    /// Recompute the tenant's audit trail hash chain; exits 1 naming the first broken entry.
    Verify {
        #[arg(long)]
        tenant: String,
    },
    /// The tenant's audit trail, newest first.
    Trail {
        #[arg(long)]
        tenant: String,
        /// Only entries about this subject (`export:7`, `invoice:202611-00001-ACME`, `license:3`).
        #[arg(long)]
        subject: Option<String>,
        /// Only entries before this seq.
        #[arg(long)]
        before: Option<i64>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

/// A license change: which license, at which version, by whom.
#[derive(Debug, Args)]
pub struct ChangeArgs {
    #[arg(long)]
    pub tenant: String,
    /// License id.
    #[arg(long)]
    pub license: i64,
    /// The version the change is based on (as `license show` printed it).
    #[arg(long)]
    pub version: i64,
    #[command(flatten)]
    pub user: UserArg,
    #[command(flatten)]
    pub key: KeyArg,
}

/// How far to extend: by days, or to a date.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct ExtensionArgs {
    /// Push the expiry back by this many days.
    #[arg(long)]
    pub days: Option<u32>,
    /// Move the expiry to this date (YYYY-MM-DD, midnight UTC) or RFC 3339 instant.
    #[arg(long)]
    pub until: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum LicenseCommand {
    /// Assign a license to a holder (refused if they have an ACTIVE one).
    Assign {
        #[arg(long)]
        tenant: String,
        /// The user who will hold it.
        #[arg(long)]
        holder: String,
        #[arg(long)]
        product: String,
        #[arg(long)]
        plan: String,
        #[arg(long, default_value_t = 1)]
        seats: i32,
        /// Start (YYYY-MM-DD or RFC 3339) [default: now].
        #[arg(long)]
        starts: Option<String>,
        /// End (YYYY-MM-DD, midnight UTC, or RFC 3339).
        #[arg(long, required_unless_present = "days", conflicts_with = "days")]
        expires: Option<String>,
        /// Or: valid until midnight UTC this many days after the start's (or today's) date.
        #[arg(long)]
        days: Option<u32>,
        #[command(flatten)]
        user: UserArg,
        #[command(flatten)]
        key: KeyArg,
    },
    /// List licenses, newest first, expiry applied.
    List {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        holder: Option<String>,
        /// ACTIVE, SUSPENDED, REVOKED or EXPIRED.
        #[arg(long)]
        status: Option<String>,
    },
    /// Show one license.
    Show {
        #[arg(long)]
        tenant: String,
        /// License id.
        license: i64,
    },
    /// Extend a license (never shortens it).
    Extend {
        #[command(flatten)]
        change: ChangeArgs,
        #[command(flatten)]
        extension: ExtensionArgs,
    },
    /// Extend many licenses, each on its own; prints a result per license and a summary.
    ExtendBatch {
        #[arg(long)]
        tenant: String,
        /// LICENSE_ID:VERSION; repeat for more.
        #[arg(long = "target", required = true)]
        targets: Vec<String>,
        #[command(flatten)]
        extension: ExtensionArgs,
        #[command(flatten)]
        user: UserArg,
        #[command(flatten)]
        key: KeyArg,
    },
    /// ACTIVE → SUSPENDED.
    Suspend(ChangeArgs),
    /// SUSPENDED → ACTIVE.
    Resume(ChangeArgs),
    /// ACTIVE or SUSPENDED → REVOKED, for good.
    Revoke(ChangeArgs),
    /// Write EXPIRED on every license past its expiry.
    Sweep {
        #[arg(long)]
        tenant: String,
        #[command(flatten)]
        user: UserArg,
    },
}

#[derive(Debug, Subcommand)]
pub enum IdempotencyCommand {
    /// List records, newest first.
    List {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        user: Option<String>,
        /// e.g. license.assign, invoice.issue.
        #[arg(long)]
        command: Option<String>,
        /// in_flight, completed or failed.
        #[arg(long)]
        status: Option<String>,
        /// Only records created at least this many minutes ago.
        #[arg(long)]
        older_than_minutes: Option<u32>,
        /// Only expired records.
        #[arg(long, conflicts_with = "live")]
        expired: bool,
        /// Only records not yet expired.
        #[arg(long)]
        live: bool,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Show one record with its fingerprint and stored response.
    Show {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        user: String,
        #[arg(long)]
        command: String,
        /// The key.
        key: String,
    },
    /// Delete expired records, in bounded batches; prints how many.
    Purge {
        /// Rows deleted per transaction.
        #[arg(long, default_value_t = ledgerdesk_core::idempotency::PURGE_BATCH)]
        batch_size: u32,
    },
}

#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Senders of inbound webhooks.
    #[command(subcommand)]
    Source(SourceCommand),
    /// Receivers of outbound webhooks.
    #[command(subcommand)]
    Endpoint(EndpointCommand),
    /// Receive webhooks over HTTP at POST /webhooks/{tenant}/{source} until stopped (Ctrl-C).
    Serve {
        /// Address to listen on; use 127.0.0.1 unless a proxy in front of it terminates TLS.
        #[arg(long, default_value = "127.0.0.1:8787")]
        listen: String,
        /// Largest body accepted, in bytes (larger: 413).
        #[arg(long, default_value_t = 256 * 1024)]
        max_body_bytes: usize,
        /// Seconds a webhook-timestamp may be from now, either way.
        #[arg(long, default_value_t = 300)]
        tolerance_secs: u32,
    },
    /// Deliver due outbound messages until stopped (Ctrl-C), or with --once until none is due.
    Deliver {
        /// Deliver what is due now, then exit.
        #[arg(long)]
        once: bool,
        /// Delays before each retry [default: 1m,2m,4m,8m,16m].
        #[arg(long)]
        retry_schedule: Option<String>,
        /// Seconds a claimed message is held (at least the timeouts plus 5).
        #[arg(long, default_value_t = 60)]
        lease_secs: u64,
        /// Seconds to wait for a connection.
        #[arg(long, default_value_t = 5)]
        http_connect_timeout_secs: u64,
        /// Seconds an attempt may take in all.
        #[arg(long, default_value_t = 15)]
        http_timeout_secs: u64,
        /// Milliseconds between polls when nothing is due (each a read; a claim only when something is).
        #[arg(long, default_value_t = 100)]
        poll_ms: u64,
        /// Messages claimed at once.
        #[arg(long, default_value_t = 16)]
        batch: u32,
    },
    /// Send an outbound message again, now, from the start of the schedule.
    Redeliver {
        #[arg(long)]
        tenant: String,
        /// Message id.
        message: i64,
    },
    /// Apply a failed inbound event again, its cause fixed.
    Reapply {
        #[arg(long)]
        tenant: String,
        /// Event id.
        event: i64,
        #[command(flatten)]
        user: UserArg,
    },
    /// Inbound events, newest first.
    Events {
        #[arg(long)]
        tenant: String,
        /// applied, failed or ignored.
        #[arg(long)]
        status: Option<String>,
        /// Only this event type.
        #[arg(long = "type")]
        event_type: Option<String>,
        /// Only this source.
        #[arg(long)]
        source: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// One inbound event with its payload, headers and effect.
    Event {
        #[arg(long)]
        tenant: String,
        /// Event id.
        event: i64,
    },
    /// Outbound messages, newest first.
    Messages {
        #[arg(long)]
        tenant: String,
        /// pending, delivered or failed.
        #[arg(long)]
        status: Option<String>,
        /// Only this event type.
        #[arg(long = "type")]
        event_type: Option<String>,
        /// Only this endpoint (id).
        #[arg(long)]
        endpoint: Option<i64>,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// One outbound message with every attempt.
    Message {
        #[arg(long)]
        tenant: String,
        /// Message id.
        message: i64,
    },
    /// Refused inbound requests, newest first.
    Rejections {
        #[arg(long)]
        tenant: String,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Duplicates suppressed, signatures rejected, deliveries pending, delivered and failed.
    Counters {
        #[arg(long)]
        tenant: String,
    },
    /// Delete old records in batches: inbound events and rejections past the senders' retry horizon,
    /// delivered messages past their retention (failed ones stay).
    Purge {
        /// Days inbound events are kept (at least as long as senders retry).
        #[arg(long, default_value_t = 7)]
        inbound_days: u32,
        /// Days delivered messages are kept.
        #[arg(long, default_value_t = 30)]
        delivered_days: u32,
        /// Rows deleted per transaction.
        #[arg(long, default_value_t = 1_000)]
        batch_size: u32,
    },
}

#[derive(Debug, Subcommand)]
pub enum SourceCommand {
    /// Register a sender; without --secret one is generated and printed once.
    Add {
        #[arg(long)]
        tenant: String,
        /// Its name: the last part of its URL, /webhooks/{tenant}/{name}.
        #[arg(long)]
        name: String,
        /// whsec_… (the sender's signing secret).
        #[arg(long)]
        secret: Option<String>,
        #[command(flatten)]
        user: UserArg,
    },
    /// Give a sender a new secret; the older ones keep verifying for the overlap.
    Rotate {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        secret: Option<String>,
        /// Hours the older secrets keep verifying.
        #[arg(long, default_value_t = 24)]
        overlap_hours: u32,
    },
    /// The senders of a tenant.
    List {
        #[arg(long)]
        tenant: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum EndpointCommand {
    /// Add a receiver; without --secret one is generated and printed once.
    Add {
        #[arg(long)]
        tenant: String,
        /// http:// or https:// URL.
        #[arg(long)]
        url: String,
        /// Event types or patterns, comma-separated (invoice.issued,license.*).
        #[arg(long, default_value = "*", value_delimiter = ',')]
        events: Vec<String>,
        /// whsec_….
        #[arg(long)]
        secret: Option<String>,
        #[command(flatten)]
        user: UserArg,
    },
    /// Stop delivering to an endpoint (its messages wait).
    Disable {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        id: i64,
        #[command(flatten)]
        user: UserArg,
    },
    /// Deliver to an endpoint again.
    Enable {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        id: i64,
        #[command(flatten)]
        user: UserArg,
    },
    /// Give an endpoint a new secret; both sign during the overlap.
    Rotate {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        id: i64,
        #[arg(long)]
        secret: Option<String>,
        /// Hours the older secrets keep signing.
        #[arg(long, default_value_t = 24)]
        overlap_hours: u32,
    },
    /// The endpoints of a tenant.
    List {
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
    /// The benchmarks a release is judged by, in one run: numbering at concurrency 1, 2, 4, 8, 16 and 32
    /// (each against the raw counter), idempotent issue and replay, list pages on a large book, batch
    /// billing. Writes DIR/report.json and DIR/numbering.svg (issues/s against concurrency).
    ///
    /// Writes fresh BENCH… tenants (and a BENCHLIST book on first use): point it at a scratch database.
    Report {
        /// Folder for report.json and numbering.svg (created if missing).
        #[arg(long)]
        out: std::path::PathBuf,
        /// Operations per phase of each numbering and idempotency run.
        #[arg(long, default_value_t = 2000)]
        count: u32,
        /// Invoices in the list benchmark's book.
        #[arg(long, default_value_t = 100_000)]
        list_invoices: u32,
        /// Invoices per phase of the batch benchmark.
        #[arg(long, default_value_t = 10_000)]
        batch_invoices: u32,
    },
    /// N invoices issued one by one (each keyed, its own transaction: the baseline) against the same N in
    /// batches of --chunk (one transaction each, as `invoice issue-batch` does), in the same run.
    ///
    /// Writes fresh BENCHONE… and BENCHMANY… tenants into the database: point it at a scratch database.
    Batch {
        /// Invoices per phase.
        #[arg(long, default_value_t = 10_000)]
        count: u32,
        /// Invoices per batch.
        #[arg(long, default_value_t = 500)]
        chunk: u32,
    },
    /// Cost of an idempotency key: issuing with a fresh key and replaying a finished one, against issuing
    /// without a key (the raw baseline), in the same run.
    ///
    /// Writes a fresh BENCHKEY… tenant into the database: point it at a scratch database.
    Idempotency {
        /// Concurrent callers.
        #[arg(long, default_value_t = 1)]
        concurrency: u32,
        /// Operations per phase.
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
    /// The field-level diff of an export of N rows against reading both snapshots' rows, in one run.
    ///
    /// Writes a fresh BENCHDIFF… tenant (N invoices of this month) and files under the temp folder:
    /// point it at a scratch database.
    Diff {
        /// Rows (one invoice each).
        #[arg(long, default_value_t = 10_000)]
        rows: u32,
        /// Fields edited before the diff.
        #[arg(long, default_value_t = 100)]
        edits: u32,
        /// Diffs (and reads) to time.
        #[arg(long, default_value_t = 5)]
        repeat: u32,
    },
    /// Verifying an audit chain of N entries against reading them without hashing, in one run.
    ///
    /// Fills a BENCHAUDIT tenant with real invoice issues up to N entries on first use: a scratch database.
    Audit {
        /// Entries in the chain.
        #[arg(long, default_value_t = 100_000)]
        entries: u32,
        /// Verifications (and scans) to time.
        #[arg(long, default_value_t = 3)]
        repeat: u32,
    },
    /// Invoice PDFs: the first print of the process, N first prints in a row and N reprints (each
    /// checked identical), against rendering one document N times without a database, in one run.
    ///
    /// Writes a fresh BENCHPDF… tenant (N + 1 invoices): point it at a scratch database.
    Pdf {
        /// Invoices to print (and renders to time).
        #[arg(long, default_value_t = 1000)]
        count: u32,
    },
    /// Inbound events/s through the real receiver (signature + dedup row + payment) against events only
    /// recorded (signature + dedup row: the baseline); outbound latency from commit to first attempt
    /// through the outbox and a worker, against a direct POST (the baseline). HTTP on 127.0.0.1.
    ///
    /// Writes a fresh BENCHHOOK… tenant into the database: point it at a scratch database.
    Webhooks {
        /// Concurrent senders.
        #[arg(long, default_value_t = 8)]
        concurrency: u32,
        /// Inbound events per phase (and invoices to pay).
        #[arg(long, default_value_t = 1000)]
        count: u32,
        /// Outbound messages to time.
        #[arg(long, default_value_t = 200)]
        deliveries: u32,
        /// The worker's pause when nothing is due, as `webhook deliver --poll-ms` (and the desktop) use.
        #[arg(long, default_value_t = 100)]
        poll_ms: u64,
    },
}
