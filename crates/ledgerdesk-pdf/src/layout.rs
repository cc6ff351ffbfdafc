//! Where everything goes on the page: an invoice laid out as A4 pages of drawing steps, before any PDF
//! is written (so each footer can say "page 1 of 3").
//!
//! The document carries what EU VAT Directive art. 226 asks of an invoice: number and date of issue,
//! the date of supply, the supplier's and customer's names, addresses and VAT ids, the quantity and
//! nature of each line with its unit price, the taxable amount per rate with the rate and the VAT
//! payable, and the totals; a credit note cites the invoice it corrects.

use std::collections::BTreeMap;

use ledgerdesk_core::documents::FixedDocument;
use ledgerdesk_types::{InvoiceLine, Party};
use rust_decimal::Decimal;

use crate::locale::{Labels, iban_on_paper};
use crate::measure::Metrics;

/// A4 in points.
pub(crate) const PAGE_WIDTH: f32 = 595.28;
pub(crate) const PAGE_HEIGHT: f32 = 841.89;
const LEFT: f32 = 48.0;
const RIGHT: f32 = PAGE_WIDTH - 48.0;
/// Nothing but the footer below this.
const BOTTOM: f32 = PAGE_HEIGHT - 64.0;
const FOOTER: f32 = PAGE_HEIGHT - 32.0;
/// The customer's column.
const MIDDLE: f32 = 310.0;
/// Largest logo, in points.
const LOGO_WIDTH: f32 = 150.0;
const LOGO_HEIGHT: f32 = 60.0;

const BODY: f32 = 9.0;
const SMALL: f32 = 7.5;
const LEADING: f32 = 12.0;

/// The lines table: where each column's text ends (right-aligned) or starts.
const COL_NO_END: f32 = LEFT + 16.0;
const COL_DESCRIPTION: f32 = LEFT + 24.0;
const COL_DESCRIPTION_WIDTH: f32 = 212.0;
const COL_QUANTITY_END: f32 = 345.0;
const COL_UNIT_PRICE_END: f32 = 420.0;
const COL_RATE_END: f32 = 470.0;

/// One drawing step.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Step {
    /// Text with its baseline starting at `x`, `y` (from the top).
    Text { x: f32, y: f32, size: f32, bold: bool, grey: bool, text: String },
    /// A horizontal rule.
    Rule { from: f32, to: f32, y: f32, width: f32 },
    /// The logo, its top-left corner at `x`, `y`.
    Logo { x: f32, y: f32, width: f32, height: f32 },
}

/// The pages of a document, each a list of steps.
pub(crate) type Pages = Vec<Vec<Step>>;

/// Lays out `document`; `logo` is the logo's size in pixels, when it has one.
pub(crate) fn lay_out(document: &FixedDocument, logo: Option<(u32, u32)>, fonts: &Fonts) -> Pages {
    let labels = Labels::of(document.parties.language);
    let mut page = Page { fonts, labels, pages: vec![Vec::new()], y: 0.0, in_table: false };
    page.heading(document, logo);
    page.parties(document);
    page.lines(document);
    page.vat_by_rate(document);
    page.totals(document);
    page.payment(document);
    page.footers(document);
    page.pages
}

/// The two fonts' metrics.
pub(crate) struct Fonts {
    pub regular: Metrics,
    pub bold: Metrics,
}

struct Page<'a> {
    fonts: &'a Fonts,
    labels: &'static Labels,
    pages: Pages,
    /// The baseline of the next line.
    y: f32,
    /// Whether a page break repeats the lines table's header.
    in_table: bool,
}

