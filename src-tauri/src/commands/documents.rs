//! The invoice document from the desktop: the supplier details Settings edits, and saving an invoice's
//! PDF where the user chooses, then opening it in the system's viewer (to read, print or send).

use std::path::{Path, PathBuf};

use ledgerdesk_core::Error;
use ledgerdesk_core::documents::{LogoChange, SupplierChange};
use ledgerdesk_core::prelude::*;
use ledgerdesk_types::SupplierDetails;
use ledgerdesk_types::api::{SavedDocument, SupplierDetailsRequest};
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// What the selected tenant's documents print of it.
#[tauri::command(rename_all = "snake_case")]
pub async fn get_supplier_details(state: State<'_, AppState>) -> CommandResult<SupplierDetails> {
    let (store, tenant, _) = state.store_and_tenant().await?;
    Ok(store.supplier_details(&tenant).await?)
}

/// Replaces them (the logo stays as it is), recorded under the current user.
#[tauri::command(rename_all = "snake_case")]
pub async fn save_supplier_details(
    state: State<'_, AppState>,
    request: SupplierDetailsRequest,
) -> CommandResult<SupplierDetails> {
    let (store, tenant, user) = state.store_and_tenant().await?;
    let change = SupplierChange {
        tenant,
        address: request.address,
        vat_id: request.vat_id,
        iban: request.iban,
        language: request.language,
        logo: LogoChange::Keep,
        user,
    };
    Ok(store.set_supplier_details(change).await?)
}

/// Where the PDF of invoice `number` is offered to go: the user's documents folder (else home), named
/// after the number with anything a file name cannot hold replaced.
#[tauri::command(rename_all = "snake_case")]
pub fn suggest_pdf_path(number: String) -> String {
    let folder = directories::UserDirs::new()
        .and_then(|dirs| dirs.document_dir().map(Path::to_path_buf).or_else(|| Some(dirs.home_dir().to_path_buf())))
        .unwrap_or_else(std::env::temp_dir);
    let name: String = number
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' })
        .collect();
    folder.join(format!("{name}.pdf")).display().to_string()
}

/// A path the user typed: absolute, naming a `.pdf` file.
fn pdf_path(path: &str) -> Result<PathBuf, Error> {
    let path = PathBuf::from(path.trim());
    let is_pdf = path.extension().is_some_and(|ext| ext.eq_ignore_ascii_case("pdf"));
    if !path.is_absolute() || !is_pdf {
        return Err(Error::invalid(
            "path",
            "must be a full path to a .pdf file, such as /home/ayse/Documents/INV-2026-00001.pdf",
            "tam bir .pdf dosya yolu olmalıdır, ör. /home/ayse/Belgeler/INV-2026-00001.pdf",
        ));
    }
    Ok(path)
}

/// Prints invoice `number` of the selected tenant (fixing its document on the first print) and saves
/// it at `path`, whole or not at all.
#[tauri::command(rename_all = "snake_case")]
pub async fn save_invoice_pdf(
    state: State<'_, AppState>,
    number: String,
    path: String,
) -> CommandResult<SavedDocument> {
    let path = pdf_path(&path)?;
    let (store, tenant, user) = state.store_and_tenant().await?;
    let (bytes, printed) = ledgerdesk_pdf::print(&store, &tenant, &number, &user).await?;
    ledgerdesk_pdf::save(&path, &bytes)?;
    Ok(SavedDocument { path: path.display().to_string(), printed })
}

/// Opens a saved PDF in the system's viewer.
#[tauri::command(rename_all = "snake_case")]
pub fn open_document(path: String) -> CommandResult<()> {
    let path = pdf_path(&path)?;
    opener::open(&path).map_err(|e| {
        Error::invalid(
            "path",
            format!("cannot open {}: {e}", path.display()),
            format!("{} açılamıyor: {e}", path.display()),
        )
    })?;
    Ok(())
}
