//! Who is acting: the session (sign in, sign out) and, for administrators, the people of the book.

use ledgerdesk_core::prelude::*;
use ledgerdesk_types::api::{Session, SignInRequest};
use ledgerdesk_types::{NewUser, UserChange, UserRecord};
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// Who this desktop acts as, and whether someone must sign in first.
#[tauri::command(rename_all = "snake_case")]
pub async fn get_session(state: State<'_, AppState>) -> CommandResult<Session> {
    state.session().await
}

/// Signs a person in to the open book.
#[tauri::command(rename_all = "snake_case")]
pub async fn sign_in(state: State<'_, AppState>, request: SignInRequest) -> CommandResult<Session> {
    state.sign_in(&request.name, &request.password).await
}

/// Signs the person out.
#[tauri::command(rename_all = "snake_case")]
pub async fn sign_out(state: State<'_, AppState>) -> CommandResult<Session> {
    state.sign_out().await
}

/// Everyone, with their roles (administrators only).
#[tauri::command(rename_all = "snake_case")]
pub async fn list_users(state: State<'_, AppState>) -> CommandResult<Vec<UserRecord>> {
    Ok(state.store().await?.list_users().await?)
}

/// Adds a person (administrators only).
#[tauri::command(rename_all = "snake_case")]
pub async fn add_user(state: State<'_, AppState>, request: NewUser) -> CommandResult<UserRecord> {
    Ok(state.store().await?.add_user(request).await?)
}

/// Grants roles (and on Postgres tenants) to a person (administrators only).
#[tauri::command(rename_all = "snake_case")]
pub async fn grant_user(state: State<'_, AppState>, request: UserChange) -> CommandResult<UserRecord> {
    Ok(state.store().await?.grant_user(request).await?)
}

/// Revokes roles (and on Postgres tenants) from a person (administrators only).
#[tauri::command(rename_all = "snake_case")]
pub async fn revoke_user(state: State<'_, AppState>, request: UserChange) -> CommandResult<UserRecord> {
    Ok(state.store().await?.revoke_user(request).await?)
}
