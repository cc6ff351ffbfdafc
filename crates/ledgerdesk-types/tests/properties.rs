//! Properties of money and of text from outside, over random inputs: printed line amounts add up to the
//! printed totals, each rounded once by the one documented rule (half away from zero, to the currency's
//! minor unit); the plain-decimal reader never panics and reads back what it writes.

use ledgerdesk_types::invoice::compute_totals;
use ledgerdesk_types::text::parse_plain_decimal;
use ledgerdesk_types::{Currency, LineInput, round_money};
use proptest::prelude::*;
use rust_decimal::{Decimal, RoundingStrategy};

/// A decimal of `digits` (unscaled) over 10^`scale`.
fn decimal(digits: i64, scale: u32) -> Decimal {
    Decimal::new(digits, scale)
}

fn line_strategy() -> impl Strategy<Value = LineInput> {
    (1_i64..100_000_000, 0_u32..=6, -1_000_000_i64..100_000_000, 0_u32..=6, 0_i64..=1_000_000, 0_u32..=4).prop_map(
        |(quantity, q_scale, price, p_scale, rate, r_scale)| LineInput {
            description: "Item".into(),
            quantity: decimal(quantity, q_scale),
            unit_price: decimal(price, p_scale),
            tax_rate: decimal(rate, r_scale).min(Decimal::ONE_HUNDRED),
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3_000))]

    #[test]
    fn printed_line_amounts_add_up_to_the_printed_totals(
        lines in proptest::collection::vec(line_strategy(), 1..30),
        currency in proptest::sample::select(Currency::ALL.to_vec()),
    ) {
        // Refused inputs are never stored, so they print nothing; proptest counts the rejections and
        // fails if too many cases are thrown away, so the property is tested on accepted invoices.
        let totals = compute_totals(currency, &lines);
        prop_assume!(totals.is_ok());
        let totals = totals.unwrap();
        let minor = currency.minor_units();
        let mut net = Decimal::ZERO;
        let mut tax = Decimal::ZERO;
        for (input, line) in lines.iter().zip(&totals.lines) {
            // Each amount rounded once, half away from zero, from the exact product.
            let exact = input.quantity * input.unit_price;
            let expected = exact.round_dp_with_strategy(minor, RoundingStrategy::MidpointAwayFromZero);
            prop_assert_eq!(line.net_amount, expected);
            prop_assert_eq!(line.tax_amount, round_money(line.net_amount * input.tax_rate / Decimal::ONE_HUNDRED, currency));
            prop_assert_eq!(line.net_amount.scale(), minor);
            prop_assert_eq!(line.tax_amount.scale(), minor);
            net += line.net_amount;
            tax += line.tax_amount;
        }
        prop_assert_eq!(totals.net_total, net);
        prop_assert_eq!(totals.tax_total, tax);
        prop_assert_eq!(totals.total, totals.net_total + totals.tax_total);
        prop_assert!(totals.total >= Decimal::ZERO);
    }

    #[test]
    fn rounding_is_half_away_from_zero_to_the_minor_unit(
        units in -1_000_000_000_000_i64..1_000_000_000_000,
        scale in 0_u32..=8,
        currency in proptest::sample::select(Currency::ALL.to_vec()),
    ) {
        let amount = decimal(units, scale);
        let rounded = round_money(amount, currency);
        let minor = currency.minor_units();
        prop_assert_eq!(rounded.scale(), minor);
        let step = Decimal::new(1, minor);
        let distance = (rounded - amount).abs();
        prop_assert!(distance * Decimal::TWO <= step, "{amount} -> {rounded}");
        if distance * Decimal::TWO == step {
            prop_assert!(rounded.abs() > amount.abs(), "a half goes away from zero: {amount} -> {rounded}");
        }
        prop_assert_eq!(round_money(rounded, currency), rounded, "rounding twice changes nothing");
    }

    #[test]
    fn the_plain_decimal_reader_never_panics_and_reads_back_what_it_writes(text in "\\PC{0,40}") {
        if let Ok(value) = parse_plain_decimal(&text) {
            prop_assert_eq!(parse_plain_decimal(&value.to_string()), Ok(value));
        }
    }

    #[test]
    fn plain_decimals_are_read_exactly(units in proptest::num::i64::ANY, scale in 0_u32..=18) {
        let value = decimal(units, scale);
        prop_assert_eq!(parse_plain_decimal(&value.to_string()), Ok(value));
    }
}
