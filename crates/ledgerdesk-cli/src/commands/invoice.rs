//! `invoice issue`, `invoice credit`, `invoice list`, `invoice show` (`invoice issue-batch` is in `batch.rs`).

use ledgerdesk_core::prelude::*;
use ledgerdesk_core::{AnyStore, CreditInvoice, Error, IssueInvoice, ReservedSlot, Result};
use ledgerdesk_types::text::{parse_plain_decimal, shorten};
use ledgerdesk_types::{
    CreditScope, CreditStatus, CreditedAmount, CreditedLine, InvoiceListQuery, IssuedInvoice, LineInput,
};

use super::{parse_currency, parse_date, replayed, user};
use crate::args::{Cli, InvoiceCommand};
use crate::output::{self, Outcome};

/// Splits a `--line` on its unescaped `|`: `\|` is a `|` inside a field, `\\` a backslash. Any other
/// backslash is refused rather than guessed at.
fn split_fields(text: &str) -> Result<Vec<String>, &'static str> {
    let mut fields = vec![String::new()];
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '|' => fields.push(String::new()),
            '\\' => match chars.next() {
                Some(escaped @ ('|' | '\\')) => fields.last_mut().expect("one field at least").push(escaped),
                _ => return Err("a '\\' must be followed by '|' or '\\'"),
            },
            c => fields.last_mut().expect("one field at least").push(c),
        }
    }
    Ok(fields)
}

/// Parses `DESCRIPTION|QUANTITY|UNIT_PRICE|TAX_RATE`: exactly four fields, each amount a plain decimal
/// (the tax rate may end in `%`). Nothing is guessed: five fields are an error, not a description with
/// a `|` in it.
fn parse_line(position: usize, text: &str) -> Result<LineInput> {
    let shown = shorten(text, 60);
    let bad = |what: &str, what_tr: &str| {
        Error::invalid(
            "line",
            format!(
                "line {position} ({shown:?}): {what}; expected \"DESCRIPTION|QUANTITY|UNIT_PRICE|TAX_RATE\" (a | in the description is written \\|)"
            ),
            format!(
                "satır {position} ({shown:?}): {what_tr}; beklenen \"AÇIKLAMA|MİKTAR|BİRİM_FİYAT|VERGİ_ORANI\" (açıklamadaki | \\| olarak yazılır)"
            ),
        )
    };
    let fields = split_fields(text).map_err(|why| bad(why, "'\\' karakterinden sonra '|' veya '\\' gelmelidir"))?;
    let [description, quantity, price, rate] = <[String; 4]>::try_from(fields).map_err(|fields| {
        bad(&format!("has {} fields, not 4", fields.len()), &format!("{} alan var, 4 değil", fields.len()))
    })?;
    let number = |field: &str, what: &str, what_tr: &str| {
        parse_plain_decimal(field)
            .map_err(|e| bad(&format!("the {what} {e}"), &format!("{what_tr} {}", e.message_tr())))
    };
    Ok(LineInput {
        description,
        quantity: number(&quantity, "quantity", "miktar")?,
        unit_price: number(&price, "unit price", "birim fiyat")?,
        tax_rate: number(rate.trim().trim_end_matches('%'), "tax rate", "vergi oranı")?,
    })
}

/// Parses a credited `--line`: `LINE_NO:QUANTITY`, the quantity a plain decimal.
fn parse_credited_line(text: &str) -> Result<CreditedLine> {
    let shown = shorten(text, 40);
    let bad = || {
        Error::invalid(
            "line",
            format!("{shown:?} is not LINE:QUANTITY, e.g. 2:1.5 (line 2 of the invoice, 1.5 of its quantity)"),
            format!("{shown:?} SATIR:MİKTAR değil, ör. 2:1.5 (faturanın 2. satırı, miktarının 1.5'i)"),
        )
    };
    let (line, quantity) = text.split_once(':').ok_or_else(bad)?;
    let line_no = line.parse::<u32>().ok().filter(|n| *n >= 1 && line.bytes().all(|b| b.is_ascii_digit()));
    let quantity = parse_plain_decimal(quantity).ok();
    let (Some(line_no), Some(quantity)) = (line_no, quantity) else { return Err(bad()) };
    Ok(CreditedLine { line_no, quantity })
}

