//! Templates of a tenant's series: the default for a new series, and the check that a new or changed
//! template can never print a number another template of the tenant prints (`format::overlap`).
//!
//! The check runs inside the transaction that writes the series, after the tenant's other series are
//! locked against change (SQLite: `BEGIN IMMEDIATE`; Postgres: the tenant row, `FOR NO KEY UPDATE`), so
//! two desktops adding series at once are checked one after the other. `UNIQUE (tenant, number)`
//! remains the last line of defence.

use ledgerdesk_types::ResetPolicy;

use crate::error::{Error, Result};
use crate::format::NumberFormat;
#[cfg(test)]
use crate::format::overlap::prints;
use crate::format::overlap::{Printed, common_number};

/// The reference template, `202611-00001-ACME`, given to a tenant's first series.
pub const REFERENCE_MONTHLY: &str = "{YYYY}{MM}-{SEQ:5}-{SUFFIX}";

/// The template a series gets when none is given: the reference one for a tenant's first series, and
/// the same behind `{SERIES}-` for the others, so that each prints its own numbers.
pub fn default_template(reset: ResetPolicy, first_of_tenant: bool) -> String {
    let body = match reset {
        ResetPolicy::Monthly => REFERENCE_MONTHLY,
        ResetPolicy::Yearly => "{YYYY}-{SEQ:5}-{SUFFIX}",
        ResetPolicy::Never => "{SEQ:6}-{SUFFIX}",
    };
    if first_of_tenant { body.to_owned() } else { format!("{{SERIES}}-{body}") }
}

/// A template the tenant uses or has used, as the database holds it.
#[derive(Debug, Clone)]
pub struct InUse {
    /// The series that prints it.
    pub series: String,
    /// Its reset policy.
    pub reset: ResetPolicy,
    /// The template.
    pub format: String,
}

/// Refuses `format` for series `series` of tenant `tenant` if it could print a number that any template
/// in `in_use` prints (the series' own earlier templates included), naming one such number and
/// proposing a template that passes.
pub fn check_cannot_collide(
    tenant: &str,
    series: &str,
    reset: ResetPolicy,
    format: &str,
    in_use: &[InUse],
) -> Result<()> {
    let parsed = NumberFormat::parse(format, reset)?;
    let Some((other, example)) = first_clash(tenant, series, &parsed, in_use)? else {
        return Ok(());
    };
    let proposal = proposals(reset, format).into_iter().find(|candidate| {
        NumberFormat::parse(candidate, reset)
            .ok()
            .is_some_and(|parsed| matches!(first_clash(tenant, series, &parsed, in_use), Ok(None)))
    });
    Err(Error::SeriesWouldCollide { series: series.to_owned(), format: format.to_owned(), other, example, proposal })
}

/// The first template of `in_use` that `format` collides with, in words, and a number both print.
fn first_clash(
    tenant: &str,
    series: &str,
    format: &NumberFormat,
    in_use: &[InUse],
) -> Result<Option<(String, String)>> {
    let candidate = Printed { format, tenant, series };
    for used in in_use {
        let used_format = NumberFormat::parse(&used.format, used.reset)?;
        let printed = Printed { format: &used_format, tenant, series: &used.series };
        if let Some(example) = common_number(candidate, printed) {
            let other = if used.series == series {
                format!("its own earlier template {:?}", used.format)
            } else {
                format!("series {:?}", used.series)
            };
            return Ok(Some((other, example)));
        }
    }
    Ok(None)
}

