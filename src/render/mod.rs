//! Turning a report `Output` into files: PDF (typst), XLSX, CSV.

pub mod cancel;
pub mod csv;
pub mod pdf;
pub mod xlsx;

use crate::config::{BrandingConfig, ExportsConfig};
use crate::model::export::ExportFormat;
use crate::report::run::Output;

/// Renders `out` in `format`.
pub fn render(
    out: &Output,
    format: ExportFormat,
    branding: &BrandingConfig,
    exports: &ExportsConfig,
) -> Result<Vec<u8>, RenderError> {
    cancel::check()?;
    match format {
        ExportFormat::Pdf => pdf::render(out, branding),
        ExportFormat::Xlsx => xlsx::render(out),
        ExportFormat::Csv => csv::render(out, exports.csv_formula_escape),
        ExportFormat::Json => {
            serde_json::to_vec_pretty(out).map_err(|e| RenderError(e.to_string()))
        }
    }
}

/// Renders a dashboard's document (`app::dashboard_run::document`) in `format`: as a report,
/// except that its workbook has one sheet per widget.
pub fn render_dashboard(
    out: &Output,
    format: ExportFormat,
    branding: &BrandingConfig,
    exports: &ExportsConfig,
) -> Result<Vec<u8>, RenderError> {
    match format {
        ExportFormat::Xlsx => {
            cancel::check()?;
            xlsx::render_sheets(out)
        }
        _ => render(out, format, branding, exports),
    }
}

/// A render that failed, with the reason.
#[derive(Debug, thiserror::Error)]
#[error("render failed: {0}")]
pub struct RenderError(pub String);
