//! The Ledgerdesk desktop UI: Leptos, client-side rendered, compiled to WebAssembly and shown by the
//! Tauri shell. It talks to the backend only through [`api`], and computes invoice totals with the
//! backend's own functions from `ledgerdesk-types`.
//!
//! # Layout
//! - [`api`]: typed calls to the Tauri commands.
//! - [`app`]: the shell of the page: navigation, the error banner, shared UI state.
//! - [`clock`]: the time, from the webview.
//! - [`keys`]: idempotency keys, one per distinct form submission.
//! - [`screens`]: one file per screen.

mod api;
mod app;
mod clock;
mod keys;
mod screens;

fn main() {
    leptos::mount::mount_to_body(app::App);
}
