//! The Ledgerdesk desktop UI: Leptos, client-side rendered, compiled to WebAssembly and shown by the
//! Tauri shell. It talks to the backend only through [`api`], and computes invoice totals with the
//! backend's own functions from `ledgerdesk-types`.
//!
//! # Layout
//! - [`api`]: typed calls to the Tauri commands.
//! - [`app`]: the shell of the page: navigation and the error banner.
//! - [`state`]: the state the screens share ([`state::Ui`], [`state::Screen`]).
//! - [`clock`]: the time, from the webview.
//! - [`clipboard`]: copying a generated secret.
//! - [`keys`]: idempotency keys, one per distinct form submission.
//! - [`screens`]: one file per screen.
//!
//! Imports go one way: `app` imports the screens and `state`; screens import `state` and `api`.

mod api;
mod app;
mod clipboard;
mod clock;
mod keys;
mod screens;
mod state;

fn main() {
    leptos::mount::mount_to_body(app::App);
}
