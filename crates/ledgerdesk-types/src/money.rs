//! Currencies and the rounding rule.
//!
//! **Rounding rule: half away from zero ("commercial rounding") to the currency's minor unit, applied per
//! line** — a line's net amount and its tax are each rounded, and invoice totals are sums of rounded line
//! amounts, so the printed lines always add up to the printed totals. 2.345 EUR → 2.35, −2.345 EUR → −2.35,
//! 1234.5 JPY → 1235.

use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// An ISO 4217 currency Ledgerdesk can invoice in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Currency {
    /// Euro, 2 minor digits.
    Eur,
    /// US dollar, 2 minor digits.
    Usd,
    /// Pound sterling, 2 minor digits.
    Gbp,
    /// Turkish lira, 2 minor digits.
    Try,
    /// Swiss franc, 2 minor digits.
    Chf,
    /// Japanese yen, no minor unit.
    Jpy,
    /// Kuwaiti dinar, 3 minor digits.
    Kwd,
}

impl Currency {
    /// Every supported currency, in the order a picker shows them.
    pub const ALL: [Currency; 7] =
        [Currency::Eur, Currency::Usd, Currency::Gbp, Currency::Try, Currency::Chf, Currency::Jpy, Currency::Kwd];

    /// The ISO 4217 alphabetic code.
    pub fn code(self) -> &'static str {
        match self {
            Currency::Eur => "EUR",
            Currency::Usd => "USD",
            Currency::Gbp => "GBP",
            Currency::Try => "TRY",
            Currency::Chf => "CHF",
            Currency::Jpy => "JPY",
            Currency::Kwd => "KWD",
        }
    }

    /// Digits after the decimal point in the currency's minor unit (ISO 4217 exponent).
    pub fn minor_units(self) -> u32 {
        match self {
            Currency::Jpy => 0,
            Currency::Kwd => 3,
            _ => 2,
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The code given is not a supported currency.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported currency {0:?}")]
pub struct UnknownCurrency(pub String);

impl FromStr for Currency {
    type Err = UnknownCurrency;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::ALL
            .into_iter()
            .find(|c| c.code().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownCurrency(s.to_owned()))
    }
}

impl TryFrom<String> for Currency {
    type Error = UnknownCurrency;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.code().to_owned()
    }
}

/// Rounds `amount` to `currency`'s minor unit, half away from zero, and fixes the scale to it
/// (so 5 EUR prints as `5.00`).
pub fn round_money(amount: Decimal, currency: Currency) -> Decimal {
    let mut rounded = amount.round_dp_with_strategy(currency.minor_units(), RoundingStrategy::MidpointAwayFromZero);
    rounded.rescale(currency.minor_units());
    rounded
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn rounds_half_away_from_zero_per_currency() {
        assert_eq!(round_money(d("2.345"), Currency::Eur).to_string(), "2.35");
        assert_eq!(round_money(d("-2.345"), Currency::Eur).to_string(), "-2.35");
        assert_eq!(round_money(d("2.344999"), Currency::Usd).to_string(), "2.34");
        assert_eq!(round_money(d("0.125"), Currency::Gbp).to_string(), "0.13");
        assert_eq!(round_money(d("10.005"), Currency::Try).to_string(), "10.01");
        assert_eq!(round_money(d("1234.5"), Currency::Jpy).to_string(), "1235");
        assert_eq!(round_money(d("1234.49"), Currency::Jpy).to_string(), "1234");
        assert_eq!(round_money(d("1.0005"), Currency::Kwd).to_string(), "1.001");
        assert_eq!(round_money(d("5"), Currency::Eur).to_string(), "5.00");
    }

    #[test]
    fn parses_codes_case_insensitively_and_refuses_others() {
        assert_eq!("eur".parse::<Currency>(), Ok(Currency::Eur));
        assert_eq!(" TRY ".parse::<Currency>(), Ok(Currency::Try));
        assert!("XYZ".parse::<Currency>().is_err());
        assert!("".parse::<Currency>().is_err());
    }
}
