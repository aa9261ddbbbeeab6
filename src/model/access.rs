//! Who sees which rows. A row policy gives a group the rows of a dataset that pass a filter,
//! whose value may quote the user's attributes (`{{user.region}}`). A dataset with any policy
//! is *policed*: a non-admin reader sees only the rows the policies of their groups allow, and
//! none when no policy applies or an attribute it quotes is missing (fail closed). A reader's
//! [`Sight`] is those policies resolved once for them; the compiler reads it
//! (`report::builder`), the main store refuses SQL it did not write on a policed dataset to a
//! limited reader (`data::source`).

use super::id::{GroupId, RowPolicyId};
use super::report::Filter;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// A group of users.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    #[schema(value_type = String)]
    pub id: GroupId,
    pub name: String,
    pub created_at: String,
}

/// A row policy: the rows of `dataset` that members of `group_id` may see.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RowPolicy {
    #[schema(value_type = String)]
    pub id: RowPolicyId,
    pub dataset: String,
    #[schema(value_type = String)]
    pub group_id: GroupId,
    pub filter: Filter,
    pub created_by: Option<String>,
    pub created_at: String,
}

/// The rows a reader may see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Sight {
    /// Every row (admins, the server's own work, reports.toml's schedules).
    All,
    /// Of each dataset named here, the rows any of these filters pass (none: no row); every
    /// other *policed* dataset shows no row; a dataset with no policy shows every row.
    Limited(Arc<BTreeMap<String, Vec<Filter>>>),
}

impl Default for Sight {
    /// Fail closed: no row of any policed dataset.
    fn default() -> Sight {
        Sight::Limited(Arc::default())
    }
}

impl Sight {
    /// The filters of `dataset` if rows of it are hidden from this reader (`policed`: the
    /// datasets with a policy): any row one of them passes is seen; none given: no row.
    /// None: every row.
    pub fn rows<'s>(&'s self, dataset: &str, policed: &BTreeSet<String>) -> Option<&'s [Filter]> {
        match self {
            Sight::All => None,
            Sight::Limited(_) if !policed.contains(dataset) => None,
            Sight::Limited(m) => Some(m.get(dataset).map(Vec::as_slice).unwrap_or(&[])),
        }
    }

    /// Whether any policed dataset hides rows from this reader.
    pub fn is_limited(&self, policed: &BTreeSet<String>) -> bool {
        matches!(self, Sight::Limited(_)) && !policed.is_empty()
    }
}

/// The sight of a non-admin in `groups` with `attributes`, under every row policy: per policed
/// dataset, the filters of their groups' policies with `{{user.<key>}}` replaced by the
/// attribute (a policy quoting one they lack is left out: it allows nothing).
pub fn sight(
    policies: &[RowPolicy],
    groups: &BTreeSet<GroupId>,
    attributes: &BTreeMap<String, String>,
) -> Sight {
    let mut seen: BTreeMap<String, Vec<Filter>> = BTreeMap::new();
    for p in policies {
        let mine = seen.entry(p.dataset.clone()).or_default();
        if !groups.contains(&p.group_id) {
            continue;
        }
        if let Some(value) = quoted(&p.filter.value, attributes) {
            mine.push(Filter {
                value,
                ..p.filter.clone()
            });
        }
    }
    Sight::Limited(Arc::new(seen))
}

/// `value` with each `{{user.<key>}}` (a whole string, alone or in a list) replaced by the
/// attribute; None if one is missing.
fn quoted(value: &Value, attributes: &BTreeMap<String, String>) -> Option<Value> {
    match value {
        Value::String(s) => match attribute_key(s) {
            Some(key) => attributes.get(key).map(|v| Value::String(v.clone())),
            None => Some(value.clone()),
        },
        Value::Array(items) => items
            .iter()
            .map(|v| quoted(v, attributes))
            .collect::<Option<Vec<_>>>()
            .map(Value::Array),
        other => Some(other.clone()),
    }
}

/// The key of a `{{user.<key>}}` value (spaces inside the braces allowed).
pub fn attribute_key(s: &str) -> Option<&str> {
    let inner = s.trim().strip_prefix("{{")?.strip_suffix("}}")?.trim();
    inner.strip_prefix("user.").filter(|k| is_attribute_key(k))
}

/// Whether `k` may name an attribute: 1 to 64 letters, digits, `_`, `-`, `.`.
pub fn is_attribute_key(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= 64
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn policy(dataset: &str, group: &str, value: Value) -> RowPolicy {
        RowPolicy {
            id: RowPolicyId::from("p"),
            dataset: dataset.into(),
            group_id: GroupId::from(group),
            filter: serde_json::from_value(json!({"field": "region", "op": "eq", "value": value}))
                .unwrap(),
            created_by: None,
            created_at: String::new(),
        }
    }

    #[test]
    fn a_policy_of_another_group_or_a_missing_attribute_allows_nothing() {
        let policies = [
            policy("sales", "north", json!("{{ user.region }}")),
            policy("sales", "finance", json!("South")),
            policy("budget", "finance", json!("South")),
        ];
        let policed: BTreeSet<String> = ["sales".into(), "budget".into()].into();
        let groups: BTreeSet<GroupId> = [GroupId::from("north")].into();
        let attrs: BTreeMap<String, String> = [("region".into(), "North".into())].into();
        let s = sight(&policies, &groups, &attrs);
        let rows = s.rows("sales", &policed).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].value, json!("North"));
        assert_eq!(
            s.rows("budget", &policed),
            Some(&[][..]),
            "no policy of theirs: none"
        );
        assert_eq!(
            s.rows("orders", &policed),
            None,
            "no policy at all: every row"
        );
        let lacking = sight(&policies, &groups, &BTreeMap::new());
        assert_eq!(
            lacking.rows("sales", &policed),
            Some(&[][..]),
            "attribute missing"
        );
        assert_eq!(Sight::default().rows("sales", &policed), Some(&[][..]));
        assert_eq!(Sight::All.rows("sales", &policed), None);
    }

    #[test]
    fn attribute_keys_are_plain() {
        assert_eq!(attribute_key("{{user.region}}"), Some("region"));
        assert_eq!(
            attribute_key(" {{ user.cost-centre }} "),
            Some("cost-centre")
        );
        assert_eq!(attribute_key("{{user.}}"), None);
        assert_eq!(attribute_key("{{user.a b}}"), None);
        assert_eq!(attribute_key("{{region}}"), None);
        assert_eq!(attribute_key("North"), None);
    }
}
