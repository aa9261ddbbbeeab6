//! The builder spec of a report: a query described (dimensions, measures, filters, sort,
//! limit, compare) instead of written, compiled to SQL by `report::builder`.

use serde::{Deserialize, Serialize};

/// A query described instead of written: compiled to SQL with its identifiers checked against
/// the dataset's columns and its values bound (see `report::builder`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BuilderSpec {
    /// The dataset (table) it reads; empty when it reads a saved question (`source`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub dataset: String,
    /// A saved question whose rows it reads instead of a dataset (a nested question).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<QuestionSource>,
    /// Columns to group by: `"field"` or `{field, bucket}`.
    #[serde(default)]
    #[schema(value_type = Vec<DimensionShape>)]
    pub dimensions: Vec<Dimension>,
    #[serde(default)]
    pub measures: Vec<Measure>,
    #[serde(default)]
    pub filters: Vec<Filter>,
    #[serde(default)]
    pub sort: Vec<SortKey>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// `{previousPeriod: true}`: each measure also over the period just before the one the
    /// date filter selects, as `<name>_prev`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compare: Option<Compare>,
    /// Calculated columns (`{name, expr}`, row by row: `revenue - cost`), usable as fields by
    /// their names, each over the dataset's fields and the calculated columns before it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expressions: Vec<Expression>,
    /// Other datasets (or tables of the same source) joined by key columns; their fields are
    /// named `<dataset>.<field>` wherever a field is.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub joins: Vec<Join>,
}

/// Most saved questions one question may read through (`a` on `b` on `c`).
pub const MAX_NESTING: usize = 3;

/// `{report, query?, parameters?}`: the rows of a saved builder question (a report's query),
/// read as a dataset whose fields are its columns. Its parameters take `parameters` (text,
/// as in a URL; `"{name}"` passes this question's own parameter `name`), else their defaults.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QuestionSource {
    /// The report's id.
    pub report: String,
    /// Which of its queries, when it has several (`queries`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub parameters: std::collections::BTreeMap<String, String>,
    /// The question as the store holds it now, read when the spec is loaded or checked (see
    /// `store::report::resolve`); never stored.
    #[serde(skip)]
    pub resolved: Option<std::sync::Arc<Result<Nested, String>>>,
}

impl PartialEq for QuestionSource {
    fn eq(&self, other: &Self) -> bool {
        (&self.report, &self.query, &self.parameters)
            == (&other.report, &other.query, &other.parameters)
    }
}

/// The saved question a [`QuestionSource`] names, as read from the store.
#[derive(Debug, Clone, PartialEq)]
pub struct Nested {
    /// The report's name (for messages and the field list).
    pub name: String,
    pub data_source: String,
    /// The report's parameters, which its spec's `"{name}"` values refer to.
    pub parameters: Vec<super::ParameterDef>,
    /// Its query (itself resolved, when it reads a saved question in turn).
    pub spec: BuilderSpec,
}

impl QuestionSource {
    /// The question read from the store; an error says why there is none.
    pub fn nested(&self) -> Result<&Nested, String> {
        match self.resolved.as_deref() {
            Some(Ok(n)) => Ok(n),
            Some(Err(why)) => Err(format!("builder.source.report: {why}")),
            None => Err(format!(
                "builder.source.report: the report `{}` was not read",
                crate::model::text::truncate(&self.report, 80)
            )),
        }
    }
}

/// `{dataset, type: inner|left, on: [{left, right}]}`: `left` a field of the question so far
/// (the dataset's, or `<dataset>.<field>` of an earlier join), `right` a field of `dataset`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Join {
    pub dataset: String,
    #[serde(rename = "type", default)]
    pub kind: JoinKind,
    pub on: Vec<JoinKey>,
}

/// Inner keeps the rows with a match on both sides; left keeps every row of the question so
/// far (the joined fields empty where nothing matches).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum JoinKind {
    Inner,
    #[default]
    Left,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JoinKey {
    pub left: String,
    pub right: String,
}

/// A calculated column: `name` is how the spec and the result name it, `expr` its expression
/// (see `report::builder::expr`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Expression {
    pub name: String,
    pub expr: String,
}

/// A column the result is grouped by; a date column may be grouped by `bucket` (its values
/// become the bucket's first day, `YYYY-MM-DD`, under the column's own name). Written as the
/// column's name alone when it has no bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dimension {
    pub field: String,
    pub bucket: Option<Bucket>,
}

impl Dimension {
    /// A dimension without a bucket.
    pub fn plain(field: impl Into<String>) -> Dimension {
        Dimension {
            field: field.into(),
            bucket: None,
        }
    }
}

impl From<&str> for Dimension {
    fn from(field: &str) -> Dimension {
        Dimension::plain(field)
    }
}

/// A dimension's JSON shapes, for the OpenAPI schema.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum DimensionShape {
    Field(String),
    Bucketed {
        field: String,
        #[serde(default)]
        bucket: Option<Bucket>,
    },
}

/// The object form of a dimension.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BucketedDimension {
    field: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bucket: Option<Bucket>,
}

