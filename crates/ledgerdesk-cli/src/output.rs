//! Printing results as text or JSON, and errors as one line with their code.

use ledgerdesk_core::Error;
use ledgerdesk_types::Localized;
use serde::Serialize;

/// Whether messages should be Turkish (`LEDGERDESK_LANG=tr`).
fn turkish() -> bool {
    std::env::var("LEDGERDESK_LANG").is_ok_and(|lang| lang.to_ascii_lowercase().starts_with("tr"))
}

/// Prints `value` as one JSON document, or as the text `describe` gives.
pub fn print<T: Serialize>(json: bool, value: &T, describe: impl FnOnce(&T) -> String) {
    if json {
        match serde_json::to_string(value) {
            Ok(text) => println!("{text}"),
            Err(e) => eprintln!("error[output_failed]: cannot encode the result as JSON: {e}"),
        }
    } else {
        println!("{}", describe(value));
    }
}

/// Prints an error as one line on stderr: `error[code]: message`.
pub fn print_error(error: &Error) {
    let message = if turkish() { error.message_tr() } else { error.to_string() };
    let replayed = match (error, turkish()) {
        (Error::Replayed(_), false) => " (replayed: the stored answer of an earlier identical request)",
        (Error::Replayed(_), true) => " (tekrar: önceki aynı isteğin kayıtlı yanıtı)",
        _ => "",
    };
    eprintln!("error[{}]: {}{replayed}", error.code(), message.replace('\n', " "));
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
    eprintln!("error[invalid_arguments]: {} (see --help)", message.join(" ").trim_start_matches("error: "));
}
