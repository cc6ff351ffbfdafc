//! Standard Webhooks signatures, exactly as the specification has them: HMAC-SHA256 over
//! `{webhook-id}.{webhook-timestamp}.{raw body}`, sent as `v1,<base64>` in `webhook-signature`
//! (several, space-separated, during a secret rotation), with secrets written `whsec_<base64 of 24–64
//! random bytes>`.
//!
//! Verification runs over the raw body bytes before any JSON is parsed, refuses a timestamp too far in
//! the past or the future, and compares decoded signatures of equal length in constant time
//! (`hmac`'s `verify_slice`): an empty, truncated or malformed signature never passes.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

pub use crate::error::Refusal;
use crate::error::{Error, Result};

/// How far a `webhook-timestamp` may be from now, either way, unless told otherwise.
pub const DEFAULT_TOLERANCE: chrono::Duration = chrono::Duration::minutes(5);

/// A signing secret: 24 to 64 key bytes, written `whsec_<base64>`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(whsec_…)")
    }
}

impl Secret {
    /// A new secret of 32 random bytes.
    pub fn generate() -> Secret {
        let mut key = vec![0; 32];
        rand::rng().fill_bytes(&mut key);
        Secret(key)
    }

    /// Reads `whsec_<base64>`; the key must be 24 to 64 bytes.
    pub fn parse(text: &str) -> Result<Secret> {
        let invalid = || {
            Error::invalid(
                "secret",
                "must be whsec_ followed by the base64 of 24 to 64 random bytes",
                "whsec_ ve ardından 24 ile 64 rastgele baytın base64 karşılığı olmalıdır",
            )
        };
        let encoded = text.trim().strip_prefix("whsec_").ok_or_else(invalid)?;
        let key = STANDARD.decode(encoded).map_err(|_| invalid())?;
        if !(24..=64).contains(&key.len()) {
            return Err(invalid());
        }
        Ok(Secret(key))
    }

    /// `whsec_<base64>`.
    pub fn to_text(&self) -> String {
        format!("whsec_{}", STANDARD.encode(&self.0))
    }

    fn mac(&self, id: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
        // HMAC takes keys of any length: this never fails.
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC accepts any key length");
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }

    /// The signature of a message: `v1,<base64>`.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        format!("v1,{}", STANDARD.encode(self.mac(id, timestamp, body).finalize().into_bytes()))
    }

    /// Whether `signature` (decoded) is this secret's signature of the message, in constant time.
    fn verifies(&self, id: &str, timestamp: i64, body: &[u8], signature: &[u8]) -> bool {
        self.mac(id, timestamp, body).verify_slice(signature).is_ok()
    }
}

/// The `webhook-signature` header for a message: one signature per secret, space-separated.
pub fn signature_header(secrets: &[Secret], id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets.iter().map(|secret| secret.sign(id, timestamp, body)).collect::<Vec<_>>().join(" ")
}

/// The three webhook headers, as they came (each `None` when absent).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookHeaders {
    /// `webhook-id`.
    pub id: Option<String>,
    /// `webhook-timestamp`.
    pub timestamp: Option<String>,
    /// `webhook-signature`.
    pub signature: Option<String>,
}

/// A message whose headers are well formed: its id and its timestamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    /// `webhook-id`.
    pub id: String,
    /// `webhook-timestamp`.
    pub sent_at: DateTime<Utc>,
}

/// Checks that the headers are present and well formed, without verifying anything yet.
pub fn read_headers(headers: &WebhookHeaders) -> std::result::Result<(Signed, i64, &str), Refusal> {
    let (Some(id), Some(timestamp), Some(signature)) = (&headers.id, &headers.timestamp, &headers.signature) else {
        return Err(Refusal::MissingHeaders);
    };
    // The id is signed as `{id}.{timestamp}.`: one with a `.` could shift what is signed.
    let id_ok = (1..=256).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_graphic() && b != b'.');
    let timestamp = timestamp.trim();
    let seconds = timestamp.parse::<i64>().ok().filter(|_| timestamp.bytes().all(|b| b.is_ascii_digit()));
    let sent_at = seconds.and_then(|s| DateTime::<Utc>::from_timestamp(s, 0));
    match (id_ok, seconds, sent_at) {
        (true, Some(seconds), Some(sent_at)) => Ok((Signed { id: id.clone(), sent_at }, seconds, signature)),
        _ => Err(Refusal::MalformedHeaders),
    }
}

