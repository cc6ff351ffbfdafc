//! Credit notes: full and partial credits in a corrective series, never more than the invoice (16 at
//! once included), no credit of a credit, the credit status and its list filter, and the shape the
//! database holds whoever writes.

use ledgerdesk_conformance::{Kind, TestDb};
use ledgerdesk_core::prelude::*;
use ledgerdesk_core::{AnyStore, CreditInvoice, NewSeries, StoreOptions};
use ledgerdesk_types::{
    CreditScope, CreditStatus, CreditedAmount, CreditedLine, InvoiceListQuery, IssuedInvoice, Localized, ResetPolicy,
};
use rust_decimal::Decimal;

use crate::fixtures::{audit_of, date, invoice, line, seed};

fn d(text: &str) -> Decimal {
    text.parse().expect("a decimal")
}

/// ACME with INV, a corrective series R (`R{YYYY}-{SEQ:5}`, yearly) and one invoice of two lines:
/// 10 × 12.50 at 21 % and 3 × 0.335 at 10 %.
async fn book(kind: Kind, connections: u32) -> (TestDb, AnyStore, IssuedInvoice) {
    let db = TestDb::fresh(kind).await;
    let store = db.open_with(StoreOptions { max_connections: connections, ..StoreOptions::default() }).await;
    seed(&store, "ACME").await;
    let corrective = NewSeries {
        tenant: "ACME".into(),
        code: "R".into(),
        format: Some("R{YYYY}-{SEQ:5}".into()),
        reset: ResetPolicy::Yearly,
        corrective: true,
    };
    store.add_series(corrective).await.expect("corrective series");
    let mut request = invoice("ACME", date(2026, 11, 3));
    request.lines = vec![line("Licence", "10", "12.50", "21"), line("Stamps", "3", "0.335", "10")];
    let original = store.issue_invoice(request).await.expect("the invoice");
    assert_eq!(original.total, d("152.36"), "125.00 + 26.25 + 1.01 + 0.10");
    (db, store, original)
}

fn credit(number: &str, scope: CreditScope) -> CreditInvoice {
    CreditInvoice {
        tenant: "ACME".into(),
        invoice: number.into(),
        series: "R".into(),
        reason: "Goods returned".into(),
        issue_date: Some(date(2026, 11, 20)),
        scope,
        user: "clerk".into(),
    }
}

fn lines(chosen: &[(u32, &str)]) -> CreditScope {
    CreditScope::Lines(
        chosen.iter().map(|(line_no, quantity)| CreditedLine { line_no: *line_no, quantity: d(quantity) }).collect(),
    )
}

async fn issue_credit(store: &AnyStore, request: CreditInvoice) -> Result<IssuedInvoice, String> {
    store.credit_invoice(request, None).await.map(|reply| reply.value).map_err(|e| e.code().to_owned())
}

pub async fn full_and_partial_credits_take_back_exactly_the_invoice(kind: Kind) {
    let (db, store, original) = book(kind, 4).await;
    // A partial credit: 4 of the 10 licences and one of the three stamps.
    let first = issue_credit(&store, credit(&original.number, lines(&[(1, "4"), (2, "1")]))).await.unwrap();
    assert_eq!(first.number, "R2026-00001");
    assert_eq!(first.credit_status, CreditStatus::CreditNote);
    assert_eq!(first.credit_of.as_ref().map(|of| of.number.as_str()), Some(original.number.as_str()));
    assert_eq!(first.lines[0].quantity, d("-4"));
    assert_eq!((first.lines[0].net_amount, first.lines[0].tax_amount), (d("-50.00"), d("-10.50")));
    assert_eq!((first.lines[1].net_amount, first.lines[1].tax_amount), (d("-0.34"), d("-0.03")));
    assert_eq!(first.total, d("-60.87"));
    let now = store.get_invoice("ACME", &original.number).await.unwrap();
    assert_eq!(now.credit_status, CreditStatus::PartiallyCredited);
    assert_eq!(now.credited_total, d("60.87"));
    assert_eq!((now.lines[0].credited_quantity, now.lines[1].credited_quantity), (d("4"), d("1")));

    // More than is left is refused and takes no number.
    let over = issue_credit(&store, credit(&original.number, lines(&[(1, "7")]))).await.unwrap_err();
    assert_eq!(over, "credit_exceeds_remaining");
    // Everything left: the last of each line takes exactly what is left, so the invoice nets to zero.
    let rest = issue_credit(&store, credit(&original.number, CreditScope::All)).await.unwrap();
    assert_eq!(rest.number, "R2026-00002", "the refused credit consumed no number");
    assert_eq!(rest.total, -(original.total - now.credited_total));
    let after = store.get_invoice("ACME", &original.number).await.unwrap();
    assert_eq!(after.credit_status, CreditStatus::Credited);
    assert_eq!(after.credited_total, original.total);
    let notes: Vec<_> = after.credit_notes.iter().map(|n| n.number.as_str()).collect();
    assert_eq!(notes, ["R2026-00001", "R2026-00002"]);
    assert_eq!(after.credit_notes.iter().map(|n| n.total).sum::<Decimal>(), -original.total);
    let again = issue_credit(&store, credit(&original.number, CreditScope::All)).await.unwrap_err();
    assert_eq!(again, "invoice_fully_credited");

    // A credit note is not credited; the corrective series is audited like any other.
    let of_credit = issue_credit(&store, credit(&rest.number, CreditScope::All)).await.unwrap_err();
    assert_eq!(of_credit, "credit_of_credit_note");
    let audit = audit_of(&store, "ACME", "R", "2026").await;
    assert_eq!((audit.count, audit.gaps.len()), (2, 0));
    // Each credit note told the outbox and the audit trail, in its own transaction; the refused ones did not.
    assert_eq!(db.count("SELECT count(*) FROM outbox_events WHERE event_type = 'invoice.credited'").await, 2);
    assert_eq!(db.count("SELECT count(*) FROM audit_trail WHERE action = 'invoice.credit'").await, 2);
}

