//! Unit tests of the credit judgement.

use ledgerdesk_types::{CreditedAmount, CreditedLine, Localized};

use super::*;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn original(quantity: &str, price: &str, net: &str, tax: &str) -> Original {
    let line = InvoiceLine {
        line_no: 1,
        description: "Widget".into(),
        quantity: d(quantity),
        unit_price: d(price),
        tax_rate: d("21"),
        net_amount: d(net),
        tax_amount: d(tax),
        credits_line: None,
        credited_quantity: Decimal::ZERO,
    };
    Original {
        id: 1,
        number: "INV-1".into(),
        issue_date: NaiveDate::from_ymd_opt(2026, 11, 3).unwrap(),
        currency: Currency::Eur,
        customer: None,
        is_credit_note: false,
        total: d(net) + d(tax),
        credited_total: Decimal::ZERO,
        lines: vec![OriginalLine { line, credited_net: Decimal::ZERO, credited_tax: Decimal::ZERO }],
        by_rate: BTreeMap::new(),
    }
}

fn request(scope: CreditScope) -> CreditInvoice {
    CreditInvoice {
        tenant: "ACME".into(),
        invoice: "INV-1".into(),
        series: "R".into(),
        reason: "returned".into(),
        issue_date: None,
        scope,
        user: "ana".into(),
    }
}

/// Credits `quantities` one after another, applying each plan to `invoice`.
fn credit_in_turn(mut invoice: Original, quantities: &[&str]) -> (Original, Vec<Decimal>) {
    let mut totals = Vec::new();
    for quantity in quantities {
        let scope = CreditScope::Lines(vec![CreditedLine { line_no: 1, quantity: d(quantity) }]);
        let plan = plan(&invoice, &request(scope)).unwrap();
        let line = &plan.draft.totals.lines[0];
        let original = &mut invoice.lines[0];
        original.line.credited_quantity = plan.credited_lines[0].1;
        original.credited_net -= line.net_amount;
        original.credited_tax -= line.tax_amount;
        invoice.credited_total = plan.credited_total;
        totals.push(plan.draft.totals.total);
    }
    (invoice, totals)
}

#[test]
fn three_thirds_of_a_rounded_line_add_up_to_it_exactly() {
    // 3 × 0.335 = 1.005 → 1.01 net, 0.21 tax; each third alone would round to 0.34 + 0.07.
    let (invoice, totals) = credit_in_turn(original("3", "0.335", "1.01", "0.21"), &["1", "1", "1"]);
    assert_eq!(totals, vec![d("-0.41"), d("-0.41"), d("-0.40")]);
    assert_eq!(invoice.credited_total, d("1.22"));
    assert_eq!(CreditStatus::of(false, invoice.total, invoice.credited_total), CreditStatus::Credited);
}

#[test]
fn a_full_credit_negates_the_invoice_and_nothing_is_left() {
    let invoice = original("2", "150.005", "300.01", "63.00");
    let plan = plan(&invoice, &request(CreditScope::All)).unwrap();
    assert_eq!(plan.draft.totals.total, d("-363.01"));
    assert_eq!(plan.draft.totals.lines[0].quantity, d("-2"));
    assert_eq!(plan.status, CreditStatus::Credited);
    let untaxed = super::plan(&original("1", "35.50", "35.50", "0.00"), &request(CreditScope::All)).unwrap();
    assert_eq!(untaxed.draft.totals.tax_total.to_string(), "0.00", "no minus zero");
    assert_eq!(untaxed.draft.totals.lines[0].tax_amount.to_string(), "0.00");
    let (credited, _) = credit_in_turn(invoice, &["2"]);
    let again = super::plan(&credited, &request(CreditScope::All)).unwrap_err();
    assert_eq!(again.code(), "invoice_fully_credited");
}

#[test]
fn more_than_is_left_and_unknown_lines_are_refused() {
    let (invoice, _) = credit_in_turn(original("3", "10", "30.00", "6.30"), &["2"]);
    let over = CreditScope::Lines(vec![CreditedLine { line_no: 1, quantity: d("1.5") }]);
    assert_eq!(plan(&invoice, &request(over)).unwrap_err().code(), "credit_exceeds_remaining");
    let unknown = CreditScope::Lines(vec![CreditedLine { line_no: 2, quantity: d("1") }]);
    assert_eq!(plan(&invoice, &request(unknown)).unwrap_err().code(), "credit_line_not_found");
}

