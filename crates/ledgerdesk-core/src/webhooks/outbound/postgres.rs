//! The outbox on Postgres. Twin of `sqlite.rs`; the judgement is in `mod.rs`, the shared SQL in
//! `queries.rs`. Claims skip rows other workers hold (`FOR UPDATE SKIP LOCKED`), so workers on many
//! desktops never wait for each other, and never share a message while its lease runs.

use std::time::Duration;

use chrono::{DateTime, Utc};
use ledgerdesk_types::{
    Attempt, AttemptOutcome, Endpoint, MessageStatus, OutboundMessage, Purged, WebhookQuery, WithSecret,
};
use sqlx::{PgConnection, PgPool};

use super::queries::{
    MESSAGE_COLUMNS, MESSAGE_FROM, any_due_sql, attempts_sql, claim_sql, cutoff, delivery_sql, endpoint_columns,
    finish_sql, messages_sql, orphan_events_sql, prunable_sql, signing_secrets_sql,
};
use super::{
    AttemptReport, Claimed, NewEndpoint, Next, OutboundEvent, RetrySchedule, WebhookOutbox, attempt_error, fan_out_sql,
    judge_attempt, lease_token, normalized_patterns, overlap_end, secret_to_store, validate_endpoint, with_status,
};
use crate::catalog::postgres::tenant_id;
use crate::catalog::same_or_conflict;
use crate::db::postgres::{PgResultExt, bind_all, placeholder};
use crate::db::{PgStore, in_batches, now};
use crate::error::{Error, Result};
use crate::identity::{Action, Authorize as _};

impl WebhookOutbox for PgStore {
    async fn add_endpoint(&self, endpoint: NewEndpoint) -> Result<WithSecret<Endpoint>> {
        self.authorize(Action::KeepWebhooks, Some(&endpoint.user))?;
        validate_endpoint(&endpoint)?;
        let (stored, shown) = secret_to_store(endpoint.secret.as_deref())?;
        self.retried(Error::busy, || add_endpoint(self.pool(), &endpoint, &stored, shown.clone(), now())).await
    }

