//! Webhooks in the real window: a source and an endpoint set up in Settings (each secret shown once);
//! a delivery that fails shows its attempts and goes through from the Redeliver button; a payment
//! posted to a receiver on the same book shows in the Inbound tab, and its invoice shows paid.

use std::net::SocketAddr;
use std::time::Duration;

use chrono::Utc;
use ledgerdesk_conformance::TestDb;
use ledgerdesk_conformance::http::{Sink, client, post_signed};
use ledgerdesk_core::prelude::*;
use ledgerdesk_types::InvoiceListQuery;
use ledgerdesk_webhooks::{Receiver, ReceiverOptions};

use crate::driver::Driver;
use crate::issue_one;

/// The retry schedule the app is started with (`LEDGERDESK_RETRY_SCHEDULE`): one retry, a second on.
pub const RETRY_SCHEDULE: &str = "1s";

/// Sets up a source and an endpoint, reads their secrets off the screen, and follows one message and
/// one payment through the Webhooks screen.
pub fn webhook_flow(app: &Driver, runtime: &tokio::runtime::Runtime, db: &TestDb) {
    // Answers 503 twice (the first attempt and its one retry), then 200.
    let sink = runtime.block_on(Sink::start(|n| (if n < 2 { 503 } else { 200 }, Duration::ZERO)));

    app.click("#nav-settings");
    app.fill("#source-name", "bank");
    app.click("#source-submit");
    app.wait_text("#notice", "the new source", |t| t.contains("Source bank added"));
    let source_secret = app.value(".secret-once input.secret");
    assert!(source_secret.starts_with("whsec_"), "{source_secret}");
    app.wait_text("#sources-table tbody", "the source", |t| t.contains("/webhooks/ACME/bank"));
    app.scroll_to(".secret-once");
    app.screenshot("14-webhook-source-secret-once");
    app.click(".secret-once button:last-child");
    app.wait_gone(".secret-once", "the secret");

    app.fill("#endpoint-url", &sink.url);
    app.fill("#endpoint-events", "invoice.issued");
    app.click("#endpoint-submit");
    app.wait_text("#notice", "the new endpoint", |t| t.contains("Endpoint #1 added"));
    let endpoint_secret = app.value(".secret-once input.secret");
    assert!(endpoint_secret.starts_with("whsec_") && endpoint_secret != source_secret);
    app.wait_text("#endpoints-table tbody", "the endpoint", |t| t.contains(&sink.url) && t.contains("enabled"));
    app.scroll_to("#endpoints-table");
    app.screenshot("15-webhook-endpoint-added");

    // An invoice issued now is a message for the endpoint; the background worker fails twice and gives up.
    issue_one(app, "Webhook check", "1", "10");
    app.click("#issue-submit");
    let notice = app.wait_text("#notice", "the third invoice", |t| t.starts_with("Issued "));
    assert!(notice.contains("-00003-ACME"), "{notice}");
    app.click("#nav-webhooks");
    app.click("#tab-outbound");
    app.wait_text("#outbound-table tbody", "the message given up", |t| {
        t.contains("invoice.issued") && t.contains("failed")
    });
    app.click("#outbound-table tr.row td");
    app.wait_text("#attempts-table tbody", "two failed attempts", |t| t.matches("503").count() == 2);
    app.wait_text("#count-deliveries-failed", "the failed counter", |t| t == "1");
    app.screenshot("16-outbound-failed-attempts");

    app.click("#outbound-redeliver");
    app.wait_text("#notice", "the redelivery", |t| t.contains("will be sent again now"));
    app.wait_text("#outbound-status", "the delivery", |t| t == "delivered");
    app.wait_text("#attempts-table tbody", "the third attempt", |t| t.contains("200"));
    app.screenshot("17-outbound-redelivered");
    let received = sink.received();
    assert_eq!(received.len(), 3, "two failures and one success");
    assert!(received.iter().all(|r| r.webhook_id == received[0].webhook_id), "one webhook-id throughout");
    assert!(received.iter().all(|r| r.signed_by(&endpoint_secret)), "each attempt signed with the shown secret");

    // A payment for invoice 2 (119.99 EUR), posted twice, signed with the secret the screen showed.
    runtime.block_on(post_payment_twice(db, &source_secret));
    app.click("#tab-inbound");
    app.wait_text("#inbound-table tbody", "the payment", |t| t.contains("invoice.paid") && t.contains("applied"));
    app.click("#inbound-table tr.row td");
    app.wait_text("#inbound-duplicates", "the duplicate", |t| t == "1");
    app.wait_text("#inbound-payment", "the payment", |t| t.contains("119.99 EUR") && t.contains("TRX-77"));
    app.wait_text("#count-duplicates", "the duplicate counter", |t| t == "1");
    app.wait_text("#count-signatures", "the forged request counted", |t| t == "1");
    app.screenshot("18-inbound-payment");
    app.click("#inbound-invoice-link");
    app.wait_text("#detail-payment-status", "the invoice paid", |t| t == "paid");
    app.wait_text("#detail-payments", "the payment row", |t| t.contains("TRX-77") && t.contains("webhook bank"));
    app.screenshot("19-invoice-paid");
    app.click("#nav-invoices");
    app.wait_text("#invoice-table tbody", "paid in the list", |t| t.contains("paid"));

    app.click("#nav-webhooks");
    app.click("#tab-rejected");
    app.wait_text("#rejections-table tbody", "the forged request", |t| t.contains("signature invalid"));
    app.screenshot("20-refused-requests");
}

/// Starts a receiver on the book (as another desktop would), posts one signed payment twice and one
/// forged request, then stops it.
async fn post_payment_twice(db: &TestDb, secret: &str) {
    let store = db.open().await;
    let invoices = store.list_invoices("ACME", &InvoiceListQuery::default()).await.expect("the invoices");
    let number = &invoices.iter().find(|i| i.total.to_string() == "119.99").expect("invoice 2").number;
    let address: SocketAddr = "127.0.0.1:0".parse().expect("an address");
    let receiver = Receiver::bind(address, store, ReceiverOptions::default()).await.expect("a receiver");
    let url = format!("http://{}/webhooks/ACME/bank", receiver.local_addr().expect("its address"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(receiver.run(async {
        let _ = stopped.await;
    }));
    let body = serde_json::json!({"type": "invoice.paid", "data": {"number": number, "amount": "119.99",
        "currency": "EUR", "paid_at": "2026-11-21T10:00:00Z", "reference": "TRX-77"}})
    .to_string();
    let client = client();
    let now = Utc::now().timestamp();
    for _ in 0..2 {
        let (status, answer) = post_signed(&client, &url, &[secret], "msg_e2e_payment", now, body.as_bytes()).await;
        assert_eq!(status, 200, "{answer}");
    }
    let forged = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let (status, _) = post_signed(&client, &url, &[forged], "msg_e2e_forged", now, body.as_bytes()).await;
    assert_eq!(status, 401);
    let _ = stop.send(());
    let _ = running.await;
}
