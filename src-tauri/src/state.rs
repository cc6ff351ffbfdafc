//! The app's managed state: the settings and the store they point at.
//!
//! The store is opened on first use and replaced when the settings change, without a restart.

use ledgerdesk_core::error::IdentityError;
use ledgerdesk_core::prelude::*;
use ledgerdesk_core::{AnyStore, Opening, StoreOptions};
use ledgerdesk_types::api::{Session, Settings};
use tokio::sync::RwLock;

use crate::error::{CommandError, CommandResult};
use crate::settings::SettingsFile;

/// Everything commands share.
pub struct AppState {
    file: SettingsFile,
    settings: RwLock<Settings>,
    /// The book as its owner opens it (the background worker uses this one).
    store: RwLock<Option<AnyStore>>,
    /// The same book, acting as the account signed in at this desktop; every command goes through it.
    session: RwLock<Option<AnyStore>>,
}

impl AppState {
    /// State with the settings stored in `file`; the store opens on first use.
    pub fn load(file: SettingsFile) -> Self {
        let settings = file.load();
        AppState { file, settings: RwLock::new(settings), store: RwLock::new(None), session: RwLock::new(None) }
    }

    /// Points a fresh state at `connection` (tests use it instead of `LEDGERDESK_DB`).
    #[cfg(test)]
    pub fn use_connection_for_tests(&mut self, connection: ledgerdesk_types::api::Connection) {
        self.settings.get_mut().connection = connection;
    }

    /// The keyring that keeps the connection's password.
    pub fn keyring(&self) -> &crate::secrets::Keyring {
        self.file.keyring()
    }

    /// The current settings.
    pub async fn settings(&self) -> Settings {
        self.settings.read().await.clone()
    }

    /// The open store, opening the existing book if needed (a missing one is `book_not_found`), acting
    /// as the person signed in here; a book that keeps accounts with no one signed in is
    /// `sign_in_required`.
    pub async fn store(&self) -> CommandResult<AnyStore> {
        let book = self.store_as(Opening::Existing).await?;
        if let Some(session) = self.session.read().await.as_ref() {
            return Ok(session.clone());
        }
        if keeps_accounts(&book).await? {
            return Err(ledgerdesk_core::Error::from(IdentityError::SignInRequired).into());
        }
        Ok(book)
    }

    /// Who this desktop acts as, and whether someone must sign in first.
    pub async fn session(&self) -> CommandResult<Session> {
        match self.store().await {
            Ok(store) => Ok(Session { identity: Some(store.identity().clone()), sign_in_required: false }),
            Err(CommandError(body)) if body.code == "sign_in_required" => {
                Ok(Session { identity: None, sign_in_required: true })
            }
            Err(e) => Err(e),
        }
    }

    /// Signs `name` in to the open book (offline accounts; on Postgres the login of the URL is who acts).
    pub async fn sign_in(&self, name: &str, password: &str) -> CommandResult<Session> {
        let AnyStore::Sqlite(book) = self.store_as(Opening::Existing).await? else {
            return Err(CommandError::new(
                "sign_in_in_url",
                "on Postgres each person connects with their own login: put it in the connection's URL",
                "Postgres'te herkes kendi oturum açma adıyla bağlanır: bunu bağlantı adresine yazın",
            ));
        };
        let signed_in = AnyStore::Sqlite(book.sign_in(name, password).await?);
        *self.session.write().await = Some(signed_in);
        self.session().await
    }

    /// Signs the person out: the next command needs a sign-in again.
    pub async fn sign_out(&self) -> CommandResult<Session> {
        *self.session.write().await = None;
        self.session().await
    }

    /// The store the commands opened, if any: the background worker uses it and never opens a book.
    pub async fn open_store(&self) -> Option<AnyStore> {
        self.store.read().await.clone()
    }

    /// The open store, creating its book if there is none: only the first-run set-up does this.
    pub async fn store_creating(&self) -> CommandResult<AnyStore> {
        self.store_as(Opening::CreateIfMissing).await
    }

    async fn store_as(&self, opening: Opening) -> CommandResult<AnyStore> {
        if let Some(store) = self.store.read().await.as_ref() {
            return Ok(store.clone());
        }
        let mut slot = self.store.write().await;
        if let Some(store) = slot.as_ref() {
            return Ok(store.clone());
        }
        let url = self.file.keyring().url_to_open(&self.settings.read().await.connection);
        let store = AnyStore::open_as(&url, StoreOptions::default(), opening).await?;
        *slot = Some(store.clone());
        Ok(store)
    }

    /// The store and the selected tenant, or `tenant_not_selected`.
    pub async fn store_and_tenant(&self) -> CommandResult<(AnyStore, String, String)> {
        let settings = self.settings().await;
        let tenant = settings.tenant.ok_or_else(CommandError::no_tenant)?;
        let store = self.store().await?;
        // A signed-in person (or a Postgres login) is every write's author; the owner names it in Settings.
        let identity = store.identity();
        let user = if identity.owner { settings.user } else { identity.name.clone() };
        Ok((store, tenant, user))
    }

    /// Switches to `settings`: opens their store first (creating a new book only when `opening` says
    /// so), so a bad connection, or a path with no book, changes nothing.
    pub async fn replace(&self, settings: Settings, opening: Opening) -> CommandResult<Settings> {
        let url = self.file.keyring().url_to_open(&settings.connection);
        let store = AnyStore::open_as(&url, StoreOptions::default(), opening).await?;
        let settings = self.file.save(settings)?;
        *self.store.write().await = Some(store);
        *self.session.write().await = None;
        *self.settings.write().await = settings.clone();
        Ok(settings)
    }

    /// Remembers `tenant` as the selected one (after a first-run set-up).
    pub async fn select_tenant(&self, tenant: &str) -> CommandResult<()> {
        let mut settings = self.settings().await;
        if settings.tenant.as_deref() != Some(tenant) {
            settings.tenant = Some(tenant.to_owned());
            *self.settings.write().await = self.file.save(settings)?;
        }
        Ok(())
    }
}

/// Whether `book` is an offline book that keeps accounts (on Postgres the login is who acts).
async fn keeps_accounts(book: &AnyStore) -> CommandResult<bool> {
    match book {
        AnyStore::Sqlite(file) => Ok(file.has_accounts().await?),
        AnyStore::Postgres(_) => Ok(false),
    }
}
