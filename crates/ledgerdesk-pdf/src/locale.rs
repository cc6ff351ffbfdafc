//! What a document says in each language: its labels, and how it writes dates, amounts and rates.

use chrono::{Datelike, NaiveDate};
use ledgerdesk_types::DocumentLanguage;
use rust_decimal::Decimal;

/// The labels of one language.
pub(crate) struct Labels {
    pub invoice: &'static str,
    pub credit_note: &'static str,
    pub number: &'static str,
    pub issue_date: &'static str,
    /// Art. 226 (7): the date of supply, printed as the issue date (Ledgerdesk records no other).
    pub supply_date: &'static str,
    pub corrects: &'static str,
    pub reason: &'static str,
    pub supplier: &'static str,
    pub customer: &'static str,
    pub no_customer: &'static str,
    pub vat_id: &'static str,
    pub amounts_in: &'static str,
    pub line_no: &'static str,
    pub description: &'static str,
    pub quantity: &'static str,
    pub unit_price: &'static str,
    pub rate: &'static str,
    pub net: &'static str,
    pub vat_summary: &'static str,
    pub taxable: &'static str,
    pub vat: &'static str,
    pub net_total: &'static str,
    pub vat_total: &'static str,
    pub total: &'static str,
    pub credit_total: &'static str,
    pub pay_to: &'static str,
    pub page: &'static str,
    pub of: &'static str,
    months: [&'static str; 12],
    thousands: char,
    decimal: char,
    percent_first: bool,
    /// Turkish upper-cases `i` as `İ`.
    dotted_i: bool,
}

const ENGLISH: Labels = Labels {
    invoice: "Invoice",
    credit_note: "Credit note",
    number: "Number",
    issue_date: "Date of issue",
    supply_date: "Date of supply",
    corrects: "Corrects invoice",
    reason: "Reason",
    supplier: "Supplier",
    customer: "Customer",
    no_customer: "(no customer named)",
    vat_id: "VAT ID",
    amounts_in: "Amounts in",
    line_no: "#",
    description: "Description",
    quantity: "Quantity",
    unit_price: "Unit price",
    rate: "VAT rate",
    net: "Net amount",
    vat_summary: "VAT by rate",
    taxable: "Taxable amount",
    vat: "VAT",
    net_total: "Net total",
    vat_total: "VAT total",
    total: "Total due",
    credit_total: "Total credited",
    pay_to: "Please pay to IBAN",
    page: "Page",
    of: "of",
    months: [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    thousands: ',',
    decimal: '.',
    percent_first: false,
    dotted_i: false,
};

const TURKISH: Labels = Labels {
    invoice: "Fatura",
    credit_note: "İade faturası",
    number: "Fatura no",
    issue_date: "Düzenleme tarihi",
    supply_date: "Teslim tarihi",
    corrects: "Düzelttiği fatura",
    reason: "Gerekçe",
    supplier: "Satıcı",
    customer: "Alıcı",
    no_customer: "(alıcı belirtilmedi)",
    vat_id: "Vergi no",
    amounts_in: "Tutarlar",
    line_no: "#",
    description: "Açıklama",
    quantity: "Miktar",
    unit_price: "Birim fiyat",
    rate: "KDV oranı",
    net: "Net tutar",
    vat_summary: "Oranlara göre KDV",
    taxable: "Matrah",
    vat: "KDV",
    net_total: "Ara toplam",
    vat_total: "KDV toplamı",
    total: "Ödenecek tutar",
    credit_total: "İade toplamı",
    pay_to: "Ödeme için IBAN",
    page: "Sayfa",
    of: "/",
    months: [
        "Ocak", "Şubat", "Mart", "Nisan", "Mayıs", "Haziran", "Temmuz", "Ağustos", "Eylül", "Ekim", "Kasım", "Aralık",
    ],
    thousands: '.',
    decimal: ',',
    percent_first: true,
    dotted_i: true,
};

impl Labels {
    /// The labels of `language`.
    pub(crate) fn of(language: DocumentLanguage) -> &'static Labels {
        match language {
            DocumentLanguage::En => &ENGLISH,
            DocumentLanguage::Tr => &TURKISH,
        }
    }

    /// `1 December 2026` / `1 Aralık 2026`.
    pub(crate) fn date(&self, date: NaiveDate) -> String {
        format!("{} {} {}", date.day(), self.months[date.month0() as usize], date.year())
    }

    /// An amount with `scale` decimals and grouped thousands: `1,234.50` / `1.234,50`.
    pub(crate) fn amount(&self, amount: Decimal, scale: u32) -> String {
        let mut amount = amount.round_dp(scale);
        amount.rescale(scale);
        self.grouped(&amount.to_string())
    }

    /// A quantity or unit price as entered, without trailing zeros, keeping at least `scale` decimals.
    pub(crate) fn figure(&self, value: Decimal, scale: u32) -> String {
        let mut value = value.normalize();
        if value.scale() < scale {
            value.rescale(scale);
        }
        self.grouped(&value.to_string())
    }

    /// A rate in percent: `20%` / `%20`.
    pub(crate) fn percent(&self, rate: Decimal) -> String {
        let rate = self.grouped(&rate.normalize().to_string());
        if self.percent_first { format!("%{rate}") } else { format!("{rate}%") }
    }

    /// `text` in upper case, as this language writes it.
    pub(crate) fn upper(&self, text: &str) -> String {
        text.chars()
            .flat_map(|c| if self.dotted_i && c == 'i' { vec!['İ'] } else { c.to_uppercase().collect() })
            .collect()
    }

    /// A plain decimal (`-1234.5`) written with this language's separators.
    fn grouped(&self, plain: &str) -> String {
        let (sign, digits) = plain.strip_prefix('-').map_or(("", plain), |rest| ("-", rest));
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let mut out = String::from(sign);
        for (i, digit) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                out.push(self.thousands);
            }
            out.push(digit);
        }
        if !fraction.is_empty() {
            out.push(self.decimal);
            out.push_str(fraction);
        }
        out
    }
}

/// An IBAN in groups of four, as printed on paper.
pub(crate) fn iban_on_paper(electronic: &str) -> String {
    let chars: Vec<char> = electronic.chars().collect();
    chars.chunks(4).map(|group| group.iter().collect::<String>()).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_language_writes_numbers_and_dates_its_own_way() {
        let (en, tr) = (Labels::of(DocumentLanguage::En), Labels::of(DocumentLanguage::Tr));
        let amount = Decimal::new(-12_345_675, 1);
        assert_eq!(en.amount(amount, 2), "-1,234,567.50");
        assert_eq!(tr.amount(amount, 2), "-1.234.567,50");
        assert_eq!(en.amount(Decimal::new(5, 0), 0), "5");
        assert_eq!(en.figure(Decimal::new(1_500, 3), 0), "1.5");
        assert_eq!(en.figure(Decimal::new(12, 0), 2), "12.00");
        assert_eq!(en.percent(Decimal::new(200, 1)), "20%");
        assert_eq!(tr.percent(Decimal::new(85, 1)), "%8,5");
        let date = NaiveDate::from_ymd_opt(2026, 2, 3).unwrap();
        assert_eq!(en.date(date), "3 February 2026");
        assert_eq!(tr.date(date), "3 Şubat 2026");
        assert_eq!(tr.upper("Alıcı"), "ALICI");
        assert_eq!(tr.upper("Satıcı bilgisi"), "SATICI BİLGİSİ");
        assert_eq!(iban_on_paper("TR330006100519786457841326"), "TR33 0006 1005 1978 6457 8413 26");
    }
}
