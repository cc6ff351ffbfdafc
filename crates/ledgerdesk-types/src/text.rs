//! Text from outside, read strictly: plain decimals, text free of control and direction characters,
//! and long input shortened before it is echoed in a message.
//!
//! Everything typed by a user or read from a file passes through here before it becomes a number or is
//! stored, on every path (the CLI, the desktop's commands, the WebAssembly UI), so they all refuse the
//! same inputs.

use std::borrow::Cow;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};

/// Why a text is not a plain decimal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecimalError {
    /// Not of the form `-123.45`: an exponent, a `+`, a `_`, a second `.`, a space, a letter…
    #[error("is not a plain decimal number like 12.50 (digits, at most one '.', an optional leading '-')")]
    NotPlain,
    /// More digits than a decimal holds exactly (28 after the point, 28 in all).
    #[error("has more digits than can be kept exactly")]
    TooPrecise,
}

impl DecimalError {
    /// The Turkish message.
    pub fn message_tr(&self) -> &'static str {
        match self {
            DecimalError::NotPlain => {
                "12.50 gibi düz bir ondalık sayı değil (rakamlar, en fazla bir '.', isteğe bağlı baştaki '-')"
            }
            DecimalError::TooPrecise => "tam olarak saklanabilecekten fazla basamak içeriyor",
        }
    }
}

/// Parses a plain decimal: an optional leading `-`, digits, at most one `.` with digits on at least one
/// side. Surrounding spaces are ignored. Never rounds: a value that `Decimal` cannot hold exactly is
/// refused. (`Decimal::from_str` would accept `1_5` as 15 and round 32 decimals silently.)
pub fn parse_plain_decimal(text: &str) -> Result<Decimal, DecimalError> {
    let text = text.trim();
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() && fraction.is_empty() || !all_digits(whole) || !all_digits(fraction) {
        return Err(DecimalError::NotPlain);
    }
    // Written out canonically (`.5` → `0.5`, `7.` → `7`), so the decimal parser sees one form only.
    let sign = if digits.len() < text.len() { "-" } else { "" };
    let whole = if whole.is_empty() { "0" } else { whole };
    let canonical = if fraction.is_empty() { format!("{sign}{whole}") } else { format!("{sign}{whole}.{fraction}") };
    Decimal::from_str_exact(&canonical).map_err(|_| DecimalError::TooPrecise)
}

/// Serde: a decimal sent as a JSON string, read with [`parse_plain_decimal`]. A JSON number is refused:
/// it may already have been rounded by whoever wrote it as a float.
pub fn deserialize_plain_decimal<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
    let text = Cow::<str>::deserialize(deserializer)?;
    parse_plain_decimal(&text).map_err(|e| serde::de::Error::custom(format!("{:?} {e}", shorten(&text, 40))))
}

/// The first character of `text` that has no place in a stored name or description: a control
/// character (newlines, tabs, ANSI escapes start with one) or a Unicode direction override, which can
/// make a printed text read differently from what is stored.
pub fn unsafe_char(text: &str) -> Option<char> {
    text.chars().find(|&c| {
        c.is_control()
            || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{2028}' | '\u{2029}')
            || ('\u{202A}'..='\u{202E}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
    })
}

/// `text` cut to `max` characters with `…` appended, for echoing input back in a message.
pub fn shorten(text: &str, max: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => Cow::Borrowed(text),
        Some((end, _)) => Cow::Owned(format!("{}…", &text[..end])),
    }
}

/// A plain decimal, parsed as [`parse_plain_decimal`] does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlainDecimal(pub Decimal);

impl FromStr for PlainDecimal {
    type Err = DecimalError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        parse_plain_decimal(text).map(PlainDecimal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_decimals_only() {
        for (text, value) in [("12", "12"), ("-3.5", "-3.5"), (" 0.25 ", "0.25"), (".5", "0.5"), ("7.", "7")] {
            assert_eq!(parse_plain_decimal(text).unwrap().to_string(), value, "{text:?}");
        }
        for bad in ["", "-", ".", "1e3", "1E3", "1_5", "1._5", "+1", "1.2.3", "1 000", "0x10", "١٢", "NaN", "--1"] {
            assert_eq!(parse_plain_decimal(bad), Err(DecimalError::NotPlain), "{bad:?}");
        }
    }

    #[test]
    fn never_rounds() {
        assert_eq!(parse_plain_decimal("1.12345678901234567890123456789012"), Err(DecimalError::TooPrecise));
        assert_eq!(parse_plain_decimal("123456789012345678901234567890"), Err(DecimalError::TooPrecise));
        assert_eq!(parse_plain_decimal("1.1234567").unwrap().scale(), 7);
    }

    #[test]
    fn control_and_direction_characters_are_found() {
        assert_eq!(unsafe_char("Consulting, 2 days"), None);
        assert_eq!(unsafe_char("Çalışma günü — İstanbul"), None);
        assert_eq!(unsafe_char("red \u{1b}[31m"), Some('\u{1b}'));
        assert_eq!(unsafe_char("a\nb"), Some('\n'));
        assert_eq!(unsafe_char("invoice \u{202E}fdp.exe"), Some('\u{202E}'));
        assert_eq!(unsafe_char("\u{2067}x"), Some('\u{2067}'));
    }

    #[test]
    fn long_text_is_shortened_on_a_character_boundary() {
        assert_eq!(shorten("short", 10), "short");
        assert_eq!(shorten("ççççççç", 3), "ççç…");
    }
}
