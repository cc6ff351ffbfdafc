//! Standard Webhooks verification over hostile headers and bodies: never panics, and never accepts a
//! message unless its signature is the one the secret makes.
#![no_main]

use chrono::{DateTime, Duration, Utc};
use ledgerdesk_core::webhooks::signature::{Secret, WebhookHeaders, verify};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // id \n timestamp \n signature \n body
    let mut parts = data.splitn(4, |b| *b == b'\n');
    let mut text = || parts.next().map(|part| String::from_utf8_lossy(part).into_owned());
    let headers = WebhookHeaders { id: text(), timestamp: text(), signature: text() };
    let body = text().unwrap_or_default();
    let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").expect("a valid secret");
    let now = DateTime::<Utc>::from_timestamp(1_614_265_330, 0).expect("a time");
    if let Ok(signed) = verify(std::slice::from_ref(&secret), &headers, body.as_bytes(), now, Duration::minutes(5)) {
        let seconds = headers.timestamp.as_deref().unwrap_or_default().trim().parse::<i64>().expect("verified");
        let expected = secret.sign(&signed.id, seconds, body.as_bytes());
        let given = headers.signature.unwrap_or_default();
        assert!(given.split(' ').any(|entry| entry == expected), "accepted a forged signature: {given:?}");
    }
});
