//! Copying to the clipboard, from the webview.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["navigator", "clipboard"], js_name = writeText, catch)]
    async fn write_text(text: &str) -> Result<JsValue, JsValue>;
}

/// Puts `text` on the clipboard; `false` when the webview does not allow it (the caller then leaves
/// the text selected for Ctrl+C).
pub async fn copy(text: &str) -> bool {
    write_text(text).await.is_ok()
}
