//! Why an export step is refused: each with a stable code and an English and a Turkish message.

use ledgerdesk_types::{ExportAction, ExportState};

/// Which four-eyes rule a step would break.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FourEyes {
    /// The approver prepared the export.
    Preparer,
    /// The approver edited its rows.
    Editor,
    /// The approver approved it already in this round.
    ApprovedAlready,
    /// The rollback's approver asked for it.
    RollbackRequester,
}

/// A refused export step.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// No export with that id for the tenant.
    #[error("export {0} does not exist")]
    NotFound(i64),
    /// No destination with that name for the tenant.
    #[error("export destination {0:?} does not exist")]
    DestinationNotFound(String),
    /// The export has no row with that id.
    #[error("export {export} has no row {row:?}")]
    RowNotFound {
        /// Export id.
        export: i64,
        /// The row id asked for.
        row: String,
    },
    /// The export changed since the caller loaded it.
    #[error(
        "export {export} has changed since you loaded it (version {expected}, now {current}); reload and try again"
    )]
    VersionConflict {
        /// Export id.
        export: i64,
        /// The version the change was based on.
        expected: i64,
        /// The version now.
        current: i64,
    },
    /// The step does not apply to the export's state.
    #[error("cannot {} export {export}: it is {state}", verb(*action))]
    StateInvalid {
        /// Export id.
        export: i64,
        /// The step.
        action: ExportAction,
        /// The export's state.
        state: ExportState,
    },
    /// Four eyes: the approver may not approve this.
    #[error("four eyes: {}", four_eyes_en(*.0))]
    FourEyes(FourEyes),
    /// The quality check does not allow the step.
    #[error("the quality check does not allow this: score {score} (needed {threshold}), {errors} kind(s) of error")]
    QualityInsufficient {
        /// The score.
        score: u8,
        /// The tenant's threshold.
        threshold: u8,
        /// Kinds of error found.
        errors: usize,
    },
    /// Amounts were edited and the approver did not acknowledge it.
    #[error("amounts were changed in review: acknowledge the difference from the invoices to approve")]
    AcknowledgementRequired,
    /// A rejected export was revised already.
    #[error("export {export} was revised already, as export {revision}")]
    RevisedAlready {
        /// The rejected export.
        export: i64,
        /// Its revision.
        revision: i64,
    },
    /// The step needs a reason.
    #[error("a reason is required to {}", verb(*.0))]
    ReasonRequired(ExportAction),
    /// Writing a file failed.
    #[error("could not write {path}: {detail}")]
    FileFailed {
        /// The file.
        path: String,
        /// What the system said.
        detail: String,
    },
    /// Posting found an approval that no longer holds; the export went back to review.
    #[error("export {export} was not posted: {detail}; it is back under review for a new approval")]
    ApprovalInvalid {
        /// Export id.
        export: i64,
        /// Which approval and why (English).
        detail: String,
        /// The same in Turkish.
        detail_tr: String,
    },
}

fn verb(action: ExportAction) -> &'static str {
    match action {
        ExportAction::Submit => "submit",
        ExportAction::Approve => "approve",
        ExportAction::Reject => "reject",
        ExportAction::Post => "post",
        ExportAction::Rollback => "roll back",
        ExportAction::Revise => "revise",
        ExportAction::Edit => "edit",
    }
}

fn verb_tr(action: ExportAction) -> &'static str {
    match action {
        ExportAction::Submit => "gönderilemez",
        ExportAction::Approve => "onaylanamaz",
        ExportAction::Reject => "reddedilemez",
        ExportAction::Post => "aktarılamaz",
        ExportAction::Rollback => "geri alınamaz",
        ExportAction::Revise => "yeniden hazırlanamaz",
        ExportAction::Edit => "düzenlenemez",
    }
}

fn four_eyes_en(rule: FourEyes) -> &'static str {
    match rule {
        FourEyes::Preparer => "whoever prepared an export cannot approve it",
        FourEyes::Editor => "whoever edited an export's rows cannot approve it",
        FourEyes::ApprovedAlready => "you approved this export already; a second approval needs another person",
        FourEyes::RollbackRequester => "whoever asked for a rollback cannot approve it",
    }
}

fn four_eyes_tr(rule: FourEyes) -> &'static str {
    match rule {
        FourEyes::Preparer => "dışa aktarımı hazırlayan onu onaylayamaz",
        FourEyes::Editor => "dışa aktarımın satırlarını düzenleyen onu onaylayamaz",
        FourEyes::ApprovedAlready => "bu dışa aktarımı zaten onayladınız; ikinci onay başka bir kişi gerektirir",
        FourEyes::RollbackRequester => "geri almayı isteyen onu onaylayamaz",
    }
}

impl ExportError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            ExportError::NotFound(_) => "export_not_found",
            ExportError::DestinationNotFound(_) => "destination_not_found",
            ExportError::RowNotFound { .. } => "export_row_not_found",
            ExportError::VersionConflict { .. } => "version_conflict",
            ExportError::StateInvalid { .. } => "export_state_invalid",
            ExportError::FourEyes(_) => "four_eyes_violation",
            ExportError::QualityInsufficient { .. } => "quality_insufficient",
            ExportError::AcknowledgementRequired => "acknowledgement_required",
            ExportError::RevisedAlready { .. } => "export_revised_already",
            ExportError::ReasonRequired(_) => "reason_required",
            ExportError::FileFailed { .. } => "export_file_failed",
            ExportError::ApprovalInvalid { .. } => "approval_invalid",
        }
    }

    /// Turkish message.
    pub fn message_tr(&self) -> String {
        match self {
            ExportError::NotFound(id) => format!("{id} numaralı dışa aktarım bulunamadı"),
            ExportError::DestinationNotFound(name) => format!("{name:?} adlı dışa aktarım hedefi bulunamadı"),
            ExportError::RowNotFound { export, row } => format!("{export} numaralı dışa aktarımda {row:?} satırı yok"),
            ExportError::VersionConflict { export, expected, current } => format!(
                "{export} numaralı dışa aktarım siz yükledikten sonra değişti (sürüm {expected}, şimdi {current}); yeniden yükleyip tekrar deneyin"
            ),
            ExportError::StateInvalid { export, action, state } => {
                format!("{export} numaralı dışa aktarım {}: durumu {state}", verb_tr(*action))
            }
            ExportError::FourEyes(rule) => format!("dört göz: {}", four_eyes_tr(*rule)),
            ExportError::QualityInsufficient { score, threshold, errors } => {
                format!("kalite denetimi buna izin vermiyor: puan {score} (gereken {threshold}), {errors} tür hata")
            }
            ExportError::AcknowledgementRequired => {
                "inceleme sırasında tutarlar değişti: onaylamak için faturalarla farkı kabul edin".into()
            }
            ExportError::RevisedAlready { export, revision } => {
                format!(
                    "{export} numaralı dışa aktarım zaten {revision} numaralı dışa aktarım olarak yeniden hazırlandı"
                )
            }
            ExportError::ReasonRequired(action) => format!("bir gerekçe gerekli: gerekçesiz {}", verb_tr(*action)),
            ExportError::FileFailed { path, detail } => format!("{path} yazılamadı: {detail}"),
            ExportError::ApprovalInvalid { export, detail_tr, .. } => format!(
                "{export} numaralı dışa aktarım aktarılmadı: {detail_tr}; yeni bir onay için yeniden incelemede"
            ),
        }
    }
}
