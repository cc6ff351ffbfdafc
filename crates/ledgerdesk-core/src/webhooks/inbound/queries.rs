//! The inbox's SQL that both twins share, written once with each dialect's placeholder.

use ledgerdesk_types::WebhookQuery;

use crate::db::Param;

/// The columns of an inbound event with its payment and invoice, in the order both twins read them.
/// Named, because Postgres reads them into a struct by name.
pub(crate) const EVENT_COLUMNS: &str = "i.id AS event_id, s.name AS source, i.webhook_id, i.event_type, i.sent_at,
     i.received_at, i.status, i.error_code, i.error_message, i.applications, i.duplicates, i.headers, i.body,
     p.id AS payment_id, p.amount, p.currency, p.paid_at, p.reference, p.recorded_by, p.recorded_at,
     inv.number AS invoice";

/// Where inbound events are read from.
pub(crate) const EVENT_FROM: &str = " FROM webhook_inbound i JOIN webhook_sources s ON s.id = i.source_id
       LEFT JOIN payments p ON p.id = i.payment_id LEFT JOIN invoices inv ON inv.id = p.invoice_id ";

/// The event list of one tenant with only the filters asked for, newest first.
pub(crate) fn events_sql(
    tenant_id: i64,
    query: &WebhookQuery,
    placeholder: fn(usize) -> String,
) -> (String, Vec<Param>) {
    let mut sql = format!("SELECT {EVENT_COLUMNS}{EVENT_FROM} WHERE i.tenant_id = {}", placeholder(1));
    let mut params = vec![Param::Int(tenant_id)];
    let mut filter = |clause: &str, param: Param| {
        params.push(param);
        sql.push_str(&clause.replace("{p}", &placeholder(params.len())));
    };
    if let Some(status) = &query.status {
        filter(" AND i.status = {p}", Param::Text(status.clone()));
    }
    if let Some(event_type) = &query.event_type {
        filter(" AND i.event_type = {p}", Param::Text(event_type.clone()));
    }
    if let Some(source) = &query.peer {
        filter(" AND s.name = {p}", Param::Text(source.clone()));
    }
    if let Some(since) = query.since {
        filter(" AND i.received_at >= {p}", Param::Time(since));
    }
    filter(" ORDER BY i.id DESC LIMIT {p}", Param::Int(i64::from(query.page_size())));
    (sql, params)
}

/// The tenant of `{1}` and its source named `{2}` (NULL when missing).
pub(super) fn signing_sql(placeholder: fn(usize) -> String) -> String {
    format!(
        "SELECT t.id, s.id FROM tenants t LEFT JOIN webhook_sources s ON s.tenant_id = t.id AND s.name = {}
          WHERE t.code = {}",
        placeholder(2),
        placeholder(1)
    )
}

/// The secrets of source `{1}` that verify at `{2}`, newest first.
pub(super) fn verifying_secrets_sql(placeholder: fn(usize) -> String) -> String {
    format!(
        "SELECT secret FROM webhook_source_secrets
          WHERE source_id = {} AND (expires_at IS NULL OR expires_at > {}) ORDER BY id DESC",
        placeholder(1),
        placeholder(2)
    )
}

/// Inserts a new event, or counts one more delivery of a known one; returns its id, its duplicates so
/// far (0 for a new event) and its status.
pub(super) fn arrive_sql(placeholder: fn(usize) -> String) -> String {
    let p: Vec<String> = (1..=8).map(placeholder).collect();
    format!(
        "INSERT INTO webhook_inbound (tenant_id, source_id, webhook_id, event_type, sent_at, received_at, headers, body,
                                      status)
         VALUES ({}, {}, {}, {}, {}, {}, {}, {}, 'ignored')
         ON CONFLICT (tenant_id, source_id, webhook_id)
         DO UPDATE SET duplicates = webhook_inbound.duplicates + 1, last_duplicate_at = excluded.received_at
         RETURNING id, duplicates, status",
        p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]
    )
}

/// Writes what an event's effect led to (`{1}` status, `{2}` error code, `{3}` message, `{4}` payment,
/// `{5}` the event's id); `applications` counts each run of the effect.
pub(super) fn outcome_sql(placeholder: fn(usize) -> String, applied_again: bool) -> String {
    let p: Vec<String> = (1..=5).map(placeholder).collect();
    let count = if applied_again { ", applications = applications + 1" } else { "" };
    format!(
        "UPDATE webhook_inbound SET status = {}, error_code = {}, error_message = {}, payment_id = {}{count} WHERE id = {}",
        p[0], p[1], p[2], p[3], p[4]
    )
}

/// The counters of one tenant (`{1}`): inbound, then outbound.
pub(super) fn counters_sql(placeholder: fn(usize) -> String) -> String {
    let t = placeholder(1);
    format!(
        "SELECT (SELECT coalesce(sum(duplicates), 0) FROM webhook_inbound WHERE tenant_id = {t}),
                (SELECT count(*) FROM webhook_rejections WHERE tenant_id = {t}
                    AND reason IN ('signature_invalid', 'timestamp_out_of_tolerance')),
                (SELECT count(*) FROM webhook_rejections WHERE tenant_id = {t}),
                (SELECT count(*) FROM webhook_inbound WHERE tenant_id = {t} AND status = 'failed'),
                (SELECT count(*) FROM webhook_messages WHERE tenant_id = {t} AND status = 'pending'),
                (SELECT count(*) FROM webhook_messages WHERE tenant_id = {t} AND status = 'delivered'),
                (SELECT count(*) FROM webhook_messages WHERE tenant_id = {t} AND status = 'failed')"
    )
}

/// Deletes up to `{2}` applied or ignored events received before `{1}`.
pub(super) fn purge_events_sql(placeholder: fn(usize) -> String) -> String {
    format!(
        "DELETE FROM webhook_inbound WHERE id IN (
             SELECT id FROM webhook_inbound WHERE received_at < {} AND status IN ('applied', 'ignored') ORDER BY id LIMIT {})",
        placeholder(1),
        placeholder(2)
    )
}

/// Deletes up to `{2}` rejections received before `{1}`.
pub(super) fn purge_rejections_sql(placeholder: fn(usize) -> String) -> String {
    format!(
        "DELETE FROM webhook_rejections WHERE id IN (
             SELECT id FROM webhook_rejections WHERE received_at < {} ORDER BY id LIMIT {})",
        placeholder(1),
        placeholder(2)
    )
}

/// The columns of a source, in the order both twins read them; `{now}` counts the verifying secrets.
pub(super) fn source_columns(now: &str) -> String {
    format!(
        "s.id, s.name, s.created_at,
         (SELECT count(*) FROM webhook_source_secrets k WHERE k.source_id = s.id AND (k.expires_at IS NULL OR k.expires_at > {now}))"
    )
}
