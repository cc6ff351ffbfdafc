//! Invoice lines as the UI sends them (JSON, amounts as strings): read strictly or refused, and the
//! totals of accepted lines are the sums of their printed line amounts, in every currency.
#![no_main]

use ledgerdesk_types::invoice::compute_totals;
use ledgerdesk_types::{Currency, LineInput};
use libfuzzer_sys::fuzz_target;
use rust_decimal::Decimal;

fuzz_target!(|data: &[u8]| {
    let Ok(lines) = serde_json::from_slice::<Vec<LineInput>>(data) else { return };
    for currency in Currency::ALL {
        let Ok(totals) = compute_totals(currency, &lines) else { continue };
        let net: Decimal = totals.lines.iter().map(|l| l.net_amount).sum();
        let tax: Decimal = totals.lines.iter().map(|l| l.tax_amount).sum();
        assert_eq!(totals.net_total, net);
        assert_eq!(totals.tax_total, tax);
        assert_eq!(totals.total, net + tax);
        assert!(totals.total >= Decimal::ZERO);
    }
});
