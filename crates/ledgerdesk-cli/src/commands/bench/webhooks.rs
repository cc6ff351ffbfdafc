//! `bench webhooks`: the webhook guard over real HTTP on 127.0.0.1, each phase beside its baseline.
//!
//! Inbound, through the real receiver: `invoice.paid` events (signature, dedup row and the payment, in
//! one transaction) against events of a type that is only recorded (signature and dedup row alone, the
//! baseline), and the same payments again (duplicates: acknowledged, nothing applied).
//!
//! Outbound: invoices issued one after another, each writing its message in the outbox; a worker polling
//! as `webhook deliver` does sends them to a local endpoint, and the time from the issue's commit to the
//! endpoint receiving the first attempt is measured, against a direct signed POST of the same body (the
//! HTTP part alone, the baseline). With nothing due, a worker pauses `--poll-ms` between polls: that
//! pause, not the database, sets most of the latency, so the report prints it.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use ledgerdesk_core::prelude::*;
use ledgerdesk_core::webhooks::inbound::NewSource;
use ledgerdesk_core::webhooks::outbound::NewEndpoint;
use ledgerdesk_core::webhooks::signature::{Secret, signature_header};
use ledgerdesk_core::{AnyStore, Error, Result};
use ledgerdesk_types::PaymentStatus;
use ledgerdesk_webhooks::{DeliveryOptions, Receiver, ReceiverOptions, Worker, http_client};
use serde::Serialize;

use super::numbering::sample_invoice;
use super::{Phase, measure};
use crate::args::Cli;
use crate::output::{self, Outcome};

/// How much to send.
pub struct Sizes {
    pub concurrency: u32,
    pub count: u32,
    pub deliveries: u32,
    pub poll_ms: u64,
}

#[derive(Debug, Serialize)]
struct Report {
    backend: &'static str,
    concurrency: u32,
    inbound_payment: Phase,
    inbound_dedup_row_only: Phase,
    inbound_duplicate: Phase,
    /// Payments per second divided by recorded-only events per second.
    inbound_ratio: f64,
    poll_ms: u64,
    outbound_commit_to_first_attempt: Phase,
    direct_post: Phase,
    /// Outbox p50 divided by the direct POST's p50.
    outbound_p50_ratio: f64,
    /// Every invoice paid once, every duplicate counted, every message delivered.
    verified: bool,
}

pub async fn run(cli: &Cli, url: &str, sizes: Sizes) -> Outcome {
    let Sizes { concurrency, count, deliveries, poll_ms } = sizes;
    if !(1..=64).contains(&concurrency) || !(1..=100_000).contains(&count) || !(1..=10_000).contains(&deliveries) {
        return Err(Error::invalid(
            "concurrency",
            "--concurrency must be 1 to 64, --count 1 to 100000 and --deliveries 1 to 10000",
            "--concurrency 1 ile 64, --count 1 ile 100000, --deliveries 1 ile 10000 arasında olmalıdır",
        )
        .into());
    }
    let store = super::open_scratch(url, concurrency + 4).await?;
    let tenant = super::scratch_invoicing(&store, "BENCHHOOK").await?;

    let inbound = inbound(&store, &tenant, concurrency, count).await?;
    let outbound = outbound(&store, &tenant, deliveries, Duration::from_millis(poll_ms)).await?;
    let report = Report {
        backend: store.backend(),
        concurrency,
        inbound_ratio: inbound.payment.per_second / inbound.dedup_row_only.per_second,
        inbound_payment: inbound.payment,
        inbound_dedup_row_only: inbound.dedup_row_only,
        inbound_duplicate: inbound.duplicate,
        poll_ms,
        outbound_p50_ratio: outbound.through_outbox.p50_ms / outbound.direct.p50_ms,
        outbound_commit_to_first_attempt: outbound.through_outbox,
        direct_post: outbound.direct,
        verified: inbound.verified && outbound.verified,
    };
    output::read(cli.json, &report, |r| {
        let row =
            |name: &str, p: &Phase| format!("{name:<40} {:>9.1}  {:>8.2}  {:>8.2}", p.per_second, p.p50_ms, p.p99_ms);
        [
            format!(
                "bench webhooks: {} at concurrency {}, {count} inbound events per phase, {deliveries} deliveries (tenant {tenant})",
                r.backend, r.concurrency
            ),
            format!("{:<40} {:>9}  {:>8}  {:>8}", "phase", "per s", "p50 ms", "p99 ms"),
            row("inbound invoice.paid (verify+dedup+pay)", &r.inbound_payment),
            row("inbound ignored type (verify+dedup row)", &r.inbound_dedup_row_only),
            row("inbound duplicate (acknowledged only)", &r.inbound_duplicate),
            row("outbound commit -> first attempt", &r.outbound_commit_to_first_attempt),
            row("direct signed POST (raw)", &r.direct_post),
            format!("inbound: payments run at {:.2}x the rate of events only recorded", r.inbound_ratio),
            format!(
                "outbound: p50 {:.1} ms = {:.1}x a direct POST's p50; the worker polls every {} ms when idle",
                r.outbound_commit_to_first_attempt.p50_ms, r.outbound_p50_ratio, r.poll_ms
            ),
            format!(
                "verified: {}",
                if r.verified {
                    "each invoice paid once, each duplicate counted, each message delivered"
                } else {
                    "NO"
                }
            ),
        ]
        .join("\n")
    })?;
    if report.verified {
        Ok(())
    } else {
        Err(Error::Storage { backend: store.backend(), detail: "the benchmark's effects do not add up".into() }.into())
    }
}

