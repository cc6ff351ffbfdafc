//! The settings file: JSON in the OS config directory, written atomically (temp file, then rename) so a
//! crash never leaves half a file. The connection's password is never in it (see `secrets`).

use std::path::PathBuf;

use ledgerdesk_core::{APP_IDENTIFIER, default_sqlite_path};
use ledgerdesk_types::api::{Connection, Language, Settings};

use crate::error::CommandError;
use crate::secrets::Keyring;

/// Where the settings live, and the keyring that keeps the connection's password.
#[derive(Debug, Clone)]
pub struct SettingsFile {
    path: Option<PathBuf>,
    keyring: Keyring,
}

impl SettingsFile {
    /// `LEDGERDESK_CONFIG_DIR/settings.json` if set (tests), else the OS config directory.
    pub fn from_environment() -> Self {
        let dir = std::env::var_os("LEDGERDESK_CONFIG_DIR")
            .map(PathBuf::from)
            .or_else(|| directories::BaseDirs::new().map(|d| d.config_dir().join(APP_IDENTIFIER)));
        SettingsFile { path: dir.map(|d| d.join("settings.json")), keyring: Keyring::for_app() }
    }

    /// A settings file at `path`, its passwords kept under the keyring's `service`.
    pub fn at(path: PathBuf, keyring: Keyring) -> Self {
        SettingsFile { path: Some(path), keyring }
    }

    /// The keyring that keeps the connection's password.
    pub fn keyring(&self) -> &Keyring {
        &self.keyring
    }

    /// The stored settings, or the defaults: the default SQLite file, no tenant, the OS user, English.
    /// `LEDGERDESK_DB` (as the CLI takes it) overrides the stored connection.
    pub fn load(&self) -> Settings {
        let stored = self
            .path
            .as_ref()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .and_then(|text| serde_json::from_str::<Settings>(&text).ok());
        let mut settings = stored.unwrap_or_else(defaults);
        // A file of an earlier version kept the password in the URL: moved to the keyring, the file
        // rewritten without it. If the keyring cannot take it, the file stays as it was.
        if let Ok(kept) = self.keyring.keep_password(settings.connection.clone())
            && kept != settings.connection
        {
            settings.connection = kept;
            let _ = self.write(&settings);
        }
        if let Some(url) = std::env::var("LEDGERDESK_DB").ok().filter(|u| !u.is_empty()) {
            settings.connection = match url.strip_prefix("sqlite:") {
                Some(path) => Connection::Sqlite { path: path.to_owned() },
                None => Connection::Postgres { url },
            };
        }
        settings
    }

    /// Writes `settings`, the connection's password kept in the keyring rather than in the file;
    /// returns what was written.
    pub fn save(&self, settings: Settings) -> Result<Settings, CommandError> {
        let connection = self.keyring.keep_password(settings.connection)?;
        let settings = Settings { connection, ..settings };
        self.write(&settings).map_err(CommandError::settings_not_saved)?;
        Ok(settings)
    }

    fn write(&self, settings: &Settings) -> std::io::Result<()> {
        let Some(path) = &self.path else {
            return Err(std::io::Error::new(std::io::ErrorKind::NotFound, "no config directory"));
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let text = serde_json::to_string_pretty(settings).map_err(std::io::Error::other)?;
        let temporary = path.with_extension("json.tmp");
        std::fs::write(&temporary, text)?;
        std::fs::rename(&temporary, path)
    }
}

fn defaults() -> Settings {
    let path = default_sqlite_path().map(|p| p.display().to_string()).unwrap_or_else(|| "ledgerdesk.sqlite3".into());
    Settings {
        connection: Connection::Sqlite { path },
        tenant: None,
        user: std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "ledgerdesk".into()),
        language: Language::En,
    }
}
