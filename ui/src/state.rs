//! The state every screen shares, provided as context by the page shell: which screen shows, the
//! banner's error or notice, the settings, and a version bumped after every write.

use ledgerdesk_types::ErrorBody;
use ledgerdesk_types::api::{Language, Settings};
use leptos::prelude::*;

/// Which screen is showing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    Invoices,
    NewInvoice,
    Batch,
    Detail(String),
    Audit,
    Licenses,
    Idempotency,
    Webhooks,
    Exports,
    Settings,
}

/// State shared by every screen, provided as context.
#[derive(Clone, Copy)]
pub struct Ui {
    pub screen: RwSignal<Screen>,
    /// The last failure, shown in the banner until dismissed or replaced.
    pub error: RwSignal<Option<ErrorBody>>,
    /// A short confirmation ("Issued 202611-00001-ACME").
    pub notice: RwSignal<Option<String>>,
    pub settings: RwSignal<Option<Settings>>,
    /// The open book can be read but not written here.
    pub read_only: RwSignal<bool>,
    /// Bumped after every write so lists reload.
    pub version: RwSignal<u32>,
}

impl Ui {
    pub fn fail(&self, error: ErrorBody) {
        self.notice.set(None);
        self.error.set(Some(error));
    }

    pub fn succeed(&self, notice: impl Into<String>) {
        self.error.set(None);
        self.notice.set(Some(notice.into()));
        self.version.update(|v| *v += 1);
    }

    /// Shows `screen`; the banner belonged to the screen left behind.
    pub fn go(&self, screen: Screen) {
        self.error.set(None);
        self.notice.set(None);
        self.screen.set(screen);
    }

    /// Asks the backend whether the open book is read-only, for the badge.
    pub async fn refresh_book_status(self) {
        self.read_only.set(crate::api::book_status().await.is_ok_and(|status| status.read_only));
    }

    pub fn language(&self) -> Language {
        self.settings.with(|s| s.as_ref().map(|s| s.language).unwrap_or_default())
    }
}

pub fn use_ui() -> Ui {
    expect_context::<Ui>()
}