pub async fn credits_keep_to_their_series_and_dates(kind: Kind) {
    let (db, store, original) = book(kind, 4).await;
    let early = CreditInvoice { issue_date: Some(date(2026, 11, 2)), ..credit(&original.number, CreditScope::All) };
    assert_eq!(issue_credit(&store, early).await.unwrap_err(), "credit_date_before_invoice");
    let regular = CreditInvoice { series: "INV".into(), ..credit(&original.number, CreditScope::All) };
    assert_eq!(issue_credit(&store, regular).await.unwrap_err(), "series_not_corrective");
    let into_corrective = ledgerdesk_core::IssueInvoice { series: "R".into(), ..invoice("ACME", date(2026, 11, 4)) };
    assert_eq!(store.issue_invoice(into_corrective).await.unwrap_err().code(), "series_corrective");
    let missing = issue_credit(&store, credit("202611-09999-ACME", CreditScope::All)).await.unwrap_err();
    assert_eq!(missing, "invoice_not_found");
    let no_line = issue_credit(&store, credit(&original.number, lines(&[(3, "1")]))).await.unwrap_err();
    assert_eq!(no_line, "credit_line_not_found");
    assert_eq!(db.count("SELECT count(*) FROM invoices").await, 1, "nothing refused was written");

    // Written behind the app's back, a credit note in a regular series, of a credit note or before its
    // invoice is refused by the database itself.
    let raw = |series: &str, of: &str, on: &str| {
        format!(
            "INSERT INTO invoices (tenant_id, series_id, period, seq, number, issue_date, currency, net_total,
                                   tax_total, total, created_by, created_at, credit_of, credit_reason, credit_status)
             SELECT i.tenant_id, s.id, '2026', 99, 'RAW-1', '{on}', 'EUR', -1, 0, -1, 'raw', i.created_at,
                    {of}, 'raw', 'credit_note'
               FROM invoices i, invoice_series s WHERE s.code = '{series}' AND i.number = '{}'",
            original.number
        )
    };
    for (series, of, on) in [("INV", "i.id", "2026-11-20"), ("R", "i.id", "2026-11-01"), ("R", "NULL", "2026-11-20")] {
        let refused = db.execute(&raw(series, of, on)).await.unwrap_err();
        assert!(refused.contains("credit_note_invalid"), "{series} {of} {on}: {refused}");
    }
    let unchanged = "UPDATE invoices SET credit_reason = 'rewritten' WHERE credit_of IS NULL";
    assert!(db.execute(unchanged).await.unwrap_err().contains("invoice_immutable"));
}

pub async fn sixteen_concurrent_credits_never_exceed_the_invoice(kind: Kind) {
    let (_db, store, original) = book(kind, 16).await;
    // 16 clerks each credit 1 of the 10 licences at once: 10 get a credit note, 6 are refused.
    let tries: Vec<_> = (0..16)
        .map(|_| {
            let (store, request) = (store.clone(), credit(&original.number, lines(&[(1, "1")])));
            tokio::spawn(async move { issue_credit(&store, request).await })
        })
        .collect();
    let mut numbers = Vec::new();
    let mut refused = 0;
    for attempt in tries {
        match attempt.await.expect("a clerk") {
            Ok(note) => numbers.push(note.number),
            Err(code) if code == "credit_exceeds_remaining" => refused += 1,
            Err(code) => panic!("unexpected {code}"),
        }
    }
    numbers.sort();
    let expected: Vec<String> = (1..=10).map(|n| format!("R2026-{n:05}")).collect();
    assert_eq!((numbers, refused), (expected, 6), "gapless, and never past the invoice's quantity");
    let after = store.get_invoice("ACME", &original.number).await.unwrap();
    assert_eq!(after.lines[0].credited_quantity, d("10"));
    assert_eq!(after.credited_total, d("151.25"), "the licence line in full: 125.00 + 26.25");
    assert_eq!(after.credit_status, CreditStatus::PartiallyCredited);
    let audit = audit_of(&store, "ACME", "R", "2026").await;
    assert_eq!((audit.count, audit.gaps.len(), audit.duplicates.len()), (10, 0, 0));
}

