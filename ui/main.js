// Loads the Leptos UI. A file of its own, not an inline script, so the CSP needs no 'unsafe-inline'.
import init from "./ledgerdesk_ui.js";
init();
