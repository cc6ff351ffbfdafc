//! The app's managed state: the settings and the store they point at.
//!
//! The store is opened on first use and replaced when the settings change, without a restart.

use ledgerdesk_core::{AnyStore, Opening, StoreOptions};
use ledgerdesk_types::api::Settings;
use tokio::sync::RwLock;

use crate::error::{CommandError, CommandResult};
use crate::settings::SettingsFile;

/// Everything commands share.
pub struct AppState {
    file: SettingsFile,
    settings: RwLock<Settings>,
    store: RwLock<Option<AnyStore>>,
}

impl AppState {
    /// State with the settings stored in `file`; the store opens on first use.
    pub fn load(file: SettingsFile) -> Self {
        let settings = file.load();
        AppState { file, settings: RwLock::new(settings), store: RwLock::new(None) }
    }

    /// Points a fresh state at `connection` (tests use it instead of `LEDGERDESK_DB`).
    #[cfg(test)]
    pub fn use_connection_for_tests(&mut self, connection: ledgerdesk_types::api::Connection) {
        self.settings.get_mut().connection = connection;
    }

    /// The current settings.
    pub async fn settings(&self) -> Settings {
        self.settings.read().await.clone()
    }

    /// The open store, opening the existing book if needed: a missing one is `book_not_found`.
    pub async fn store(&self) -> CommandResult<AnyStore> {
        self.store_as(Opening::Existing).await
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
        let url = self.settings.read().await.connection.url();
        let store = AnyStore::open_as(&url, StoreOptions::default(), opening).await?;
        *slot = Some(store.clone());
        Ok(store)
    }

    /// The store and the selected tenant, or `tenant_not_selected`.
    pub async fn store_and_tenant(&self) -> CommandResult<(AnyStore, String, String)> {
        let settings = self.settings().await;
        let tenant = settings.tenant.ok_or_else(CommandError::no_tenant)?;
        Ok((self.store().await?, tenant, settings.user))
    }

    /// Switches to `settings`: opens their store first (creating a new book only when `opening` says
    /// so), so a bad connection, or a path with no book, changes nothing.
    pub async fn replace(&self, settings: Settings, opening: Opening) -> CommandResult<Settings> {
        let store = AnyStore::open_as(&settings.connection.url(), StoreOptions::default(), opening).await?;
        self.file.save(&settings).map_err(CommandError::settings_not_saved)?;
        *self.store.write().await = Some(store);
        *self.settings.write().await = settings.clone();
        Ok(settings)
    }

    /// Remembers `tenant` as the selected one (after a first-run set-up).
    pub async fn select_tenant(&self, tenant: &str) -> CommandResult<()> {
        let mut settings = self.settings().await;
        if settings.tenant.as_deref() != Some(tenant) {
            settings.tenant = Some(tenant.to_owned());
            self.file.save(&settings).map_err(CommandError::settings_not_saved)?;
            *self.settings.write().await = settings;
        }
        Ok(())
    }
}
