//! Checks of the fields every guard shares (codes, the acting user), made before anything is written.

use crate::error::{Error, Result};

/// Checks a tenant, series or customer code: 1–32 ASCII letters, digits, `-` or `_`.
pub fn validate_code(field: &'static str, code: &str) -> Result<()> {
    let ok =
        (1..=32).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        let code = ledgerdesk_types::text::shorten(code, 40);
        Err(Error::invalid(
            field,
            format!("{code:?} must be 1 to 32 letters, digits, '-' or '_'"),
            format!("{code:?} 1 ile 32 arasında harf, rakam, '-' veya '_' olmalıdır"),
        ))
    }
}

/// Checks an invoice number looked up by a caller: 1 to 100 characters, no control characters.
pub fn validate_number(number: &str) -> Result<()> {
    if number.is_empty() || number.chars().count() > 100 || ledgerdesk_types::text::unsafe_char(number).is_some() {
        return Err(Error::invalid(
            "number",
            "must be 1 to 100 printable characters",
            "1 ile 100 arasında yazdırılabilir karakter olmalıdır",
        ));
    }
    Ok(())
}

/// Checks the name recorded as the author of a write.
pub fn validate_user(user: &str) -> Result<()> {
    if user.trim().is_empty() || user.len() > 128 || user.chars().any(char::is_control) {
        return Err(Error::invalid(
            "user",
            "must be 1 to 128 printable characters",
            "1 ile 128 arasında yazdırılabilir karakter olmalıdır",
        ));
    }
    Ok(())
}

/// Checks that a date falls in the years 1 to 9999, the dates both databases store and compare alike.
pub fn validate_date(field: &'static str, date: chrono::NaiveDate) -> Result<()> {
    use chrono::Datelike;
    if (1..=9_999).contains(&date.year()) {
        return Ok(());
    }
    Err(Error::invalid(field, "must fall in the years 1 to 9999", "1 ile 9999 yılları arasında olmalıdır"))
}
