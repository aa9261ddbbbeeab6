//! What a report reads: per data source, the datasets its builder queries name and the fields
//! they read of each (joined datasets too), checked against the data an import would run on.

use crate::app::Ctx;
use crate::model::bundle::Need;
use crate::model::report::BuilderSpec;
use crate::model::report::ReportDefinition;
use serde::Serialize;

/// Every builder spec of a report, the top-level one first.
pub fn specs(def: &ReportDefinition) -> impl Iterator<Item = &BuilderSpec> {
    def.builder
        .iter()
        .chain(def.queries.values().filter_map(|q| q.builder.as_ref()))
}

/// Every builder spec of a report, to change.
pub fn specs_mut(def: &mut ReportDefinition) -> impl Iterator<Item = &mut BuilderSpec> {
    def.builder
        .iter_mut()
        .chain(def.queries.values_mut().filter_map(|q| q.builder.as_mut()))
}

/// The fields a spec reads of its own dataset and of each joined one: (dataset, field).
pub fn fields_of(spec: &BuilderSpec) -> Vec<(String, String)> {
    let own: Vec<&str> = spec
        .expressions
        .iter()
        .map(|e| e.name.as_str())
        .chain(spec.measures.iter().filter_map(|m| m.alias.as_deref()))
        .collect();
    let mut names: Vec<String> = Vec::new();
    names.extend(spec.dimensions.iter().map(|d| d.field.clone()));
    names.extend(
        spec.measures
            .iter()
            .filter(|m| !m.field.is_empty() && m.field != "*")
            .map(|m| m.field.clone()),
    );
    names.extend(spec.filters.iter().map(|f| f.field.clone()));
    names.extend(spec.sort.iter().map(|s| s.field.clone()));
    let texts = spec
        .expressions
        .iter()
        .map(|e| e.expr.as_str())
        .chain(spec.measures.iter().filter_map(|m| m.expr.as_deref()));
    for text in texts {
        names.extend(crate::report::builder::expr_names(text).unwrap_or_default());
    }
    names.extend(
        spec.joins
            .iter()
            .flat_map(|j| j.on.iter().map(|k| k.left.clone())),
    );
    let mut out: Vec<(String, String)> = Vec::new();
    let mut add = |pair: (String, String)| {
        if !out.contains(&pair) {
            out.push(pair);
        }
    };
    for n in names.into_iter().filter(|n| !own.contains(&n.as_str())) {
        match n.split_once('.') {
            Some((d, f)) if spec.joins.iter().any(|j| j.dataset == d) => {
                add((d.to_string(), f.to_string()))
            }
            _ => add((spec.dataset.clone(), n)),
        }
    }
    for j in &spec.joins {
        for k in &j.on {
            add((j.dataset.clone(), k.right.clone()));
        }
    }
    out
}

/// What the reports read, merged per (source, dataset), in the order first read.
pub fn of<'a>(reports: impl IntoIterator<Item = &'a ReportDefinition>) -> Vec<Need> {
    let mut out: Vec<Need> = Vec::new();
    for def in reports {
        let source = def.data_source.clone();
        let mut add = |dataset: String, field: Option<String>| {
            let i = match out
                .iter()
                .position(|n| n.data_source == source && n.dataset == dataset)
            {
                Some(i) => i,
                None => {
                    out.push(Need {
                        data_source: source.clone(),
                        dataset,
                        fields: Vec::new(),
                    });
                    out.len() - 1
                }
            };
            if let Some(f) = field.filter(|f| !out[i].fields.contains(f)) {
                out[i].fields.push(f);
            }
        };
        if def.query.is_some() || def.queries.values().any(|q| q.query.is_some()) {
            add(String::new(), None);
        }
        for spec in specs(def) {
            add(spec.dataset.clone(), None);
            for (d, f) in fields_of(spec) {
                add(d, Some(f));
            }
        }
    }
    out
}

/// A need as found on this server: whether its source and dataset are there, and the fields
/// it lacks.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Checked {
    #[serde(flatten)]
    pub need: Need,
    pub found: bool,
    pub missing: Vec<String>,
}

impl Checked {
    /// Why it cannot run here, in words; None when it can.
    pub fn problem(&self) -> Option<String> {
        let what = if self.need.dataset.is_empty() {
            format!("data source `{}`", self.need.data_source)
        } else {
            format!(
                "dataset `{}` (source `{}`)",
                self.need.dataset, self.need.data_source
            )
        };
        if !self.found {
            Some(format!("needs {what}, which this server does not have"))
        } else if !self.missing.is_empty() {
            Some(format!(
                "needs {what} to have {}",
                self.missing
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        } else {
            None
        }
    }
}

/// Each need checked against this server's data.
pub fn check(ctx: &Ctx, needs: &[Need]) -> Vec<Checked> {
    needs
        .iter()
        .map(|n| {
            let fields = ctx.store.source(&n.data_source).and_then(|pool| {
                if n.dataset.is_empty() {
                    return Some(Vec::new());
                }
                let conn = pool.get(&ctx.sight).ok()?;
                crate::report::builder::fields(&conn, &n.dataset).ok()
            });
            match fields {
                None => Checked {
                    need: n.clone(),
                    found: false,
                    missing: n.fields.clone(),
                },
                Some(have) => Checked {
                    need: n.clone(),
                    found: true,
                    missing: n
                        .fields
                        .iter()
                        .filter(|f| !have.iter().any(|h| &h.name == *f))
                        .cloned()
                        .collect(),
                },
            }
        })
        .collect()
}
