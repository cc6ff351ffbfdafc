//! Outbound webhooks over real HTTP on 127.0.0.1: an event is written with its change and only with it;
//! each message reaches its endpoint at least once, under one webhook-id, retried on the schedule.

use std::time::{Duration, Instant};

use ledgerdesk_conformance::{Kind, TestDb, cli_binary};
use ledgerdesk_core::prelude::*;
use ledgerdesk_core::webhooks::outbound::{NewEndpoint, RetrySchedule};
use ledgerdesk_core::{AnyStore, Error};
use ledgerdesk_types::{AttemptOutcome, Localized, MessageStatus, OutboundMessage, WebhookQuery};
use ledgerdesk_webhooks::{DeliveryOptions, Worker};

use crate::fixtures::{date, invoice, license, line, seed};
use crate::inbound::{OTHER_SECRET, SECRET};
use ledgerdesk_conformance::http::Sink;

async fn endpoint(store: &AnyStore, url: &str, events: &[&str]) -> i64 {
    let endpoint = NewEndpoint {
        tenant: "ACME".into(),
        url: url.into(),
        event_types: events.iter().map(|e| (*e).to_owned()).collect(),
        secret: Some(SECRET.into()),
        user: "admin".into(),
    };
    store.add_endpoint(endpoint).await.expect("an endpoint").value.id
}

/// A worker retrying after `schedule` (e.g. `20ms,20ms`), one message at a time.
fn worker(schedule: &str, batch: u32) -> Worker {
    let options = DeliveryOptions {
        schedule: RetrySchedule::parse(schedule).unwrap(),
        connect_timeout: Duration::from_secs(2),
        timeout: Duration::from_secs(5),
        lease: Duration::from_secs(12),
        batch,
        ..DeliveryOptions::default()
    };
    Worker::new(options).expect("a worker")
}

/// The messages of ACME, oldest first.
async fn messages(store: &AnyStore) -> Vec<OutboundMessage> {
    let mut list = store.list_messages("ACME", &WebhookQuery::default()).await.unwrap();
    list.reverse();
    list
}

/// Runs `worker` until `done` holds for the messages (30 s at most).
async fn deliver_until(
    store: &AnyStore,
    worker: &Worker,
    done: impl Fn(&[OutboundMessage]) -> bool,
) -> Vec<OutboundMessage> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        worker.deliver_until_idle(store).await.expect("a delivery round");
        let now = messages(store).await;
        if done(&now) {
            return now;
        }
        assert!(Instant::now() < deadline, "messages never got there: {now:#?}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

pub async fn a_change_writes_its_event_in_its_own_transaction(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let store = db.open().await;
    seed(&store, "ACME").await;
    let invoices = endpoint(&store, "http://127.0.0.1:9/invoices", &["invoice.issued"]).await;
    let licenses = endpoint(&store, "http://127.0.0.1:9/licenses", &["license.*"]).await;
    let off = endpoint(&store, "http://127.0.0.1:9/off", &["*"]).await;
    store.set_endpoint_enabled("ACME", off, false, "admin").await.unwrap();
    let count = |table: &'static str| {
        let db = &db;
        async move { db.count(&format!("SELECT count(*) FROM {table}")).await }
    };

    store.issue_invoice(invoice("ACME", date(2026, 11, 20))).await.unwrap();
    assert_eq!((count("outbox_events").await, count("webhook_messages").await), (1, 1));
    let sent = messages(&store).await;
    assert_eq!((sent[0].endpoint_id, sent[0].event_type.as_str()), (invoices, "invoice.issued"));
    let payload: serde_json::Value = serde_json::from_str(&sent[0].payload).unwrap();
    assert_eq!(
        (payload["data"]["number"].as_str(), payload["data"]["total"].as_str()),
        (Some("202611-00001-ACME"), Some("121.00"))
    );

    // A refused issue, and an issue whose transaction fails after its number is taken: no event.
    assert!(store.issue_invoice(invoice("ACME", date(2026, 11, 1))).await.is_err());
    db.refuse_exploding_lines().await;
    let mut doomed = invoice("ACME", date(2026, 11, 21));
    doomed.lines.push(line("EXPLODE", "1", "1", "0"));
    assert!(store.issue_invoice(doomed).await.is_err());
    assert_eq!((count("outbox_events").await, count("webhook_messages").await), (1, 1), "no event without its change");

    let assigned = store.assign_license(license("ACME", "ana"), "admin", None).await.unwrap().value;
    let change = ledgerdesk_types::ChangeLicense {
        tenant: "ACME".into(),
        license: assigned.id,
        expected_version: 1,
        action: ledgerdesk_types::LicenseAction::Suspend,
    };
    store.change_license(change, "admin", None).await.unwrap();
    let types: Vec<String> =
        messages(&store).await.into_iter().map(|m| format!("{}@{}", m.event_type, m.endpoint_id)).collect();
    assert_eq!(
        types,
        [
            format!("invoice.issued@{invoices}"),
            format!("license.assigned@{licenses}"),
            format!("license.suspended@{licenses}")
        ]
    );
    assert_eq!(count("outbox_events").await, 3, "every change has its event, wanted or not");
}

