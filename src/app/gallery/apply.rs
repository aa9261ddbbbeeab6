//! A template applied to a dataset: its reports read the dataset instead of the sample, its
//! fields renamed to the columns they are mapped to (in every builder query, expression, chart
//! mapping and dashboard filter); the widgets that read an optional field left unmapped are
//! left out, saying which; then the bundle is imported like any other, so a second apply to the
//! same dataset updates what the first made.

use super::Template;
use crate::app::bundle::import::{self, Outcome};
use crate::app::bundle::needs;
use crate::app::edit::{invalid, Author, EditError};
use crate::app::Ctx;
use crate::model::bundle::Bundle;
use crate::model::report::ReportDefinition;
use crate::model::schedule::{Recipient, RecipientKind, ScheduleDefinition};
use crate::store;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};

/// What applying did (or, a dry run, would do).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Applied {
    #[serde(flatten)]
    pub outcome: Outcome,
    /// The widgets left out and the unmapped field each needs: "Gross margin (needs Cost)".
    pub left_out: Vec<String>,
}

/// What a person asks: the dataset, each template field's column (absent or empty: unmapped),
/// and whom to send the suggested schedule to (none: no schedule).
pub struct Request<'a> {
    pub dataset: &'a str,
    pub mapping: &'a BTreeMap<String, String>,
    pub schedule_to: Option<&'a str>,
    pub dry_run: bool,
}

/// Applies `t` as `req` says. Errors name the field (`mapping.order_date`, `dataset`).
pub fn apply(
    ctx: &Ctx,
    t: &Template,
    req: &Request,
    author: &Author,
) -> Result<Applied, EditError> {
    let (bundle, left_out) = prepare(ctx, t, req)?;
    let outcome = import::import(ctx, bundle, author, req.dry_run)?;
    Ok(Applied { outcome, left_out })
}