/// Verifies a message over its raw `body`: the headers well formed, the timestamp within `tolerance`
/// of `now` either way, and one of the signatures made by one of `secrets`.
pub fn verify(
    secrets: &[Secret],
    headers: &WebhookHeaders,
    body: &[u8],
    now: DateTime<Utc>,
    tolerance: chrono::Duration,
) -> std::result::Result<Signed, Refusal> {
    let (signed, seconds, signatures) = read_headers(headers)?;
    if (signed.sent_at - now).abs() > tolerance {
        return Err(Refusal::TimestampOutOfTolerance);
    }
    let matches = signatures.split(' ').filter_map(|entry| entry.split_once(',')).any(|(version, encoded)| {
        version == "v1"
            && STANDARD
                .decode(encoded)
                .is_ok_and(|decoded| secrets.iter().any(|secret| secret.verifies(&signed.id, seconds, body, &decoded)))
    });
    if matches { Ok(signed) } else { Err(Refusal::SignatureInvalid) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The vectors of the specification's reference libraries (given in the issue).
    const VECTORS: [(&str, &str, i64, &str, &str); 2] = [
        (
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            r#"{"test": 2432232314}"#,
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
        ),
        (
            "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
            "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
            1_649_367_553,
            r#"{"email":"test@example.com","username":"test_user"}"#,
            "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=",
        ),
    ];

    fn headers(id: &str, timestamp: i64, signature: &str) -> WebhookHeaders {
        WebhookHeaders {
            id: Some(id.into()),
            timestamp: Some(timestamp.to_string()),
            signature: Some(signature.into()),
        }
    }

    fn at(timestamp: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(timestamp, 0).unwrap()
    }

    #[test]
    fn signs_and_verifies_the_specification_vectors() {
        for (secret, id, timestamp, body, signature) in VECTORS {
            let secret = Secret::parse(secret).unwrap();
            assert_eq!(secret.sign(id, timestamp, body.as_bytes()), signature);
            let verified = verify(
                &[secret],
                &headers(id, timestamp, signature),
                body.as_bytes(),
                at(timestamp),
                DEFAULT_TOLERANCE,
            );
            assert_eq!(verified.unwrap().id, id);
        }
    }

    #[test]
    fn refuses_what_is_not_a_valid_signature_of_these_bytes() {
        let (secret, id, timestamp, body, signature) = VECTORS[0];
        let secret = Secret::parse(secret).unwrap();
        let check = |h: &WebhookHeaders, body: &str, now: i64| {
            verify(std::slice::from_ref(&secret), h, body.as_bytes(), at(now), DEFAULT_TOLERANCE)
        };
        // A reserialized body (one space less) is a different message.
        assert_eq!(
            check(&headers(id, timestamp, signature), r#"{"test":2432232314}"#, timestamp),
            Err(Refusal::SignatureInvalid)
        );
        let other = Secret::parse(VECTORS[1].0).unwrap();
        assert_eq!(
            verify(&[other], &headers(id, timestamp, signature), body.as_bytes(), at(timestamp), DEFAULT_TOLERANCE),
            Err(Refusal::SignatureInvalid)
        );
        for bad in [
            "",
            "v1,",
            "v1",
            "v1,g0hM9SsE",
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE",
            "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
            "v1,!!!!",
        ] {
            assert_eq!(check(&headers(id, timestamp, bad), body, timestamp), Err(Refusal::SignatureInvalid), "{bad:?}");
        }
        // Two signatures, one of which is valid: enough.
        let both = format!("v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= {signature}");
        assert!(check(&headers(id, timestamp, &both), body, timestamp).is_ok());
        // Six minutes away either way.
        assert_eq!(
            check(&headers(id, timestamp, signature), body, timestamp + 360),
            Err(Refusal::TimestampOutOfTolerance)
        );
        assert_eq!(
            check(&headers(id, timestamp, signature), body, timestamp - 360),
            Err(Refusal::TimestampOutOfTolerance)
        );
        assert!(check(&headers(id, timestamp, signature), body, timestamp + 299).is_ok());
        // Missing and malformed headers.
        assert_eq!(check(&WebhookHeaders::default(), body, timestamp), Err(Refusal::MissingHeaders));
        assert_eq!(
            check(&WebhookHeaders { id: None, ..headers(id, timestamp, signature) }, body, timestamp),
            Err(Refusal::MissingHeaders)
        );
        let mut bad_time = headers(id, timestamp, signature);
        bad_time.timestamp = Some("1614265330.5".into());
        assert_eq!(check(&bad_time, body, timestamp), Err(Refusal::MalformedHeaders));
        assert_eq!(check(&headers("msg.1", timestamp, signature), body, timestamp), Err(Refusal::MalformedHeaders));
    }

    #[test]
    fn secrets_are_24_to_64_bytes_and_round_trip() {
        let secret = Secret::generate();
        assert_eq!(Secret::parse(&secret.to_text()).unwrap(), secret);
        for bad in ["", "whsec_", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_c2hvcnQ=", "whsec_not base64!"] {
            assert!(Secret::parse(bad).is_err(), "{bad:?}");
        }
        assert!(!format!("{secret:?}").contains(&secret.to_text()[6..]), "a secret never prints itself");
    }
}