pub async fn a_failing_endpoint_is_retried_under_one_webhook_id(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let store = db.open().await;
    seed(&store, "ACME").await;
    // Fails twice, then accepts.
    let sink = Sink::start(|n| (if n < 2 { 500 } else { 204 }, Duration::ZERO)).await;
    endpoint(&store, &sink.url, &["*"]).await;
    store.issue_invoice(invoice("ACME", date(2026, 11, 20))).await.unwrap();
    let done = deliver_until(&store, &worker("20ms,20ms,20ms", 4), |m| m[0].status == MessageStatus::Delivered).await;

    let received = sink.received();
    assert_eq!(received.len(), 3, "exactly N + 1 attempts");
    assert!(received.iter().all(|r| r.webhook_id == done[0].webhook_id), "one webhook-id at every attempt");
    assert!(
        received.iter().all(|r| r.signed_by(SECRET) && r.body == done[0].payload),
        "each attempt signed, same body"
    );
    let shown = store.get_message("ACME", done[0].id).await.unwrap();
    let outcomes: Vec<AttemptOutcome> = shown.attempts_made.iter().map(|a| a.outcome).collect();
    assert_eq!(outcomes, [AttemptOutcome::Retry, AttemptOutcome::Retry, AttemptOutcome::Delivered]);
    assert_eq!(shown.attempts_made[0].http_status, Some(500));
}

pub async fn an_endpoint_that_keeps_failing_is_given_up_then_redelivered(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let store = db.open().await;
    seed(&store, "ACME").await;
    // Fails three times (the whole schedule), then would accept.
    let sink = Sink::start(|n| (if n < 3 { 503 } else { 200 }, Duration::ZERO)).await;
    endpoint(&store, &sink.url, &["invoice.issued"]).await;
    store.issue_invoice(invoice("ACME", date(2026, 11, 20))).await.unwrap();
    let worker = worker("20ms,20ms", 4);
    let done = deliver_until(&store, &worker, |m| m[0].status == MessageStatus::Failed).await;
    assert_eq!(done[0].attempts, 3);
    assert!(
        done[0].last_error.as_deref().unwrap_or_default().contains("gave up after 3 attempts"),
        "{:?}",
        done[0].last_error
    );
    assert_eq!(store.webhook_counters("ACME").await.unwrap().deliveries_failed, 1);

    let again = store.redeliver("ACME", done[0].id).await.unwrap();
    assert_eq!(again.status, MessageStatus::Pending);
    let done = deliver_until(&store, &worker, |m| m[0].status == MessageStatus::Delivered).await;
    assert_eq!((done[0].attempts, sink.received().len()), (4, 4));
    assert_eq!(store.redeliver("ACME", 999).await.unwrap_err().code(), "webhook_message_not_found");

    // A message a worker holds right now is not handed out a second time by a redeliver.
    assert!(!store.any_due().await.unwrap(), "nothing due once delivered");
    store.issue_invoice(invoice("ACME", date(2026, 11, 21))).await.unwrap();
    assert!(store.any_due().await.unwrap(), "the new message is due");
    let claimed = store.claim_messages(1, Duration::from_secs(60)).await.unwrap();
    assert!(!store.any_due().await.unwrap(), "a leased message is not due");
    let err = store.redeliver("ACME", claimed[0].message).await.unwrap_err();
    assert_eq!(err.code(), "webhook_message_in_delivery", "{err}");
    assert!(store.claim_messages(1, Duration::from_secs(60)).await.unwrap().is_empty(), "still leased");
}

