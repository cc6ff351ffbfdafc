//! The outbox's SQL that both twins share, written once with each dialect's placeholder.

use chrono::{DateTime, Utc};
use ledgerdesk_types::WebhookQuery;

use crate::db::Param;

/// Messages (`m`, joined to their endpoint `e`) due at `now`: pending, their time come, no live lease,
/// their endpoint enabled.
fn due(now: &str) -> String {
    format!(
        "FROM webhook_messages m JOIN webhook_endpoints e ON e.id = m.endpoint_id
        WHERE m.status = 'pending' AND m.next_attempt_at <= {now}
          AND (m.leased_until IS NULL OR m.leased_until <= {now}) AND e.disabled_at IS NULL"
    )
}

/// Whether any message is due at `{1}`.
pub(super) fn any_due_sql(placeholder: fn(usize) -> String) -> String {
    format!("SELECT EXISTS (SELECT 1 {})", due(&placeholder(1)))
}

/// Claims up to `{4}` due messages of enabled endpoints under lease token `{1}` until `{2}` (now is `{3}`);
/// `lock` is Postgres' `FOR UPDATE OF m SKIP LOCKED`, empty on SQLite (whose writer lock suffices).
pub(super) fn claim_sql(placeholder: fn(usize) -> String, lock: &str) -> String {
    let (token, until, now, limit) = (placeholder(1), placeholder(2), placeholder(3), placeholder(4));
    format!(
        "UPDATE webhook_messages SET lease_token = {token}, leased_until = {until}, attempts = attempts + 1
          WHERE id IN (SELECT m.id {} ORDER BY m.next_attempt_at, m.id LIMIT {limit} {lock})
          RETURNING id, webhook_id, attempts, schedule_step, endpoint_id, event_id",
        due(&now)
    )
}

/// The URL and body of a claimed message (`{1}` is its id).
pub(super) fn delivery_sql(placeholder: fn(usize) -> String) -> String {
    format!(
        "SELECT e.url, o.payload FROM webhook_messages m
           JOIN webhook_endpoints e ON e.id = m.endpoint_id JOIN outbox_events o ON o.id = m.event_id
          WHERE m.id = {}",
        placeholder(1)
    )
}

/// The secrets of endpoint `{1}` that sign at `{2}`, newest first.
pub(super) fn signing_secrets_sql(placeholder: fn(usize) -> String) -> String {
    format!(
        "SELECT secret FROM webhook_endpoint_secrets
          WHERE endpoint_id = {} AND (expires_at IS NULL OR expires_at > {}) ORDER BY id DESC",
        placeholder(1),
        placeholder(2)
    )
}

/// Moves a message on after an attempt, only if `{8}` is still its lease token.
pub(super) fn finish_sql(placeholder: fn(usize) -> String) -> String {
    let p: Vec<String> = (1..=8).map(placeholder).collect();
    format!(
        "UPDATE webhook_messages SET status = {}, next_attempt_at = coalesce({}, next_attempt_at), schedule_step = {},
                delivered_at = {}, last_status = {}, last_error = {}, lease_token = NULL, leased_until = NULL
          WHERE id = {} AND lease_token = {}",
        p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]
    )
}

/// The columns of an endpoint, in the order both twins read them; `{now}` counts the signing secrets.
pub(super) fn endpoint_columns(now: &str) -> String {
    format!(
        "e.id, e.url, e.event_types, e.disabled_at, e.disabled_reason, e.created_at,
         (SELECT count(*) FROM webhook_endpoint_secrets s
           WHERE s.endpoint_id = e.id AND (s.expires_at IS NULL OR s.expires_at > {now}))"
    )
}

/// The columns of a message, in the order both twins read them.
pub(super) const MESSAGE_COLUMNS: &str = "m.id, m.webhook_id, o.event_type, m.endpoint_id, e.url, m.status, m.attempts,
     m.next_attempt_at, m.delivered_at, m.last_status, m.last_error, o.payload, o.created_at";

/// Where messages are read from.
pub(super) const MESSAGE_FROM: &str = " FROM webhook_messages m JOIN webhook_endpoints e ON e.id = m.endpoint_id
       JOIN outbox_events o ON o.id = m.event_id ";

/// The message list of one tenant with only the filters asked for, newest first.
pub(super) fn messages_sql(
    tenant_id: i64,
    query: &WebhookQuery,
    placeholder: fn(usize) -> String,
) -> (String, Vec<Param>) {
    let mut sql = format!("SELECT {MESSAGE_COLUMNS}{MESSAGE_FROM} WHERE m.tenant_id = {}", placeholder(1));
    let mut params = vec![Param::Int(tenant_id)];
    let mut filter = |clause: &str, param: Param| {
        params.push(param);
        sql.push_str(&clause.replace("{p}", &placeholder(params.len())));
    };
    if let Some(status) = &query.status {
        filter(" AND m.status = {p}", Param::Text(status.clone()));
    }
    if let Some(event_type) = &query.event_type {
        filter(" AND o.event_type = {p}", Param::Text(event_type.clone()));
    }
    if let Some(endpoint) = query.peer.as_deref().and_then(|peer| peer.parse::<i64>().ok()) {
        filter(" AND m.endpoint_id = {p}", Param::Int(endpoint));
    }
    if let Some(since) = query.since {
        filter(" AND o.created_at >= {p}", Param::Time(since));
    }
    filter(" ORDER BY m.id DESC LIMIT {p}", Param::Int(i64::from(query.page_size())));
    (sql, params)
}

/// The attempts of message `{1}`, oldest first.
pub(super) fn attempts_sql(placeholder: fn(usize) -> String) -> String {
    format!(
        "SELECT attempt, started_at, latency_ms, http_status, error, response_head, outcome
           FROM webhook_attempts WHERE message_id = {} ORDER BY id",
        placeholder(1)
    )
}

/// Ids of delivered messages delivered before `{1}`, at most `{2}`: one batch of a prune.
pub(super) fn prunable_sql(placeholder: fn(usize) -> String) -> String {
    format!(
        "SELECT id FROM webhook_messages WHERE status = 'delivered' AND delivered_at < {} ORDER BY id LIMIT {}",
        placeholder(1),
        placeholder(2)
    )
}

/// Deletes events older than `{1}` that no message refers to any more, at most `{2}`.
pub(super) fn orphan_events_sql(placeholder: fn(usize) -> String) -> String {
    format!(
        "DELETE FROM outbox_events WHERE id IN (
             SELECT o.id FROM outbox_events o
              WHERE o.created_at < {} AND NOT EXISTS (SELECT 1 FROM webhook_messages m WHERE m.event_id = o.id)
              ORDER BY o.id LIMIT {})",
        placeholder(1),
        placeholder(2)
    )
}

/// The end of a retention period that ends now.
pub(crate) fn cutoff(now: DateTime<Utc>, retention: std::time::Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(retention)
        .ok()
        .and_then(|r| now.checked_sub_signed(r))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}
