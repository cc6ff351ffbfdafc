//! The plain-decimal reader (every amount from outside): never panics, and reads back what it writes.
#![no_main]

use ledgerdesk_types::text::parse_plain_decimal;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(value) = parse_plain_decimal(text) {
        assert_eq!(parse_plain_decimal(&value.to_string()), Ok(value));
    }
});
