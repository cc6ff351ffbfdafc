//! The Postgres store: a `PgPool`, READ COMMITTED transactions, row locks taken as late as possible and
//! always in the order series → counter, and a `lock_timeout` so a wait ends in a retry, not a hang.

use std::str::FromStr;
use std::time::Duration;

use std::sync::Arc;

use ledgerdesk_types::{
    AssignLicense, ChangeLicense, IdempotencyQuery, IdempotencyRecord, InvoiceListQuery, InvoiceSummary, IssuedInvoice,
    KeyStatus, License, LicenseQuery, NumberingAudit, Purged, Reply,
};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection as _, PgConnection, PgPool};

use super::Param;
use crate::error::{Error, Result};
use crate::idempotency::{Claim, Command, Held, KeyLedger, KeyPolicy, Scope};
use crate::model::{
    Created, Customer, IssueInvoice, NewCustomer, NewSeries, NewTenant, Released, Reservation, ReserveNumbers, Series,
    Tenant,
};
use crate::numbering::now;
use crate::retry::RetryPolicy;
use crate::store::{Store, StoreOptions};
use crate::{audit, catalog, fault, idempotency, invoices, licenses, migrate, numbering};

/// SQLSTATEs after which the whole transaction is worth another try: serialization failure, deadlock
/// detected, lock not available (our `lock_timeout`).
const TRANSIENT_STATES: [&str; 3] = ["40001", "40P01", "55P03"];

/// Maps an sqlx error onto the core error.
pub(crate) fn map_err(e: sqlx::Error) -> Error {
    match &e {
        sqlx::Error::Database(db) => {
            let code = db.code();
            if code.as_deref().is_some_and(|c| TRANSIENT_STATES.contains(&c)) {
                Error::Transient { backend: "postgres", detail: e.to_string() }
            } else if db.message().starts_with("invoice_immutable") {
                Error::InvoiceImmutable
            } else {
                Error::Storage { backend: "postgres", detail: e.to_string() }
            }
        }
        sqlx::Error::PoolTimedOut => Error::Transient { backend: "postgres", detail: e.to_string() },
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::PoolClosed => {
            Error::DatabaseUnavailable { backend: "postgres", detail: e.to_string() }
        }
        _ => Error::Storage { backend: "postgres", detail: e.to_string() },
    }
}

/// `?`-friendly conversion of sqlx results.
pub(crate) trait PgResultExt<T> {
    /// Maps the error with [`map_err`].
    fn db(self) -> Result<T>;
}

impl<T> PgResultExt<T> for std::result::Result<T, sqlx::Error> {
    fn db(self) -> Result<T> {
        self.map_err(map_err)
    }
}

/// The connected store: one Postgres shared by every desktop.
#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
    retry: RetryPolicy,
    keys: KeyPolicy,
}

impl PgStore {
    /// Connects to `url` and migrates the database.
    pub async fn connect(url: &str, options: StoreOptions) -> Result<Self> {
        let lock_timeout_ms = options.lock_timeout.as_millis().max(1).to_string();
        // A desktop that hangs inside a transaction (never our code: no transaction waits on anything
        // but the database) loses it, and its row locks, once an idempotency lease would have run out.
        let idle_ms = options.keys.lease.as_millis().max(1_000).to_string();
        let connect =
            PgConnectOptions::from_str(url).map_err(|_| Error::InvalidDatabaseUrl(url.to_owned()))?.options([
                ("lock_timeout", lock_timeout_ms.as_str()),
                ("idle_in_transaction_session_timeout", idle_ms.as_str()),
            ]);
        let unavailable = |e: sqlx::Error| Error::DatabaseUnavailable { backend: "postgres", detail: e.to_string() };
        // One direct attempt first: the pool would keep retrying a refused connection until its acquire
        // timeout, and a user testing a wrong URL should hear so at once.
        PgConnection::connect_with(&connect).await.map_err(unavailable)?.close().await.map_err(unavailable)?;
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(connect)
            .await
            .map_err(unavailable)?;
        let store = PgStore { pool, retry: options.retry, keys: options.keys };
        store.retry.run(|attempts| Error::DatabaseBusy { attempts }, || migrate::postgres::run(&store.pool)).await?;
        Ok(store)
    }

    /// The pool, for callers that need raw access (benchmarks, tests).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

impl Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn add_tenant(&self, tenant: NewTenant) -> Result<Created<Tenant>> {
        catalog::validate_tenant(&tenant)?;
        self.retry
            .run(|attempts| Error::DatabaseBusy { attempts }, || catalog::postgres::add_tenant(&self.pool, &tenant))
            .await
    }

    async fn add_series(&self, series: NewSeries) -> Result<Created<Series>> {
        catalog::validate_series(&series)?;
        self.retry
            .run(|attempts| Error::DatabaseBusy { attempts }, || catalog::postgres::add_series(&self.pool, &series))
            .await
    }

    async fn add_customer(&self, customer: NewCustomer) -> Result<Created<Customer>> {
        catalog::validate_customer(&customer)?;
        self.retry
            .run(|attempts| Error::DatabaseBusy { attempts }, || catalog::postgres::add_customer(&self.pool, &customer))
            .await
    }

    async fn list_series(&self, tenant: &str) -> Result<Vec<Series>> {
        catalog::postgres::list_series(&self.pool, tenant).await
    }

    async fn list_customers(&self, tenant: &str) -> Result<Vec<Customer>> {
        catalog::postgres::list_customers(&self.pool, tenant).await
    }

