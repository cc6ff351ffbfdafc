//! `webhook …`: the receiver, the delivery worker, sources and endpoints, and the records.

mod peers;
mod records;

use std::net::SocketAddr;
use std::time::Duration;

use ledgerdesk_core::prelude::*;
use ledgerdesk_core::webhooks::inbound::DEFAULT_RETENTION;
use ledgerdesk_core::webhooks::outbound::RetrySchedule;
use ledgerdesk_core::{AnyStore, Error};
use ledgerdesk_webhooks::{DeliveryOptions, Receiver, ReceiverOptions, Worker};

use super::user;
use crate::args::{Cli, WebhookCommand};
use crate::output::{self, Outcome};

pub async fn run(cli: &Cli, store: &AnyStore, command: &WebhookCommand) -> Outcome {
    match command {
        WebhookCommand::Source(command) => peers::source(cli, store, command).await,
        WebhookCommand::Endpoint(command) => peers::endpoint(cli, store, command).await,
        WebhookCommand::Serve { listen, max_body_bytes, tolerance_secs } => {
            serve(cli, store, listen, *max_body_bytes, *tolerance_secs).await
        }
        WebhookCommand::Deliver {
            once,
            retry_schedule,
            lease_secs,
            http_connect_timeout_secs,
            http_timeout_secs,
            poll_ms,
            batch,
        } => {
            let options = DeliveryOptions {
                schedule: retry_schedule.as_deref().map(RetrySchedule::parse).transpose()?.unwrap_or_default(),
                lease: Duration::from_secs(*lease_secs),
                connect_timeout: Duration::from_secs(*http_connect_timeout_secs),
                timeout: Duration::from_secs(*http_timeout_secs),
                batch: *batch,
                poll: Duration::from_millis(*poll_ms),
            };
            deliver(cli, store, options, *once).await
        }
        WebhookCommand::Redeliver { tenant, message } => {
            let message = store.redeliver(tenant, *message).await?;
            output::wrote(cli.json, &message, records::describe_message, |m| format!("message {} due again", m.id))
        }
        WebhookCommand::Reapply { tenant, event, user: who } => {
            let event = store.reapply_event(tenant, *event, &user(who)).await?;
            output::wrote(cli.json, &event, records::describe_event, |e| {
                format!("event {} applied again: {}", e.id, e.status)
            })
        }
        WebhookCommand::Purge { inbound_days, delivered_days, batch_size } => {
            let days = |d: u32| Duration::from_secs(u64::from(d) * 86_400);
            if days(*inbound_days) < DEFAULT_RETENTION {
                return Err(Error::invalid(
                    "inbound_days",
                    "must be at least 7: senders retry for days, and a purged event id could be applied again",
                    "en az 7 olmalıdır: gönderenler günlerce yeniden dener ve silinen bir olay kimliği yeniden uygulanabilir",
                )
                .into());
            }
            let inbound = store.purge_events(days(*inbound_days), *batch_size).await?;
            let delivered = store.prune_messages(days(*delivered_days), *batch_size).await?;
            let report = serde_json::json!({ "inbound": inbound, "delivered": delivered });
            let describe = |_: &serde_json::Value| {
                format!("{} inbound records and {} delivered messages removed", inbound.removed, delivered.removed)
            };
            output::wrote(cli.json, &report, describe, describe)
        }
        other => records::run(cli, store, other).await,
    }
}

/// `webhook serve`: the receiver, until Ctrl-C.
async fn serve(cli: &Cli, store: &AnyStore, listen: &str, max_body: usize, tolerance_secs: u32) -> Outcome {
    let address: SocketAddr = listen.parse().map_err(|_| {
        Error::invalid(
            "listen",
            format!("{listen:?} is not an address like 127.0.0.1:8787"),
            format!("{listen:?} 127.0.0.1:8787 gibi bir adres değil"),
        )
    })?;
    let options = ReceiverOptions { max_body, tolerance: chrono::Duration::seconds(i64::from(tolerance_secs)) };
    let receiver = Receiver::bind(address, store.clone(), options).await?;
    let bound = receiver.local_addr()?;
    let ready = serde_json::json!({ "listening": bound.to_string() });
    output::read(cli.json, &ready, |_| {
        format!("receiving webhooks at http://{bound}/webhooks/{{tenant}}/{{source}} (Ctrl-C stops)")
    })?;
    receiver
        .run(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

/// `webhook deliver`: the worker, until nothing is due (`--once`) or Ctrl-C.
async fn deliver(cli: &Cli, store: &AnyStore, options: DeliveryOptions, once: bool) -> Outcome {
    let worker = Worker::new(options)?;
    if once {
        let round = worker.deliver_until_idle(store).await?;
        let report = serde_json::json!({
            "claimed": round.claimed, "delivered": round.delivered, "retried": round.retried,
            "failed": round.failed, "lease_lost": round.lease_lost,
        });
        let describe = |_: &serde_json::Value| {
            format!(
                "{} attempted: {} delivered, {} to retry, {} failed, {} lease lost",
                round.claimed, round.delivered, round.retried, round.failed, round.lease_lost
            )
        };
        return output::wrote(cli.json, &report, describe, describe);
    }
    let (stop, stopping) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        let _ = stop.send(true);
    });
    worker.run(store, &stopping, output::print_error).await;
    Ok(())
}