/// `RATE:NET`, e.g. `21:50.00`: 50.00 net taken back at 21 %.
fn parse_credited_amount(text: &str) -> Result<CreditedAmount> {
    let shown = shorten(text, 40);
    let bad = || {
        Error::invalid(
            "amount",
            format!("{shown:?} is not RATE:NET_AMOUNT, e.g. 21:50.00 (50.00 net at the invoice's 21% rate)"),
            format!("{shown:?} ORAN:NET_TUTAR değil, ör. 21:50.00 (faturanın %21 oranında 50.00 net)"),
        )
    };
    let (rate, net) = text.split_once(':').ok_or_else(bad)?;
    let (Ok(tax_rate), Ok(net_amount)) = (parse_plain_decimal(rate), parse_plain_decimal(net)) else {
        return Err(bad());
    };
    Ok(CreditedAmount { tax_rate, net_amount })
}

fn parse_credit_status(status: &str) -> Result<CreditStatus> {
    status.parse().map_err(|_| {
        let status = shorten(status, 30);
        Error::invalid(
            "status",
            format!("{status:?} is not issued, partially_credited, credited or credit_note"),
            format!("{status:?} issued, partially_credited, credited veya credit_note değil"),
        )
    })
}

/// Parses `--lines-json`: an array of lines whose amounts are JSON strings holding plain decimals.
fn parse_lines_json(text: &str) -> Result<Vec<LineInput>> {
    serde_json::from_str(text).map_err(|e| {
        let why = shorten(&e.to_string(), 120).into_owned();
        Error::invalid(
            "lines_json",
            format!("{why}; expected [{{\"description\":…,\"quantity\":\"2\",\"unit_price\":\"150.00\",\"tax_rate\":\"21\"}}]"),
            format!("{why}; beklenen [{{\"description\":…,\"quantity\":\"2\",\"unit_price\":\"150.00\",\"tax_rate\":\"21\"}}]"),
        )
    })
}

fn describe(invoice: &IssuedInvoice) -> String {
    let mut text = format!(
        "{}  {}  {} {} (net {}, tax {})  by {}",
        invoice.number,
        invoice.issue_date,
        invoice.total,
        invoice.currency,
        invoice.net_total,
        invoice.tax_total,
        invoice.created_by
    );
    for line in &invoice.lines {
        text.push_str(&format!(
            "\n  {:>3}. {}  {} × {} + {}% = {} + {}",
            line.line_no,
            line.description,
            line.quantity,
            line.unit_price,
            line.tax_rate,
            line.net_amount,
            line.tax_amount
        ));
    }
    if invoice.credit_of.is_none() {
        text.push_str(&format!(
            "\n  {}: paid {} of {} {}",
            invoice.payment_status, invoice.paid_total, invoice.total, invoice.currency
        ));
    }
    if let Some(of) = &invoice.credit_of {
        text.push_str(&format!("\n  credit note of {} of {}: {}", of.number, of.issue_date, of.reason));
    } else if !invoice.credit_notes.is_empty() {
        text.push_str(&format!(
            "\n  {}: credited {} of {} {}",
            invoice.credit_status, invoice.credited_total, invoice.total, invoice.currency
        ));
        for note in &invoice.credit_notes {
            text.push_str(&format!(
                "\n    credit note {} of {}: {} {}",
                note.number, note.issue_date, note.total, invoice.currency
            ));
        }
    }
    for payment in &invoice.payments {
        text.push_str(&format!(
            "\n    payment #{} {} {} on {} ref {}{}",
            payment.id,
            payment.amount,
            payment.currency,
            payment.paid_at.format("%F %T"),
            payment.reference,
            payment.event_id.as_ref().map(|id| format!(" (webhook {id})")).unwrap_or_default()
        ));
    }
    text
}

