//! The number-template parser over random input: it never panics, refuses with a stable code, and a
//! template it accepts renders every date and position of its range, each number distinct from the
//! next position's (gapless numbering needs two positions never to print alike).

use chrono::NaiveDate;
use ledgerdesk_core::format::NumberFormat;
use ledgerdesk_types::{Localized, ResetPolicy};
use proptest::prelude::*;

fn template() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("{YYYY}".to_owned()),
        Just("{YY}".to_owned()),
        Just("{MM}".to_owned()),
        Just("{SEQ}".to_owned()),
        Just("{SEQ:5}".to_owned()),
        Just("{SUFFIX}".to_owned()),
        Just("{SERIES}".to_owned()),
        "\\{[A-Z:0-9]{0,6}\\}?",
        "[-/_A-Z0-9]{0,4}",
        "\\PC{0,3}",
    ];
    proptest::collection::vec(piece, 0..8).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(5_000))]

    #[test]
    fn any_template_is_parsed_or_refused_and_accepted_ones_render(
        text in template(),
        policy in proptest::sample::select(vec![ResetPolicy::Monthly, ResetPolicy::Yearly, ResetPolicy::Never]),
        days in 0_i64..3_000_000,
        seq in 1_i64..1_000_000_000,
    ) {
        match NumberFormat::parse(&text, policy) {
            Err(e) => prop_assert_eq!(e.code(), "series_format_invalid"),
            Ok(format) => {
                let date = NaiveDate::from_ymd_opt(1, 1, 1).unwrap() + chrono::Days::new(days as u64);
                let number = format.render(date, seq, "ACME", "INV");
                prop_assert!(!number.is_empty());
                prop_assert_ne!(number, format.render(date, seq + 1, "ACME", "INV"));
            }
        }
    }
}
