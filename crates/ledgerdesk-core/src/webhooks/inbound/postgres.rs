//! The inbox on Postgres. Twin of `sqlite.rs`; the path of a request is in `mod.rs`, the shared SQL in
//! `queries.rs`. A second delivery of a webhook-id being applied waits on the unique key until the first
//! commits, then only counts itself (`ON CONFLICT … DO UPDATE`): one effect, however many desktops.

use std::time::Duration;

use chrono::{DateTime, Utc};
use ledgerdesk_types::{
    InboundEvent, InboundStatus, Payment, Purged, Rejection, Source, WebhookCounters, WebhookQuery, WithSecret,
};
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool};

use super::queries::{
    arrive_sql, counters_sql, outcome_sql, purge_events_sql, purge_rejections_sql, signing_sql, source_columns,
    verifying_secrets_sql,
};
use super::{
    Arrived, Delivery, EVENT_COLUMNS, EVENT_FROM, Effect, InboxLedger, NewSource, Outcome, Receipt, Rejected, Signing,
    WebhookInbox, effect_of, events_sql, receive, status, validate_source,
};
use crate::catalog::postgres::tenant_id;
use crate::catalog::same_or_conflict;
use crate::db::postgres::{PgResultExt, bind_all, placeholder};
use crate::db::{PgStore, in_batches, now};
use crate::error::{Error, Result};
use crate::identity::{Action, Authorize as _};
use crate::payments;
use crate::webhooks::outbound::{cutoff, overlap_end, secret_to_store};

impl WebhookInbox for PgStore {
    async fn add_source(&self, source: NewSource) -> Result<WithSecret<Source>> {
        self.authorize(Action::KeepWebhooks, Some(&source.user))?;
        validate_source(&source)?;
        let (stored, shown) = secret_to_store(source.secret.as_deref())?;
        self.retried(Error::busy, || add_source(self.pool(), &source, &stored, shown.clone(), now())).await
    }

