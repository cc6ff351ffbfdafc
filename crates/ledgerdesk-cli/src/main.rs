//! `ledgerdesk`: the command line over Ledgerdesk's guards, for scripts, tests and benchmarks.
//!
//! Every failure exits non-zero with one line on stderr naming its stable code:
//! `error[tenant_not_found]: tenant "X" does not exist` (`LEDGERDESK_LANG=tr` for Turkish). The exit codes
//! are listed in `output`: 1 refused (nothing written), 2 bad arguments, 3 written but not printed,
//! 4 a batch with failed items.
//!
//! # Layout
//! - `args`: the command line, declared with clap.
//! - `commands/`: one module per group of subcommands; each returns what to print.
//! - `output`: printing values as text or `--json`, and errors as one line.

mod args;
mod commands;
mod output;

use std::process::ExitCode;

use clap::{ArgMatches, CommandFactory as _, FromArgMatches as _};

fn main() -> ExitCode {
    let parsed = args::Cli::command().try_get_matches().and_then(|matches| {
        let mut cli = args::Cli::from_arg_matches(&matches)?;
        cli.acting_user = acting_user(&matches);
        Ok(cli)
    });
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => e.exit(), // --help, --version
        Err(e) => {
            output::print_usage_error(&e);
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            output::print_error(&ledgerdesk_core::Error::Storage {
                backend: "runtime",
                detail: format!("cannot start the async runtime: {e}"),
            });
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(&cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => output::finish(&failure),
    }
}

/// The `--user` of the innermost subcommand that has one: who signs in, in a book with accounts.
fn acting_user(matches: &ArgMatches) -> Option<String> {
    let mut level = matches;
    let mut found = None;
    loop {
        if let Ok(Some(name)) = level.try_get_one::<String>(args::ACTING_USER) {
            found = Some(name.clone());
        }
        match level.subcommand() {
            Some((_, inner)) => level = inner,
            None => return found,
        }
    }
}
