//! Where a column's label and format come from: the visualization's own options first, then
//! its builder query's measure (`label`, `format`, or the defaults by what it shows), then the
//! dataset column's (set on the dataset page, `dataset::ColumnMeta`).

use crate::model::dataset::ColumnMeta;
use crate::model::report::{humanize, BuilderSpec, QuerySource, Visualization};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Every dataset's columns' labels and formats, by dataset then column.
pub type DatasetColumns = BTreeMap<String, BTreeMap<String, ColumnMeta>>;

thread_local! {
    static DATASETS: std::cell::RefCell<Arc<DatasetColumns>> = Default::default();
}

/// Runs `f` with the datasets' columns' labels and formats at hand (read once by the caller
/// from the store; see `app::column_meta::shown`).
pub fn with_columns<T>(columns: Arc<DatasetColumns>, f: impl FnOnce() -> T) -> T {
    struct Restore(Option<Arc<DatasetColumns>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            if let Some(old) = self.0.take() {
                DATASETS.with(|d| *d.borrow_mut() = old);
            }
        }
    }
    let old = DATASETS.with(|d| std::mem::replace(&mut *d.borrow_mut(), columns));
    let _restore = Restore(Some(old));
    f()
}

/// The labels and formats of the columns of the dataset a builder query reads; none for SQL.
pub fn dataset_columns(source: QuerySource) -> BTreeMap<String, ColumnMeta> {
    match source {
        QuerySource::Builder(spec) => {
            DATASETS.with(|d| d.borrow().get(&spec.dataset).cloned().unwrap_or_default())
        }
        QuerySource::Sql(_) => BTreeMap::new(),
    }
}

/// `viz` with the labels and formats of its query's columns filled in where its options give
/// none; `meta` is the dataset's columns' own, by column.
pub fn dressed<'v>(
    viz: &'v Visualization,
    source: QuerySource,
    meta: &BTreeMap<String, ColumnMeta>,
) -> Cow<'v, Visualization> {
    let spec = match source {
        QuerySource::Builder(spec) => spec,
        QuerySource::Sql(_) if meta.is_empty() => return Cow::Borrowed(viz),
        // A query of its own: the dataset's labels and formats by column name.
        QuerySource::Sql(_) => return Cow::Owned(fill(viz, columns_of_meta(meta))),
    };
    Cow::Owned(fill(viz, columns(spec, meta)))
}

/// The label and format of each named column of a builder's result.
type Columns = Vec<(
    String,
    Option<String>,
    Option<crate::model::report::ValueFormat>,
)>;

/// `viz` with every column of `meta` labelled and formatted where its options say nothing:
/// a dataset's own rows (a drill-down's).
pub fn dressed_as_dataset(
    viz: &Visualization,
    meta: &BTreeMap<String, ColumnMeta>,
) -> Visualization {
    fill(viz, columns_of_meta(meta))
}

fn columns_of_meta(meta: &BTreeMap<String, ColumnMeta>) -> Columns {
    meta.iter()
        .map(|(name, m)| (name.clone(), m.label.clone(), m.format))
        .collect()
}

/// The columns of `spec`'s result: dimensions with their dataset labels and formats, measures
/// with theirs (and a compared period's `<name>_prev`).
pub fn columns(spec: &BuilderSpec, meta: &BTreeMap<String, ColumnMeta>) -> Columns {
    let mut out: Columns = spec
        .dimensions
        .iter()
        .filter_map(|d| {
            let m = meta.get(&d.field)?;
            Some((d.field.clone(), m.label.clone(), m.format))
        })
        .collect();
    for (m, name) in spec.measures.iter().zip(spec.measure_names()) {
        let field = meta.get(&m.field);
        let field_label = field
            .and_then(|f| f.label.clone())
            .unwrap_or_else(|| humanize(&m.field));
        let label = m
            .label
            .clone()
            .unwrap_or_else(|| m.default_label(&field_label));
        // A count is a whole number whatever it counts; a share or change is a percentage.
        let format = m
            .shown_format()
            .or_else(|| match m.agg.filter(|_| m.expr.is_none()) {
                Some(crate::model::report::Aggregation::Count)
                | Some(crate::model::report::Aggregation::CountDistinct) => {
                    Some(crate::model::report::ValueFormat::Integer)
                }
                _ => field.and_then(|f| f.format),
            });
        if spec.compare.is_some_and(|c| c.previous_period) {
            out.push((
                format!("{name}_prev"),
                Some(format!("{label}, previous period")),
                format,
            ));
        }
        out.push((name, Some(label), format));
    }
    out
}

fn fill(viz: &Visualization, columns: Columns) -> Visualization {
    let mut viz = viz.clone();
    let o = &mut viz.options;
    for (name, label, format) in columns {
        if let Some(label) = label {
            o.column_labels.entry(name.clone()).or_insert(label);
        }
        if let Some(format) = format {
            o.column_formats.entry(name).or_insert(format);
        }
    }
    // A chart or KPI shows its value's column in that column's format.
    if o.format.is_none() {
        let m = &viz.data_mapping;
        let shown = m.value.as_ref().or(m.y.as_ref());
        o.format = shown.and_then(|c| o.column_formats.get(c).copied());
    }
    viz
}
