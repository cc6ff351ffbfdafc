//! The inbox on SQLite. Twin of `postgres.rs`; the path of a request is in `mod.rs`, the shared SQL in
//! `queries.rs`. An event and its effect are written in one `BEGIN IMMEDIATE` transaction: a second
//! delivery of the same webhook-id, from this process or another, finds the row and only counts itself.

use std::time::Duration;

use chrono::{DateTime, Utc};
use ledgerdesk_types::{
    InboundEvent, InboundStatus, Payment, Purged, Rejection, Source, WebhookCounters, WebhookQuery, WithSecret,
};
use rusqlite::{OptionalExtension, Row, Transaction};

use super::queries::{
    arrive_sql, counters_sql, outcome_sql, purge_events_sql, purge_rejections_sql, signing_sql, source_columns,
    verifying_secrets_sql,
};
use super::{
    Arrived, Delivery, EVENT_COLUMNS, EVENT_FROM, Effect, InboxLedger, NewSource, Outcome, Receipt, Rejected, Signing,
    WebhookInbox, effect_of, events_sql, receive, status, validate_source,
};
use crate::catalog::same_or_conflict;
use crate::catalog::sqlite::tenant_id;
use crate::db::sqlite::{SqliteResultExt, bind_all, currency_at, decimal_at, placeholder};
use crate::db::{SqliteStore, in_batches, now};
use crate::error::{Error, Result};
use crate::identity::{Action, Authorize as _};
use crate::payments;
use crate::webhooks::outbound::{overlap_end, secret_to_store};

impl WebhookInbox for SqliteStore {
    async fn add_source(&self, source: NewSource) -> Result<WithSecret<Source>> {
        self.authorize(Action::KeepWebhooks, Some(&source.user))?;
        validate_source(&source)?;
        let (stored, shown) = secret_to_store(source.secret.as_deref())?;
        self.write(Error::busy, move |tx| add_source(tx, &source, &stored, shown.clone(), now())).await
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
        let (tenant, source) = (tenant.to_owned(), source.to_owned());
        self.write(Error::busy, move |tx| {
            let tenant_id = tenant_id(tx, &tenant)?;
            let now = now();
            let found = load_source(tx, &tenant, tenant_id, &source, now)?;
            tx.execute(
                "UPDATE webhook_source_secrets SET expires_at = ?2 WHERE source_id = ?1 AND expires_at IS NULL",
                (found.id, overlap_end(now, overlap)),
            )
            .db()?;
            tx.execute(
                "INSERT INTO webhook_source_secrets (source_id, secret, created_at) VALUES (?1, ?2, ?3)",
                (found.id, &stored, now),
            )
            .db()?;
            Ok(WithSecret {
                value: load_source(tx, &tenant, tenant_id, &source, now)?,
                secret: shown.clone(),
                created: true,
            })
        })
        .await
    }

    async fn list_sources(&self, tenant: &str) -> Result<Vec<Source>> {
        let tenant = tenant.to_owned();
        self.read(move |tx| {
            let tenant_id = tenant_id(tx, &tenant)?;
            let sql = format!(
                "SELECT {} FROM webhook_sources s WHERE s.tenant_id = ?1 ORDER BY s.name",
                source_columns("?2")
            );
            let mut statement = tx.prepare(&sql).db()?;
            let rows = statement.query_map((tenant_id, now()), source_row(&tenant)).db()?;
            rows.collect::<rusqlite::Result<Vec<_>>>().db()
        })
        .await
    }

    async fn receive_webhook(&self, delivery: Delivery) -> Result<Receipt> {
        self.authorize(Action::KeepWebhooks, None)?;
        receive(self, delivery).await
    }

    async fn record_rejection(&self, rejected: Rejected) -> Result<()> {
        self.authorize(Action::KeepWebhooks, None)?;
        self.write(Error::busy, move |tx| {
            let tenant_id: Option<i64> = tx
                .query_row("SELECT id FROM tenants WHERE code = ?1", [&rejected.tenant], |r| r.get(0))
                .optional()
                .db()?;
            store_rejection(tx, tenant_id, &rejected)
        })
        .await
    }

