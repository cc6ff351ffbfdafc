//! `webhook events|event|messages|message|rejections|counters`: what came in and what went out.

use ledgerdesk_core::AnyStore;
use ledgerdesk_core::prelude::*;
use ledgerdesk_types::{InboundEvent, OutboundMessage, WebhookQuery};

use crate::args::{Cli, WebhookCommand};
use crate::output::{self, Outcome};

pub fn describe_event(event: &InboundEvent) -> String {
    let effect = match (&event.payment, &event.error_code) {
        (Some(payment), _) => format!(
            "  payment #{} of {} {} on {}",
            payment.id,
            payment.amount,
            payment.currency,
            event.invoice.as_deref().unwrap_or("?")
        ),
        (None, Some(code)) => format!("  error[{code}]: {}", event.error_message.as_deref().unwrap_or("")),
        _ => String::new(),
    };
    let duplicates = if event.duplicates > 0 { format!("  +{} duplicate(s)", event.duplicates) } else { String::new() };
    format!(
        "#{}  {}  {}  {}  {}  {}{effect}{duplicates}",
        event.id,
        event.received_at.format("%F %T"),
        event.source,
        event.webhook_id,
        event.event_type,
        event.status
    )
}

pub fn describe_message(message: &OutboundMessage) -> String {
    let mut text = format!(
        "#{}  {}  {}  {}  {}  {} attempt(s){}",
        message.id,
        message.created_at.format("%F %T"),
        message.event_type,
        message.url,
        message.status,
        message.attempts,
        message.last_error.as_ref().map(|e| format!("  last error: {e}")).unwrap_or_default()
    );
    for attempt in &message.attempts_made {
        text.push_str(&format!(
            "\n  {:>2}. {}  {} ms  {}  {}{}",
            attempt.attempt,
            attempt.started_at.format("%F %T"),
            attempt.latency_ms,
            attempt.http_status.map_or_else(|| "-".to_owned(), |s| s.to_string()),
            attempt.outcome,
            attempt.error.as_ref().map(|e| format!("  {e}")).unwrap_or_default()
        ));
    }
    text
}

fn query(status: &Option<String>, event_type: &Option<String>, peer: Option<String>, limit: u32) -> WebhookQuery {
    WebhookQuery { status: status.clone(), event_type: event_type.clone(), peer, since: None, limit: Some(limit) }
}

pub async fn run(cli: &Cli, store: &AnyStore, command: &WebhookCommand) -> Outcome {
    match command {
        WebhookCommand::Events { tenant, status, event_type, source, limit } => {
            let events = store.list_events(tenant, &query(status, event_type, source.clone(), *limit)).await?;
            output::read(cli.json, &events, |list| list.iter().map(describe_event).collect::<Vec<_>>().join("\n"))
        }
        WebhookCommand::Event { tenant, event } => {
            let event = store.get_event(tenant, *event).await?;
            output::read(cli.json, &event, |e| format!("{}\nheaders {}\nbody {}", describe_event(e), e.headers, e.body))
        }
        WebhookCommand::Messages { tenant, status, event_type, endpoint, limit } => {
            let peer = endpoint.map(|id| id.to_string());
            let messages = store.list_messages(tenant, &query(status, event_type, peer, *limit)).await?;
            output::read(cli.json, &messages, |list| list.iter().map(describe_message).collect::<Vec<_>>().join("\n"))
        }
        WebhookCommand::Message { tenant, message } => {
            let message = store.get_message(tenant, *message).await?;
            output::read(cli.json, &message, |m| {
                format!("{}\nwebhook-id {}\nbody {}", describe_message(m), m.webhook_id, m.payload)
            })
        }
        WebhookCommand::Rejections { tenant, limit } => {
            let rejections = store.list_rejections(tenant, *limit).await?;
            output::read(cli.json, &rejections, |list| {
                list.iter()
                    .map(|r| {
                        format!(
                            "#{}  {}  {}  {}  {}/{}  {} bytes",
                            r.id,
                            r.received_at.format("%F %T"),
                            r.http_status,
                            r.reason,
                            r.tenant,
                            r.source,
                            r.body_size
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        WebhookCommand::Counters { tenant } => {
            let counters = store.webhook_counters(tenant).await?;
            output::read(cli.json, &counters, |c| {
                format!(
                    "inbound: {} duplicates suppressed, {} signatures rejected ({} rejected in all), {} failed\n\
                     outbound: {} pending, {} delivered, {} failed",
                    c.duplicates_suppressed,
                    c.signatures_rejected,
                    c.rejected,
                    c.inbound_failed,
                    c.pending,
                    c.delivered,
                    c.deliveries_failed
                )
            })
        }
        _ => Ok(()),
    }
}
