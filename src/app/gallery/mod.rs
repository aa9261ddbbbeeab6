//! The template gallery (`/templates`): small-business dashboards as bundles with a `template`
//! section (the fields they need and their roles), each with sample data to try it on. Six
//! ship in the binary (`examples/templates/`); more are read from `<data dir>/templates/*.json`,
//! in the same shape, so a user can add their own. A template is applied to a dataset through
//! a mapping of its fields to the dataset's columns (`fit` suggests one) and becomes real,
//! editable reports and a dashboard (`apply`).

pub mod apply;
pub mod explore;
pub mod fit;
pub mod preview;

use crate::app::edit::{invalid, Author, EditError};
use crate::model::bundle::{Bundle, TemplateInfo};
use std::sync::OnceLock;

/// A template and where it came from.
#[derive(Debug, Clone)]
pub struct Template {
    pub bundle: Bundle,
    /// Its sample data (CSV), for the templates that ship with Quire.
    pub sample: Option<&'static [u8]>,
}

impl Template {
    pub fn info(&self) -> &TemplateInfo {
        self.bundle
            .template
            .as_ref()
            .expect("a template has its section")
    }

    /// The dataset its reports read as written (`sample_<id>`): what a mapping replaces.
    pub fn dataset(&self) -> String {
        crate::app::bundle::needs::of(&self.bundle.reports)
            .into_iter()
            .find(|n| !n.dataset.is_empty())
            .map(|n| n.dataset)
            .unwrap_or_default()
    }
}

/// The templates that ship with Quire: (file, its sample data).
fn built_in() -> &'static [Template] {
    static ALL: OnceLock<Vec<Template>> = OnceLock::new();
    ALL.get_or_init(|| {
        let files: Vec<(&str, Vec<u8>)> = vec![
            (
                include_str!("../../../examples/templates/sales.json"),
                crate::packed!("examples/templates/sales.csv"),
            ),
            (
                include_str!("../../../examples/templates/inventory.json"),
                crate::packed!("examples/templates/inventory.csv"),
            ),
            (
                include_str!("../../../examples/templates/receivables.json"),
                crate::packed!("examples/templates/receivables.csv"),
            ),
            (
                include_str!("../../../examples/templates/subscriptions.json"),
                crate::packed!("examples/templates/subscriptions.csv"),
            ),
            (
                include_str!("../../../examples/templates/profit_loss.json"),
                crate::packed!("examples/templates/profit_loss.csv"),
            ),
            (
                include_str!("../../../examples/templates/funnel.json"),
                crate::packed!("examples/templates/funnel.csv"),
            ),
        ];
        files
            .into_iter()
            .map(|(json, csv)| {
                let bundle: Bundle = serde_json::from_str(json).expect("a shipped template reads");
                assert!(
                    bundle.template.is_some(),
                    "a shipped template has its section"
                );
                Template {
                    bundle,
                    sample: Some(Vec::leak(csv)),
                }
            })
            .collect()
    })
}

/// Longest template file read from the data folder.
const MAX_FILE_BYTES: u64 = 2 << 20;

/// Every template: the shipped ones, then the data folder's (a file that does not read as a
/// template is skipped with a warning in the log, naming it and why).
pub fn all(data_dir: &std::path::Path) -> Vec<Template> {
    let mut out = built_in().to_vec();
    let dir = data_dir.join("templates");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return out;
    };
    let mut files: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    for path in files.into_iter().take(100) {
        match read(&path) {
            Ok(b)
                if out.iter().any(|t| {
                    t.info().id
                        == b.template
                            .as_ref()
                            .map(|t| t.id.clone())
                            .unwrap_or_default()
                }) =>
            {
                tracing::warn!(file = %path.display(), "a template with this id exists: skipped");
            }
            Ok(bundle) => out.push(Template {
                bundle,
                sample: None,
            }),
            Err(e) => tracing::warn!(file = %path.display(), error = %e, "not a template: skipped"),
        }
    }
    out
}

