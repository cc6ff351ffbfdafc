//! The stable code and the structured details of each [`Error`]; its messages are on the enum (English)
//! and in `turkish.rs`.

use ledgerdesk_types::Localized;

use super::{Error, turkish};

impl Localized for Error {
    fn code(&self) -> &str {
        match self {
            Error::InvalidDatabaseUrl(_) => "invalid_database_url",
            Error::BookNotFound(_) => "book_not_found",
            Error::BookAlreadyExists(_) => "book_already_exists",
            Error::BookReadOnly(_) => "book_read_only",
            Error::TlsVerificationFailed(_) => "tls_verification_failed",
            Error::NotABook(_) => "not_a_book",
            Error::RecordImmutable(_) => "record_immutable",
            Error::DatabaseRule { code, .. } => code,
            Error::IssueDateInFuture { .. } => "issue_date_in_future",
            Error::IssueDateBeforeBooksOpen { .. } => "issue_date_before_books_open",
            Error::BooksOpenMovesEarlierOnly { .. } => "books_open_moves_earlier_only",
            Error::SeriesRetired(_) => "series_retired",
            Error::SeriesWouldCollide { .. } => "series_would_collide",
            Error::PaymentCurrencyMismatch { .. } => "payment_currency_mismatch",
            Error::PaymentExceedsBalance { .. } => "payment_exceeds_balance",
            Error::WebhookSourceNotFound { .. } => "webhook_source_not_found",
            Error::WebhookEndpointNotFound(_) => "webhook_endpoint_not_found",
            Error::WebhookEventNotFound(_) => "webhook_event_not_found",
            Error::WebhookMessageNotFound(_) => "webhook_message_not_found",
            Error::Export(e) => e.code(),
            Error::Credit(e) => e.code(),
            Error::Identity(e) => e.code(),
            Error::AuditChainBroken(_) => "audit_chain_broken",
            Error::WebhookMessageInDelivery(_) => "webhook_message_in_delivery",
            Error::WebhookEventNotReapplicable { .. } => "webhook_event_not_reapplicable",
            Error::WebhookRefused(_) => "webhook_refused",
            Error::DatabaseUnavailable { .. } => "database_unavailable",
            Error::DiskFull { .. } => "disk_full",
            Error::BookDamaged(_) => "book_damaged",
            Error::MigrationChecksumMismatch { .. } => "migration_checksum_mismatch",
            Error::SchemaTooNew { .. } => "schema_too_new",
            Error::InvalidInput { .. } => "invalid_input",
            Error::BatchRecordInvalid { .. } => "batch_record_invalid",
            Error::Line(e) => e.code(),
            Error::SeriesFormatInvalid { .. } => "series_format_invalid",
            Error::TenantNotFound(_) => "tenant_not_found",
            Error::SeriesNotFound { .. } => "series_not_found",
            Error::CustomerNotFound { .. } => "customer_not_found",
            Error::AlreadyExistsDifferently { .. } => "already_exists_differently",
            Error::IssueDateOutOfOrder { .. } | Error::IssueDateAfterLaterNumber { .. } => "issue_date_out_of_order",
            Error::ReservationNotFound(_) => "reservation_not_found",
            Error::ReservationReleased(_) => "reservation_released",
            Error::ReservedNumberUnavailable { .. } => "reserved_number_unavailable",
            Error::ReservationPeriodMismatch { .. } => "reservation_period_mismatch",
            Error::InvoiceNumberTaken { .. } => "invoice_number_taken",
            Error::InvoiceNotFound(_) => "invoice_not_found",
            Error::DocumentNotReproducible { .. } => "document_not_reproducible",
            Error::DocumentRender { .. } => "document_render_failed",
            Error::NumberingContention { .. } => "numbering_contention",
            Error::DatabaseBusy { .. } => "database_busy",
            Error::InvoiceImmutable => "invoice_immutable",
            Error::Storage { .. } => "storage_error",
            Error::Transient { .. } => "database_busy",
            Error::IdempotencyKeyInvalid(_) => "idempotency_key_invalid",
            Error::IdempotencyKeyInUse { .. } => "idempotency_key_in_use",
            Error::IdempotencyKeyReused { .. } => "idempotency_key_reused",
            Error::IdempotencyLeaseLost => "idempotency_lease_lost",
            Error::Replayed(body) => &body.code,
            Error::LicenseNotFound(_) => "license_not_found",
            Error::LicenseAlreadyActive { .. } => "license_already_active",
            Error::LicenseStateInvalid { .. } => "license_state_invalid",
            Error::ExtensionShortens { .. } => "license_extension_shortens",
            Error::VersionConflict { .. } => "version_conflict",
        }
    }

    fn message_tr(&self) -> String {
        turkish::message(self)
    }

    fn details(&self) -> Option<String> {
        match self {
            Error::InvalidInput { field, .. } => Some((*field).to_owned()),
            Error::BatchRecordInvalid { line, .. } => Some(line.to_string()),
            Error::Line(e) => e.details(),
            Error::Replayed(body) => body.details.clone(),
            // The license as it is now, so the UI can show what changed.
            Error::VersionConflict { current, .. } => serde_json::to_string(current).ok(),
            Error::IdempotencyKeyInUse { locked_until } => Some(locked_until.to_rfc3339()),
            Error::SeriesWouldCollide { example, .. } => Some(example.clone()),
            Error::PaymentExceedsBalance { remaining, .. } => Some(remaining.to_string()),
            Error::WebhookRefused(refusal) => Some(refusal.reason().to_owned()),
            Error::AlreadyExistsDifferently { fields, .. } => Some(fields.join(",")),
            _ => None,
        }
    }
}