struct Inbound {
    payment: Phase,
    dedup_row_only: Phase,
    duplicate: Phase,
    verified: bool,
}

/// Posts `count` payments, `count` ignored events and the payments again to a receiver on 127.0.0.1.
async fn inbound(store: &AnyStore, tenant: &str, concurrency: u32, count: u32) -> Result<Inbound> {
    let source = NewSource { tenant: tenant.to_owned(), name: "bench".into(), secret: None, user: "bench".into() };
    let secret = store.add_source(source).await?.secret.ok_or_else(|| storage("the source got no secret"))?;
    let secret = Arc::new(Secret::parse(&secret)?);
    // One invoice per payment, issued up front (not measured).
    let invoices = Arc::new(Mutex::new(Vec::with_capacity(count as usize)));
    let issue = {
        let (store, tenant, invoices) = (store.clone(), tenant.to_owned(), Arc::clone(&invoices));
        move |_| {
            let (store, tenant, invoices) = (store.clone(), tenant.clone(), Arc::clone(&invoices));
            async move {
                let invoice = store.issue_invoice(sample_invoice(&tenant)).await?;
                lock(&invoices).push((invoice.number, invoice.total.to_string()));
                Ok(())
            }
        }
    };
    measure(concurrency, count, issue).await?;
    let invoices: Arc<Vec<(String, String)>> = Arc::new(lock(&invoices).clone());

    let receiver = Receiver::bind(loopback(), store.clone(), ReceiverOptions::default()).await?;
    let url = Arc::new(format!("http://{}/webhooks/{tenant}/bench", receiver.local_addr()?));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(receiver.run(async {
        let _ = stopped.await;
    }));
    let client = http_client(Duration::from_secs(5), Duration::from_secs(30))?;
    let post = |id_prefix: &'static str, body: fn(&(String, String), u32) -> String| {
        let (client, url, secret, invoices) =
            (client.clone(), Arc::clone(&url), Arc::clone(&secret), Arc::clone(&invoices));
        move |i: u32| {
            let (client, url, secret) = (client.clone(), Arc::clone(&url), Arc::clone(&secret));
            let body = body(&invoices[i as usize], i);
            async move { post_signed(&client, &url, &secret, &format!("{id_prefix}-{i}"), body).await }
        }
    };
    let paid = |(number, total): &(String, String), _: u32| {
        serde_json::json!({"type": "invoice.paid", "data": {"number": number, "amount": total, "currency": "EUR",
            "paid_at": "2026-11-21T10:00:00Z", "reference": "BENCH"}})
        .to_string()
    };
    let ignored =
        |_: &(String, String), i: u32| serde_json::json!({"type": "bench.ping", "data": {"i": i}}).to_string();
    let payment = measure(concurrency, count, post("bench-pay", paid)).await?;
    let dedup_row_only = measure(concurrency, count, post("bench-ping", ignored)).await?;
    let duplicate = measure(concurrency, count, post("bench-pay", paid)).await?;
    let _ = stop.send(());
    let _ = running.await;

    let counters = store.webhook_counters(tenant).await?;
    let mut each_paid_once = true;
    for (number, _) in invoices.iter() {
        let invoice = store.get_invoice(tenant, number).await?;
        each_paid_once &= invoice.payments.len() == 1 && invoice.payment_status == PaymentStatus::Paid;
    }
    let verified = each_paid_once
        && counters.duplicates_suppressed == u64::from(count)
        && counters.inbound_failed == 0
        && counters.rejected == 0;
    Ok(Inbound { payment, dedup_row_only, duplicate, verified })
}

struct Outbound {
    through_outbox: Phase,
    direct: Phase,
    verified: bool,
}

/// When the endpoint first heard of each invoice number.
type Arrivals = Arc<Mutex<HashMap<String, Instant>>>;

