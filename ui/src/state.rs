//! The state every screen shares, provided as context by the page shell: which screen shows, the
//! banner's error or notice, the settings, and a version bumped after every write.

use ledgerdesk_types::api::{Language, Session, Settings};
use ledgerdesk_types::{ErrorBody, Identity, Role};
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
    /// The book keeps accounts and no one is signed in: nothing else shows.
    SignIn,
    /// The people of the book (administrators).
    People,
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
    /// Who the app acts as; `None` until known, or while a sign-in is required.
    pub identity: RwSignal<Option<Identity>>,
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

    /// Asks the backend whether the open book is read-only, for the badge, and who acts in it (a book
    /// switched to, or created, in Settings may keep accounts).
    pub async fn refresh_book_status(self) {
        self.read_only.set(crate::api::book_status().await.is_ok_and(|status| status.read_only));
        if let Ok(session) = crate::api::get_session().await {
            if session.sign_in_required {
                self.go(Screen::SignIn);
            }
            self.identity.set(session.identity);
        }
    }

    /// Takes in what the backend says of who is acting: a required sign-in shows the sign-in screen
    /// alone; after a sign-in (or out) the screen left behind may not be this person's.
    pub fn enter(&self, session: Session) {
        let signed_in = session.identity.is_some();
        self.identity.set(session.identity);
        if session.sign_in_required {
            self.go(Screen::SignIn);
        } else if self.screen.get_untracked() == Screen::SignIn || !signed_in {
            self.go(Screen::Invoices);
        }
    }

    /// Whether the person acting holds `role`'s rights (the owner holds all): which tabs show. While
    /// no one is known (no book yet) nothing is hidden; the backend refuses anything else anyway.
    pub fn may(&self, role: Role) -> bool {
        self.identity.with(|identity| identity.as_ref().is_none_or(|identity| identity.holds(role)))
    }

    pub fn language(&self) -> Language {
        self.settings.with(|s| s.as_ref().map(|s| s.language).unwrap_or_default())
    }
}

pub fn use_ui() -> Ui {
    expect_context::<Ui>()
}
