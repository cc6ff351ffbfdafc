//! The Batch screen's commands: preview a batch file, run it in the background a chunk at a time (see
//! `ledgerdesk_core::batch::run`), show where it stands, and cancel it between chunks.
//!
//! One run at a time per app. The run holds the store it started with; its progress is a summary the
//! screen polls, so a closed or reloaded window loses nothing: the run goes on and is shown again.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use ledgerdesk_core::Error;
use ledgerdesk_core::batch::run::{self, DEFAULT_CHUNK, FileRun, Step};
use ledgerdesk_types::{BatchFilePreview, BatchFileRequest, BatchFileSummary, Currency};
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// Records a preview shows.
const PREVIEW_ROWS: usize = 20;

/// The app's batch run: where it stands, and the flag that stops it after its current chunk.
#[derive(Default)]
pub struct BatchRun {
    summary: Mutex<Option<BatchFileSummary>>,
    cancel: Arc<AtomicBool>,
}

impl BatchRun {
    fn shown(&self) -> Option<BatchFileSummary> {
        self.summary.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn set(&self, summary: BatchFileSummary) {
        *self.summary.lock().unwrap_or_else(|p| p.into_inner()) = Some(summary);
    }
}

/// A path the user typed: absolute, naming a .csv or .jsonl file.
fn batch_path(path: &str) -> Result<PathBuf, Error> {
    let path = PathBuf::from(path.trim());
    if !path.is_absolute() {
        return Err(Error::invalid(
            "path",
            "must be a full path to a .csv or .jsonl file, such as /home/ayse/Documents/november.csv",
            "tam bir .csv veya .jsonl dosya yolu olmalıdır, ör. /home/ayse/Belgeler/kasim.csv",
        ));
    }
    ledgerdesk_core::batch::file::Format::of_path(&path)?;
    Ok(path)
}

/// Reads and checks the file (nothing is issued): its record count, the first records, the errors.
#[tauri::command(rename_all = "snake_case")]
pub async fn preview_batch(
    state: State<'_, AppState>,
    path: String,
    currency: Currency,
) -> CommandResult<BatchFilePreview> {
    let path = batch_path(&path)?;
    let (_, tenant, user) = state.store_and_tenant().await?;
    let preview = tokio::task::spawn_blocking(move || {
        let file_run = FileRun {
            tenant: &tenant,
            series: "",
            user: &user,
            currency,
            path: &path,
            chunk: DEFAULT_CHUNK,
            batch_id: None,
        };
        run::check_file(&file_run, PREVIEW_ROWS, |_| {})
    })
    .await
    .map_err(|e| Error::Storage { backend: "desktop", detail: e.to_string() })??;
    Ok(preview)
}

/// Starts issuing the file in the background, unless a run is going; returns where it starts.
#[tauri::command(rename_all = "snake_case")]
pub async fn start_batch(
    state: State<'_, AppState>,
    batch: State<'_, Arc<BatchRun>>,
    request: BatchFileRequest,
) -> CommandResult<BatchFileSummary> {
    let path = batch_path(&request.path)?;
    if batch.shown().is_some_and(|s| s.running) {
        return Err(Error::invalid(
            "batch",
            "a batch is running already; wait for it or cancel it",
            "zaten çalışan bir toplu işlem var; bitmesini bekleyin veya iptal edin",
        )
        .into());
    }
    let (store, tenant, user) = state.store_and_tenant().await?;
    batch.cancel.store(false, Ordering::SeqCst);
    let starting = BatchFileSummary { file: path.display().to_string(), running: true, ..Default::default() };
    batch.set(starting.clone());
    let run_state = Arc::clone(&batch);
    tokio::spawn(async move {
        let file_run = FileRun {
            tenant: &tenant,
            series: &request.series,
            user: &user,
            currency: request.currency,
            path: &path,
            chunk: DEFAULT_CHUNK,
            batch_id: None,
        };
        let shown = Arc::clone(&run_state);
        let result = run::issue_file(&store, &file_run, &run_state.cancel, |step| {
            if let Step::Chunk(summary) = step {
                shown.set(summary.clone());
            }
        })
        .await;
        let finished = match result {
            Ok((summary, _)) => summary,
            // The file could not be started on (unreadable, a bad chunk size): nothing was issued.
            Err(e) => BatchFileSummary {
                file: path.display().to_string(),
                stopped_by: Some(ledgerdesk_types::Localized::to_body(&e)),
                ..Default::default()
            },
        };
        run_state.set(finished);
    });
    Ok(starting)
}

/// Where the app's batch run stands (none if it has not run one).
#[tauri::command(rename_all = "snake_case")]
pub fn batch_progress(batch: State<'_, Arc<BatchRun>>) -> Option<BatchFileSummary> {
    batch.shown()
}

/// Asks the running batch to stop after its current chunk commits; returns where it stands.
#[tauri::command(rename_all = "snake_case")]
pub fn cancel_batch(batch: State<'_, Arc<BatchRun>>) -> Option<BatchFileSummary> {
    batch.cancel.store(true, Ordering::SeqCst);
    batch.shown()
}
