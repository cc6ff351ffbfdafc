//! Inbound webhooks over real HTTP on 127.0.0.1: a payment is recorded once however often it arrives,
//! to however many receivers; hostile requests are refused and recorded, never applied.

use std::net::SocketAddr;

use chrono::Utc;
use ledgerdesk_conformance::{Kind, TestDb};
use ledgerdesk_core::AnyStore;
use ledgerdesk_core::prelude::*;
use ledgerdesk_core::webhooks::inbound::NewSource;
use ledgerdesk_types::{InboundStatus, Localized, PaymentStatus, WebhookQuery};
use ledgerdesk_webhooks::{Receiver, ReceiverOptions};

use crate::fixtures::{date, invoice, seed};
use ledgerdesk_conformance::http::{client, post_signed, post_with};

/// The secrets of the specification's test vectors.
pub const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
pub const OTHER_SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

/// A receiver on 127.0.0.1 over its own store (another desktop); stops when the sender is dropped.
pub async fn receiver(db: &TestDb) -> (String, tokio::sync::oneshot::Sender<()>) {
    let store = db.open().await;
    let address: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let receiver = Receiver::bind(address, store, ReceiverOptions::default()).await.expect("bind a receiver");
    let url = format!("http://{}/webhooks/ACME/bank", receiver.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(receiver.run(async {
        let _ = stopped.await;
    }));
    (url, stop)
}

/// An `invoice.paid` body.
pub fn paid(number: &str, amount: &str, currency: &str, reference: &str) -> Vec<u8> {
    serde_json::json!({"type": "invoice.paid", "data": {"number": number, "amount": amount, "currency": currency,
        "paid_at": "2026-11-21T10:00:00Z", "reference": reference}})
    .to_string()
    .into_bytes()
}

/// Tenant ACME with a 121.00 EUR invoice and the source `bank`.
async fn set_up(store: &AnyStore) -> String {
    seed(store, "ACME").await;
    let number = store.issue_invoice(invoice("ACME", date(2026, 11, 20))).await.expect("an invoice").number;
    let source =
        NewSource { tenant: "ACME".into(), name: "bank".into(), secret: Some(SECRET.into()), user: "admin".into() };
    store.add_source(source).await.expect("a source");
    number
}

pub async fn twenty_concurrent_deliveries_record_one_payment(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let store = db.open().await;
    let number = set_up(&store).await;
    let ((url_a, stop_a), (url_b, stop_b)) = (receiver(&db).await, receiver(&db).await);
    let body = paid(&number, "121.00", "EUR", "TRX-1");
    let now = Utc::now().timestamp();
    let client = client();
    let posts: Vec<_> = (0..20)
        .map(|i| {
            let (client, body) = (client.clone(), body.clone());
            let url = if i % 2 == 0 { url_a.clone() } else { url_b.clone() };
            tokio::spawn(async move { post_signed(&client, &url, &[SECRET], "msg_pay_1", now, &body).await })
        })
        .collect();
    for post in posts {
        let (status, answer) = post.await.unwrap();
        assert_eq!(status, 200, "{answer}");
    }
    let paid_invoice = store.get_invoice("ACME", &number).await.unwrap();
    assert_eq!((paid_invoice.payments.len(), paid_invoice.payment_status), (1, PaymentStatus::Paid));
    assert_eq!(paid_invoice.payments[0].event_id.as_deref(), Some("msg_pay_1"));
    let events = store.list_events("ACME", &WebhookQuery::default()).await.unwrap();
    assert_eq!((events.len(), events[0].duplicates, events[0].status), (1, 19, InboundStatus::Applied));

    // After a restart of the receivers, the same event is still a duplicate.
    drop((stop_a, stop_b));
    let (url, _stop) = receiver(&db).await;
    let (status, answer) = post_signed(&client, &url, &[SECRET], "msg_pay_1", Utc::now().timestamp(), &body).await;
    assert!(status == 200 && answer.contains("\"duplicate\":true"), "{status} {answer}");
    assert_eq!(store.get_invoice("ACME", &number).await.unwrap().payments.len(), 1, "still one payment");
    assert_eq!(store.webhook_counters("ACME").await.unwrap().duplicates_suppressed, 20);
}

pub async fn hostile_requests_are_refused_recorded_and_never_applied(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let store = db.open().await;
    let number = set_up(&store).await;
    let (url, _stop) = receiver(&db).await;
    let client = client();
    let now = Utc::now().timestamp();
    let pay = |reference: &str| paid(&number, "1.00", "EUR", reference);
    let post = |secrets: Vec<&'static str>, id: &'static str, at: i64, body: Vec<u8>| {
        let (client, url) = (client.clone(), url.clone());
        async move { post_signed(&client, &url, &secrets, id, at, &body).await.0 }
    };
    assert_eq!(post(vec![SECRET], "msg_ok", now, pay("ok")).await, 200);
    assert_eq!(
        post(vec![OTHER_SECRET, SECRET], "msg_two", now, pay("two")).await,
        200,
        "one valid signature is enough"
    );
    assert_eq!(post(vec![OTHER_SECRET], "msg_wrong", now, pay("wrong")).await, 401);
    assert_eq!(post(vec![SECRET], "msg_old", now - 360, pay("old")).await, 401, "six minutes old");
    assert_eq!(post(vec![SECRET], "msg_ahead", now + 360, pay("ahead")).await, 401, "six minutes ahead");
    // Signed over one body, sent with another.
    let signature = ledgerdesk_core::webhooks::signature::signature_header(
        &[ledgerdesk_core::webhooks::signature::Secret::parse(SECRET).unwrap()],
        "msg_tampered",
        now,
        &pay("tampered"),
    );
    let headers =
        [("webhook-id", "msg_tampered"), ("webhook-timestamp", &now.to_string()), ("webhook-signature", &signature)];
    assert_eq!(post_with(&client, &url, &headers, &paid(&number, "99.00", "EUR", "tampered")).await.0, 401);
    assert_eq!(post_with(&client, &url, &[], &pay("bare")).await.0, 400, "no webhook headers");
    let big = vec![b' '; 10 * 1024 * 1024];
    assert_eq!(post(vec![SECRET], "msg_big", now, big).await, 413, "a 10 MiB body");
    assert_eq!(post(vec![SECRET], "msg_text", now, b"not json".to_vec()).await, 400, "a signed body that is not JSON");
    let elsewhere = url.replace("/ACME/bank", "/ACME/nobody");
    assert_eq!(post_signed(&client, &elsewhere, &[SECRET], "msg_x", now, &pay("x")).await.0, 404);
    assert_eq!(post_signed(&client, &url.replace("/ACME/", "/NOPE/"), &[SECRET], "msg_y", now, &pay("y")).await.0, 404);

    // Only the two valid requests took effect.
    let paid_invoice = store.get_invoice("ACME", &number).await.unwrap();
    assert_eq!(paid_invoice.paid_total.to_string(), "2.00");
    let rejections = store.list_rejections("ACME", 100).await.unwrap();
    let reasons: Vec<&str> = rejections.iter().rev().map(|r| r.reason.as_str()).collect();
    assert_eq!(
        reasons,
        [
            "signature_invalid",
            "timestamp_out_of_tolerance",
            "timestamp_out_of_tolerance",
            "signature_invalid",
            "missing_headers",
            "body_too_large",
            "malformed_body",
            "unknown_source"
        ]
    );
    let big = rejections.iter().find(|r| r.reason == "body_too_large").unwrap();
    assert!(big.body.is_none() && big.body_size == 10 * 1024 * 1024, "{big:?}");
    let counters = store.webhook_counters("ACME").await.unwrap();
    assert_eq!((counters.signatures_rejected, counters.rejected), (4, 8));
}

/// Posts `body` signed with [`SECRET`] as webhook `id`; the receiver must acknowledge it (200), and its
/// answer is returned.
async fn accepted(client: &reqwest::Client, url: &str, id: &str, body: Vec<u8>) -> serde_json::Value {
    let (status, answer) = post_signed(client, url, &[SECRET], id, Utc::now().timestamp(), &body).await;
    assert_eq!(status, 200, "{answer}");
    serde_json::from_str(&answer).unwrap()
}

pub async fn payments_add_up_and_a_failed_event_is_applied_again(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let store = db.open().await;
    let number = set_up(&store).await;
    let (url, _stop) = receiver(&db).await;
    let client = client();
    let send = |id: &'static str, body: Vec<u8>| accepted(&client, &url, id, body);
    assert_eq!(send("m1", paid(&number, "21.00", "EUR", "part 1")).await["status"], "applied");
    assert_eq!(store.get_invoice("ACME", &number).await.unwrap().payment_status, PaymentStatus::PartiallyPaid);
    let over = send("m2", paid(&number, "100.01", "EUR", "too much")).await;
    assert_eq!(over["status"], "failed", "an overpayment is refused whole");
    let mismatch = send("m3", paid(&number, "10.00", "USD", "dollars")).await;
    assert_eq!(mismatch["status"], "failed");
    assert_eq!(send("m4", paid(&number, "100.00", "EUR", "part 2")).await["status"], "applied");
    let settled = store.get_invoice("ACME", &number).await.unwrap();
    assert_eq!((settled.paid_total.to_string().as_str(), settled.payment_status), ("121.00", PaymentStatus::Paid));
    assert_eq!(settled.payments.iter().map(|p| p.amount.to_string()).collect::<Vec<_>>(), ["21.00", "100.00"]);
    let failed =
        store.list_events("ACME", &WebhookQuery { status: Some("failed".into()), ..Default::default() }).await.unwrap();
    let codes: Vec<_> = failed.iter().map(|e| e.error_code.clone().unwrap_or_default()).collect();
    assert_eq!(codes, ["payment_currency_mismatch", "payment_exceeds_balance"]);

    // A payment for an invoice not issued yet fails; once it is issued, the event is applied again.
    let early = send("m5", paid("202611-00002-ACME", "5.00", "EUR", "early")).await;
    assert_eq!(early["status"], "failed");
    let event = early["event"].as_i64().unwrap();
    assert_eq!(store.get_event("ACME", event).await.unwrap().error_code.as_deref(), Some("invoice_not_found"));
    store.issue_invoice(invoice("ACME", date(2026, 11, 21))).await.expect("the second invoice");
    let again = store.reapply_event("ACME", event, "clerk").await.expect("applied again");
    assert_eq!(
        (again.status, again.applications, again.invoice.as_deref()),
        (InboundStatus::Applied, 2, Some("202611-00002-ACME"))
    );
    let err = store.reapply_event("ACME", event, "clerk").await.unwrap_err();
    assert_eq!(err.code(), "webhook_event_not_reapplicable");
    // Unreadable data is stored as failed too, never half-applied.
    assert_eq!(send("m6", paid(&number, "1e3", "EUR", "sci")).await["status"], "failed");
}

pub async fn a_credited_invoice_owes_only_what_its_credit_notes_left(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let store = db.open().await;
    let number = set_up(&store).await;
    let corrective = ledgerdesk_core::NewSeries {
        tenant: "ACME".into(),
        code: "R".into(),
        format: Some("R{YYYY}-{SEQ:5}".into()),
        reset: ledgerdesk_types::ResetPolicy::Yearly,
        corrective: true,
    };
    store.add_series(corrective).await.expect("a corrective series");
    // Half of the one line (100.00 at 21 %) is credited: 60.50 of the 121.00 is no longer owed.
    let half = ledgerdesk_types::CreditScope::Lines(vec![ledgerdesk_types::CreditedLine {
        line_no: 1,
        quantity: "0.5".parse().unwrap(),
    }]);
    let credit = ledgerdesk_core::CreditInvoice {
        tenant: "ACME".into(),
        invoice: number.clone(),
        series: "R".into(),
        reason: "Half returned".into(),
        issue_date: Some(date(2026, 11, 21)),
        scope: half,
        user: "clerk".into(),
    };
    let note = store.credit_invoice(credit, None).await.expect("the credit note").value;
    let (url, _stop) = receiver(&db).await;
    let client = client();
    let send = |id: &'static str, body: Vec<u8>| accepted(&client, &url, id, body);
    let over = send("c1", paid(&number, "60.51", "EUR", "more than is owed")).await;
    assert_eq!(over["status"], "failed");
    assert_eq!(send("c2", paid(&number, "60.50", "EUR", "the rest")).await["status"], "applied");
    let settled = store.get_invoice("ACME", &number).await.unwrap();
    assert_eq!(
        (settled.paid_total.to_string().as_str(), settled.credited_total.to_string().as_str()),
        ("60.50", "60.50")
    );
    // A credit note owes nothing: a payment of it is refused.
    assert_eq!(send("c3", paid(&note.number, "1.00", "EUR", "paying a credit")).await["status"], "failed");
    let failed =
        store.list_events("ACME", &WebhookQuery { status: Some("failed".into()), ..Default::default() }).await.unwrap();
    let codes: Vec<_> = failed.iter().map(|e| e.error_code.clone().unwrap_or_default()).collect();
    assert_eq!(codes, ["payment_exceeds_balance", "payment_exceeds_balance"]);
}