    async fn rotate_endpoint_secret(
        &self,
        tenant: &str,
        endpoint: i64,
        secret: Option<String>,
        overlap: Duration,
    ) -> Result<WithSecret<Endpoint>> {
        self.authorize(Action::KeepWebhooks, None)?;
        let (stored, shown) = secret_to_store(secret.as_deref())?;
        self.retried(Error::busy, || async {
            let mut tx = self.pool().begin().await.db()?;
            let tenant_id = tenant_id(&mut tx, tenant).await?;
            load_endpoint(&mut tx, tenant, tenant_id, endpoint, now()).await?;
            let now = now();
            sqlx::query(
                "WITH retired AS (
                     UPDATE webhook_endpoint_secrets SET expires_at = $2 WHERE endpoint_id = $1 AND expires_at IS NULL
                 )
                 INSERT INTO webhook_endpoint_secrets (endpoint_id, secret, created_at) VALUES ($1, $3, $4)",
            )
            .bind(endpoint)
            .bind(overlap_end(now, overlap))
            .bind(&stored)
            .bind(now)
            .execute(&mut *tx)
            .await
            .db()?;
            let value = load_endpoint(&mut tx, tenant, tenant_id, endpoint, now).await?;
            tx.commit().await.db()?;
            Ok(WithSecret { value, secret: shown.clone(), created: true })
        })
        .await
    }

    async fn set_endpoint_enabled(&self, tenant: &str, endpoint: i64, enabled: bool, user: &str) -> Result<Endpoint> {
        self.authorize(Action::KeepWebhooks, Some(user))?;
        crate::validate::validate_user(user)?;
        let reason = format!("disabled by {user}");
        self.retried(Error::busy, || async {
            let mut tx = self.pool().begin().await.db()?;
            let tenant_id = tenant_id(&mut tx, tenant).await?;
            let now = now();
            let change = if enabled {
                sqlx::query("UPDATE webhook_endpoints SET disabled_at = NULL, disabled_reason = NULL WHERE id = $1 AND tenant_id = $2")
                    .bind(endpoint)
                    .bind(tenant_id)
            } else {
                sqlx::query(
                    "UPDATE webhook_endpoints SET disabled_at = coalesce(disabled_at, $3), disabled_reason = coalesce(disabled_reason, $4)
                      WHERE id = $1 AND tenant_id = $2",
                )
                .bind(endpoint)
                .bind(tenant_id)
                .bind(now)
                .bind(&reason)
            };
            let changed = change.execute(&mut *tx).await.db()?.rows_affected();
            if changed == 0 {
                return Err(Error::WebhookEndpointNotFound(endpoint));
            }
            let value = load_endpoint(&mut tx, tenant, tenant_id, endpoint, now).await?;
            tx.commit().await.db()?;
            Ok(value)
        })
        .await
    }

    async fn list_endpoints(&self, tenant: &str) -> Result<Vec<Endpoint>> {
        let mut conn = self.pool().acquire().await.db()?;
        let tenant_id = tenant_id(&mut conn, tenant).await?;
        let sql =
            format!("SELECT {} FROM webhook_endpoints e WHERE e.tenant_id = $1 ORDER BY e.id", endpoint_columns("$2"));
        let rows: Vec<EndpointRow> =
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(tenant_id).bind(now()).fetch_all(&mut *conn).await.db()?;
        Ok(rows.into_iter().map(|row| to_endpoint(tenant, row)).collect())
    }

    async fn any_due(&self) -> Result<bool> {
        let sql = any_due_sql(placeholder);
        self.retried(Error::busy, || async {
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone())).bind(now()).fetch_one(self.pool()).await.db()
        })
        .await
    }

    async fn claim_messages(&self, limit: u32, lease: Duration) -> Result<Vec<Claimed>> {
        self.authorize(Action::KeepWebhooks, None)?;
        let token = lease_token();
        self.retried(Error::busy, || claim(self.pool(), limit, lease, &token, now())).await
    }

    async fn finish_attempt(&self, report: AttemptReport, schedule: &RetrySchedule) -> Result<AttemptOutcome> {
        self.authorize(Action::KeepWebhooks, None)?;
        let next = judge_attempt(&report, schedule, now());
        self.retried(Error::busy, || finish(self.pool(), &report, &next, now())).await
    }

    async fn redeliver(&self, tenant: &str, message: i64) -> Result<OutboundMessage> {
        self.authorize(Action::KeepWebhooks, None)?;
        self.retried(Error::busy, || async {
            let mut tx = self.pool().begin().await.db()?;
            let tenant_id = tenant_id(&mut tx, tenant).await?;
            let reset = sqlx::query(
                "UPDATE webhook_messages SET status = 'pending', next_attempt_at = $3, schedule_step = 0,
                        lease_token = NULL, leased_until = NULL
                  WHERE id = $1 AND tenant_id = $2 AND (leased_until IS NULL OR leased_until <= $3)",
            )
            .bind(message)
            .bind(tenant_id)
            .bind(now())
            .execute(&mut *tx)
            .await
            .db()?
            .rows_affected();
            if reset == 0 {
                load_message(&mut tx, tenant, tenant_id, message).await?;
                return Err(Error::WebhookMessageInDelivery(message));
            }
            let value = load_message(&mut tx, tenant, tenant_id, message).await?;
            tx.commit().await.db()?;
            Ok(value)
        })
        .await
    }

    async fn list_messages(&self, tenant: &str, query: &WebhookQuery) -> Result<Vec<OutboundMessage>> {
        let mut conn = self.pool().acquire().await.db()?;
        let (sql, params) = messages_sql(tenant_id(&mut conn, tenant).await?, query, placeholder);
        let rows: Vec<MessageRow> =
            bind_all(sqlx::query_as(sqlx::AssertSqlSafe(sql)), params).fetch_all(&mut *conn).await.db()?;
        rows.into_iter().map(|row| with_status(to_message(tenant, row))).collect()
    }

    async fn get_message(&self, tenant: &str, message: i64) -> Result<OutboundMessage> {
        let mut conn = self.pool().acquire().await.db()?;
        let tenant_id = tenant_id(&mut conn, tenant).await?;
        load_message(&mut conn, tenant, tenant_id, message).await
    }

    async fn prune_messages(&self, retention: Duration, batch: u32) -> Result<Purged> {
        self.authorize(Action::KeepWebhooks, None)?;
        in_batches(batch, |batch| {
            self.retried(Error::busy, move || prune_batch(self.pool(), cutoff(now(), retention), batch))
        })
        .await
    }
}