impl Serialize for Dimension {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.bucket {
            None => s.serialize_str(&self.field),
            Some(bucket) => BucketedDimension {
                field: self.field.clone(),
                bucket: Some(bucket),
            }
            .serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Dimension {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Shape;
        impl<'de> serde::de::Visitor<'de> for Shape {
            type Value = Dimension;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a column name or {field, bucket}")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Dimension, E> {
                Ok(Dimension::plain(v))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Dimension, A::Error> {
                let b = BucketedDimension::deserialize(
                    serde::de::value::MapAccessDeserializer::new(map),
                )?;
                Ok(Dimension {
                    field: b.field,
                    bucket: b.bucket,
                })
            }
        }
        d.deserialize_any(Shape)
    }
}

/// The period a date dimension is grouped by; weeks start on Monday.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Bucket {
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

/// `compare` of a builder spec.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Compare {
    /// Each measure also over the period of the same length just before the filtered one.
    #[serde(default)]
    pub previous_period: bool,
}

/// An aggregated column: `{field, agg, as, show, label, format}`, or a calculated one
/// `{expr, as, …}` (`sum(revenue) - sum(cost)`). `as` is the column's id (default
/// `<agg>_<field>`, or with the show form after it when that is taken: `sum_amount_change`;
/// required with `expr`); `label` is what people read (default "Amount", "Amount, % change").
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Measure {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub field: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agg: Option<Aggregation>,
    /// An expression of aggregates, instead of `field` and `agg`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expr: Option<String>,
    #[serde(default, rename = "as", skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    #[serde(default, skip_serializing_if = "ShowAs::is_value")]
    pub show: ShowAs,
    /// The column's name for people: table headers, chart axes and legends, documents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// How its values are shown; by default a percentage for shares and changes (signed for
    /// changes), else the field's format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<super::ValueFormat>,
}

/// Longest measure label.
pub const MAX_LABEL_CHARS: usize = 200;

impl Measure {
    /// Its column's name before any clash is settled: `as`, or `<agg>_<field>` (`count_all`
    /// for `count(*)`).
    pub fn base_name(&self) -> String {
        if let Some(a) = &self.alias {
            return a.clone();
        }
        if self.expr.is_some() {
            return "calculated".into();
        }
        let field = match (self.aggregation(), self.field.as_str()) {
            (Aggregation::Count, "*") => "all".to_string(),
            // A joined field's dataset joins the name with `_`: `sum_products_cost`.
            (_, f) => f.replace('.', "_"),
        };
        format!("{}_{field}", self.aggregation().word())
    }

    /// Its aggregate (a sum when none is given yet).
    pub fn aggregation(&self) -> Aggregation {
        self.agg.unwrap_or_default()
    }

    /// What people read when no `label` is given, from the field's own name for people:
    /// "Amount", "Average price", "Amount, % change".
    pub fn default_label(&self, field_label: &str) -> String {
        let what = match (self.aggregation(), self.field.as_str()) {
            _ if self.expr.is_some() => humanize(&self.base_name()),
            (Aggregation::Count, "*") => "Count".to_string(),
            (Aggregation::Sum, _) => field_label.to_string(),
            (Aggregation::Avg, _) => format!("Average {}", lower_first(field_label)),
            (Aggregation::Min, _) => format!("Lowest {}", lower_first(field_label)),
            (Aggregation::Max, _) => format!("Highest {}", lower_first(field_label)),
            (Aggregation::Count, _) => format!("Count of {}", lower_first(field_label)),
            (Aggregation::CountDistinct, _) => {
                format!("Distinct {}", lower_first(field_label))
            }
        };
        match self.show {
            ShowAs::Value => what,
            ShowAs::PercentOfTotal => format!("{what}, share of total"),
            ShowAs::RunningTotal => format!("{what}, running total"),
            ShowAs::ChangeVsPrevious => format!("{what}, % change"),
        }
    }

    /// Its format: its own, else a percentage for a share (signed for a change), else None
    /// (the field's).
    pub fn shown_format(&self) -> Option<super::ValueFormat> {
        self.format.or(match self.show {
            ShowAs::PercentOfTotal => Some(super::ValueFormat::Percent),
            ShowAs::ChangeVsPrevious => Some(super::ValueFormat::change()),
            ShowAs::Value | ShowAs::RunningTotal => None,
        })
    }
}

/// A column's name as people read it: `unit_price` → "Unit price".
pub fn humanize(name: &str) -> String {
    let spaced = name.replace('_', " ");
    let mut c = spaced.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => spaced,
    }
}

/// "Unit price" → "unit price" (an acronym such as "VAT" is kept).
fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match (c.next(), s.chars().nth(1)) {
        (Some(f), Some(second)) if !second.is_uppercase() => f.to_lowercase().chain(c).collect(),
        _ => s.to_string(),
    }
}

