//! The outbox on SQLite. Twin of `postgres.rs`; the judgement is in `mod.rs`, the shared SQL in
//! `queries.rs`. Every write runs under `BEGIN IMMEDIATE`, which also makes a claim exclusive.

use std::time::Duration;

use chrono::{DateTime, Utc};
use ledgerdesk_types::{
    Attempt, AttemptOutcome, Endpoint, MessageStatus, OutboundMessage, Purged, WebhookQuery, WithSecret,
};
use rusqlite::{OptionalExtension, Row, Transaction};

use super::queries::{
    MESSAGE_COLUMNS, MESSAGE_FROM, any_due_sql, attempts_sql, claim_sql, cutoff, delivery_sql, endpoint_columns,
    finish_sql, messages_sql, orphan_events_sql, prunable_sql, signing_secrets_sql,
};
use super::{
    AttemptReport, Claimed, NewEndpoint, Next, OutboundEvent, RetrySchedule, WebhookOutbox, attempt_error, fan_out_sql,
    judge_attempt, lease_token, normalized_patterns, overlap_end, secret_to_store, validate_endpoint, with_status,
};
use crate::catalog::same_or_conflict;
use crate::catalog::sqlite::tenant_id;
use crate::db::sqlite::{Cached, SqliteResultExt, bind_all, placeholder};
use crate::db::{SqliteStore, in_batches, now};
use crate::error::{Error, Result};
use crate::identity::{Action, Authorize as _};

impl WebhookOutbox for SqliteStore {
    async fn add_endpoint(&self, endpoint: NewEndpoint) -> Result<WithSecret<Endpoint>> {
        self.authorize(Action::KeepWebhooks, Some(&endpoint.user))?;
        validate_endpoint(&endpoint)?;
        let (stored, shown) = secret_to_store(endpoint.secret.as_deref())?;
        self.write(Error::busy, move |tx| add_endpoint(tx, &endpoint, &stored, shown.clone(), now())).await
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
        let tenant = tenant.to_owned();
        self.write(Error::busy, move |tx| {
            let tenant_id = tenant_id(tx, &tenant)?;
            load_endpoint(tx, &tenant, tenant_id, endpoint, now())?;
            let now = now();
            tx.cached_execute(
                "UPDATE webhook_endpoint_secrets SET expires_at = ?2 WHERE endpoint_id = ?1 AND expires_at IS NULL",
                (endpoint, overlap_end(now, overlap)),
            )
            .db()?;
            tx.cached_execute(
                "INSERT INTO webhook_endpoint_secrets (endpoint_id, secret, created_at) VALUES (?1, ?2, ?3)",
                (endpoint, &stored, now),
            )
            .db()?;
            let value = load_endpoint(tx, &tenant, tenant_id, endpoint, now)?;
            Ok(WithSecret { value, secret: shown.clone(), created: true })
        })
        .await
    }

    async fn set_endpoint_enabled(&self, tenant: &str, endpoint: i64, enabled: bool, user: &str) -> Result<Endpoint> {
        self.authorize(Action::KeepWebhooks, Some(user))?;
        crate::validate::validate_user(user)?;
        let (tenant, reason) = (tenant.to_owned(), format!("disabled by {user}"));
        self.write(Error::busy, move |tx| {
            let tenant_id = tenant_id(tx, &tenant)?;
            let now = now();
            let changed = if enabled {
                tx.cached_execute(
                    "UPDATE webhook_endpoints SET disabled_at = NULL, disabled_reason = NULL WHERE id = ?1 AND tenant_id = ?2",
                    (endpoint, tenant_id),
                )
            } else {
                tx.cached_execute(
                    "UPDATE webhook_endpoints SET disabled_at = coalesce(disabled_at, ?3), disabled_reason = coalesce(disabled_reason, ?4)
                      WHERE id = ?1 AND tenant_id = ?2",
                    (endpoint, tenant_id, now, &reason),
                )
            }
            .db()?;
            if changed == 0 {
                return Err(Error::WebhookEndpointNotFound(endpoint));
            }
            load_endpoint(tx, &tenant, tenant_id, endpoint, now)
        })
        .await
    }

