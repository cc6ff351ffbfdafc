//! Invoice number templates and numbering periods.
//!
//! A template mixes literal text with tokens: `{YYYY}` `{YY}` `{MM}` (from the issue date), `{SEQ:n}`
//! (the position, zero-padded to `n` digits, exactly once), `{SUFFIX}` (the tenant code) and `{SERIES}`
//! (the series code). `{YYYY}{MM}-{SEQ:5}-{SUFFIX}` gives `202611-00001-ACME`.
//!
//! The number must identify the invoice within the tenant, so a template must carry every part of the
//! period its series resets on: a monthly series needs a year and `{MM}`, a yearly series a year.

pub mod overlap;

use chrono::{Datelike, NaiveDate};
use ledgerdesk_types::ResetPolicy;

use crate::error::{Error, Result};

/// The period label of `date` for a series with `policy`: `202611`, `2026` or `all`.
pub fn period_of(date: NaiveDate, policy: ResetPolicy) -> String {
    match policy {
        ResetPolicy::Monthly => format!("{:04}{:02}", date.year(), date.month()),
        ResetPolicy::Yearly => format!("{:04}", date.year()),
        ResetPolicy::Never => "all".to_owned(),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Year4,
    Year2,
    Month,
    Seq(usize),
    Suffix,
    Series,
}

/// A parsed, validated number template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberFormat {
    parts: Vec<Part>,
}

fn format_error(format: &str, reason: &str, reason_tr: &str) -> Error {
    Error::SeriesFormatInvalid { format: format.to_owned(), reason: reason.to_owned(), reason_tr: reason_tr.to_owned() }
}

impl NumberFormat {
    /// Parses `template` and checks that it suits `policy`.
    pub fn parse(template: &str, policy: ResetPolicy) -> Result<Self> {
        if template.chars().count() > 64 {
            return Err(format_error(template, "longer than 64 characters", "64 karakterden uzun"));
        }
        let mut parts = Vec::new();
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                parts.push(Part::Literal(rest[..open].to_owned()));
            }
            let close = rest[open..]
                .find('}')
                .map(|i| open + i)
                .ok_or_else(|| format_error(template, "a '{' is never closed", "bir '{' kapatılmamış"))?;
            parts.push(match &rest[open + 1..close] {
                "YYYY" => Part::Year4,
                "YY" => Part::Year2,
                "MM" => Part::Month,
                "SUFFIX" => Part::Suffix,
                "SERIES" => Part::Series,
                "SEQ" => Part::Seq(1),
                token => match token.strip_prefix("SEQ:").and_then(|w| w.parse::<usize>().ok()) {
                    Some(width) if (1..=12).contains(&width) => Part::Seq(width),
                    _ => {
                        return Err(format_error(
                            template,
                            &format!("unknown token {{{token}}}; use {{YYYY}} {{YY}} {{MM}} {{SEQ:n}} (n from 1 to 12) {{SUFFIX}} {{SERIES}}"),
                            &format!("bilinmeyen simge {{{token}}}; {{YYYY}} {{YY}} {{MM}} {{SEQ:n}} (n 1 ile 12 arası) {{SUFFIX}} {{SERIES}} kullanın"),
                        ));
                    }
                },
            });
            rest = &rest[close + 1..];
        }
        if rest.contains('}') {
            return Err(format_error(template, "a '}' is never opened", "bir '}' açılmamış"));
        }
        if !rest.is_empty() {
            parts.push(Part::Literal(rest.to_owned()));
        }
        if parts.iter().any(|p| matches!(p, Part::Literal(l) if l.chars().any(char::is_control))) {
            return Err(format_error(template, "contains a control character", "bir denetim karakteri içeriyor"));
        }

        let seq_count = parts.iter().filter(|p| matches!(p, Part::Seq(_))).count();
        if seq_count != 1 {
            return Err(format_error(template, "needs {SEQ:n} exactly once", "{SEQ:n} tam olarak bir kez bulunmalı"));
        }
        let has_year = parts.iter().any(|p| matches!(p, Part::Year4 | Part::Year2));
        let has_month = parts.contains(&Part::Month);
        match policy {
            ResetPolicy::Monthly if !(has_year && has_month) => Err(format_error(
                template,
                "a monthly series needs {YYYY} (or {YY}) and {MM}, or its numbers would repeat",
                "aylık bir seri {YYYY} (veya {YY}) ve {MM} içermeli, yoksa numaralar tekrarlanır",
            )),
            ResetPolicy::Yearly if !has_year => Err(format_error(
                template,
                "a yearly series needs {YYYY} (or {YY}), or its numbers would repeat",
                "yıllık bir seri {YYYY} (veya {YY}) içermeli, yoksa numaralar tekrarlanır",
            )),
            _ => Ok(NumberFormat { parts }),
        }
    }

    /// The number at position `seq` of the period containing `date`.
    pub fn render(&self, date: NaiveDate, seq: i64, tenant_code: &str, series_code: &str) -> String {
        self.around_seq(date, tenant_code, series_code).render(seq)
    }

    /// Everything of the number but its position, for an invoice dated `date`: what can be printed
    /// before the counter is read (Postgres prints the position in SQL, under the counter's lock).
    pub fn around_seq(&self, date: NaiveDate, tenant_code: &str, series_code: &str) -> AroundSeq {
        let mut around = AroundSeq { before: String::with_capacity(16), width: 1, after: String::new() };
        let mut out = &mut around.before;
        for part in &self.parts {
            match part {
                Part::Literal(text) => out.push_str(text),
                Part::Year4 => out.push_str(&format!("{:04}", date.year())),
                Part::Year2 => out.push_str(&format!("{:02}", date.year().rem_euclid(100))),
                Part::Month => out.push_str(&format!("{:02}", date.month())),
                Part::Seq(width) => {
                    around.width = *width;
                    out = &mut around.after;
                }
                Part::Suffix => out.push_str(tenant_code),
                Part::Series => out.push_str(series_code),
            }
        }
        around
    }
}