impl BuilderSpec {
    /// Each measure's column name. A name given by `as` is kept (a clash is an error when the
    /// spec is compiled); a default one that a dimension or another measure already has gets
    /// the show form after it (`sum_amount_change`), then a number (`sum_amount_2`).
    pub fn measure_names(&self) -> Vec<String> {
        let mut taken: Vec<String> = self.dimensions.iter().map(|d| d.field.clone()).collect();
        taken.extend(self.measures.iter().filter_map(|m| m.alias.clone()));
        let mut out = Vec::with_capacity(self.measures.len());
        for m in &self.measures {
            if m.alias.is_some() {
                out.push(m.base_name());
                continue;
            }
            let base = m.base_name();
            let suffix = match m.show {
                ShowAs::Value => "value",
                ShowAs::PercentOfTotal => "share",
                ShowAs::RunningTotal => "running",
                ShowAs::ChangeVsPrevious => "change",
            };
            let with_show = format!("{base}_{suffix}");
            let name = [base.clone(), with_show]
                .into_iter()
                .chain((2..).map(|n| format!("{base}_{n}")))
                .find(|n| !taken.contains(n))
                .unwrap_or(base);
            taken.push(name.clone());
            out.push(name);
        }
        out
    }
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    #[default]
    Sum,
    Avg,
    Min,
    Max,
    Count,
    CountDistinct,
}

impl Aggregation {
    /// Its word in a spec (`count_distinct`).
    pub fn word(self) -> &'static str {
        match self {
            Aggregation::Sum => "sum",
            Aggregation::Avg => "avg",
            Aggregation::Min => "min",
            Aggregation::Max => "max",
            Aggregation::Count => "count",
            Aggregation::CountDistinct => "count_distinct",
        }
    }
}

/// How a measure's value is shown. The running and change forms follow the first dimension
/// in ascending order, separately for each combination of the other dimensions.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ShowAs {
    /// The aggregate itself.
    #[default]
    Value,
    /// The value's share of the sum over every row of the result (before `limit`), as a
    /// fraction (0.25, not 25) so the `percent` number format shows it as 25%.
    PercentOfTotal,
    /// The sum of the values up to and including this row.
    RunningTotal,
    /// (value − previous row's value) / previous row's value, a fraction; NULL on the first
    /// row and where the previous value is zero.
    ChangeVsPrevious,
}

impl ShowAs {
    fn is_value(&self) -> bool {
        *self == ShowAs::Value
    }
}

/// A condition on a column. `value` is a literal (bound, never spliced), a list (`in`,
/// `not_in`; `between` takes `[from, to]`), or a report parameter: `"{name}"` or
/// `{"param": "name"}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Filter {
    pub field: String,
    pub op: FilterOp,
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    #[schema(value_type = Object)]
    pub value: serde_json::Value,
}

/// A filter's comparison (`lte` and `gte` are read as `le` and `ge`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FilterOp {
    Eq,
    Ne,
    Lt,
    #[serde(alias = "lte")]
    Le,
    Gt,
    #[serde(alias = "gte")]
    Ge,
    In,
    NotIn,
    /// A case-insensitive substring (ASCII letters fold; other letters match exactly).
    Contains,
    /// `[from, to]`, both included (for a date column, the whole of the `to` day).
    Between,
    IsNull,
    NotNull,
    /// The date column within the N days before the report's day, or on that day.
    LastNDays,
}

/// An ordering: a dimension or a measure's name, ascending unless `dir` is `desc`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SortKey {
    pub field: String,
    #[serde(default)]
    pub dir: SortDir,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SortDir {
    #[default]
    Asc,
    Desc,
}

#[cfg(test)]
mod measure_tests {
    use super::*;

    fn spec(measures: serde_json::Value) -> BuilderSpec {
        serde_json::from_value(serde_json::json!({
            "dataset": "sales", "dimensions": ["region"], "measures": measures
        }))
        .unwrap()
    }

    #[test]
    fn the_same_field_twice_gets_names_of_its_own() {
        let s = spec(serde_json::json!([
            {"field": "amount", "agg": "sum"},
            {"field": "amount", "agg": "sum", "show": "change_vs_previous"},
            {"field": "amount", "agg": "sum", "show": "change_vs_previous"},
            {"field": "*", "agg": "count"}
        ]));
        assert_eq!(
            s.measure_names(),
            [
                "sum_amount",
                "sum_amount_change",
                "sum_amount_2",
                "count_all"
            ]
        );
    }

    #[test]
    fn a_name_given_is_kept_and_defaults_go_around_it() {
        let s = spec(serde_json::json!([
            {"field": "amount", "agg": "sum"},
            {"field": "amount", "agg": "avg", "as": "sum_amount"}
        ]));
        assert_eq!(s.measure_names(), ["sum_amount_value", "sum_amount"]);
    }

    #[test]
    fn default_labels_and_formats_follow_what_a_measure_shows() {
        let m: Measure = serde_json::from_value(
            serde_json::json!({"field": "unit_price", "agg": "avg", "show": "change_vs_previous"}),
        )
        .unwrap();
        assert_eq!(
            m.default_label(&humanize(&m.field)),
            "Average unit price, % change"
        );
        assert_eq!(m.shown_format(), Some(super::super::ValueFormat::change()));
    }
}
