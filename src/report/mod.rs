//! Reports run: parameters, builder specs compiled to SQL, the run from query to result set to
//! visualizations (KPI cards, SVG charts, tables), and text blocks. Definitions are in `model::report`.

pub mod builder;
pub mod chart;
pub mod format;
pub mod insight;
pub mod markdown;
pub mod params;
pub mod run;
mod template;
pub mod text;