/// Runs an invoice command on the book `open` opens, once its arguments have been parsed.
pub async fn run(cli: &Cli, open: impl Future<Output = Result<AnyStore>>, command: &InvoiceCommand) -> Outcome {
    match command {
        InvoiceCommand::Issue {
            tenant,
            series,
            customer,
            date,
            currency,
            lines,
            lines_json,
            reservation,
            seq,
            user: who,
            key,
        } => {
            let lines = match lines_json {
                Some(json) => parse_lines_json(json)?,
                None => lines.iter().enumerate().map(|(i, l)| parse_line(i + 1, l)).collect::<Result<Vec<_>>>()?,
            };
            let request = IssueInvoice {
                tenant: tenant.clone(),
                series: series.clone(),
                customer: customer.clone(),
                issue_date: parse_date("date", date.as_deref())?,
                currency: parse_currency(currency)?,
                lines,
                user: user(who),
                reserved: reservation.zip(*seq).map(|(reservation, seq)| ReservedSlot { reservation, seq }),
            };
            let key = key.idempotency_key.as_deref();
            let reply = open.await?.issue_invoice_keyed(request, key).await?;
            output::wrote(
                cli.json,
                &reply,
                |reply| replayed(describe(&reply.value), reply.replayed),
                |reply| match key {
                    Some(key) => format!("invoice {} issued, idempotency key {key:?}", reply.value.number),
                    None => format!("invoice {} issued", reply.value.number),
                },
            )
        }
        InvoiceCommand::IssueBatch { tenant, series, from, currency, chunk, batch_id, check, user: who } => {
            let args = super::batch::BatchArgs {
                tenant,
                series,
                from,
                currency: parse_currency(currency)?,
                chunk: *chunk,
                batch_id: batch_id.as_deref(),
                check: *check,
                user: user(who),
            };
            super::batch::run(cli.json, open, args).await
        }
        InvoiceCommand::Credit { tenant, invoice, series, reason, date, lines, amounts, all, user: who, key } => {
            let scope = if *all {
                CreditScope::All
            } else if !amounts.is_empty() {
                CreditScope::Amounts(amounts.iter().map(|a| parse_credited_amount(a)).collect::<Result<_>>()?)
            } else {
                CreditScope::Lines(lines.iter().map(|l| parse_credited_line(l)).collect::<Result<_>>()?)
            };
            let request = CreditInvoice {
                tenant: tenant.clone(),
                invoice: invoice.clone(),
                series: series.clone(),
                reason: reason.clone(),
                issue_date: parse_date("date", date.as_deref())?,
                scope,
                user: user(who),
            };
            let key = key.idempotency_key.as_deref();
            let reply = open.await?.credit_invoice(request, key).await?;
            output::wrote(
                cli.json,
                &reply,
                |reply| replayed(describe(&reply.value), reply.replayed),
                |reply| match key {
                    Some(key) => format!("credit note {} issued, idempotency key {key:?}", reply.value.number),
                    None => format!("credit note {} issued", reply.value.number),
                },
            )
        }
        InvoiceCommand::List { tenant, series, period, customer, status, limit, before_id } => {
            let query = InvoiceListQuery {
                series: series.clone(),
                period: period.clone(),
                customer: customer.clone(),
                credit_status: status.as_deref().map(parse_credit_status).transpose()?,
                limit: Some(*limit),
                before_id: *before_id,
            };
            let page = open.await?.list_invoices(tenant, &query).await?;
            output::read(cli.json, &page, |page| {
                page.iter()
                    .map(|i| {
                        format!(
                            "{:>8}  {:<24} {}  {:>14} {}  {:<8} {}",
                            i.id,
                            i.number,
                            i.issue_date,
                            i.total,
                            i.currency,
                            i.customer.as_deref().unwrap_or("-"),
                            i.credit_status
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        InvoiceCommand::Show { tenant, number } => {
            let invoice = open.await?.get_invoice(tenant, number).await?;
            output::read(cli.json, &invoice, describe)
        }
        InvoiceCommand::Pdf { tenant, number, out, user: who } => {
            super::document::pdf(cli, &open.await?, tenant, number, out, who).await
        }
    }
}

#[cfg(test)]
mod tests {
    use ledgerdesk_types::Localized;

    use super::*;

    #[test]
    fn a_line_has_exactly_four_fields_and_escaped_pipes() {
        let line = parse_line(1, r"Design \| review|2|150.50|21%").unwrap();
        assert_eq!(line.description, "Design | review");
        assert_eq!(line.quantity.to_string(), "2");
        assert_eq!(line.unit_price.to_string(), "150.50");
        assert_eq!(line.tax_rate.to_string(), "21");
        assert_eq!(parse_line(1, r"back\\slash|1|1|0").unwrap().description, r"back\slash");
        for bad in
            ["X|1|10|21|5", "only|three|fields", "x|two|1|20", r"x\n|1|1|0", "X|1e3|10|21", "X|1_5|10|21", "X|1|1._5|0"]
        {
            assert_eq!(parse_line(1, bad).unwrap_err().code(), "invalid_input", "{bad}");
        }
        let precise = parse_line(1, "X|1|1.12345678901234567890123456789012|21").unwrap_err();
        assert!(precise.to_string().contains("more digits than can be kept exactly"), "{precise}");
    }

    #[test]
    fn lines_as_json_take_plain_decimal_strings_only() {
        let lines = parse_lines_json(r#"[{"description":"A|B","quantity":"2","unit_price":"1.5","tax_rate":"21"}]"#);
        assert_eq!(lines.unwrap()[0].description, "A|B");
        assert!(parse_lines_json(r#"[{"description":"A","quantity":2,"unit_price":"1","tax_rate":"0"}]"#).is_err());
        assert!(parse_lines_json(r#"[{"description":"A","quantity":"1e3","unit_price":"1","tax_rate":"0"}]"#).is_err());
    }
}