pub async fn gone_disables_the_endpoint_until_it_is_enabled(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let store = db.open().await;
    seed(&store, "ACME").await;
    let sink = Sink::start(|n| (if n == 0 { 410 } else { 200 }, Duration::ZERO)).await;
    let id = endpoint(&store, &sink.url, &["*"]).await;
    store.issue_invoice(invoice("ACME", date(2026, 11, 20))).await.unwrap();
    store.issue_invoice(invoice("ACME", date(2026, 11, 21))).await.unwrap();
    let worker = worker("20ms", 1);
    worker.deliver_until_idle(&store).await.unwrap();
    let endpoints = store.list_endpoints("ACME").await.unwrap();
    assert!(endpoints[0].disabled_reason.as_deref().unwrap_or_default().contains("410"), "{endpoints:?}");
    let now = messages(&store).await;
    assert_eq!((now[0].status, now[1].status), (MessageStatus::Failed, MessageStatus::Pending), "the next one waits");
    assert_eq!(sink.received().len(), 1);

    store.set_endpoint_enabled("ACME", id, true, "admin").await.unwrap();
    let done = deliver_until(&store, &worker, |m| m[1].status == MessageStatus::Delivered).await;
    assert_eq!(done[0].status, MessageStatus::Failed, "the 410'd message stays failed until redelivered");
}

pub async fn a_rotated_secret_signs_beside_the_old_one(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let store = db.open().await;
    seed(&store, "ACME").await;
    let sink = Sink::start(|_| (200, Duration::ZERO)).await;
    let id = endpoint(&store, &sink.url, &["*"]).await;
    let rotated =
        store.rotate_endpoint_secret("ACME", id, Some(OTHER_SECRET.into()), Duration::from_secs(3_600)).await.unwrap();
    assert_eq!(rotated.value.active_secrets, 2);
    store.issue_invoice(invoice("ACME", date(2026, 11, 20))).await.unwrap();
    deliver_until(&store, &worker("20ms", 4), |m| m[0].status == MessageStatus::Delivered).await;
    let received = &sink.received()[0];
    assert!(received.signed_by(SECRET) && received.signed_by(OTHER_SECRET), "both sign during the overlap");
    assert_eq!(received.signature.split(' ').count(), 2);
    let err = store.rotate_endpoint_secret("ACME", id, Some("whsec_short".into()), Duration::ZERO).await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err}");
}

pub async fn two_worker_processes_lose_nothing_when_one_is_killed(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let store = db.open().await;
    seed(&store, "ACME").await;
    // Every answer takes 300 ms, so a worker is caught in the middle of its deliveries.
    let sink = Sink::start(|_| (200, Duration::from_millis(300))).await;
    endpoint(&store, &sink.url, &["invoice.issued"]).await;
    for day in 1..=12 {
        store.issue_invoice(invoice("ACME", date(2026, 11, day))).await.unwrap();
    }
    let start = || {
        tokio::process::Command::new(cli_binary())
            .args(["--db", &db.url, "webhook", "deliver", "--lease-secs", "8", "--http-timeout-secs", "2"])
            .args(["--http-connect-timeout-secs", "1", "--poll-ms", "50", "--batch", "4"])
            .kill_on_drop(true)
            .spawn()
            .expect("a worker process")
    };
    let mut doomed = start();
    let deadline = Instant::now() + Duration::from_secs(20);
    while sink.received().is_empty() {
        assert!(Instant::now() < deadline, "the first worker never delivered");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    doomed.start_kill().expect("SIGKILL");
    doomed.wait().await.unwrap();
    let mut survivor = start();
    let deadline = Instant::now() + Duration::from_secs(60);
    let done = loop {
        let now = messages(&store).await;
        if now.iter().all(|m| m.status == MessageStatus::Delivered) {
            break now;
        }
        assert!(Instant::now() < deadline, "not every message was delivered: {now:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    survivor.start_kill().unwrap();

    let received = sink.received();
    let mut ids: Vec<&str> = received.iter().map(|r| r.webhook_id.as_str()).collect();
    ids.sort_unstable();
    let mut twice: Vec<&str> = ids.windows(2).filter(|w| w[0] == w[1]).map(|w| w[0]).collect();
    ids.dedup();
    twice.dedup();
    assert_eq!(ids.len(), 12, "every message reached the endpoint");
    // At least once: only a message the killed worker held can have arrived twice, and it was claimed twice.
    assert!(twice.len() <= 4, "at most the killed worker's batch came twice: {twice:?}");
    for id in twice {
        let message = done.iter().find(|m| m.webhook_id == id).unwrap();
        assert!(message.attempts >= 2, "{message:?}");
    }
}
