//! Which column of a dataset fits each field of a template: by name (the field's, its label's
//! words and the usual names of its role), by type (a date, a number) and by content (few
//! distinct texts for a category, many for a customer or an id). Each column is given to one
//! field at most, the best fits first.

use crate::data::import::ColType;
use crate::data::stats::ColumnStats;
use crate::model::bundle::{FieldRole, FieldType, TemplateField};
use std::collections::BTreeMap;

/// Whether a column of type `kind` can stand for a field of type `want`.
pub fn fits(want: FieldType, kind: ColType) -> bool {
    match want {
        FieldType::Date => matches!(kind, ColType::Date | ColType::Datetime),
        FieldType::Number | FieldType::Integer => matches!(kind, ColType::Integer | ColType::Real),
        FieldType::Text => true,
    }
}

/// The names a column of this role usually has.
fn usual(role: FieldRole) -> &'static [&'static str] {
    match role {
        FieldRole::Date => &[
            "date",
            "day",
            "time",
            "timestamp",
            "created",
            "when",
            "period",
            "month",
            "ordered",
            "invoiced",
            "issued",
            "billed",
        ],
        FieldRole::Amount => &[
            "amount", "revenue", "sales", "total", "price", "value", "net", "gross", "sum",
            "turnover", "income", "mrr", "balance", "paid",
        ],
        FieldRole::Quantity => &[
            "quantity", "qty", "units", "count", "items", "pieces", "volume",
        ],
        FieldRole::Category => &[
            "category",
            "region",
            "store",
            "shop",
            "channel",
            "segment",
            "type",
            "group",
            "department",
            "branch",
            "location",
            "plan",
            "source",
            "product",
            "account",
        ],
        FieldRole::Customer => &[
            "customer",
            "client",
            "buyer",
            "account",
            "member",
            "subscriber",
            "user",
            "company",
        ],
        FieldRole::Id => &[
            "id",
            "number",
            "no",
            "ref",
            "reference",
            "code",
            "invoice",
            "order",
        ],
        FieldRole::Status => &["status", "state", "stage"],
        FieldRole::Number => &["days", "age", "score", "rate", "number"],
        FieldRole::Text => &["name", "description", "title", "product", "item"],
    }
}

/// The words of a name: `Order Date` and `order_date` are `order`, `date`.
fn words(name: &str) -> Vec<String> {
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// How well column `c` of a dataset of `rows` rows fits `f`; None when its type cannot.
pub fn score(f: &TemplateField, c: &ColumnStats, rows: u64) -> Option<i32> {
    if !fits(f.kind, c.kind) {
        return None;
    }
    let cw = words(&c.name);
    let mut s = 0;
    if c.name.eq_ignore_ascii_case(&f.name) {
        s += 100;
    } else if words(&f.name).iter().any(|w| cw.contains(w) && w.len() > 2) {
        s += 55;
    } else if words(&f.label)
        .iter()
        .any(|w| cw.contains(w) && w.len() > 2)
    {
        s += 45;
    }
    if usual(f.role).iter().any(|u| cw.iter().any(|w| w == u)) {
        s += 40;
    }
    let distinct = c.distinct.unwrap_or(0);
    let few = distinct > 0 && distinct <= 60 && distinct * 5 <= rows.max(1);
    s += match (f.role, c.kind) {
        (FieldRole::Date, ColType::Date | ColType::Datetime) => 30,
        (FieldRole::Amount, ColType::Real) => 15,
        (FieldRole::Amount, ColType::Integer) => 5,
        (FieldRole::Quantity, ColType::Integer) => 15,
        (FieldRole::Category | FieldRole::Status, ColType::Text) if few => 20,
        (FieldRole::Category | FieldRole::Status, _) => -25,
        (FieldRole::Customer | FieldRole::Id, ColType::Text | ColType::Integer) if !few => 15,
        (FieldRole::Customer | FieldRole::Id, _) => -15,
        (FieldRole::Text, ColType::Text) => 5,
        _ => 0,
    };
    Some(s)
}

/// Least score a column needs to be suggested.
const ENOUGH: i32 = 15;

/// The suggested column of each field (None when nothing fits well enough).
pub fn suggest(
    fields: &[TemplateField],
    columns: &[ColumnStats],
    rows: u64,
) -> BTreeMap<String, Option<String>> {
    let mut pairs: Vec<(i32, usize, usize)> = Vec::new();
    for (i, f) in fields.iter().enumerate() {
        for (j, c) in columns.iter().enumerate() {
            if let Some(s) = score(f, c, rows).filter(|s| *s >= ENOUGH) {
                pairs.push((s, i, j));
            }
        }
    }
    // Best first; ties to the field and column that come first.
    pairs.sort_by_key(|&(s, i, j)| (std::cmp::Reverse(s), i, j));
    let mut out: BTreeMap<String, Option<String>> =
        fields.iter().map(|f| (f.name.clone(), None)).collect();
    let mut used = vec![false; columns.len()];
    for (_, i, j) in pairs {
        if used[j] || out[&fields[i].name].is_some() {
            continue;
        }
        used[j] = true;
        out.insert(fields[i].name.clone(), Some(columns[j].name.clone()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(name: &str, kind: ColType, distinct: u64) -> ColumnStats {
        ColumnStats {
            name: name.into(),
            kind,
            blanks: 0,
            min: None,
            max: None,
            distinct: Some(distinct),
            exact: true,
            top: Vec::new(),
        }
    }

    fn field(name: &str, role: FieldRole, kind: FieldType, label: &str) -> TemplateField {
        TemplateField {
            name: name.into(),
            role,
            kind,
            label: label.into(),
            description: String::new(),
            required: true,
        }
    }

    #[test]
    fn columns_named_otherwise_are_found_by_role_type_and_content() {
        let fields = [
            field("order_date", FieldRole::Date, FieldType::Date, "Order date"),
            field("customer", FieldRole::Customer, FieldType::Text, "Customer"),
            field(
                "category",
                FieldRole::Category,
                FieldType::Text,
                "Product category",
            ),
            field("revenue", FieldRole::Amount, FieldType::Number, "Revenue"),
            field("cost", FieldRole::Amount, FieldType::Number, "Cost"),
        ];
        let columns = [
            col("date", ColType::Date, 300),
            col("amount", ColType::Real, 900),
            col("store", ColType::Text, 4),
            col("client", ColType::Text, 250),
        ];
        let m = suggest(&fields, &columns, 1000);
        assert_eq!(m["order_date"].as_deref(), Some("date"));
        assert_eq!(m["revenue"].as_deref(), Some("amount"));
        assert_eq!(m["customer"].as_deref(), Some("client"));
        assert_eq!(m["category"].as_deref(), Some("store"));
        assert_eq!(m["cost"], None, "one column stands for one field");
    }

    #[test]
    fn a_type_that_cannot_stand_for_the_field_is_never_suggested() {
        let fields = [field(
            "order_date",
            FieldRole::Date,
            FieldType::Date,
            "Order date",
        )];
        let columns = [col("order_date", ColType::Text, 30)];
        assert_eq!(suggest(&fields, &columns, 100)["order_date"], None);
        assert!(fits(FieldType::Number, ColType::Integer));
        assert!(!fits(FieldType::Number, ColType::Text));
    }
}
