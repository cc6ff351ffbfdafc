//! The idempotency fingerprint's canonical form: any JSON arguments, however written (field order,
//! whitespace), fingerprint alike; another command name never does.
#![no_main]

use ledgerdesk_core::idempotency::fingerprint;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<Value>(data) else { return };
    let Ok(first) = fingerprint("invoice.issue", &value) else { return };
    assert_eq!(first.len(), 64);
    let pretty = serde_json::to_string_pretty(&value).expect("a value writes");
    let again: Value = serde_json::from_str(&pretty).expect("what was written reads back");
    assert_eq!(fingerprint("invoice.issue", &again).expect("fingerprint"), first);
    assert_ne!(fingerprint("invoice.credit", &value).expect("fingerprint"), first);
});
