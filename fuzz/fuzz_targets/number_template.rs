//! The number-template parser: any text is parsed or refused with `series_format_invalid`; an accepted
//! template renders every date, and two positions never print alike.
#![no_main]

use chrono::NaiveDate;
use ledgerdesk_core::format::NumberFormat;
use ledgerdesk_types::{Localized, ResetPolicy};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for policy in [ResetPolicy::Monthly, ResetPolicy::Yearly, ResetPolicy::Never] {
        match NumberFormat::parse(text, policy) {
            Err(e) => assert_eq!(e.code(), "series_format_invalid"),
            Ok(format) => {
                for date in [NaiveDate::MIN, NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(), NaiveDate::MAX] {
                    let first = format.render(date, 1, "ACME", "INV");
                    assert_ne!(first, format.render(date, 2, "ACME", "INV"), "{text:?}");
                    format.render(date, i64::MAX, "ACME", "INV");
                }
            }
        }
    }
});
