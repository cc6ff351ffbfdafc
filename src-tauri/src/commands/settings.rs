//! Settings: mode (SQLite file or Postgres URL), tenant, user, language.

use ledgerdesk_core::prelude::*;
use ledgerdesk_core::{AnyStore, StoreOptions};
use ledgerdesk_types::api::{Connection, Settings};
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// The current settings.
#[tauri::command(rename_all = "snake_case")]
pub async fn get_settings(state: State<'_, AppState>) -> CommandResult<Settings> {
    Ok(state.settings().await)
}

/// Saves new settings and switches to their database at once; a connection that fails changes nothing.
#[tauri::command(rename_all = "snake_case")]
pub async fn save_settings(state: State<'_, AppState>, settings: Settings) -> CommandResult<Settings> {
    state.replace(settings).await
}

/// Opens (and migrates) the database of `connection` and says which backend answered.
#[tauri::command(rename_all = "snake_case")]
pub async fn test_connection(connection: Connection) -> CommandResult<String> {
    let store = AnyStore::open(&connection.url(), StoreOptions::default()).await?;
    Ok(store.backend().to_owned())
}
