//! The error every command returns: the core error in its wire shape.

use ledgerdesk_types::{ErrorBody, Localized};
use serde::Serialize;

/// A command's error as the UI receives it: `{code, message, message_tr, details}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct CommandError(pub ErrorBody);

impl From<ledgerdesk_core::Error> for CommandError {
    fn from(error: ledgerdesk_core::Error) -> Self {
        CommandError(error.to_body())
    }
}

impl CommandError {
    /// An error of the desktop shell itself.
    pub fn new(code: &str, message: impl Into<String>, message_tr: impl Into<String>) -> Self {
        CommandError(ErrorBody {
            code: code.into(),
            message: message.into(),
            message_tr: message_tr.into(),
            details: None,
        })
    }

    /// The settings file could not be written.
    pub fn settings_not_saved(e: std::io::Error) -> Self {
        CommandError::new(
            "settings_not_saved",
            format!("the settings could not be saved: {e}"),
            format!("ayarlar kaydedilemedi: {e}"),
        )
    }

    /// The settings name no tenant yet.
    pub fn no_tenant() -> Self {
        CommandError::new(
            "tenant_not_selected",
            "choose or set up a tenant in Settings first",
            "önce Ayarlar'da bir kiracı seçin veya oluşturun",
        )
    }
}

/// Result of a command.
pub type CommandResult<T> = Result<T, CommandError>;
