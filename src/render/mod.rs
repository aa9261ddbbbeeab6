//! Turning a report `Output` into files: PDF (typst), XLSX, PowerPoint, CSV.

pub mod cancel;
pub mod csv;
pub mod pdf;
pub mod png;
pub mod pptx;
pub mod xlsx;

use crate::config::{BrandingConfig, ExportsConfig};
use crate::model::export::ExportFormat;
use crate::report::run::Output;

/// What a document is laid out as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A report, or one widget: a workbook's sheets are its KPIs, charts and tables.
    Report,
    /// A dashboard's document (`app::dashboard::document`): as a report, except that its
    /// workbook has one sheet per widget.
    Dashboard,
}

/// Renders `out` in `format`. Called by `export` only: every file is made there.
pub fn render(
    out: &Output,
    format: ExportFormat,
    shape: Shape,
    branding: &BrandingConfig,
    exports: &ExportsConfig,
) -> Result<Vec<u8>, RenderError> {
    cancel::check()?;
    // Numbers, money and dates written in the installation's locale (`report::format`).
    crate::report::format::in_locale(branding.locale(), || match (format, shape) {
        (ExportFormat::Pdf, _) => pdf::render(out, branding),
        (ExportFormat::Pptx, _) => pptx::render(out, branding),
        (ExportFormat::Xlsx, Shape::Report) => xlsx::render(out),
        (ExportFormat::Xlsx, Shape::Dashboard) => xlsx::render_sheets(out),
        (ExportFormat::Csv, _) => csv::render(out, exports.csv_formula_escape),
        (ExportFormat::Json, _) => {
            serde_json::to_vec_pretty(out).map_err(|e| RenderError::Failed(e.to_string()))
        }
    })
}

/// Why a render stopped.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The person who asked went away (`cancel`): nothing failed, nothing is recorded.
    #[error("cancelled: the request went away before the render finished")]
    Cancelled,
    #[error("render failed: {0}")]
    Failed(String),
}