/// Writes `event` and one message per matching enabled endpoint, in one statement of the caller's
/// transaction, the one that makes the change the event tells of.
pub(crate) async fn emit(
    conn: &mut PgConnection,
    tenant_id: i64,
    event: &OutboundEvent,
    at: DateTime<Utc>,
) -> Result<()> {
    let sql = format!(
        "WITH event AS (
             INSERT INTO outbox_events (tenant_id, uid, event_type, payload, created_at) VALUES ($1, $2, $3, $5, $4)
             RETURNING id
         ) {}",
        fan_out_sql(["$1", "$2", "$3", "$4"])
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(tenant_id)
        .bind(&event.uid)
        .bind(event.event_type)
        .bind(at)
        .bind(&event.payload)
        .execute(conn)
        .await
        .db()?;
    Ok(())
}

type EndpointRow = (i64, String, String, Option<DateTime<Utc>>, Option<String>, DateTime<Utc>, i64);

fn to_endpoint(tenant: &str, row: EndpointRow) -> Endpoint {
    let (id, url, event_types, disabled_at, disabled_reason, created_at, active_secrets) = row;
    Endpoint {
        id,
        tenant: tenant.to_owned(),
        url,
        event_types: event_types.split(',').map(str::to_owned).collect(),
        active_secrets: active_secrets.try_into().unwrap_or(u32::MAX),
        disabled_at,
        disabled_reason,
        created_at,
    }
}

async fn load_endpoint(
    conn: &mut PgConnection,
    tenant: &str,
    tenant_id: i64,
    id: i64,
    at: DateTime<Utc>,
) -> Result<Endpoint> {
    let sql =
        format!("SELECT {} FROM webhook_endpoints e WHERE e.id = $1 AND e.tenant_id = $2", endpoint_columns("$3"));
    let row: Option<EndpointRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).bind(tenant_id).bind(at).fetch_optional(conn).await.db()?;
    row.map(|row| to_endpoint(tenant, row)).ok_or(Error::WebhookEndpointNotFound(id))
}

