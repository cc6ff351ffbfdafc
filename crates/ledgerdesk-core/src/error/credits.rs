//! Why a credit note is refused: each with a stable code and an English and a Turkish message.

use chrono::NaiveDate;
use rust_decimal::Decimal;

/// A refused credit note.
#[derive(Debug, thiserror::Error)]
pub enum CreditError {
    /// The invoice to credit is itself a credit note.
    #[error("{0} is a credit note; a credit note is corrected by a new invoice, not credited")]
    OfCreditNote(String),
    /// A regular series was named for a credit note.
    #[error(
        "series {0:?} is a regular series; credit notes are issued in a corrective series (series add --kind corrective)"
    )]
    SeriesNotCorrective(String),
    /// A corrective series was named for an ordinary invoice.
    #[error("series {0:?} is a corrective series: it numbers credit notes only (invoice credit)")]
    SeriesCorrective(String),
    /// The credit note would be dated before the invoice it corrects.
    #[error(
        "a credit note dated {date} cannot correct invoice {number} of {invoice_date}: date it on or after the invoice"
    )]
    DateBeforeInvoice {
        /// The corrected invoice.
        number: String,
        /// Its issue date.
        invoice_date: NaiveDate,
        /// The credit note's date.
        date: NaiveDate,
    },
    /// The invoice has no such line.
    #[error("invoice {number} has no line {line}")]
    LineNotFound {
        /// The invoice.
        number: String,
        /// The line asked for.
        line: u32,
    },
    /// More of a line than is left uncredited.
    #[error("line {line} of invoice {number}: {asked} cannot be credited, only {remaining} of it is left uncredited")]
    ExceedsRemaining {
        /// The invoice.
        number: String,
        /// Its line.
        line: u32,
        /// The quantity asked for.
        asked: Decimal,
        /// What is left of it.
        remaining: Decimal,
    },
    /// Nothing is left to credit.
    #[error("invoice {0} is credited in full already; nothing is left to credit")]
    FullyCredited(String),
    /// The chosen lines would take back more than is left of the invoice's total (a line credited
    /// without the discount line that reduced it).
    #[error(
        "a credit of {amount} would take back more of invoice {number} than the {left} left of its total; credit its discount lines with it"
    )]
    ExceedsInvoice {
        /// The invoice.
        number: String,
        /// What the credit note would take back.
        amount: Decimal,
        /// What is left of the invoice's total.
        left: Decimal,
    },
    /// A credit by amounts of an invoice credited by lines, or the other way round.
    #[error(
        "invoice {number} has been credited by {done}; credit the rest the same way (or with --all), so nothing is taken back twice"
    )]
    ScopeMixed {
        /// The invoice.
        number: String,
        /// `lines` or `amounts`.
        done: &'static str,
    },
    /// No line of the invoice has this tax rate.
    #[error("invoice {number} has no line at a tax rate of {rate}%")]
    RateNotOnInvoice {
        /// The invoice.
        number: String,
        /// The rate asked for.
        rate: Decimal,
    },
    /// More of a rate than is left uncredited.
    #[error("at {rate}% of invoice {number}: {asked} net cannot be credited, only {left} of it is left uncredited")]
    ExceedsRate {
        /// The invoice.
        number: String,
        /// The rate.
        rate: Decimal,
        /// The net amount asked for.
        asked: Decimal,
        /// What is left of it.
        left: Decimal,
    },
    /// The chosen lines would add to what the invoice asks (a discount line credited alone).
    #[error(
        "crediting these lines of invoice {0} would add to what it asks (a discount line alone); credit them with the lines they discount"
    )]
    NotACredit(String),
}

impl CreditError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            CreditError::OfCreditNote(_) => "credit_of_credit_note",
            CreditError::SeriesNotCorrective(_) => "series_not_corrective",
            CreditError::SeriesCorrective(_) => "series_corrective",
            CreditError::DateBeforeInvoice { .. } => "credit_date_before_invoice",
            CreditError::LineNotFound { .. } => "credit_line_not_found",
            CreditError::ExceedsRemaining { .. } => "credit_exceeds_remaining",
            CreditError::FullyCredited(_) => "invoice_fully_credited",
            CreditError::ExceedsInvoice { .. } => "credit_exceeds_invoice",
            CreditError::NotACredit(_) => "credit_not_negative",
            CreditError::ScopeMixed { .. } => "credit_scope_mixed",
            CreditError::RateNotOnInvoice { .. } => "credit_rate_not_found",
            CreditError::ExceedsRate { .. } => "credit_exceeds_rate",
        }
    }

    /// Turkish message.
    pub fn message_tr(&self) -> String {
        match self {
            CreditError::OfCreditNote(number) => {
                format!("{number} bir iade faturasıdır; iade faturası iade edilemez, yeni bir faturayla düzeltilir")
            }
            CreditError::SeriesNotCorrective(series) => format!(
                "{series:?} normal bir seridir; iade faturaları düzeltme serisinde kesilir (series add --kind corrective)"
            ),
            CreditError::SeriesCorrective(series) => {
                format!("{series:?} bir düzeltme serisidir: yalnızca iade faturalarını numaralar (invoice credit)")
            }
            CreditError::DateBeforeInvoice { number, invoice_date, date } => format!(
                "{date} tarihli bir iade faturası {invoice_date} tarihli {number} faturasını düzeltemez: faturanın tarihinde ya da sonrasında kesin"
            ),
            CreditError::LineNotFound { number, line } => format!("{number} faturasında {line}. satır yok"),
            CreditError::ExceedsRemaining { number, line, asked, remaining } => format!(
                "{number} faturasının {line}. satırı: {asked} iade edilemez, yalnızca {remaining} iade edilmeden kaldı"
            ),
            CreditError::FullyCredited(number) => {
                format!("{number} faturası zaten tamamen iade edildi; iade edilecek bir şey kalmadı")
            }
            CreditError::ExceedsInvoice { number, amount, left } => format!(
                "{amount} tutarındaki bir iade, {number} faturasının toplamından kalan {left} tutarından fazlasını geri alır; indirim satırlarını da birlikte iade edin"
            ),
            CreditError::ScopeMixed { number, done } => {
                let done = if *done == "lines" { "satırlarla" } else { "tutarlarla" };
                format!(
                    "{number} faturası {done} iade edildi; kalanını da aynı yolla (ya da --all ile) iade edin, hiçbir şey iki kez geri alınmasın"
                )
            }
            CreditError::RateNotOnInvoice { number, rate } => {
                format!("{number} faturasında %{rate} vergi oranlı bir satır yok")
            }
            CreditError::ExceedsRate { number, rate, asked, left } => format!(
                "{number} faturasının %{rate} oranında: {asked} net iade edilemez, yalnızca {left} iade edilmeden kaldı"
            ),
            CreditError::NotACredit(number) => format!(
                "{number} faturasının bu satırlarını iade etmek istenen tutarı artırır (yalnızca bir indirim satırı); indirdikleri satırlarla birlikte iade edin"
            ),
        }
    }
}