#[test]
fn a_discount_is_credited_with_what_it_discounts() {
    let mut invoice = original("1", "100", "100.00", "21.00");
    let mut discount = invoice.lines[0].clone();
    discount.line = InvoiceLine {
        line_no: 2,
        description: "Discount".into(),
        unit_price: d("-20"),
        net_amount: d("-20.00"),
        tax_amount: d("-4.20"),
        ..discount.line
    };
    invoice.lines.push(discount);
    invoice.total = d("96.80");
    let alone = |line_no| CreditScope::Lines(vec![CreditedLine { line_no, quantity: d("1") }]);
    assert_eq!(plan(&invoice, &request(alone(2))).unwrap_err().code(), "credit_not_negative");
    assert_eq!(plan(&invoice, &request(alone(1))).unwrap_err().code(), "credit_exceeds_invoice");
    let all = plan(&invoice, &request(CreditScope::All)).unwrap();
    assert_eq!((all.draft.totals.total, all.status), (d("-96.80"), CreditStatus::Credited));
}

#[test]
fn a_credit_note_is_not_credited() {
    let mut note = original("1", "10", "10.00", "2.10");
    note.is_credit_note = true;
    assert_eq!(plan(&note, &request(CreditScope::All)).unwrap_err().code(), "credit_of_credit_note");
}

#[test]
fn requests_are_checked_before_the_database() {
    let twice = CreditScope::Lines(vec![
        CreditedLine { line_no: 1, quantity: d("1") },
        CreditedLine { line_no: 1, quantity: d("1") },
    ]);
    assert!(CreditCommand::new(request(twice)).is_err());
    let blank = CreditInvoice { reason: "  ".into(), ..request(CreditScope::All) };
    assert!(CreditCommand::new(blank).is_err());
    assert!(CreditCommand::new(request(CreditScope::Lines(Vec::new()))).is_err());
}

fn amounts(asked: &[(&str, &str)]) -> CreditScope {
    CreditScope::Amounts(
        asked.iter().map(|(rate, net)| CreditedAmount { tax_rate: d(rate), net_amount: d(net) }).collect(),
    )
}

/// Applies a credit by amounts to `invoice`, as the database would record it.
fn apply_amounts(invoice: &mut Original, plan: &CreditPlan) {
    for line in &plan.draft.totals.lines {
        let entry = invoice.by_rate.entry(line.tax_rate.normalize()).or_default();
        *entry = (entry.0 - line.net_amount, entry.1 - line.tax_amount);
    }
    invoice.credited_total = plan.credited_total;
}

#[test]
fn amounts_per_rate_add_up_to_the_rate_exactly_and_never_past_it() {
    // 3 × 0.335 = 1.01 (rounded) at 21 %: VAT 0.21.
    let mut invoice = original("3", "0.335", "1.01", "0.21");
    let first = plan(&invoice, &request(amounts(&[("21", "0.50")]))).unwrap();
    let line = &first.draft.totals.lines[0];
    assert_eq!((line.quantity, line.net_amount, line.tax_amount), (d("-1"), d("-0.50"), d("-0.11")));
    assert_eq!(line.credits_line, None);
    assert!(first.credited_lines.is_empty());
    apply_amounts(&mut invoice, &first);
    let code = |invoice: &Original, scope| plan(invoice, &request(scope)).unwrap_err().code().to_owned();
    assert_eq!(code(&invoice, amounts(&[("21", "0.52")])), "credit_exceeds_rate");
    assert_eq!(code(&invoice, amounts(&[("10", "0.10")])), "credit_rate_not_found");
    assert_eq!(code(&invoice, amounts(&[("21", "0.001")])), "invalid_input", "more decimals than EUR has");
    assert_eq!(
        code(&invoice, CreditScope::Lines(vec![CreditedLine { line_no: 1, quantity: d("1") }])),
        "credit_scope_mixed"
    );
    // The rest, by --all: exactly what is left, so the invoice nets to zero to the cent.
    let rest = plan(&invoice, &request(CreditScope::All)).unwrap();
    let line = &rest.draft.totals.lines[0];
    assert_eq!((line.net_amount, line.tax_amount), (d("-0.51"), d("-0.10")));
    assert_eq!(rest.status, CreditStatus::Credited);
    apply_amounts(&mut invoice, &rest);
    assert_eq!(code(&invoice, CreditScope::All), "invoice_fully_credited");
}

#[test]
fn an_invoice_credited_by_lines_is_not_credited_by_amounts() {
    let (invoice, _) = credit_in_turn(original("3", "0.335", "1.01", "0.21"), &["1"]);
    let refused = plan(&invoice, &request(amounts(&[("21", "0.10")]))).unwrap_err();
    assert_eq!(refused.code(), "credit_scope_mixed");
    let bad = |asked: &[(&str, &str)]| CreditCommand::new(request(amounts(asked))).unwrap_err().code().to_owned();
    assert_eq!(bad(&[]), "invalid_input");
    assert_eq!(bad(&[("21", "0")]), "invalid_input");
    assert_eq!(bad(&[("21", "1"), ("21.0", "2")]), "invalid_input", "one rate twice");
    assert_eq!(bad(&[("101", "1")]), "invalid_input");
}