/// The bundle `t` becomes on `req`'s dataset and mapping (not imported), and the widgets it
/// leaves out in words.
pub fn prepare(ctx: &Ctx, t: &Template, req: &Request) -> Result<(Bundle, Vec<String>), EditError> {
    let info = t.info().clone();
    let ds = store::dataset::get(&*ctx.store.app.get()?, req.dataset)?.ok_or_else(|| {
        invalid(
            "dataset",
            format!(
                "no dataset `{}`",
                crate::model::text::truncate(req.dataset, 80)
            ),
        )
    })?;
    if let Some(k) = req
        .mapping
        .keys()
        .find(|k| !info.fields.iter().any(|f| &f.name == *k))
    {
        return Err(invalid(
            format!("mapping.{}", crate::model::text::truncate(k, 60)),
            format!(
                "template `{}` has no field `{}`",
                info.id,
                crate::model::text::truncate(k, 60)
            ),
        ));
    }
    let mut rename: HashMap<String, String> = HashMap::new();
    let mut missing: HashSet<String> = HashSet::new();
    for f in &info.fields {
        let col = req
            .mapping
            .get(&f.name)
            .map(|c| c.trim())
            .filter(|c| !c.is_empty());
        let Some(col) = col else {
            if f.required {
                return Err(invalid(
                    format!("mapping.{}", f.name),
                    format!(
                        "`{}` ({}) is needed: choose the column of {} that holds it",
                        f.label_or_name(),
                        f.kind,
                        ds.name
                    ),
                ));
            }
            missing.insert(f.name.clone());
            continue;
        };
        // Its name, or the header it had in the file (`Amount` for `amount`), in any case.
        let c = ds
            .columns
            .iter()
            .find(|c| c.name == col)
            .or_else(|| {
                ds.columns
                    .iter()
                    .find(|c| c.name.eq_ignore_ascii_case(col) || c.original.trim() == col)
            })
            .ok_or_else(|| {
                invalid(
                    format!("mapping.{}", f.name),
                    format!(
                        "`{}` has no column `{}`",
                        ds.name,
                        crate::model::text::truncate(col, 80)
                    ),
                )
            })?;
        let kind = crate::data::import::ColType::parse(&c.kind)
            .unwrap_or(crate::data::import::ColType::Text);
        if !super::fit::fits(f.kind, kind) {
            return Err(invalid(
                format!("mapping.{}", f.name),
                format!(
                    "`{}` holds {}, and `{}` needs {}",
                    c.name,
                    c.kind,
                    f.label_or_name(),
                    f.kind
                ),
            ));
        }
        rename.insert(f.name.clone(), c.name.clone());
    }
    let label = |name: &str| {
        info.fields
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.label_or_name().to_string())
            .unwrap_or_else(|| name.to_string())
    };
    let mut bundle = t.bundle.clone();
    let from = t.dataset();
    let key = format!("template:{}:{}", info.id, ds.name);
    let mut left_out = Vec::new();
    let mut gone: HashSet<(String, String)> = HashSet::new();
    let mut reports = Vec::new();
    for mut r in std::mem::take(&mut bundle.reports) {
        let origin = r.id.clone().unwrap_or_default();
        for (viz, reads) in prune(&mut r, &missing) {
            if let Some(title) = shown_title(&t.bundle, &origin, &viz) {
                let needs: Vec<String> = reads.iter().map(|f| label(f)).collect();
                left_out.push(format!("{title} (needs {})", needs.join(", ")));
            }
            gone.insert((origin.clone(), viz));
        }
        if r.visualizations.is_empty() {
            continue;
        }
        let mut r = renamed(r, &rename, &from, &ds.name)?;
        r.id = Some(format!("{key}:{origin}"));
        r.name = format!("{} ({})", r.name, ds.name);
        reports.push(r);
    }
    bundle.reports = reports;
    let d = &mut bundle.dashboard;
    d.widgets
        .retain(|w| match (&w.report_id, &w.visualization_id) {
            (Some(r), Some(v)) => !gone.contains(&(r.clone(), v.clone())),
            _ => true,
        });
    let kept: HashSet<String> = d.widgets.iter().map(|w| w.id.clone()).collect();
    for w in &mut d.widgets {
        if let Some(r) = &w.report_id {
            w.report_id = Some(format!("{key}:{r}"));
        }
    }
    for f in &mut d.filters {
        f.targets.retain(|t| {
            kept.contains(&t.widget_id) && t.field.as_ref().is_none_or(|x| !missing.contains(x))
        });
        for t in &mut f.targets {
            if let Some(x) = t.field.as_ref().and_then(|x| rename.get(x)) {
                t.field = Some(x.clone());
            }
        }
    }
    d.filters.retain(|f| !f.targets.is_empty());
    d.id = Some(key.clone());
    d.name = format!("{} — {}", info.name, ds.name);
    bundle.schedules = match (req.schedule_to, &info.schedule) {
        (Some(to), Some(s)) if !to.trim().is_empty() => vec![ScheduleDefinition {
            id: Some(format!("{key}:schedule")),
            name: format!("{} — {}", s.name, ds.name),
            report_id: String::new(),
            dashboard_id: Some(key.clone()),
            schedule: s.cron.clone(),
            timezone: crate::app::schedule::default_zone(ctx)?,
            parameters: BTreeMap::new(),
            enabled: true,
            recipients: vec![Recipient {
                kind: RecipientKind::Email,
                address: to.trim().to_string(),
            }],
            export_format: s.format,
            row_limit: None,
        }],
        _ => Vec::new(),
    };
    bundle.template = None;
    bundle.needs = needs::of(&bundle.reports);
    Ok((bundle, left_out))
}

/// The title of a visualization its dashboard shows (its id when it has none); None when no
/// widget shows it.
fn shown_title(b: &Bundle, report: &str, viz: &str) -> Option<String> {
    b.dashboard.widgets.iter().find(|w| {
        w.report_id.as_deref() == Some(report) && w.visualization_id.as_deref() == Some(viz)
    })?;
    b.reports
        .iter()
        .find(|r| r.id.as_deref() == Some(report))
        .and_then(|r| r.visualization(viz))
        .map(|v| {
            if v.title.is_empty() {
                v.id.clone()
            } else {
                v.title.clone()
            }
        })
}