    async fn list_endpoints(&self, tenant: &str) -> Result<Vec<Endpoint>> {
        let tenant = tenant.to_owned();
        self.read(move |tx| {
            let tenant_id = tenant_id(tx, &tenant)?;
            let sql = format!(
                "SELECT {} FROM webhook_endpoints e WHERE e.tenant_id = ?1 ORDER BY e.id",
                endpoint_columns("?2")
            );
            let mut statement = tx.prepare(&sql).db()?;
            let rows = statement.query_map((tenant_id, now()), endpoint_row(&tenant)).db()?;
            rows.collect::<rusqlite::Result<Vec<_>>>().db()
        })
        .await
    }

    async fn any_due(&self) -> Result<bool> {
        self.read(|tx| tx.cached_row(&any_due_sql(placeholder), [now()], |r| r.get(0)).db()).await
    }

    async fn claim_messages(&self, limit: u32, lease: Duration) -> Result<Vec<Claimed>> {
        self.authorize(Action::KeepWebhooks, None)?;
        let token = lease_token();
        self.write(Error::busy, move |tx| claim(tx, limit, lease, &token, now())).await
    }

    async fn finish_attempt(&self, report: AttemptReport, schedule: &RetrySchedule) -> Result<AttemptOutcome> {
        self.authorize(Action::KeepWebhooks, None)?;
        let next = judge_attempt(&report, schedule, now());
        self.write(Error::busy, move |tx| finish(tx, &report, &next, now())).await
    }

    async fn redeliver(&self, tenant: &str, message: i64) -> Result<OutboundMessage> {
        self.authorize(Action::KeepWebhooks, None)?;
        let tenant = tenant.to_owned();
        self.write(Error::busy, move |tx| {
            let tenant_id = tenant_id(tx, &tenant)?;
            let reset = tx
                .cached_execute(
                    "UPDATE webhook_messages SET status = 'pending', next_attempt_at = ?3, schedule_step = 0,
                            lease_token = NULL, leased_until = NULL
                      WHERE id = ?1 AND tenant_id = ?2 AND (leased_until IS NULL OR leased_until <= ?3)",
                    (message, tenant_id, now()),
                )
                .db()?;
            if reset == 0 {
                load_message(tx, &tenant, tenant_id, message)?;
                return Err(Error::WebhookMessageInDelivery(message));
            }
            load_message(tx, &tenant, tenant_id, message)
        })
        .await
    }

    async fn list_messages(&self, tenant: &str, query: &WebhookQuery) -> Result<Vec<OutboundMessage>> {
        let (tenant, query) = (tenant.to_owned(), query.clone());
        self.read(move |tx| {
            let (sql, params) = messages_sql(tenant_id(tx, &tenant)?, &query, placeholder);
            let mut statement = tx.prepare(&sql).db()?;
            let rows = statement.query_map(bind_all(params), message_row(&tenant)).db()?;
            rows.map(|row| with_status(row.db()?)).collect()
        })
        .await
    }

    async fn get_message(&self, tenant: &str, message: i64) -> Result<OutboundMessage> {
        let tenant = tenant.to_owned();
        self.read(move |tx| load_message(tx, &tenant, tenant_id(tx, &tenant)?, message)).await
    }

    async fn prune_messages(&self, retention: Duration, batch: u32) -> Result<Purged> {
        self.authorize(Action::KeepWebhooks, None)?;
        in_batches(batch, |batch| self.write(Error::busy, move |tx| prune_batch(tx, cutoff(now(), retention), batch)))
            .await
    }
}

/// Writes `event` and one message per matching enabled endpoint: in the caller's transaction, the one
/// that makes the change the event tells of.
pub(crate) fn emit(tx: &Transaction<'_>, tenant_id: i64, event: &OutboundEvent, at: DateTime<Utc>) -> Result<()> {
    let event_id: i64 = tx
        .cached_row(
            "INSERT INTO outbox_events (tenant_id, uid, event_type, payload, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
             RETURNING id",
            (tenant_id, &event.uid, event.event_type, &event.payload, at),
            |r| r.get(0),
        )
        .db()?;
    let sql = format!("WITH event (id) AS (VALUES (?5)) {}", fan_out_sql(["?1", "?2", "?3", "?4"]));
    tx.cached_execute(&sql, (tenant_id, &event.uid, event.event_type, at, event_id)).db()?;
    Ok(())
}

