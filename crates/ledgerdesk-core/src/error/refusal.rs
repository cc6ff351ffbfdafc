//! Why an inbound webhook request was refused, before anything was applied: the reason it is recorded
//! with and the HTTP status the sender gets. It lives with the errors (not in `webhooks`) so that the
//! error type imports no guard.

/// Why a request was refused before anything was applied, and the HTTP status it gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// `webhook-id`, `webhook-timestamp` or `webhook-signature` is missing.
    MissingHeaders,
    /// A header is there but unreadable (not ASCII, a timestamp that is not a number, an id with a `.`…).
    MalformedHeaders,
    /// The timestamp is further from now than the tolerance, in the past or the future.
    TimestampOutOfTolerance,
    /// No signature matches any active secret.
    SignatureInvalid,
    /// The path names no tenant.
    UnknownTenant,
    /// The path names no source of the tenant.
    UnknownSource,
    /// The body is larger than the receiver accepts.
    BodyTooLarge,
    /// The verified body is not a JSON object with a string `type` (or not UTF-8).
    MalformedBody,
}

impl Refusal {
    /// The stable reason recorded with the rejection.
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::MissingHeaders => "missing_headers",
            Refusal::MalformedHeaders => "malformed_headers",
            Refusal::TimestampOutOfTolerance => "timestamp_out_of_tolerance",
            Refusal::SignatureInvalid => "signature_invalid",
            Refusal::UnknownTenant => "unknown_tenant",
            Refusal::UnknownSource => "unknown_source",
            Refusal::BodyTooLarge => "body_too_large",
            Refusal::MalformedBody => "malformed_body",
        }
    }

    /// The HTTP status the sender gets.
    pub fn http_status(self) -> u16 {
        match self {
            Refusal::MissingHeaders | Refusal::MalformedHeaders | Refusal::MalformedBody => 400,
            Refusal::TimestampOutOfTolerance | Refusal::SignatureInvalid => 401,
            Refusal::UnknownTenant | Refusal::UnknownSource => 404,
            Refusal::BodyTooLarge => 413,
        }
    }

    /// Whether it is about the signature or its timestamp (the screen counts those apart).
    pub fn is_signature(self) -> bool {
        matches!(self, Refusal::TimestampOutOfTolerance | Refusal::SignatureInvalid)
    }
}