impl Page<'_> {
    fn metrics(&self, bold: bool) -> &Metrics {
        if bold { &self.fonts.bold } else { &self.fonts.regular }
    }

    fn push(&mut self, step: Step) {
        if let Some(page) = self.pages.last_mut() {
            page.push(step);
        }
    }

    fn text(&mut self, x: f32, size: f32, bold: bool, text: &str) {
        let y = self.y;
        self.push(Step::Text { x, y, size, bold, grey: false, text: text.to_owned() });
    }

    fn label(&mut self, x: f32, text: &str) {
        let y = self.y;
        self.push(Step::Text { x, y, size: SMALL, bold: false, grey: true, text: text.to_owned() });
    }

    /// A label ending at `end`.
    fn label_right(&mut self, end: f32, text: &str) {
        let x = end - self.fonts.regular.width(text, SMALL);
        self.label(x, text);
    }

    /// Text ending at `end`.
    fn right(&mut self, end: f32, size: f32, bold: bool, text: &str) {
        let x = end - self.metrics(bold).width(text, size);
        self.text(x, size, bold, text);
    }

    fn rule(&mut self, from: f32, to: f32, width: f32) {
        let y = self.y;
        self.push(Step::Rule { from, to, y, width });
    }

    /// Starts a new page unless `height` more points fit on this one.
    fn room_for(&mut self, height: f32) {
        if self.y + height > BOTTOM {
            self.pages.push(Vec::new());
            self.y = 56.0;
            if self.in_table {
                self.table_header();
            }
        }
    }

    /// The logo on the left; on the right the title, number, dates and, on a credit note, what it
    /// corrects.
    fn heading(&mut self, document: &FixedDocument, logo: Option<(u32, u32)>) {
        let labels = self.labels;
        let invoice = &document.invoice;
        let mut logo_bottom: f32 = 48.0;
        if let Some((width, height)) = logo.filter(|(w, h)| *w > 0 && *h > 0) {
            let scale = (LOGO_WIDTH / width as f32).min(LOGO_HEIGHT / height as f32);
            let (width, height) = (width as f32 * scale, height as f32 * scale);
            self.push(Step::Logo { x: LEFT, y: 40.0, width, height });
            logo_bottom = 40.0 + height;
        }
        self.y = 64.0;
        let title = if invoice.credit_of.is_some() { labels.credit_note } else { labels.invoice };
        self.right(RIGHT, 20.0, true, title);
        self.y += 22.0;
        let date = labels.date(invoice.issue_date);
        let mut facts = vec![(labels.number, invoice.number.clone()), (labels.issue_date, date.clone())];
        facts.push((labels.supply_date, date));
        if let Some(credit) = &invoice.credit_of {
            facts.push((labels.corrects, format!("{} · {}", credit.number, labels.date(credit.issue_date))));
        }
        // Values end at the right margin; their labels end where the widest value begins.
        let widest = facts.iter().map(|(_, value)| self.fonts.bold.width(value, BODY)).fold(150.0, f32::max);
        let value_x = RIGHT - widest;
        for (label, value) in facts {
            self.right(value_x - 10.0, BODY, false, &format!("{label}:"));
            self.right(RIGHT, BODY, true, &value);
            self.y += LEADING;
        }
        if let Some(credit) = &invoice.credit_of {
            self.right(value_x - 10.0, BODY, false, &format!("{}:", labels.reason));
            for line in self.fonts.regular.wrap(&credit.reason, BODY, widest) {
                self.text(value_x, BODY, false, &line);
                self.y += LEADING;
            }
        }
        self.y = self.y.max(logo_bottom + 16.0) + 16.0;
    }

    /// Supplier on the left, customer on the right.
    fn parties(&mut self, document: &FixedDocument) {
        let labels = self.labels;
        let top = self.y;
        let left_end = self.party(LEFT, labels.supplier, Some(&document.parties.supplier));
        self.y = top;
        let right_end = self.party(MIDDLE, labels.customer, document.parties.customer.as_ref());
        self.y = left_end.max(right_end) + 18.0;
    }

    /// One party's block at `x`; returns where it ends.
    fn party(&mut self, x: f32, title: &str, party: Option<&Party>) -> f32 {
        self.label(x, &self.labels.upper(title));
        self.y += LEADING + 2.0;
        let Some(party) = party else {
            self.text(x, BODY, false, self.labels.no_customer);
            return self.y + LEADING;
        };
        for line in self.fonts.bold.wrap(&party.name, 10.0, 230.0) {
            self.text(x, 10.0, true, &line);
            self.y += LEADING + 1.0;
        }
        for line in &party.address {
            for part in self.fonts.regular.wrap(line, BODY, 230.0) {
                self.text(x, BODY, false, &part);
                self.y += LEADING;
            }
        }
        if let Some(vat_id) = &party.vat_id {
            self.text(x, BODY, false, &format!("{}: {vat_id}", self.labels.vat_id));
            self.y += LEADING;
        }
        self.y
    }

    fn table_header(&mut self) {
        let labels = self.labels;
        self.label(LEFT, labels.line_no);
        self.label(COL_DESCRIPTION, labels.description);
        for (end, text) in [
            (COL_QUANTITY_END, labels.quantity),
            (COL_UNIT_PRICE_END, labels.unit_price),
            (COL_RATE_END, labels.rate),
            (RIGHT, labels.net),
        ] {
            self.label_right(end, text);
        }
        self.y += 5.0;
        self.rule(LEFT, RIGHT, 0.6);
        self.y += LEADING;
    }

    fn lines(&mut self, document: &FixedDocument) {
        let invoice = &document.invoice;
        let scale = invoice.currency.minor_units();
        self.label(LEFT, &format!("{} {}", self.labels.amounts_in, invoice.currency.code()));
        self.y += LEADING;
        self.in_table = true;
        self.table_header();
        for line in &invoice.lines {
            let description = self.fonts.regular.wrap(&line.description, BODY, COL_DESCRIPTION_WIDTH);
            self.room_for(description.len() as f32 * LEADING);
            self.line_row(line, &description, scale);
        }
        self.in_table = false;
        self.y -= LEADING - 4.0;
        self.rule(LEFT, RIGHT, 0.6);
        self.y += LEADING + 8.0;
    }

    fn line_row(&mut self, line: &InvoiceLine, description: &[String], scale: u32) {
        let labels = self.labels;
        self.right(COL_NO_END, BODY, false, &line.line_no.to_string());
        self.right(COL_QUANTITY_END, BODY, false, &labels.figure(line.quantity, 0));
        self.right(COL_UNIT_PRICE_END, BODY, false, &labels.figure(line.unit_price, scale));
        self.right(COL_RATE_END, BODY, false, &labels.percent(line.tax_rate));
        self.right(RIGHT, BODY, false, &labels.amount(line.net_amount, scale));
        for part in description {
            self.text(COL_DESCRIPTION, BODY, false, part);
            self.y += LEADING;
        }
        self.y += 2.0;
    }

    /// The taxable amount and the VAT of each rate.
    fn vat_by_rate(&mut self, document: &FixedDocument) {
        let labels = self.labels;
        let invoice = &document.invoice;
        let scale = invoice.currency.minor_units();
        let mut rates: BTreeMap<Decimal, (Decimal, Decimal)> = BTreeMap::new();
        for line in &invoice.lines {
            let (net, tax) = rates.entry(line.tax_rate.normalize()).or_default();
            *net += line.net_amount;
            *tax += line.tax_amount;
        }
        self.room_for(LEADING * (rates.len() as f32 + 3.0));
        self.label(MIDDLE, labels.vat_summary);
        self.y += LEADING;
        self.label(MIDDLE, labels.rate);
        self.label_right(RIGHT - 90.0, labels.taxable);
        self.label_right(RIGHT, labels.vat);
        self.y += LEADING;
        for (rate, (net, tax)) in rates {
            self.text(MIDDLE, BODY, false, &labels.percent(rate));
            self.right(RIGHT - 90.0, BODY, false, &labels.amount(net, scale));
            self.right(RIGHT, BODY, false, &labels.amount(tax, scale));
            self.y += LEADING;
        }
        self.y += 10.0;
    }

    fn totals(&mut self, document: &FixedDocument) {
        let labels = self.labels;
        let invoice = &document.invoice;
        let (scale, code) = (invoice.currency.minor_units(), invoice.currency.code());
        self.room_for(LEADING * 4.0);
        for (label, amount) in [(labels.net_total, invoice.net_total), (labels.vat_total, invoice.tax_total)] {
            self.text(MIDDLE, BODY, false, label);
            self.right(RIGHT, BODY, false, &labels.amount(amount, scale));
            self.y += LEADING;
        }
        self.y -= 7.0;
        self.rule(MIDDLE, RIGHT, 0.8);
        self.y += 14.0;
        let total = if invoice.credit_of.is_some() { labels.credit_total } else { labels.total };
        self.text(MIDDLE, 11.0, true, total);
        self.right(RIGHT, 11.0, true, &format!("{} {code}", labels.amount(invoice.total, scale)));
        self.y += LEADING * 2.0;
    }

    /// Where to pay; a credit note asks for no payment.
    fn payment(&mut self, document: &FixedDocument) {
        if document.invoice.credit_of.is_some() {
            return;
        }
        if let Some(iban) = &document.parties.iban {
            self.room_for(LEADING * 2.0);
            self.text(LEFT, BODY, false, &format!("{}: {}", self.labels.pay_to, iban_on_paper(iban)));
            self.y += LEADING;
        }
    }

    /// On every page: the supplier and its VAT id, the number and "page n of m".
    fn footers(&mut self, document: &FixedDocument) {
        let labels = self.labels;
        let supplier = &document.parties.supplier;
        let who = match &supplier.vat_id {
            Some(vat_id) => format!("{} · {}: {vat_id}", supplier.name, labels.vat_id),
            None => supplier.name.clone(),
        };
        let count = self.pages.len();
        for (index, page) in self.pages.iter_mut().enumerate() {
            let place = format!("{} · {} {} {} {count}", document.invoice.number, labels.page, index + 1, labels.of);
            let width = self.fonts.regular.width(&place, SMALL);
            page.push(Step::Rule { from: LEFT, to: RIGHT, y: FOOTER - 10.0, width: 0.4 });
            page.push(Step::Text { x: LEFT, y: FOOTER, size: SMALL, bold: false, grey: true, text: who.clone() });
            page.push(Step::Text { x: RIGHT - width, y: FOOTER, size: SMALL, bold: false, grey: true, text: place });
        }
    }
}