fn endpoint_row(tenant: &str) -> impl Fn(&Row<'_>) -> rusqlite::Result<Endpoint> + '_ {
    move |r| {
        let event_types: String = r.get(2)?;
        Ok(Endpoint {
            id: r.get(0)?,
            tenant: tenant.to_owned(),
            url: r.get(1)?,
            event_types: event_types.split(',').map(str::to_owned).collect(),
            disabled_at: r.get(3)?,
            disabled_reason: r.get(4)?,
            created_at: r.get(5)?,
            active_secrets: r.get(6)?,
        })
    }
}

fn load_endpoint(tx: &Transaction<'_>, tenant: &str, tenant_id: i64, id: i64, at: DateTime<Utc>) -> Result<Endpoint> {
    let sql =
        format!("SELECT {} FROM webhook_endpoints e WHERE e.id = ?1 AND e.tenant_id = ?2", endpoint_columns("?3"));
    tx.cached_row(&sql, (id, tenant_id, at), endpoint_row(tenant))
        .optional()
        .db()?
        .ok_or(Error::WebhookEndpointNotFound(id))
}

fn add_endpoint(
    tx: &Transaction<'_>,
    new: &NewEndpoint,
    secret: &str,
    shown: Option<String>,
    at: DateTime<Utc>,
) -> Result<WithSecret<Endpoint>> {
    let tenant_id = tenant_id(tx, &new.tenant)?;
    let patterns = normalized_patterns(&new.event_types);
    let existing: Option<(i64, String)> = tx
        .cached_row(
            "SELECT id, event_types FROM webhook_endpoints WHERE tenant_id = ?1 AND url = ?2",
            (tenant_id, &new.url),
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .db()?;
    if let Some((id, event_types)) = existing {
        same_or_conflict("endpoint", &new.url, &[("events", event_types == patterns.join(","))])?;
        return Ok(WithSecret {
            value: load_endpoint(tx, &new.tenant, tenant_id, id, at)?,
            secret: None,
            created: false,
        });
    }
    let id: i64 = tx
        .cached_row(
            "INSERT INTO webhook_endpoints (tenant_id, url, event_types, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
             RETURNING id",
            (tenant_id, &new.url, patterns.join(","), &new.user, at),
            |r| r.get(0),
        )
        .db()?;
    for pattern in &patterns {
        tx.cached_execute("INSERT INTO webhook_endpoint_events (endpoint_id, pattern) VALUES (?1, ?2)", (id, pattern))
            .db()?;
    }
    tx.cached_execute(
        "INSERT INTO webhook_endpoint_secrets (endpoint_id, secret, created_at) VALUES (?1, ?2, ?3)",
        (id, secret, at),
    )
    .db()?;
    Ok(WithSecret { value: load_endpoint(tx, &new.tenant, tenant_id, id, at)?, secret: shown, created: true })
}

fn claim(tx: &Transaction<'_>, limit: u32, lease: Duration, token: &str, at: DateTime<Utc>) -> Result<Vec<Claimed>> {
    let until = overlap_end(at, lease);
    let claimed: Vec<(i64, String, u32, u32, i64)> = tx
        .prepare(&claim_sql(placeholder, ""))
        .db()?
        .query_map((token, until, at, limit), |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()?;
    claimed
        .into_iter()
        .map(|(message, webhook_id, attempt, schedule_step, endpoint)| {
            let (url, payload) =
                tx.cached_row(&delivery_sql(placeholder), [message], |r| Ok((r.get(0)?, r.get(1)?))).db()?;
            let secrets = tx
                .prepare(&signing_secrets_sql(placeholder))
                .db()?
                .query_map((endpoint, at), |r| r.get(0))
                .db()?
                .collect::<rusqlite::Result<Vec<String>>>()
                .db()?;
            Ok(Claimed {
                message,
                webhook_id,
                url,
                payload,
                secrets,
                attempt,
                schedule_step,
                lease_token: token.to_owned(),
            })
        })
        .collect()
}

fn finish(tx: &Transaction<'_>, report: &AttemptReport, next: &Next, at: DateTime<Utc>) -> Result<AttemptOutcome> {
    let update = next.update(report, at);
    let error = attempt_error(report, next);
    let moved = tx
        .cached_execute(
            &finish_sql(placeholder),
            rusqlite::params![
                update.status.as_str(),
                update.next_attempt_at,
                update.schedule_step,
                update.delivered_at,
                report.http_status,
                error,
                report.message,
                report.lease_token
            ],
        )
        .db()?;
    let outcome = if moved == 1 { next.outcome() } else { AttemptOutcome::LeaseLost };
    if outcome == AttemptOutcome::Disabled {
        tx.cached_execute(
            "UPDATE webhook_endpoints SET disabled_at = ?2, disabled_reason = '410 Gone: the endpoint asked to stop'
              WHERE id = (SELECT endpoint_id FROM webhook_messages WHERE id = ?1) AND disabled_at IS NULL",
            (report.message, at),
        )
        .db()?;
    }
    tx.cached_execute(
        "INSERT INTO webhook_attempts (message_id, attempt, lease_token, started_at, latency_ms, http_status, error,
                                       response_head, outcome)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        rusqlite::params![
            report.message,
            report.attempt,
            report.lease_token,
            report.started_at,
            report.latency.as_millis() as i64,
            report.http_status,
            error,
            report.response_head,
            outcome.as_str()
        ],
    )
    .db()?;
    Ok(outcome)
}

fn message_row(tenant: &str) -> impl Fn(&Row<'_>) -> rusqlite::Result<(OutboundMessage, String)> + '_ {
    move |r| {
        let message = OutboundMessage {
            id: r.get(0)?,
            tenant: tenant.to_owned(),
            webhook_id: r.get(1)?,
            event_type: r.get(2)?,
            endpoint_id: r.get(3)?,
            url: r.get(4)?,
            status: MessageStatus::Pending,
            attempts: r.get(6)?,
            next_attempt_at: r.get(7)?,
            delivered_at: r.get(8)?,
            last_status: r.get(9)?,
            last_error: r.get(10)?,
            payload: r.get(11)?,
            created_at: r.get(12)?,
            attempts_made: Vec::new(),
        };
        Ok((message, r.get(5)?))
    }
}

fn load_message(tx: &Transaction<'_>, tenant: &str, tenant_id: i64, id: i64) -> Result<OutboundMessage> {
    let sql = format!("SELECT {MESSAGE_COLUMNS}{MESSAGE_FROM} WHERE m.id = ?1 AND m.tenant_id = ?2");
    let row = tx.cached_row(&sql, (id, tenant_id), message_row(tenant)).optional().db()?;
    let mut message = with_status(row.ok_or(Error::WebhookMessageNotFound(id))?)?;
    let mut statement = tx.prepare(&attempts_sql(placeholder)).db()?;
    let attempts = statement
        .query_map([id], |r| {
            let outcome: String = r.get(6)?;
            Ok(Attempt {
                attempt: r.get(0)?,
                started_at: r.get(1)?,
                latency_ms: r.get::<_, i64>(2)?.unsigned_abs(),
                http_status: r.get(3)?,
                error: r.get(4)?,
                response_head: r.get(5)?,
                outcome: outcome.parse().unwrap_or(AttemptOutcome::Failed),
            })
        })
        .db()?;
    message.attempts_made = attempts.collect::<rusqlite::Result<Vec<_>>>().db()?;
    Ok(message)
}

fn prune_batch(tx: &Transaction<'_>, before: DateTime<Utc>, batch: u32) -> Result<u64> {
    let ids: Vec<i64> = tx
        .prepare(&prunable_sql(placeholder))
        .db()?
        .query_map((before, batch), |r| r.get(0))
        .db()?
        .collect::<rusqlite::Result<_>>()
        .db()?;
    for id in &ids {
        tx.cached_execute("DELETE FROM webhook_attempts WHERE message_id = ?1", [id]).db()?;
        tx.cached_execute("DELETE FROM webhook_messages WHERE id = ?1", [id]).db()?;
    }
    let events = tx.cached_execute(&orphan_events_sql(placeholder), (before, batch)).db()?;
    Ok(ids.len().max(events) as u64)
}