    async fn reapply_event(&self, tenant: &str, event: i64, user: &str) -> Result<InboundEvent> {
        self.authorize(Action::KeepWebhooks, Some(user))?;
        crate::validate::validate_user(user)?;
        let tenant = tenant.to_owned();
        self.write(Error::busy, move |tx| reapply(tx, &tenant, event, now())).await
    }

    async fn list_events(&self, tenant: &str, query: &WebhookQuery) -> Result<Vec<InboundEvent>> {
        let (tenant, query) = (tenant.to_owned(), query.clone());
        self.read(move |tx| {
            let (sql, params) = events_sql(tenant_id(tx, &tenant)?, &query, placeholder);
            let mut statement = tx.prepare(&sql).db()?;
            let rows = statement.query_map(bind_all(params), event_row(&tenant)).db()?;
            rows.map(|row| with_status(row.db()?)).collect()
        })
        .await
    }

    async fn get_event(&self, tenant: &str, event: i64) -> Result<InboundEvent> {
        let tenant = tenant.to_owned();
        self.read(move |tx| load_event(tx, &tenant, tenant_id(tx, &tenant)?, event)).await
    }

    async fn list_rejections(&self, tenant: &str, limit: u32) -> Result<Vec<Rejection>> {
        let tenant = tenant.to_owned();
        self.read(move |tx| {
            let tenant_id = tenant_id(tx, &tenant)?;
            let mut statement = tx
                .prepare(
                    "SELECT id, tenant_code, source_name, reason, http_status, headers, body_size, body, received_at
                       FROM webhook_rejections WHERE tenant_id = ?1 ORDER BY id DESC LIMIT ?2",
                )
                .db()?;
            let rows = statement
                .query_map((tenant_id, limit.clamp(1, 500)), |r| {
                    Ok(Rejection {
                        id: r.get(0)?,
                        tenant: r.get(1)?,
                        source: r.get(2)?,
                        reason: r.get(3)?,
                        http_status: r.get(4)?,
                        headers: r.get(5)?,
                        body_size: r.get::<_, i64>(6)?.unsigned_abs(),
                        body: r.get(7)?,
                        received_at: r.get(8)?,
                    })
                })
                .db()?;
            rows.collect::<rusqlite::Result<Vec<_>>>().db()
        })
        .await
    }

    async fn webhook_counters(&self, tenant: &str) -> Result<WebhookCounters> {
        let tenant = tenant.to_owned();
        self.read(move |tx| {
            let tenant_id = tenant_id(tx, &tenant)?;
            tx.query_row(&counters_sql(placeholder), [tenant_id], |r| {
                let count = |i: usize| r.get::<_, i64>(i).map(i64::unsigned_abs);
                Ok(WebhookCounters {
                    duplicates_suppressed: count(0)?,
                    signatures_rejected: count(1)?,
                    rejected: count(2)?,
                    inbound_failed: count(3)?,
                    pending: count(4)?,
                    delivered: count(5)?,
                    deliveries_failed: count(6)?,
                })
            })
            .db()
        })
        .await
    }

    async fn purge_events(&self, retention: Duration, batch: u32) -> Result<Purged> {
        self.authorize(Action::KeepWebhooks, None)?;
        in_batches(batch, |batch| {
            self.write(Error::busy, move |tx| {
                let before = crate::webhooks::outbound::cutoff(now(), retention);
                let events = tx.execute(&purge_events_sql(placeholder), (before, batch)).db()?;
                let rejections = tx.execute(&purge_rejections_sql(placeholder), (before, batch)).db()?;
                Ok(events.max(rejections) as u64)
            })
        })
        .await
    }
}

