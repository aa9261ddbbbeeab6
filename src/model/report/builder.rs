//! The builder spec of a report: a query described (dimensions, measures, filters, sort,
//! limit, compare) instead of written, compiled to SQL by `report::builder`.

use serde::{Deserialize, Serialize};

/// A query described instead of written: compiled to SQL with its identifiers checked against
/// the dataset's columns and its values bound (see `report::builder`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BuilderSpec {
    pub dataset: String,
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

/// An aggregated column: `{field, agg, as, show}`; `as` names it (default `<agg>_<field>`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Measure {
    pub field: String,
    pub agg: Aggregation,
    #[serde(default, rename = "as", skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    #[serde(default, skip_serializing_if = "ShowAs::is_value")]
    pub show: ShowAs,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    Sum,
    Avg,
    Min,
    Max,
    Count,
    CountDistinct,
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
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
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