/// Each widget of `t`'s dashboard by title, with the fields of `missing` that leave it out
/// (empty: it is shown), as applying would decide.
pub fn widgets_without(t: &Template, missing: &HashSet<String>) -> Vec<(String, Vec<String>)> {
    let mut cut: HashMap<(String, String), Vec<String>> = HashMap::new();
    for r in &t.bundle.reports {
        let mut r2 = r.clone();
        let origin = r.id.clone().unwrap_or_default();
        for (viz, reads) in prune(&mut r2, missing) {
            cut.insert((origin.clone(), viz), reads);
        }
    }
    t.bundle
        .dashboard
        .widgets
        .iter()
        .filter_map(|w| {
            let (r, v) = (w.report_id.clone()?, w.visualization_id.clone()?);
            let title = shown_title(&t.bundle, &r, &v)?;
            Some((title, cut.remove(&(r, v)).unwrap_or_default()))
        })
        .collect()
}

/// Takes out of `r` what reads a field of `missing`: a measure (and its column), a calculated
/// column (and what reads it), a filter or sort key; a query whose dimensions read one, or left
/// with no measure, is dead. Then the visualizations of dead queries, or mapping a column taken
/// out, go (a list of measures only loses that one). Returns each visualization taken out with
/// the missing fields it read.
fn prune(r: &mut ReportDefinition, missing: &HashSet<String>) -> Vec<(String, Vec<String>)> {
    if missing.is_empty() {
        return Vec::new();
    }
    let mut dead: Vec<(Option<String>, Vec<String>)> = Vec::new();
    let mut gone_cols: HashMap<String, Vec<String>> = HashMap::new();
    let names: Vec<Option<String>> = r
        .builder
        .iter()
        .map(|_| None)
        .chain(
            r.queries
                .iter()
                .filter(|(_, q)| q.builder.is_some())
                .map(|(n, _)| Some(n.clone())),
        )
        .collect();
    for (name, spec) in names.into_iter().zip(needs::specs_mut(r)) {
        let mut miss: HashMap<String, Vec<String>> = missing
            .iter()
            .map(|m| (m.clone(), vec![m.clone()]))
            .collect();
        let reads_missing = |text_names: Vec<String>, miss: &HashMap<String, Vec<String>>| {
            let mut out: Vec<String> = Vec::new();
            for n in text_names {
                for f in miss.get(&n).into_iter().flatten() {
                    if !out.contains(f) {
                        out.push(f.clone());
                    }
                }
            }
            out
        };
        let mut kept = Vec::new();
        for e in std::mem::take(&mut spec.expressions) {
            let reads = reads_missing(
                crate::report::builder::expr_names(&e.expr).unwrap_or_default(),
                &miss,
            );
            if reads.is_empty() {
                kept.push(e);
            } else {
                miss.insert(e.name.clone(), reads);
            }
        }
        spec.expressions = kept;
        let dim_reads: Vec<String> = reads_missing(
            spec.dimensions.iter().map(|d| d.field.clone()).collect(),
            &miss,
        );
        let had = spec.measures.len();
        spec.measures.retain(|m| {
            let names = match &m.expr {
                Some(e) => crate::report::builder::expr_names(e).unwrap_or_default(),
                None => vec![m.field.clone()],
            };
            let reads = reads_missing(names, &miss);
            if !reads.is_empty() {
                gone_cols.insert(m.base_name(), reads);
            }
            gone_cols.get(&m.base_name()).is_none()
        });
        spec.filters.retain(|f| !miss.contains_key(&f.field));
        spec.sort
            .retain(|s| !miss.contains_key(&s.field) && !gone_cols.contains_key(&s.field));
        if !dim_reads.is_empty() || (had > 0 && spec.measures.is_empty()) {
            let mut why = dim_reads;
            for v in gone_cols.values().flatten() {
                if !why.contains(v) {
                    why.push(v.clone());
                }
            }
            dead.push((name, why));
        }
    }
    let only = r.queries.keys().next().cloned();
    let top = r.builder.is_some() || r.query.is_some();
    let mut cut = Vec::new();
    let mut kept = Vec::new();
    for v in std::mem::take(&mut r.visualizations) {
        let q = match (&v.query, top) {
            (Some(q), _) => Some(q.clone()),
            (None, true) => None,
            (None, false) => only.clone(),
        };
        if let Some((_, why)) = dead.iter().find(|(n, _)| *n == q) {
            cut.push((v.id.clone(), why.clone()));
            continue;
        }
        let mut value = serde_json::to_value(&v).expect("a visualization is JSON");
        let mut why: Vec<String> = Vec::new();
        let mut drop = false;
        if let Some(Value::Object(m)) = value.get_mut("dataMapping") {
            for (_, val) in m.iter_mut() {
                match val {
                    Value::String(c) if gone_cols.contains_key(c.as_str()) => {
                        why.extend(gone_cols[c.as_str()].clone());
                        drop = true;
                    }
                    Value::Array(list) => {
                        let before = list.len();
                        list.retain(|x| {
                            let gone = x.as_str().and_then(|c| gone_cols.get(c));
                            if let Some(w) = gone {
                                why.extend(w.clone());
                            }
                            gone.is_none()
                        });
                        if before > 0 && list.is_empty() {
                            drop = true;
                        }
                    }
                    _ => {}
                }
            }
        }
        if drop {
            why.dedup();
            cut.push((v.id.clone(), why));
            continue;
        }
        if let Some(Value::Object(o)) = value.get_mut("options") {
            if let Some(Value::Array(a)) = o.get_mut("axis2") {
                a.retain(|x| x.as_str().is_none_or(|c| !gone_cols.contains_key(c)));
            }
            if o.get("compare")
                .and_then(Value::as_str)
                .is_some_and(|c| gone_cols.contains_key(c))
            {
                o.remove("compare");
            }
        }
        kept.push(serde_json::from_value(value).unwrap_or(v));
    }
    r.visualizations = kept;
    let cut_ids: Vec<&String> = cut.iter().map(|(id, _)| id).collect();
    if let Some(layout) = &mut r.layout {
        for s in &mut layout.sections {
            s.items
                .retain(|i| i.viz().is_none_or(|id| !cut_ids.contains(&id)));
        }
        layout.sections.retain(|s| !s.items.is_empty());
    }
    cut
}

