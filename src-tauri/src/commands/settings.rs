//! Settings: mode (SQLite file or Postgres URL), tenant, user, language.

use ledgerdesk_core::prelude::*;
use ledgerdesk_core::{AnyStore, Opening, StoreOptions};
use ledgerdesk_types::api::{BookStatus, Connection, Settings};
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// The current settings.
#[tauri::command(rename_all = "snake_case")]
pub async fn get_settings(state: State<'_, AppState>) -> CommandResult<Settings> {
    Ok(state.settings().await)
}

/// Saves new settings and switches to their book at once; a connection that fails changes nothing. A
/// path with no book is `book_not_found` and creates nothing, unless `create` is set: the user chose
/// to start a new book there (New book…, or yes to "No book here — create a new one?").
#[tauri::command(rename_all = "snake_case")]
pub async fn save_settings(
    state: State<'_, AppState>,
    settings: Settings,
    create: Option<bool>,
) -> CommandResult<Settings> {
    let opening = if create == Some(true) { Opening::New } else { Opening::Existing };
    state.replace(settings, opening).await
}

/// Opens (and migrates) the existing book of `connection` and says which backend answered, and on
/// Postgres whether the connection is encrypted and the server's certificate verified; creates nothing.
#[tauri::command(rename_all = "snake_case")]
pub async fn test_connection(state: State<'_, AppState>, connection: Connection) -> CommandResult<String> {
    let url = state.keyring().url_to_open(&connection);
    match AnyStore::open(&url, StoreOptions::default()).await? {
        AnyStore::Postgres(server) => Ok(format!("postgres ({})", server.transport().await?)),
        store => Ok(store.backend().to_owned()),
    }
}

/// What the open book allows: read-only when this user cannot write its file.
#[tauri::command(rename_all = "snake_case")]
pub async fn book_status(state: State<'_, AppState>) -> CommandResult<BookStatus> {
    let store = state.store().await?;
    Ok(BookStatus { backend: store.backend().to_owned(), read_only: store.read_only() })
}