    async fn rotate_source_secret(
        &self,
        tenant: &str,
        source: &str,
        secret: Option<String>,
        overlap: Duration,
    ) -> Result<WithSecret<Source>> {
        self.authorize(Action::KeepWebhooks, None)?;
        let (stored, shown) = secret_to_store(secret.as_deref())?;
        self.retried(Error::busy, || async {
            let mut tx = self.pool().begin().await.db()?;
            let tenant_id = tenant_id(&mut tx, tenant).await?;
            let now = now();
            let found = load_source(&mut tx, tenant, tenant_id, source, now).await?;
            sqlx::query(
                "WITH retired AS (
                     UPDATE webhook_source_secrets SET expires_at = $2 WHERE source_id = $1 AND expires_at IS NULL
                 )
                 INSERT INTO webhook_source_secrets (source_id, secret, created_at) VALUES ($1, $3, $4)",
            )
            .bind(found.id)
            .bind(overlap_end(now, overlap))
            .bind(&stored)
            .bind(now)
            .execute(&mut *tx)
            .await
            .db()?;
            let value = load_source(&mut tx, tenant, tenant_id, source, now).await?;
            tx.commit().await.db()?;
            Ok(WithSecret { value, secret: shown.clone(), created: true })
        })
        .await
    }

    async fn list_sources(&self, tenant: &str) -> Result<Vec<Source>> {
        let mut conn = self.pool().acquire().await.db()?;
        let tenant_id = tenant_id(&mut conn, tenant).await?;
        let sql =
            format!("SELECT {} FROM webhook_sources s WHERE s.tenant_id = $1 ORDER BY s.name", source_columns("$2"));
        let rows: Vec<SourceRow> =
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(tenant_id).bind(now()).fetch_all(&mut *conn).await.db()?;
        Ok(rows.into_iter().map(|row| to_source(tenant, row)).collect())
    }

    async fn receive_webhook(&self, delivery: Delivery) -> Result<Receipt> {
        self.authorize(Action::KeepWebhooks, None)?;
        receive(self, delivery).await
    }

    async fn record_rejection(&self, rejected: Rejected) -> Result<()> {
        self.authorize(Action::KeepWebhooks, None)?;
        self.retried(Error::busy, || async {
            let mut conn = self.pool().acquire().await.db()?;
            let tenant_id: Option<i64> = sqlx::query_scalar("SELECT id FROM tenants WHERE code = $1")
                .bind(&rejected.tenant)
                .fetch_optional(&mut *conn)
                .await
                .db()?;
            store_rejection(&mut conn, tenant_id, &rejected).await
        })
        .await
    }

    async fn reapply_event(&self, tenant: &str, event: i64, user: &str) -> Result<InboundEvent> {
        self.authorize(Action::KeepWebhooks, Some(user))?;
        crate::validate::validate_user(user)?;
        self.retried(Error::busy, || reapply(self.pool(), tenant, event, now())).await
    }

    async fn list_events(&self, tenant: &str, query: &WebhookQuery) -> Result<Vec<InboundEvent>> {
        let mut conn = self.pool().acquire().await.db()?;
        let (sql, params) = events_sql(tenant_id(&mut conn, tenant).await?, query, placeholder);
        let rows: Vec<EventRow> =
            bind_all(sqlx::query_as(sqlx::AssertSqlSafe(sql)), params).fetch_all(&mut *conn).await.db()?;
        rows.into_iter().map(|row| to_event(tenant, row)).collect()
    }

    async fn get_event(&self, tenant: &str, event: i64) -> Result<InboundEvent> {
        let mut conn = self.pool().acquire().await.db()?;
        let tenant_id = tenant_id(&mut conn, tenant).await?;
        load_event(&mut conn, tenant, tenant_id, event).await
    }

    async fn list_rejections(&self, tenant: &str, limit: u32) -> Result<Vec<Rejection>> {
        let mut conn = self.pool().acquire().await.db()?;
        let tenant_id = tenant_id(&mut conn, tenant).await?;
        type Row = (i64, String, String, String, i32, String, i64, Option<String>, DateTime<Utc>);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, tenant_code, source_name, reason, http_status, headers, body_size, body, received_at
               FROM webhook_rejections WHERE tenant_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(tenant_id)
        .bind(i64::from(limit.clamp(1, 500)))
        .fetch_all(&mut *conn)
        .await
        .db()?;
        Ok(rows
            .into_iter()
            .map(|(id, tenant, source, reason, http_status, headers, body_size, body, received_at)| Rejection {
                id,
                tenant,
                source,
                reason,
                http_status: u16::try_from(http_status).unwrap_or_default(),
                headers,
                body_size: body_size.unsigned_abs(),
                body,
                received_at,
            })
            .collect())
    }

    async fn webhook_counters(&self, tenant: &str) -> Result<WebhookCounters> {
        let mut conn = self.pool().acquire().await.db()?;
        let tenant_id = tenant_id(&mut conn, tenant).await?;
        let (duplicates, signatures, rejected, failed, pending, delivered, deliveries_failed): (
            i64,
            i64,
            i64,
            i64,
            i64,
            i64,
            i64,
        ) = sqlx::query_as(sqlx::AssertSqlSafe(counters_sql(placeholder)))
            .bind(tenant_id)
            .fetch_one(&mut *conn)
            .await
            .db()?;
        let count = |n: i64| n.unsigned_abs();
        Ok(WebhookCounters {
            duplicates_suppressed: count(duplicates),
            signatures_rejected: count(signatures),
            rejected: count(rejected),
            inbound_failed: count(failed),
            pending: count(pending),
            delivered: count(delivered),
            deliveries_failed: count(deliveries_failed),
        })
    }

    async fn purge_events(&self, retention: Duration, batch: u32) -> Result<Purged> {
        self.authorize(Action::KeepWebhooks, None)?;
        in_batches(batch, |batch| {
            self.retried(Error::busy, move || async move {
                let before = cutoff(now(), retention);
                let mut tx = self.pool().begin().await.db()?;
                let events = sqlx::query(sqlx::AssertSqlSafe(purge_events_sql(placeholder)))
                    .bind(before)
                    .bind(i64::from(batch))
                    .execute(&mut *tx)
                    .await
                    .db()?
                    .rows_affected();
                let rejections = sqlx::query(sqlx::AssertSqlSafe(purge_rejections_sql(placeholder)))
                    .bind(before)
                    .bind(i64::from(batch))
                    .execute(&mut *tx)
                    .await
                    .db()?
                    .rows_affected();
                tx.commit().await.db()?;
                Ok(events.max(rejections))
            })
        })
        .await
    }
}