/// The report reading `to` instead of `from`, each field renamed as `map` says.
fn renamed(
    mut r: ReportDefinition,
    map: &HashMap<String, String>,
    from: &str,
    to: &str,
) -> Result<ReportDefinition, EditError> {
    let swap = |s: &mut String| {
        if let Some(n) = map.get(s.as_str()) {
            *s = n.clone();
        }
    };
    let rewrite = |text: &str| {
        crate::report::builder::rename_in_expr(text, map).map_err(|e| {
            invalid(
                "template",
                format!("an expression does not read: {}", e.message),
            )
        })
    };
    for spec in needs::specs_mut(&mut r) {
        if spec.dataset == from {
            spec.dataset = to.to_string();
        }
        spec.dimensions.iter_mut().for_each(|d| swap(&mut d.field));
        for m in &mut spec.measures {
            swap(&mut m.field);
            if let Some(e) = &m.expr {
                m.expr = Some(rewrite(e)?);
            }
        }
        spec.filters.iter_mut().for_each(|f| swap(&mut f.field));
        spec.sort.iter_mut().for_each(|s| swap(&mut s.field));
        for e in &mut spec.expressions {
            e.expr = rewrite(&e.expr)?;
        }
    }
    let mut vizs = Vec::new();
    for v in std::mem::take(&mut r.visualizations) {
        let mut value = serde_json::to_value(&v).expect("a visualization is JSON");
        let swap_value = |x: &mut Value| {
            if let Value::String(s) = x {
                if let Some(n) = map.get(s.as_str()) {
                    *s = n.clone();
                }
            }
        };
        if let Some(Value::Object(m)) = value.get_mut("dataMapping") {
            for (_, val) in m.iter_mut() {
                match val {
                    Value::Array(list) => list.iter_mut().for_each(swap_value),
                    other => swap_value(other),
                }
            }
        }
        if let Some(Value::Object(o)) = value.get_mut("options") {
            for k in ["compare", "open", "high", "low", "close"] {
                if let Some(x) = o.get_mut(k) {
                    swap_value(x);
                }
            }
            for k in ["columnFormats", "columnLabels"] {
                if let Some(Value::Object(m)) = o.get_mut(k) {
                    let old = std::mem::take(m);
                    for (name, val) in old {
                        m.insert(map.get(&name).cloned().unwrap_or(name), val);
                    }
                }
            }
        }
        vizs.push(serde_json::from_value(value).map_err(|e| invalid("template", e.to_string()))?);
    }
    r.visualizations = vizs;
    Ok(r)
}