    async fn issue_invoice_keyed(&self, request: IssueInvoice, key: Option<&str>) -> Result<Reply<IssuedInvoice>> {
        idempotency::execute(self, numbering::Draft::validate(request)?, key).await
    }

    async fn assign_license(&self, request: AssignLicense, actor: &str, key: Option<&str>) -> Result<Reply<License>> {
        idempotency::execute(self, licenses::Assign::new(request, actor)?, key).await
    }

    async fn change_license(&self, request: ChangeLicense, actor: &str, key: Option<&str>) -> Result<Reply<License>> {
        idempotency::execute(self, licenses::Change::new(request, actor)?, key).await
    }

    async fn get_license(&self, tenant: &str, id: i64) -> Result<License> {
        licenses::postgres::get(&self.pool, tenant, id, now()).await
    }

    async fn list_licenses(&self, tenant: &str, query: &LicenseQuery) -> Result<Vec<License>> {
        licenses::postgres::list(&self.pool, tenant, query, now()).await
    }

    async fn expire_licenses(&self, tenant: &str, actor: &str) -> Result<u64> {
        numbering::validate_user(actor)?;
        self.retry
            .run(
                |attempts| Error::DatabaseBusy { attempts },
                || licenses::postgres::expire(&self.pool, tenant, actor, now()),
            )
            .await
    }

    async fn list_idempotency_records(&self, tenant: &str, query: &IdempotencyQuery) -> Result<Vec<IdempotencyRecord>> {
        idempotency::postgres::list(&self.pool, tenant, query, now()).await
    }

    async fn get_idempotency_record(
        &self,
        tenant: &str,
        user: &str,
        command: &str,
        key: &str,
    ) -> Result<Option<IdempotencyRecord>> {
        idempotency::postgres::get(&self.pool, &Scope::lookup(tenant, user, command, key)).await
    }

    async fn purge_idempotency_records(&self, batch: u32) -> Result<Purged> {
        idempotency::purge_in_batches(batch, |batch| {
            self.retry.run(
                |attempts| Error::DatabaseBusy { attempts },
                move || idempotency::postgres::purge_batch(&self.pool, now(), batch),
            )
        })
        .await
    }

    async fn get_invoice(&self, tenant: &str, number: &str) -> Result<IssuedInvoice> {
        invoices::postgres::get(&self.pool, tenant, number).await
    }

    async fn list_invoices(&self, tenant: &str, query: &InvoiceListQuery) -> Result<Vec<InvoiceSummary>> {
        invoices::postgres::list(&self.pool, tenant, query).await
    }

    async fn reserve_numbers(&self, request: ReserveNumbers) -> Result<Reservation> {
        numbering::validate_reservation(&request)?;
        self.retry
            .run(
                |attempts| Error::NumberingContention { attempts },
                || numbering::postgres::reserve(&self.pool, &request),
            )
            .await
    }

    async fn release_reservation(&self, tenant: &str, reservation: i64, user: &str) -> Result<Released> {
        numbering::validate_user(user)?;
        self.retry
            .run(
                |attempts| Error::NumberingContention { attempts },
                || numbering::postgres::release(&self.pool, tenant, reservation, user),
            )
            .await
    }

    async fn audit_numbering(&self, tenant: &str) -> Result<Vec<NumberingAudit>> {
        audit::postgres::audit(&self.pool, tenant).await
    }

    async fn bench_counter_increment(&self, tenant: &str, series: &str, period: &str) -> Result<i64> {
        self.retry
            .run(
                |attempts| Error::NumberingContention { attempts },
                || numbering::postgres::bare_increment(&self.pool, tenant, series, period),
            )
            .await
    }
}

impl KeyLedger for PgStore {
    async fn claim(&self, scope: &Scope, fingerprint: &str) -> Result<Claim> {
        self.retry
            .run(
                |attempts| Error::DatabaseBusy { attempts },
                || idempotency::postgres::claim(&self.pool, scope, fingerprint, self.keys, now()),
            )
            .await
    }

    async fn apply<C: Command>(&self, command: &Arc<C>, held: Option<&Held>) -> Result<C::Output> {
        self.retry
            .run(C::exhausted, || async {
                let mut tx = self.pool.begin().await.db()?;
                if let Some(held) = held
                    && !idempotency::postgres::confirm(&mut tx, held).await?
                {
                    return Err(Error::IdempotencyLeaseLost);
                }
                let value = command.apply_postgres(&mut tx).await?;
                if let Some(held) = held {
                    let response = idempotency::to_json(&value)?;
                    if !idempotency::postgres::finish(&mut tx, held, KeyStatus::Completed, &response, now()).await? {
                        return Err(Error::IdempotencyLeaseLost);
                    }
                    fault::pause("before-commit").await;
                }
                tx.commit().await.db()?;
                Ok(value)
            })
            .await
    }

    async fn record_failure(&self, held: &Held, error: &str) -> Result<()> {
        let mut conn = self.pool.acquire().await.db()?;
        idempotency::postgres::finish(&mut conn, held, KeyStatus::Failed, error, now()).await.map(drop)
    }

    async fn release(&self, held: &Held) -> Result<()> {
        idempotency::postgres::release(&self.pool, held).await
    }
}

/// Binds the parameters of a query built at run time.
pub(crate) fn bind_all<'q, O>(
    mut query: sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments>,
    params: Vec<Param>,
) -> sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments> {
    for param in params {
        query = match param {
            Param::Text(text) => query.bind(text),
            Param::Int(int) => query.bind(int),
            Param::Time(time) => query.bind(time),
        };
    }
    query
}
