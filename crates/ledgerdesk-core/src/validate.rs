//! Checks of the fields every guard shares (codes, the acting user), made before anything is written.

use crate::error::{Error, Result};

/// Checks a tenant, series or customer code: 1–32 ASCII letters, digits, `-` or `_`.
pub fn validate_code(field: &'static str, code: &str) -> Result<()> {
    let ok =
        (1..=32).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            format!("{code:?} must be 1 to 32 letters, digits, '-' or '_'"),
            format!("{code:?} 1 ile 32 arasında harf, rakam, '-' veya '_' olmalıdır"),
        ))
    }
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