impl InboxLedger for PgStore {
    async fn signing(&self, tenant: &str, source: &str, now: DateTime<Utc>) -> Result<Signing> {
        let mut conn = self.pool().acquire().await.db()?;
        let row: Option<(i64, Option<i64>)> = sqlx::query_as(sqlx::AssertSqlSafe(signing_sql(placeholder)))
            .bind(tenant)
            .bind(source)
            .fetch_optional(&mut *conn)
            .await
            .db()?;
        match row {
            None => Ok(Signing::UnknownTenant),
            Some((tenant_id, None)) => Ok(Signing::UnknownSource { tenant_id }),
            Some((tenant_id, Some(source_id))) => {
                let secrets: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(verifying_secrets_sql(placeholder)))
                    .bind(source_id)
                    .bind(now)
                    .fetch_all(&mut *conn)
                    .await
                    .db()?;
                Ok(Signing::Known { tenant_id, source_id, secrets })
            }
        }
    }

    async fn store_rejection(&self, tenant_id: Option<i64>, rejected: Rejected) -> Result<()> {
        self.retried(Error::busy, || async {
            let mut conn = self.pool().acquire().await.db()?;
            store_rejection(&mut conn, tenant_id, &rejected).await
        })
        .await
    }

    async fn store_event(&self, arrived: Arrived) -> Result<Receipt> {
        self.retried(Error::busy, || store_event(self.pool(), &arrived)).await
    }
}

type SourceRow = (i64, String, DateTime<Utc>, i64);

fn to_source(tenant: &str, (id, name, created_at, active): SourceRow) -> Source {
    Source { id, tenant: tenant.to_owned(), name, created_at, active_secrets: active.try_into().unwrap_or(u32::MAX) }
}

async fn load_source(
    conn: &mut PgConnection,
    tenant: &str,
    tenant_id: i64,
    name: &str,
    at: DateTime<Utc>,
) -> Result<Source> {
    let sql = format!("SELECT {} FROM webhook_sources s WHERE s.tenant_id = $1 AND s.name = $2", source_columns("$3"));
    let row: Option<SourceRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(tenant_id).bind(name).bind(at).fetch_optional(conn).await.db()?;
    row.map(|row| to_source(tenant, row))
        .ok_or_else(|| Error::WebhookSourceNotFound { tenant: tenant.to_owned(), name: name.to_owned() })
}

async fn add_source(
    pool: &PgPool,
    new: &NewSource,
    secret: &str,
    shown: Option<String>,
    at: DateTime<Utc>,
) -> Result<WithSecret<Source>> {
    let mut tx = pool.begin().await.db()?;
    let tenant_id = tenant_id(&mut tx, &new.tenant).await?;
    // One statement: the same source added by two desktops at once is added once, with one secret.
    let inserted: Option<i64> = sqlx::query_scalar(
        "WITH source AS (
             INSERT INTO webhook_sources (tenant_id, name, created_by, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (tenant_id, name) DO NOTHING RETURNING id
         ), secret AS (
             INSERT INTO webhook_source_secrets (source_id, secret, created_at) SELECT id, $5, $4 FROM source
         )
         SELECT id FROM source",
    )
    .bind(tenant_id)
    .bind(&new.name)
    .bind(&new.user)
    .bind(at)
    .bind(secret)
    .fetch_optional(&mut *tx)
    .await
    .db()?;
    let source = load_source(&mut tx, &new.tenant, tenant_id, &new.name, at).await?;
    let result = if inserted.is_some() {
        WithSecret { value: source, secret: shown, created: true }
    } else {
        // The same source again: identical unless a secret it does not hold was given.
        let holds = match &new.secret {
            None => true,
            Some(_) => sqlx::query_scalar::<_, bool>(
                "SELECT EXISTS (SELECT 1 FROM webhook_source_secrets
                                 WHERE source_id = $1 AND secret = $2 AND (expires_at IS NULL OR expires_at > $3))",
            )
            .bind(source.id)
            .bind(secret)
            .bind(at)
            .fetch_one(&mut *tx)
            .await
            .db()?,
        };
        same_or_conflict("source", &new.name, &[("secret", holds)])?;
        WithSecret { value: source, secret: None, created: false }
    };
    tx.commit().await.db()?;
    Ok(result)
}

