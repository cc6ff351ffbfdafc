//! Building and classifying [`Error`]s: constructors, and which errors may be retried or leave an
//! idempotency key free.

use super::Error;

/// "series X" or "this series itself", for [`Error::InvoiceNumberTaken`].
pub(super) fn holder_words(series: &str, holder: &str) -> String {
    if series == holder {
        format!("series {holder:?} itself (its template prints the same number in two periods)")
    } else {
        format!("series {holder:?} of this tenant; give each series its own prefix or {{SERIES}}")
    }
}

impl Error {
    /// [`Error::DatabaseBusy`], as the retry loop names an exhausted write.
    pub fn busy(attempts: u32) -> Self {
        Error::DatabaseBusy { attempts }
    }

    /// [`Error::NumberingContention`], as the retry loop names an exhausted numbering write.
    pub fn contention(attempts: u32) -> Self {
        Error::NumberingContention { attempts }
    }

    /// A validation error for `field`, in both languages.
    pub fn invalid(field: &'static str, reason: impl Into<String>, reason_tr: impl Into<String>) -> Self {
        Error::InvalidInput { field, reason: reason.into(), reason_tr: reason_tr.into() }
    }

    /// Whether trying the whole transaction again may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, Error::Transient { .. })
    }

    /// Whether the same request may succeed later as it is: contention, an unreachable database, a key
    /// still in use. An idempotent command does not store such an error; it frees its key instead.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Error::Transient { .. }
                | Error::NumberingContention { .. }
                | Error::DatabaseBusy { .. }
                | Error::DatabaseUnavailable { .. }
                | Error::DiskFull { .. }
                | Error::Storage { .. }
                | Error::IdempotencyKeyInUse { .. }
                | Error::IdempotencyLeaseLost
        )
    }

    /// Whether an idempotent command that failed with this error frees its key rather than storing the
    /// error as the key's answer: a retryable failure, or a request refused as it stands before the book
    /// decided anything (bad input; a tenant, series, customer or invoice that does not exist yet; a date the
    /// tenant does not accept today). The corrected request, or the same one once the cause is fixed,
    /// then runs under the same key.
    pub fn frees_key(&self) -> bool {
        self.is_retryable()
            || matches!(
                self,
                Error::InvalidInput { .. }
                    | Error::BatchRecordInvalid { .. }
                    | Error::Line(_)
                    | Error::TenantNotFound(_)
                    | Error::SeriesNotFound { .. }
                    | Error::CustomerNotFound { .. }
                    | Error::InvoiceNotFound(_)
                    | Error::IssueDateInFuture { .. }
                    | Error::IssueDateBeforeBooksOpen { .. }
                    | Error::BookNotFound(_)
                    | Error::BookReadOnly(_)
                    // Refused for who asked: the same key works once the person holds the role.
                    | Error::Identity(_)
            )
    }
}
