//! Printing results as text or JSON, errors as one line with their code, and the exit code of each
//! outcome. Nothing here panics: a closed or full stdout is an outcome like any other.
//!
//! | exit | meaning |
//! | --- | --- |
//! | 0 | done (a reader that closes the pipe early, as `head` does, is not an error) |
//! | 1 | refused or failed: nothing was written; one line `error[code]: …` on stderr |
//! | 2 | the command line itself is wrong (`error[invalid_arguments]`) |
//! | 3 | written, but the result could not be printed: stderr says what was committed |
//! | 4 | a batch ran and some of its items failed; the others took effect (each is reported) |
//!
//! A batch whose every item failed wrote nothing: it exits 1.

use std::io::{ErrorKind, Write};
use std::process::ExitCode;

use ledgerdesk_core::Error;
use ledgerdesk_types::Localized;
use serde::Serialize;

/// Why a command did not end with exit code 0.
#[derive(Debug)]
pub enum Failure {
    /// Refused or failed; nothing was written.
    Refused(Error),
    /// The command took effect (`committed` says what), but its result could not be printed.
    Unprinted { committed: String, error: std::io::Error },
    /// A read's result could not be printed.
    ReadUnprinted(std::io::Error),
    /// A batch ran; `failed` of its `total` items failed.
    PartlyFailed { failed: usize, total: usize },
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure::Refused(error)
    }
}

/// What a command ends with.
pub type Outcome = Result<(), Failure>;

/// Whether messages should be Turkish (`LEDGERDESK_LANG=tr`).
pub(crate) fn turkish() -> bool {
    std::env::var("LEDGERDESK_LANG").is_ok_and(|lang| lang.to_ascii_lowercase().starts_with("tr"))
}

/// Writes `value` as one JSON document, or as the text `describe` gives, in one write, then flushes.
fn emit<T: Serialize>(json: bool, value: &T, describe: impl FnOnce(&T) -> String) -> std::io::Result<()> {
    let mut text = if json { serde_json::to_string(value).map_err(std::io::Error::other)? } else { describe(value) };
    text.push('\n');
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()
}

/// Prints the result of a read. A reader that closed the pipe early wanted no more: that is not an error.
pub fn read<T: Serialize>(json: bool, value: &T, describe: impl FnOnce(&T) -> String) -> Outcome {
    match emit(json, value, describe) {
        Err(error) if error.kind() != ErrorKind::BrokenPipe => Err(Failure::ReadUnprinted(error)),
        _ => Ok(()),
    }
}

/// Prints the result of a write that has committed; if it cannot be printed, the caller still hears what
/// was committed (`committed` names it: the invoice number, the key…).
pub fn wrote<T: Serialize>(
    json: bool,
    value: &T,
    describe: impl FnOnce(&T) -> String,
    committed: impl FnOnce(&T) -> String,
) -> Outcome {
    emit(json, value, describe).map_err(|error| Failure::Unprinted { committed: committed(value), error })
}

/// One line on stderr, ignoring a stderr that is gone too (there is nobody left to tell).
fn say(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// Prints an error as one line on stderr: `error[code]: message`.
pub fn print_error(error: &Error) {
    let message = if turkish() { error.message_tr() } else { error.to_string() };
    let replayed = match (error, turkish()) {
        (Error::Replayed(_), false) => " (replayed: the stored answer of an earlier identical request)",
        (Error::Replayed(_), true) => " (tekrar: önceki aynı isteğin kayıtlı yanıtı)",
        _ => "",
    };
    say(&format!("error[{}]: {}{replayed}", error.code(), message.replace('\n', " ")));
}

/// Reports `failure` on stderr and gives its exit code.
pub fn finish(failure: &Failure) -> ExitCode {
    match failure {
        Failure::Refused(error) => {
            print_error(error);
            ExitCode::from(1)
        }
        Failure::ReadUnprinted(error) => {
            say(&format!("error[output_failed]: the result could not be printed: {error}"));
            ExitCode::from(1)
        }
        Failure::Unprinted { committed, error } => {
            if turkish() {
                say(&format!("error[output_failed]: kaydedildi ({committed}), ancak sonuç yazdırılamadı: {error}"));
            } else {
                say(&format!(
                    "error[output_failed]: committed ({committed}), but the result could not be printed: {error}"
                ));
            }
            ExitCode::from(3)
        }
        Failure::PartlyFailed { failed, total } if failed == total => {
            if turkish() {
                say(&format!("error[batch_failed]: {total} öğenin hepsi başarısız; hiçbir şey yazılmadı"));
            } else {
                say(&format!("error[batch_failed]: all {total} items failed; nothing was written"));
            }
            ExitCode::from(1)
        }
        Failure::PartlyFailed { failed, total } => {
            if turkish() {
                say(&format!(
                    "error[batch_partly_failed]: {total} öğeden {failed} tanesi başarısız; diğerleri uygulandı"
                ));
            } else {
                say(&format!("error[batch_partly_failed]: {failed} of {total} items failed; the others took effect"));
            }
            ExitCode::from(4)
        }
    }
}

/// Prints a command-line parsing error as one line.
pub fn print_usage_error(error: &clap::Error) {
    let rendered = error.render().to_string();
    // clap spreads one error over several lines before its usage section; keep them on one line.
    let message: Vec<&str> = rendered
        .lines()
        .map(str::trim)
        .take_while(|line| !line.starts_with("Usage:") && !line.starts_with("For more information"))
        .filter(|line| !line.is_empty())
        .collect();
    say(&format!("error[invalid_arguments]: {} (see --help)", message.join(" ").trim_start_matches("error: ")));
}