async fn store_rejection(conn: &mut PgConnection, tenant_id: Option<i64>, rejected: &Rejected) -> Result<()> {
    sqlx::query(
        "INSERT INTO webhook_rejections (tenant_id, tenant_code, source_name, reason, http_status, headers, body_size, body,
                                         received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(tenant_id)
    .bind(&rejected.tenant)
    .bind(&rejected.source)
    .bind(rejected.refusal.reason())
    .bind(i32::from(rejected.refusal.http_status()))
    .bind(&rejected.headers)
    .bind(rejected.body_size as i64)
    .bind(&rejected.body)
    .bind(rejected.received_at)
    .execute(conn)
    .await
    .db()?;
    Ok(())
}

/// Runs an event's effect in the caller's transaction: the payment's id, or the error that stopped it.
async fn run_effect(
    conn: &mut PgConnection,
    tenant_id: i64,
    tenant: &str,
    effect: &Effect,
    at: DateTime<Utc>,
) -> Option<Result<i64>> {
    match effect {
        Effect::Payment(Ok(payment)) => {
            Some(payments::postgres::record(conn, tenant_id, tenant, payment, at).await.map(|r| r.payment.id))
        }
        _ => None,
    }
}

async fn write_outcome(conn: &mut PgConnection, event: i64, outcome: &Outcome, applied_again: bool) -> Result<()> {
    let (code, message) = outcome.error.clone().unzip();
    sqlx::query(sqlx::AssertSqlSafe(outcome_sql(placeholder, applied_again)))
        .bind(outcome.status.as_str())
        .bind(code)
        .bind(message)
        .bind(outcome.payment_id)
        .bind(event)
        .execute(conn)
        .await
        .db()?;
    Ok(())
}

async fn store_event(pool: &PgPool, arrived: &Arrived) -> Result<Receipt> {
    let mut tx = pool.begin().await.db()?;
    let (event, duplicates, stored): (i64, i32, String) = sqlx::query_as(sqlx::AssertSqlSafe(arrive_sql(placeholder)))
        .bind(arrived.tenant_id)
        .bind(arrived.source_id)
        .bind(&arrived.signed.id)
        .bind(&arrived.event_type)
        .bind(arrived.signed.sent_at)
        .bind(arrived.received_at)
        .bind(&arrived.headers)
        .bind(&arrived.body)
        .fetch_one(&mut *tx)
        .await
        .db()?;
    let receipt = if duplicates > 0 {
        Receipt { event, status: status(&stored)?, duplicate: true }
    } else {
        let recorded =
            run_effect(&mut tx, arrived.tenant_id, &arrived.tenant, &arrived.effect, arrived.received_at).await;
        let outcome = Outcome::of(&arrived.effect, recorded)?;
        write_outcome(&mut tx, event, &outcome, false).await?;
        Receipt { event, status: outcome.status, duplicate: false }
    };
    tx.commit().await.db()?;
    Ok(receipt)
}

async fn reapply(pool: &PgPool, tenant: &str, id: i64, at: DateTime<Utc>) -> Result<InboundEvent> {
    let mut tx = pool.begin().await.db()?;
    let tenant_id = tenant_id(&mut tx, tenant).await?;
    let row: Option<(String, String, String, i64, String, String)> = sqlx::query_as(
        "SELECT i.status, i.event_type, i.body, i.source_id, i.webhook_id, s.name
           FROM webhook_inbound i JOIN webhook_sources s ON s.id = i.source_id
          WHERE i.id = $1 AND i.tenant_id = $2 FOR UPDATE OF i",
    )
    .bind(id)
    .bind(tenant_id)
    .fetch_optional(&mut *tx)
    .await
    .db()?;
    let (stored, event_type, body, source_id, webhook_id, source) = row.ok_or(Error::WebhookEventNotFound(id))?;
    let current = status(&stored)?;
    if current != InboundStatus::Failed {
        return Err(Error::WebhookEventNotReapplicable { id, status: current });
    }
    let body: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    let effect = effect_of(&event_type, &body, source_id, &webhook_id, &source);
    let recorded = run_effect(&mut tx, tenant_id, tenant, &effect, at).await;
    write_outcome(&mut tx, id, &Outcome::of(&effect, recorded)?, true).await?;
    let event = load_event(&mut tx, tenant, tenant_id, id).await?;
    tx.commit().await.db()?;
    Ok(event)
}

/// An inbound event row with its payment, read by column name.
#[derive(sqlx::FromRow)]
struct EventRow {
    event_id: i64,
    source: String,
    webhook_id: String,
    event_type: String,
    sent_at: DateTime<Utc>,
    received_at: DateTime<Utc>,
    status: String,
    error_code: Option<String>,
    error_message: Option<String>,
    applications: i32,
    duplicates: i32,
    headers: String,
    body: String,
    payment_id: Option<i64>,
    amount: Option<Decimal>,
    currency: Option<String>,
    paid_at: Option<DateTime<Utc>>,
    reference: Option<String>,
    recorded_by: Option<String>,
    recorded_at: Option<DateTime<Utc>>,
    invoice: Option<String>,
}

fn to_event(tenant: &str, row: EventRow) -> Result<InboundEvent> {
    let payment = match (
        row.payment_id,
        row.amount,
        &row.currency,
        row.paid_at,
        &row.reference,
        &row.recorded_by,
        row.recorded_at,
    ) {
        (Some(id), Some(amount), Some(code), Some(paid_at), Some(reference), Some(recorded_by), Some(recorded_at)) => {
            let currency = code
                .parse()
                .map_err(|_| Error::Storage { backend: "postgres", detail: format!("unknown currency {code:?}") })?;
            Some(Payment {
                id,
                amount: ledgerdesk_types::round_money(amount, currency),
                currency,
                paid_at,
                reference: reference.clone(),
                source: Some(row.source.clone()),
                event_id: Some(row.webhook_id.clone()),
                recorded_by: recorded_by.clone(),
                recorded_at,
            })
        }
        _ => None,
    };
    Ok(InboundEvent {
        id: row.event_id,
        tenant: tenant.to_owned(),
        source: row.source,
        webhook_id: row.webhook_id,
        event_type: row.event_type,
        sent_at: row.sent_at,
        received_at: row.received_at,
        status: status(&row.status)?,
        error_code: row.error_code,
        error_message: row.error_message,
        payment,
        invoice: row.invoice,
        applications: row.applications.unsigned_abs(),
        duplicates: row.duplicates.unsigned_abs(),
        headers: row.headers,
        body: row.body,
    })
}

async fn load_event(conn: &mut PgConnection, tenant: &str, tenant_id: i64, id: i64) -> Result<InboundEvent> {
    let sql = format!("SELECT {EVENT_COLUMNS}{EVENT_FROM} WHERE i.id = $1 AND i.tenant_id = $2");
    let row: Option<EventRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).bind(tenant_id).fetch_optional(conn).await.db()?;
    to_event(tenant, row.ok_or(Error::WebhookEventNotFound(id))?)
}
