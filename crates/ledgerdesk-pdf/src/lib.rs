//! The invoice document a customer receives, as a PDF.
//!
//! [`print`] fixes an invoice's document on its first print (see `ledgerdesk_core::documents`),
//! renders it, and proves a reprint identical to the first print by its SHA-256. [`render`] is the pure
//! part: a fixed document in, PDF bytes out, the same bytes every time — no clock, no randomness, the
//! fonts embedded (and subset) from this crate, so no font installed on the machine changes a thing.
//!
//! - `layout`: where everything goes, as pages of drawing steps (art. 226 fields, page breaks).
//! - `draw`: the steps written as PDF with krilla.
//! - `locale`: labels, dates and amounts in English or Turkish.
//! - `measure`: text widths, for right-aligned amounts and wrapped descriptions.
#![deny(missing_docs)]

mod draw;
mod layout;
mod locale;
mod measure;

use std::io::Write;
use std::path::Path;

use ledgerdesk_core::documents::{FixedDocument, judge_print, sha256_hex};
use ledgerdesk_core::{Documents, Error, Result};
use ledgerdesk_types::PrintedDocument;

/// The PDF of `document`: the same bytes for the same document.
pub fn render(document: &FixedDocument) -> Result<Vec<u8>> {
    draw::render(document).map_err(|detail| Error::DocumentRender { number: document.invoice.number.clone(), detail })
}

/// Prints invoice `number` of `tenant` as `user`: fixes its document if this is its first print,
/// renders it, and records its hash, or checks it against the one recorded.
pub async fn print<S: Documents>(
    store: &S,
    tenant: &str,
    number: &str,
    user: &str,
) -> Result<(Vec<u8>, PrintedDocument)> {
    let document = store.fix_document(tenant, number, user).await?;
    // Rendering takes milliseconds of CPU; off the async threads, as any blocking work.
    let rendered = {
        let document = document.clone();
        tokio::task::spawn_blocking(move || render(&document))
            .await
            .map_err(|e| Error::DocumentRender { number: number.to_owned(), detail: e.to_string() })??
    };
    let sha256 = sha256_hex(&rendered);
    let recorded = match &document.sha256 {
        Some(recorded) => recorded.clone(),
        None => store.record_hash(document.invoice.id, &sha256).await?,
    };
    let printed = judge_print(&document, &sha256, &recorded, rendered.len())?;
    Ok((rendered, printed))
}

/// Saves `pdf` at `path` whole or not at all: written to a new file beside it, flushed to disk, then
/// renamed over it, so a full disk or a crash never leaves half a document where the user looks.
pub fn save(path: &Path, pdf: &[u8]) -> Result<()> {
    let refuse = |e: std::io::Error| {
        let path = path.display().to_string();
        let shown = ledgerdesk_types::text::shorten(&path, 120);
        Error::invalid("out", format!("cannot save {shown}: {e}"), format!("{shown} kaydedilemiyor: {e}"))
    };
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(folder).map_err(refuse)?;
    file.write_all(pdf).map_err(refuse)?;
    file.as_file().sync_all().map_err(refuse)?;
    file.persist(path).map_err(|e| refuse(e.error))?;
    Ok(())
}