fn read(path: &std::path::Path) -> Result<Bundle, String> {
    let size = std::fs::metadata(path).map_err(|e| e.to_string())?.len();
    if size > MAX_FILE_BYTES {
        return Err(format!("larger than {MAX_FILE_BYTES} bytes"));
    }
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let bundle: Bundle = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    bundle.check().map_err(|(f, m)| format!("{f}: {m}"))?;
    let info = bundle.template.as_ref().ok_or("no `template` section")?;
    let id_ok = !info.id.is_empty()
        && info.id.len() <= 60
        && info
            .id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if !id_ok {
        return Err("template.id: lowercase letters, digits, - and _, at most 60".into());
    }
    Ok(bundle)
}

/// The template `id`.
pub fn find(data_dir: &std::path::Path, id: &str) -> Option<Template> {
    all(data_dir).into_iter().find(|t| t.info().id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_templates_read_and_each_reads_one_sample_dataset() {
        let all = built_in();
        assert_eq!(all.len(), 6);
        for t in all {
            t.bundle.check().unwrap();
            let info = t.info();
            assert_eq!(t.dataset(), format!("sample_{}", info.id));
            assert!(info.fields.len() >= 3, "{}", info.id);
            let header = std::str::from_utf8(t.sample.unwrap())
                .unwrap()
                .lines()
                .next()
                .unwrap();
            for f in &info.fields {
                assert!(
                    header.split(',').any(|h| h == f.name),
                    "{}: {}",
                    info.id,
                    f.name
                );
            }
        }
    }
}

/// A template's fields matched to a dataset's columns: the suggestion, and the columns to
/// choose from with their types.
#[derive(Debug, Clone)]
pub struct Fit {
    pub dataset: String,
    pub rows: u64,
    /// Each column and its type (`integer`, `date`, ...).
    pub columns: Vec<(String, String)>,
    /// Each field's suggested column.
    pub mapping: std::collections::BTreeMap<String, Option<String>>,
}

/// Suggests a column of `dataset` for each of `t`'s fields (`fit::suggest`).
pub fn fit(ctx: &crate::app::Ctx, t: &Template, dataset: &str) -> Result<Fit, EditError> {
    use crate::app::dataset_columns::ColumnError;
    let (info, stats) = crate::app::dataset_columns::stats(ctx, dataset).map_err(|e| match e {
        ColumnError::Dataset(crate::app::dataset::DatasetError::Store(s)) => EditError::Store(s),
        other => invalid("dataset", other.to_string()),
    })?;
    Ok(Fit {
        mapping: fit::suggest(&t.info().fields, &stats, info.row_count),
        dataset: info.name,
        rows: info.row_count,
        columns: stats
            .iter()
            .map(|c| (c.name.clone(), c.kind.name().to_string()))
            .collect(),
    })
}

/// Imports `t`'s sample data as `sample_<id>` and applies `t` to it, each field to its own
/// column.
pub fn try_sample(
    ctx: &crate::app::Ctx,
    t: &Template,
    author: &Author,
) -> Result<apply::Applied, EditError> {
    let sample = t
        .sample
        .ok_or_else(|| invalid("template", "this template has no sample data"))?;
    let name = crate::data::import::DatasetName::parse(&t.dataset())
        .map_err(|e| invalid("template", e.to_string()))?;
    crate::app::dataset::import(
        &ctx.store,
        &name,
        &format!("{}.csv", t.info().id),
        &crate::data::import::Input::Bytes(std::sync::Arc::from(sample)),
        &Default::default(),
        true,
        &|_| {},
    )
    .map_err(|e| match e {
        crate::app::dataset::DatasetError::Store(s) => EditError::Store(s),
        other => invalid("sample", other.to_string()),
    })?;
    let mapping = t
        .info()
        .fields
        .iter()
        .map(|f| (f.name.clone(), f.name.clone()))
        .collect();
    apply::apply(
        ctx,
        t,
        &apply::Request {
            dataset: name.as_str(),
            mapping: &mapping,
            schedule_to: None,
            dry_run: false,
        },
        author,
    )
}
