//! Reports: definitions, parameters, and the one pipeline every output uses:
//! query → result set → visualizations (KPI cards, SVG charts, tables).

pub mod builder;
pub mod chart;
pub mod definition;
pub mod edit;
pub mod format;
pub mod params;
pub mod run;
pub mod text;