async fn add_endpoint(
    pool: &PgPool,
    new: &NewEndpoint,
    secret: &str,
    shown: Option<String>,
    at: DateTime<Utc>,
) -> Result<WithSecret<Endpoint>> {
    let mut tx = pool.begin().await.db()?;
    let tenant_id = tenant_id(&mut tx, &new.tenant).await?;
    let patterns = normalized_patterns(&new.event_types);
    // One statement: an identical endpoint added by two desktops at once is added once.
    let inserted: Option<i64> = sqlx::query_scalar(
        "WITH endpoint AS (
             INSERT INTO webhook_endpoints (tenant_id, url, event_types, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, url) DO NOTHING RETURNING id
         ), patterns AS (
             INSERT INTO webhook_endpoint_events (endpoint_id, pattern) SELECT id, p FROM endpoint, UNNEST($6::text[]) AS p
         ), secret AS (
             INSERT INTO webhook_endpoint_secrets (endpoint_id, secret, created_at) SELECT id, $7, $5 FROM endpoint
         )
         SELECT id FROM endpoint",
    )
    .bind(tenant_id)
    .bind(&new.url)
    .bind(patterns.join(","))
    .bind(&new.user)
    .bind(at)
    .bind(&patterns)
    .bind(secret)
    .fetch_optional(&mut *tx)
    .await
    .db()?;
    let result = match inserted {
        Some(id) => WithSecret {
            value: load_endpoint(&mut tx, &new.tenant, tenant_id, id, at).await?,
            secret: shown,
            created: true,
        },
        None => {
            let (id, event_types): (i64, String) =
                sqlx::query_as("SELECT id, event_types FROM webhook_endpoints WHERE tenant_id = $1 AND url = $2")
                    .bind(tenant_id)
                    .bind(&new.url)
                    .fetch_one(&mut *tx)
                    .await
                    .db()?;
            same_or_conflict("endpoint", &new.url, &[("events", event_types == patterns.join(","))])?;
            WithSecret {
                value: load_endpoint(&mut tx, &new.tenant, tenant_id, id, at).await?,
                secret: None,
                created: false,
            }
        }
    };
    tx.commit().await.db()?;
    Ok(result)
}

async fn claim(pool: &PgPool, limit: u32, lease: Duration, token: &str, at: DateTime<Utc>) -> Result<Vec<Claimed>> {
    let mut tx = pool.begin().await.db()?;
    let claimed: Vec<(i64, String, i32, i32, i64, i64)> =
        sqlx::query_as(sqlx::AssertSqlSafe(claim_sql(placeholder, "FOR UPDATE OF m SKIP LOCKED")))
            .bind(token)
            .bind(overlap_end(at, lease))
            .bind(at)
            .bind(i64::from(limit))
            .fetch_all(&mut *tx)
            .await
            .db()?;
    // The claim commits before any HTTP call: the lease, not an open transaction, guards the message.
    tx.commit().await.db()?;
    let mut conn = pool.acquire().await.db()?;
    let mut ready = Vec::with_capacity(claimed.len());
    for (message, webhook_id, attempt, schedule_step, endpoint, _) in claimed {
        let (url, payload): (String, String) = sqlx::query_as(sqlx::AssertSqlSafe(delivery_sql(placeholder)))
            .bind(message)
            .fetch_one(&mut *conn)
            .await
            .db()?;
        let secrets: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(signing_secrets_sql(placeholder)))
            .bind(endpoint)
            .bind(at)
            .fetch_all(&mut *conn)
            .await
            .db()?;
        ready.push(Claimed {
            message,
            webhook_id,
            url,
            payload,
            secrets,
            attempt: attempt.unsigned_abs(),
            schedule_step: schedule_step.unsigned_abs(),
            lease_token: token.to_owned(),
        });
    }
    Ok(ready)
}

async fn finish(pool: &PgPool, report: &AttemptReport, next: &Next, at: DateTime<Utc>) -> Result<AttemptOutcome> {
    let update = next.update(report, at);
    let error = attempt_error(report, next);
    let mut tx = pool.begin().await.db()?;
    let moved = sqlx::query(sqlx::AssertSqlSafe(finish_sql(placeholder)))
        .bind(update.status.as_str())
        .bind(update.next_attempt_at)
        .bind(update.schedule_step as i32)
        .bind(update.delivered_at)
        .bind(report.http_status.map(i32::from))
        .bind(&error)
        .bind(report.message)
        .bind(&report.lease_token)
        .execute(&mut *tx)
        .await
        .db()?
        .rows_affected();
    let outcome = if moved == 1 { next.outcome() } else { AttemptOutcome::LeaseLost };
    if outcome == AttemptOutcome::Disabled {
        sqlx::query(
            "UPDATE webhook_endpoints SET disabled_at = $2, disabled_reason = '410 Gone: the endpoint asked to stop'
              WHERE id = (SELECT endpoint_id FROM webhook_messages WHERE id = $1) AND disabled_at IS NULL",
        )
        .bind(report.message)
        .bind(at)
        .execute(&mut *tx)
        .await
        .db()?;
    }
    sqlx::query(
        "INSERT INTO webhook_attempts (message_id, attempt, lease_token, started_at, latency_ms, http_status, error,
                                       response_head, outcome)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(report.message)
    .bind(report.attempt as i32)
    .bind(&report.lease_token)
    .bind(report.started_at)
    .bind(report.latency.as_millis() as i64)
    .bind(report.http_status.map(i32::from))
    .bind(&error)
    .bind(&report.response_head)
    .bind(outcome.as_str())
    .execute(&mut *tx)
    .await
    .db()?;
    tx.commit().await.db()?;
    Ok(outcome)
}

