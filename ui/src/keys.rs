//! Idempotency keys for forms: one key per distinct submission. Submitting the same request again
//! (a double-click, a retry after an error) reuses its key, so the backend acts once and replays its
//! first answer; changing the request makes a new key.

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = Math)]
    fn random() -> f64;
}

/// A new key: `ui-<milliseconds>-<random>`, unique enough within one user's commands.
pub fn fresh_key() -> String {
    let millis = crate::clock::now().timestamp_millis();
    format!("ui-{millis:x}-{:013x}", (random() * (1u64 << 52) as f64) as u64)
}

/// The key of the request a form last submitted.
pub struct SubmissionKeys<T: Send + Sync + 'static> {
    last: RwSignal<Option<(T, String)>>,
}

impl<T: Send + Sync + 'static> Clone for SubmissionKeys<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for SubmissionKeys<T> {}

impl<T: Clone + PartialEq + Send + Sync + 'static> SubmissionKeys<T> {
    pub fn new() -> Self {
        SubmissionKeys { last: RwSignal::new(None) }
    }

    /// The key for `request`: the last one if the request is unchanged, else a new one.
    pub fn key_for(&self, request: &T) -> String {
        if let Some((last, key)) = self.last.get_untracked()
            && last == *request
        {
            return key;
        }
        let key = fresh_key();
        self.last.set(Some((request.clone(), key.clone())));
        key
    }

    /// The key in use, for display.
    pub fn current(&self) -> Option<String> {
        self.last.with(|last| last.as_ref().map(|(_, key)| key.clone()))
    }

    /// Forgets the last request: the next submission gets a new key even if it is identical.
    pub fn forget(&self) {
        self.last.set(None);
    }
}