/// Templates to propose, most like the one asked for first.
fn proposals(reset: ResetPolicy, asked: &str) -> Vec<String> {
    let mut candidates = Vec::new();
    if !asked.contains("{SERIES}") {
        candidates.push(format!("{{SERIES}}-{asked}"));
    }
    candidates.push(default_template(reset, false));
    candidates.push(format!("{{SERIES}}/{}", default_template(reset, true)));
    candidates
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use proptest::prelude::*;

    use super::*;

    fn used(series: &str, format: &str) -> InUse {
        InUse { series: series.into(), reset: ResetPolicy::Monthly, format: format.into() }
    }

    #[test]
    fn a_second_series_with_the_default_template_is_refused_and_the_proposal_passes() {
        let existing = [used("INV", REFERENCE_MONTHLY)];
        let err = check_cannot_collide("ACME", "CR", ResetPolicy::Monthly, REFERENCE_MONTHLY, &existing).unwrap_err();
        let Error::SeriesWouldCollide { other, example, proposal, .. } = &err else { panic!("{err}") };
        assert_eq!(other, "series \"INV\"");
        assert!(example.ends_with("-ACME"), "{example}");
        let proposal = proposal.as_deref().expect("a proposal");
        assert!(check_cannot_collide("ACME", "CR", ResetPolicy::Monthly, proposal, &existing).is_ok());
    }

    #[test]
    fn the_default_for_a_second_series_passes_against_the_first() {
        for reset in [ResetPolicy::Monthly, ResetPolicy::Yearly, ResetPolicy::Never] {
            let first = InUse { series: "INV".into(), reset, format: default_template(reset, true) };
            for code in ["CR", "2026", "INV2", "I", "202611"] {
                let second = default_template(reset, false);
                assert!(
                    check_cannot_collide("ACME", code, reset, &second, std::slice::from_ref(&first)).is_ok(),
                    "{reset:?} {code}"
                );
            }
        }
    }

    /// A template of a few literal characters and tokens, with one sequence, that a series that never
    /// resets accepts: small alphabets, so that near-collisions are common.
    fn template() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("-".to_owned()),
            Just("/".to_owned()),
            Just("A".to_owned()),
            Just("1".to_owned()),
            Just("0".to_owned()),
            Just("{YYYY}".to_owned()),
            Just("{YY}".to_owned()),
            Just("{MM}".to_owned()),
            Just("{SERIES}".to_owned()),
            Just("{SUFFIX}".to_owned()),
        ];
        let seq = prop_oneof![Just("{SEQ}".to_owned()), (1usize..=4).prop_map(|n| format!("{{SEQ:{n}}}"))];
        (prop::collection::vec(piece.clone(), 0..3), seq, prop::collection::vec(piece, 0..3))
            .prop_map(|(before, seq, after)| format!("{}{seq}{}", before.concat(), after.concat()))
    }

    fn printed(template: &str, series: &str, date: NaiveDate, seq: i64) -> String {
        NumberFormat::parse(template, ResetPolicy::Never).unwrap().render(date, seq, "T1", series)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        /// Two series the check accepts never print the same number, whatever periods and positions.
        #[test]
        fn accepted_series_never_print_the_same_number(
            first in template(),
            second in template(),
            codes in prop::sample::subsequence(vec!["A", "A1", "1", "10", "X", "AA", "T1"], 2),
            numbers in prop::collection::vec(
                ((1i32..=9_999, 1u32..=12), 1i64..=200, (1i32..=9_999, 1u32..=12), 1i64..=200_000), 1..24),
        ) {
            let (a, b) = (codes[0], codes[1]);
            let in_use = [InUse { series: a.to_owned(), reset: ResetPolicy::Never, format: first.clone() }];
            if check_cannot_collide("T1", b, ResetPolicy::Never, &second, &in_use).is_ok() {
                for ((year_a, month_a), seq_a, (year_b, month_b), seq_b) in numbers {
                    let date_a = NaiveDate::from_ymd_opt(year_a, month_a, 1).unwrap();
                    let date_b = NaiveDate::from_ymd_opt(year_b, month_b, 28).unwrap();
                    prop_assert_ne!(printed(&first, a, date_a, seq_a), printed(&second, b, date_b, seq_b));
                    // Same period and position too: the likeliest clash.
                    prop_assert_ne!(printed(&first, a, date_a, seq_a), printed(&second, b, date_a, seq_a));
                }
            }
        }

        /// A refusal always names a number that both templates really can print.
        #[test]
        fn a_refusal_names_a_number_both_print(first in template(), second in template()) {
            let in_use = [InUse { series: "A".to_owned(), reset: ResetPolicy::Never, format: first.clone() }];
            if let Err(Error::SeriesWouldCollide { example, .. }) =
                check_cannot_collide("T1", "B", ResetPolicy::Never, &second, &in_use)
            {
                let parse = |t: &str| NumberFormat::parse(t, ResetPolicy::Never).unwrap();
                let (first, second) = (parse(&first), parse(&second));
                prop_assert!(prints(Printed { format: &first, tenant: "T1", series: "A" }, &example), "{example}");
                prop_assert!(prints(Printed { format: &second, tenant: "T1", series: "B" }, &example), "{example}");
            }
        }
    }
}