type MessageRow = (
    i64,
    String,
    String,
    i64,
    String,
    String,
    i32,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<i32>,
    Option<String>,
    String,
    DateTime<Utc>,
);

fn to_message(tenant: &str, row: MessageRow) -> (OutboundMessage, String) {
    let (
        id,
        webhook_id,
        event_type,
        endpoint_id,
        url,
        status,
        attempts,
        next_attempt_at,
        delivered_at,
        last_status,
        last_error,
        payload,
        created_at,
    ) = row;
    let message = OutboundMessage {
        id,
        tenant: tenant.to_owned(),
        webhook_id,
        event_type,
        endpoint_id,
        url,
        status: MessageStatus::Pending,
        attempts: attempts.unsigned_abs(),
        next_attempt_at,
        delivered_at,
        last_status: last_status.and_then(|s| u16::try_from(s).ok()),
        last_error,
        payload,
        created_at,
        attempts_made: Vec::new(),
    };
    (message, status)
}

async fn load_message(conn: &mut PgConnection, tenant: &str, tenant_id: i64, id: i64) -> Result<OutboundMessage> {
    let sql = format!("SELECT {MESSAGE_COLUMNS}{MESSAGE_FROM} WHERE m.id = $1 AND m.tenant_id = $2");
    let row: Option<MessageRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).bind(tenant_id).fetch_optional(&mut *conn).await.db()?;
    let mut message = with_status(to_message(tenant, row.ok_or(Error::WebhookMessageNotFound(id))?))?;
    type AttemptRow = (i32, DateTime<Utc>, i64, Option<i32>, Option<String>, Option<String>, String);
    let rows: Vec<AttemptRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(attempts_sql(placeholder))).bind(id).fetch_all(conn).await.db()?;
    message.attempts_made = rows
        .into_iter()
        .map(|(attempt, started_at, latency_ms, http_status, error, response_head, outcome)| Attempt {
            attempt: attempt.unsigned_abs(),
            started_at,
            latency_ms: latency_ms.unsigned_abs(),
            http_status: http_status.and_then(|s| u16::try_from(s).ok()),
            error,
            response_head,
            outcome: outcome.parse().unwrap_or(AttemptOutcome::Failed),
        })
        .collect();
    Ok(message)
}

async fn prune_batch(pool: &PgPool, before: DateTime<Utc>, batch: u32) -> Result<u64> {
    let mut tx = pool.begin().await.db()?;
    let ids: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(prunable_sql(placeholder)))
        .bind(before)
        .bind(i64::from(batch))
        .fetch_all(&mut *tx)
        .await
        .db()?;
    sqlx::query(
        "WITH attempts AS (DELETE FROM webhook_attempts WHERE message_id = ANY($1))
         DELETE FROM webhook_messages WHERE id = ANY($1)",
    )
    .bind(&ids)
    .execute(&mut *tx)
    .await
    .db()?;
    let events = sqlx::query(sqlx::AssertSqlSafe(orphan_events_sql(placeholder)))
        .bind(before)
        .bind(i64::from(batch))
        .execute(&mut *tx)
        .await
        .db()?
        .rows_affected();
    tx.commit().await.db()?;
    Ok((ids.len() as u64).max(events))
}
