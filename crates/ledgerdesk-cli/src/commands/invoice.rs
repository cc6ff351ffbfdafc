//! `invoice issue`, `invoice list`, `invoice show`.

use ledgerdesk_core::prelude::*;
use ledgerdesk_core::{AnyStore, Error, IssueInvoice, ReservedSlot, Result};
use ledgerdesk_types::{InvoiceListQuery, IssuedInvoice, LineInput};
use rust_decimal::Decimal;

use super::{parse_currency, parse_date, replayed, user};
use crate::args::{Cli, InvoiceCommand};
use crate::output;

/// Parses `DESCRIPTION|QUANTITY|UNIT_PRICE|TAX_RATE`; the description may itself contain `|`.
fn parse_line(position: usize, text: &str) -> Result<LineInput> {
    let bad = |what: &str, what_tr: &str| {
        Error::invalid(
            "line",
            format!("line {position} ({text:?}): {what}; expected \"DESCRIPTION|QUANTITY|UNIT_PRICE|TAX_RATE\""),
            format!("satır {position} ({text:?}): {what_tr}; beklenen \"AÇIKLAMA|MİKTAR|BİRİM_FİYAT|VERGİ_ORANI\""),
        )
    };
    let mut fields = text.rsplitn(4, '|');
    let (Some(rate), Some(price), Some(quantity), Some(description)) =
        (fields.next(), fields.next(), fields.next(), fields.next())
    else {
        return Err(bad("needs four fields", "dört alan gerekli"));
    };
    let number = |field: &str| field.trim().parse::<Decimal>();
    Ok(LineInput {
        description: description.to_owned(),
        quantity: number(quantity).map_err(|_| bad("the quantity is not a number", "miktar bir sayı değil"))?,
        unit_price: number(price).map_err(|_| bad("the unit price is not a number", "birim fiyat bir sayı değil"))?,
        tax_rate: number(rate.trim_end_matches('%'))
            .map_err(|_| bad("the tax rate is not a number", "vergi oranı bir sayı değil"))?,
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
    text
}

pub async fn run(cli: &Cli, store: &AnyStore, command: &InvoiceCommand) -> Result<()> {
    match command {
        InvoiceCommand::Issue { tenant, series, customer, date, currency, lines, reservation, seq, user: who, key } => {
            let lines = lines.iter().enumerate().map(|(i, l)| parse_line(i + 1, l)).collect::<Result<Vec<_>>>()?;
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
            let reply = store.issue_invoice_keyed(request, key.idempotency_key.as_deref()).await?;
            output::print(cli.json, &reply, |reply| replayed(describe(&reply.value), reply.replayed));
        }
        InvoiceCommand::List { tenant, series, period, customer, limit, before_id } => {
            let query = InvoiceListQuery {
                series: series.clone(),
                period: period.clone(),
                customer: customer.clone(),
                limit: Some(*limit),
                before_id: *before_id,
            };
            let page = store.list_invoices(tenant, &query).await?;
            output::print(cli.json, &page, |page| {
                page.iter()
                    .map(|i| {
                        format!(
                            "{:>8}  {:<24} {}  {:>14} {}  {}",
                            i.id,
                            i.number,
                            i.issue_date,
                            i.total,
                            i.currency,
                            i.customer.as_deref().unwrap_or("-")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        InvoiceCommand::Show { tenant, number } => {
            let invoice = store.get_invoice(tenant, number).await?;
            output::print(cli.json, &invoice, describe);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_parse_from_the_right_so_descriptions_may_hold_pipes() {
        let line = parse_line(1, "Design | review|2|150.50|21%").unwrap();
        assert_eq!(line.description, "Design | review");
        assert_eq!(line.quantity, Decimal::from(2));
        assert_eq!(line.unit_price.to_string(), "150.50");
        assert_eq!(line.tax_rate, Decimal::from(21));
        assert!(parse_line(2, "only|three|fields").is_err());
        assert!(parse_line(3, "x|two|1|20").is_err());
    }
}