pub async fn the_list_filters_by_credit_status(kind: Kind) {
    let (_db, store, original) = book(kind, 4).await;
    let untouched = store.issue_invoice(invoice("ACME", date(2026, 11, 5))).await.unwrap();
    let cancelled = store.issue_invoice(invoice("ACME", date(2026, 11, 6))).await.unwrap();
    issue_credit(&store, credit(&original.number, lines(&[(2, "1")]))).await.unwrap();
    let note = issue_credit(&store, credit(&cancelled.number, CreditScope::All)).await.unwrap();
    let listed = |status: CreditStatus| {
        let store = store.clone();
        async move {
            let query = InvoiceListQuery { credit_status: Some(status), ..Default::default() };
            store.list_invoices("ACME", &query).await.unwrap().into_iter().map(|i| i.number).collect::<Vec<_>>()
        }
    };
    assert_eq!(listed(CreditStatus::Issued).await, [untouched.number]);
    assert_eq!(listed(CreditStatus::PartiallyCredited).await, [original.number]);
    assert_eq!(listed(CreditStatus::Credited).await, [cancelled.number]);
    assert_eq!(listed(CreditStatus::CreditNote).await.len(), 2);
    let all = store.list_invoices("ACME", &InvoiceListQuery::default()).await.unwrap();
    let shown = all.iter().find(|i| i.number == note.number).expect("the credit note is listed");
    assert_eq!(shown.credit_status, CreditStatus::CreditNote);
}

fn amounts(asked: &[(&str, &str)]) -> CreditScope {
    CreditScope::Amounts(
        asked.iter().map(|(rate, net)| CreditedAmount { tax_rate: d(rate), net_amount: d(net) }).collect(),
    )
}

pub async fn credits_by_amount_per_rate_never_exceed_the_rate(kind: Kind) {
    let (_db, store, original) = book(kind, 8).await;
    // 8 clerks each take back 40.00 net at 21 % at once: of the rate's 125.00, three fit.
    let tries: Vec<_> = (0..8)
        .map(|_| {
            let (store, request) = (store.clone(), credit(&original.number, amounts(&[("21", "40")])));
            tokio::spawn(async move { issue_credit(&store, request).await })
        })
        .collect();
    let (mut granted, mut refused) = (Vec::new(), 0);
    for attempt in tries {
        match attempt.await.expect("a clerk") {
            Ok(note) => granted.push(note),
            Err(code) if code == "credit_exceeds_rate" => refused += 1,
            Err(code) => panic!("unexpected {code}"),
        }
    }
    assert_eq!((granted.len(), refused), (3, 5), "never past the rate's net");
    for note in &granted {
        assert_eq!((note.net_total, note.tax_total, note.total), (d("-40.00"), d("-8.40"), d("-48.40")));
        assert_eq!(note.lines[0].credits_line, None);
        assert_eq!(note.lines[0].tax_rate, d("21"));
    }
    let refused = |scope| {
        let store = store.clone();
        let request = credit(&original.number, scope);
        async move { issue_credit(&store, request).await.unwrap_err() }
    };
    assert_eq!(refused(amounts(&[("10", "2")])).await, "credit_exceeds_rate", "1.01 is all there is at 10 %");
    assert_eq!(refused(amounts(&[("7", "1")])).await, "credit_rate_not_found");
    assert_eq!(refused(lines(&[(1, "1")])).await, "credit_scope_mixed");

    // The rest by --all: 5.00 at 21 % and 1.01 at 10 %, with exactly the VAT left; nothing remains.
    let rest = issue_credit(&store, credit(&original.number, CreditScope::All)).await.expect("the rest");
    let after = store.get_invoice("ACME", &original.number).await.unwrap();
    assert_eq!(after.credit_status, CreditStatus::Credited);
    assert_eq!(after.credited_total, after.total);
    let credited: Decimal = granted.iter().map(|n| n.total).sum::<Decimal>() + rest.total;
    assert_eq!(credited, -original.total, "the credit notes net the invoice to zero to the cent");
    assert!(after.lines.iter().all(|l| l.credited_quantity.is_zero()), "no quantity was credited");
    assert_eq!(refused(CreditScope::All).await, "invoice_fully_credited");
    let audit = audit_of(&store, "ACME", "R", "2026").await;
    assert_eq!((audit.count, audit.gaps.len()), (4, 0));
}