/// Issues `deliveries` invoices one after another with a worker running, and times commit → arrival;
/// then POSTs the same bodies directly.
async fn outbound(store: &AnyStore, tenant: &str, deliveries: u32, poll: Duration) -> Result<Outbound> {
    let arrivals: Arrivals = Arc::default();
    let (endpoint_url, stop_endpoint) = endpoint(Arc::clone(&arrivals)).await?;
    let endpoint = NewEndpoint {
        tenant: tenant.to_owned(),
        url: endpoint_url.clone(),
        event_types: vec!["invoice.issued".into()],
        secret: None,
        user: "bench".into(),
    };
    let secret = store.add_endpoint(endpoint).await?.secret.ok_or_else(|| storage("the endpoint got no secret"))?;
    let worker = Worker::new(DeliveryOptions { poll, ..DeliveryOptions::default() })?;
    let (stop_worker, stopped) = tokio::sync::watch::channel(false);
    let delivering = {
        let store = store.clone();
        tokio::spawn(async move { worker.run(&store, &stopped, |e| eprintln!("bench: delivery: {e}")).await })
    };

    let mut committed = Vec::with_capacity(deliveries as usize);
    let mut bodies = Vec::with_capacity(deliveries as usize);
    for i in 0..deliveries {
        let invoice = store.issue_invoice(sample_invoice(tenant)).await?;
        committed.push((invoice.number.clone(), Instant::now()));
        bodies.push(
            serde_json::json!({"type": "invoice.issued", "data": {"number": format!("direct-{}", invoice.number)}})
                .to_string(),
        );
        // Spread the issues over the poll interval, as a clerk's would be, not all inside one poll.
        let spread = poll.as_millis() as u64 * (u64::from(i) * 7919 % 100) / 400;
        tokio::time::sleep(Duration::from_millis(spread.max(1))).await;
    }
    let deadline = Instant::now() + Duration::from_secs(60) + poll * 2;
    while lock(&arrivals).len() < committed.len() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = stop_worker.send(true);
    let _ = delivering.await;
    let (latencies, last_arrival) = {
        let arrivals = lock(&arrivals);
        let latencies: Vec<Duration> = committed
            .iter()
            .filter_map(|(number, at)| arrivals.get(number).map(|arrived| arrived.saturating_duration_since(*at)))
            .collect();
        (latencies, arrivals.values().max().copied())
    };
    let all_arrived = latencies.len() == committed.len();
    // Per second: messages over the time from the first commit to the last arrival.
    let first_commit = committed.first().map(|(_, at)| *at);
    let span = first_commit.zip(last_arrival).map(|(first, last)| last.saturating_duration_since(first));
    let through_outbox = Phase::of(latencies, span.unwrap_or_default().max(Duration::from_millis(1)));

    // The baseline: the same kind of POST, signed, sent straight from here.
    let client = http_client(Duration::from_secs(5), Duration::from_secs(15))?;
    let secret = Secret::parse(&secret)?;
    let mut direct_latencies = Vec::with_capacity(bodies.len());
    let direct_started = Instant::now();
    for (i, body) in bodies.into_iter().enumerate() {
        let began = Instant::now();
        post_signed(&client, &endpoint_url, &secret, &format!("direct-{i}"), body).await?;
        direct_latencies.push(began.elapsed());
    }
    let direct = Phase::of(direct_latencies, direct_started.elapsed());
    let _ = stop_endpoint.send(());

    let counters = store.webhook_counters(tenant).await?;
    let verified = all_arrived && counters.delivered == u64::from(deliveries) && counters.pending == 0;
    Ok(Outbound { through_outbox, direct, verified })
}

/// A receiving endpoint on 127.0.0.1 that notes when each invoice number first arrives.
async fn endpoint(arrivals: Arrivals) -> Result<(String, tokio::sync::oneshot::Sender<()>)> {
    async fn arrive(State(arrivals): State<Arrivals>, body: Bytes) -> StatusCode {
        let now = Instant::now();
        let number = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|payload| payload["data"]["number"].as_str().map(str::to_owned));
        if let Some(number) = number {
            lock(&arrivals).entry(number).or_insert(now);
        }
        StatusCode::NO_CONTENT
    }
    let app = axum::Router::new().route("/hook", axum::routing::post(arrive)).with_state(arrivals);
    let listener = tokio::net::TcpListener::bind(loopback()).await.map_err(|e| storage(&format!("bind: {e}")))?;
    let address = listener.local_addr().map_err(|e| storage(&format!("bind: {e}")))?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
    });
    Ok((format!("http://{address}/hook"), stop))
}

/// POSTs `body` as message `id`, signed now; anything but 2xx is an error.
async fn post_signed(client: &reqwest::Client, url: &str, secret: &Secret, id: &str, body: String) -> Result<()> {
    let timestamp = Utc::now().timestamp();
    let signature = signature_header(std::slice::from_ref(secret), id, timestamp, body.as_bytes());
    let response = client
        .post(url)
        .header("content-type", "application/json")
        .header("webhook-id", id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body)
        .send()
        .await
        .map_err(|e| storage(&format!("POST {url}: {e}")))?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(storage(&format!("POST {url} answered {}", response.status())))
    }
}

fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn storage(detail: &str) -> Error {
    Error::Storage { backend: "bench", detail: detail.to_owned() }
}