impl InboxLedger for SqliteStore {
    async fn signing(&self, tenant: &str, source: &str, now: DateTime<Utc>) -> Result<Signing> {
        let (tenant, source) = (tenant.to_owned(), source.to_owned());
        self.read(move |tx| {
            let row: Option<(i64, Option<i64>)> = tx
                .query_row(&signing_sql(placeholder), (&tenant, &source), |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
                .db()?;
            match row {
                None => Ok(Signing::UnknownTenant),
                Some((tenant_id, None)) => Ok(Signing::UnknownSource { tenant_id }),
                Some((tenant_id, Some(source_id))) => {
                    let secrets = tx
                        .prepare(&verifying_secrets_sql(placeholder))
                        .db()?
                        .query_map((source_id, now), |r| r.get(0))
                        .db()?
                        .collect::<rusqlite::Result<Vec<String>>>()
                        .db()?;
                    Ok(Signing::Known { tenant_id, source_id, secrets })
                }
            }
        })
        .await
    }

    async fn store_rejection(&self, tenant_id: Option<i64>, rejected: Rejected) -> Result<()> {
        self.write(Error::busy, move |tx| store_rejection(tx, tenant_id, &rejected)).await
    }

    async fn store_event(&self, arrived: Arrived) -> Result<Receipt> {
        self.write(Error::busy, move |tx| store_event(tx, &arrived)).await
    }
}

fn source_row(tenant: &str) -> impl Fn(&Row<'_>) -> rusqlite::Result<Source> + '_ {
    move |r| {
        Ok(Source {
            id: r.get(0)?,
            tenant: tenant.to_owned(),
            name: r.get(1)?,
            created_at: r.get(2)?,
            active_secrets: r.get(3)?,
        })
    }
}

fn load_source(tx: &Transaction<'_>, tenant: &str, tenant_id: i64, name: &str, at: DateTime<Utc>) -> Result<Source> {
    let sql = format!("SELECT {} FROM webhook_sources s WHERE s.tenant_id = ?1 AND s.name = ?2", source_columns("?3"));
    tx.query_row(&sql, (tenant_id, name, at), source_row(tenant))
        .optional()
        .db()?
        .ok_or_else(|| Error::WebhookSourceNotFound { tenant: tenant.to_owned(), name: name.to_owned() })
}

fn add_source(
    tx: &Transaction<'_>,
    new: &NewSource,
    secret: &str,
    shown: Option<String>,
    at: DateTime<Utc>,
) -> Result<WithSecret<Source>> {
    let tenant_id = tenant_id(tx, &new.tenant)?;
    let inserted = tx
        .execute(
            "INSERT INTO webhook_sources (tenant_id, name, created_by, created_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (tenant_id, name) DO NOTHING",
            (tenant_id, &new.name, &new.user, at),
        )
        .db()?;
    let source = load_source(tx, &new.tenant, tenant_id, &new.name, at)?;
    if inserted == 0 {
        // The same source again: identical unless a secret it does not hold was given.
        let holds = match &new.secret {
            None => true,
            Some(_) => tx
                .query_row(
                    "SELECT count(*) FROM webhook_source_secrets WHERE source_id = ?1 AND secret = ?2 AND (expires_at IS NULL OR expires_at > ?3)",
                    (source.id, secret, at),
                    |r| r.get::<_, i64>(0),
                )
                .db()?
                > 0,
        };
        same_or_conflict("source", &new.name, &[("secret", holds)])?;
        return Ok(WithSecret { value: source, secret: None, created: false });
    }
    tx.execute(
        "INSERT INTO webhook_source_secrets (source_id, secret, created_at) VALUES (?1, ?2, ?3)",
        (source.id, secret, at),
    )
    .db()?;
    Ok(WithSecret { value: load_source(tx, &new.tenant, tenant_id, &new.name, at)?, secret: shown, created: true })
}

fn store_rejection(tx: &Transaction<'_>, tenant_id: Option<i64>, rejected: &Rejected) -> Result<()> {
    tx.execute(
        "INSERT INTO webhook_rejections (tenant_id, tenant_code, source_name, reason, http_status, headers, body_size, body,
                                         received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        rusqlite::params![
            tenant_id,
            rejected.tenant,
            rejected.source,
            rejected.refusal.reason(),
            rejected.refusal.http_status(),
            rejected.headers,
            rejected.body_size as i64,
            rejected.body,
            rejected.received_at
        ],
    )
    .db()?;
    Ok(())
}

/// Runs an event's effect in the caller's transaction: the payment's id, or the error that stopped it.
fn run_effect(
    tx: &Transaction<'_>,
    tenant_id: i64,
    tenant: &str,
    effect: &Effect,
    at: DateTime<Utc>,
) -> Option<Result<i64>> {
    match effect {
        Effect::Payment(Ok(payment)) => {
            Some(payments::sqlite::record(tx, tenant_id, tenant, payment, at).map(|r| r.payment.id))
        }
        _ => None,
    }
}

fn write_outcome(tx: &Transaction<'_>, event: i64, outcome: &Outcome, applied_again: bool) -> Result<()> {
    let (code, message) = outcome.error.clone().unzip();
    tx.execute(
        &outcome_sql(placeholder, applied_again),
        rusqlite::params![outcome.status.as_str(), code, message, outcome.payment_id, event],
    )
    .db()?;
    Ok(())
}

fn store_event(tx: &Transaction<'_>, arrived: &Arrived) -> Result<Receipt> {
    let (event, duplicates, stored): (i64, u32, String) = tx
        .query_row(
            &arrive_sql(placeholder),
            rusqlite::params![
                arrived.tenant_id,
                arrived.source_id,
                arrived.signed.id,
                arrived.event_type,
                arrived.signed.sent_at,
                arrived.received_at,
                arrived.headers,
                arrived.body
            ],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .db()?;
    if duplicates > 0 {
        return Ok(Receipt { event, status: status(&stored)?, duplicate: true });
    }
    let recorded = run_effect(tx, arrived.tenant_id, &arrived.tenant, &arrived.effect, arrived.received_at);
    let outcome = Outcome::of(&arrived.effect, recorded)?;
    write_outcome(tx, event, &outcome, false)?;
    Ok(Receipt { event, status: outcome.status, duplicate: false })
}

fn reapply(tx: &Transaction<'_>, tenant: &str, id: i64, at: DateTime<Utc>) -> Result<InboundEvent> {
    let tenant_id = tenant_id(tx, tenant)?;
    let row: Option<(String, String, String, i64, String, String)> = tx
        .query_row(
            "SELECT i.status, i.event_type, i.body, i.source_id, i.webhook_id, s.name
               FROM webhook_inbound i JOIN webhook_sources s ON s.id = i.source_id WHERE i.id = ?1 AND i.tenant_id = ?2",
            (id, tenant_id),
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
        )
        .optional()
        .db()?;
    let (stored, event_type, body, source_id, webhook_id, source) = row.ok_or(Error::WebhookEventNotFound(id))?;
    let current = status(&stored)?;
    if current != InboundStatus::Failed {
        return Err(Error::WebhookEventNotReapplicable { id, status: current });
    }
    let body: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    let effect = effect_of(&event_type, &body, source_id, &webhook_id, &source);
    let recorded = run_effect(tx, tenant_id, tenant, &effect, at);
    write_outcome(tx, id, &Outcome::of(&effect, recorded)?, true)?;
    load_event(tx, tenant, tenant_id, id)
}

fn event_row(tenant: &str) -> impl Fn(&Row<'_>) -> rusqlite::Result<(InboundEvent, String)> + '_ {
    move |r| {
        let payment_id: Option<i64> = r.get(13)?;
        let payment = match payment_id {
            Some(id) => Some(Payment {
                id,
                amount: decimal_at(r, 14)?,
                currency: currency_at(r, 15)?,
                paid_at: r.get(16)?,
                reference: r.get(17)?,
                source: r.get(1)?,
                event_id: r.get(2)?,
                recorded_by: r.get(18)?,
                recorded_at: r.get(19)?,
            }),
            None => None,
        };
        let event = InboundEvent {
            id: r.get(0)?,
            tenant: tenant.to_owned(),
            source: r.get(1)?,
            webhook_id: r.get(2)?,
            event_type: r.get(3)?,
            sent_at: r.get(4)?,
            received_at: r.get(5)?,
            status: InboundStatus::Ignored,
            error_code: r.get(7)?,
            error_message: r.get(8)?,
            applications: r.get(9)?,
            duplicates: r.get(10)?,
            headers: r.get(11)?,
            body: r.get(12)?,
            payment,
            invoice: r.get(20)?,
        };
        Ok((event, r.get(6)?))
    }
}

fn with_status((mut event, stored): (InboundEvent, String)) -> Result<InboundEvent> {
    event.status = status(&stored)?;
    Ok(event)
}

fn load_event(tx: &Transaction<'_>, tenant: &str, tenant_id: i64, id: i64) -> Result<InboundEvent> {
    let sql = format!("SELECT {EVENT_COLUMNS}{EVENT_FROM} WHERE i.id = ?1 AND i.tenant_id = ?2");
    let row = tx.query_row(&sql, (id, tenant_id), event_row(tenant)).optional().db()?;
    with_status(row.ok_or(Error::WebhookEventNotFound(id))?)
}