/// A number with its position left out: the text before it, its zero-padded width, the text after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AroundSeq {
    /// Printed before the position.
    pub before: String,
    /// Digits the position is zero-padded to.
    pub width: usize,
    /// Printed after the position.
    pub after: String,
}

impl AroundSeq {
    /// The number at position `seq`: zero-padded to the width, never cut (a longer position prints whole).
    pub fn render(&self, seq: i64) -> String {
        let width = self.width;
        format!("{}{seq:0width$}{}", self.before, self.after)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn renders_the_reference_format() {
        let f = NumberFormat::parse("{YYYY}{MM}-{SEQ:5}-{SUFFIX}", ResetPolicy::Monthly).unwrap();
        assert_eq!(f.render(date(2026, 11, 3), 1, "ACME", "INV"), "202611-00001-ACME");
        assert_eq!(f.render(date(2026, 1, 31), 123456, "ACME", "INV"), "202601-123456-ACME");
        let y = NumberFormat::parse("{SERIES}/{YY}/{SEQ:4}", ResetPolicy::Yearly).unwrap();
        assert_eq!(y.render(date(2027, 5, 1), 42, "ACME", "CR"), "CR/27/0042");
        let around = f.around_seq(date(2026, 11, 3), "ACME", "INV");
        assert_eq!((around.before.as_str(), around.width, around.after.as_str()), ("202611-", 5, "-ACME"));
    }

    #[test]
    fn periods_follow_the_reset_policy() {
        assert_eq!(period_of(date(2026, 11, 30), ResetPolicy::Monthly), "202611");
        assert_eq!(period_of(date(2026, 12, 1), ResetPolicy::Yearly), "2026");
        assert_eq!(period_of(date(2026, 12, 1), ResetPolicy::Never), "all");
        assert_eq!(period_of(date(2026, 11, 1), ResetPolicy::Monthly), "202611");
        assert_ne!(period_of(date(2026, 12, 1), ResetPolicy::Monthly), "202611");
    }

    #[test]
    fn refuses_templates_whose_numbers_would_repeat_or_cannot_render() {
        let code = |t: &str, p| NumberFormat::parse(t, p).unwrap_err().to_string();
        assert!(code("{YYYY}-{SEQ:5}", ResetPolicy::Monthly).contains("monthly"));
        assert!(code("{SEQ:5}", ResetPolicy::Yearly).contains("yearly"));
        assert!(code("{YYYY}{MM}", ResetPolicy::Monthly).contains("exactly once"));
        assert!(code("{SEQ:5}{SEQ:2}", ResetPolicy::Never).contains("exactly once"));
        assert!(code("{SEQ:0}", ResetPolicy::Never).contains("unknown token"));
        assert!(code("{SEQ:13}", ResetPolicy::Never).contains("unknown token"));
        assert!(code("{DD}{SEQ}", ResetPolicy::Never).contains("unknown token"));
        assert!(code("{SEQ", ResetPolicy::Never).contains("never closed"));
        assert!(code("SEQ}", ResetPolicy::Never).contains("never opened"));
        assert!(NumberFormat::parse("INV-{SEQ:6}", ResetPolicy::Never).is_ok());
    }
}
