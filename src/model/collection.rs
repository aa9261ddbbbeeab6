//! Collections: nested folders of reports and dashboards, and what each group may do in one.
//! A collection with permissions of its own decides for itself; one without takes its
//! parent's; the root, and a collection under no permission at all, are everyone's (the role
//! still decides who may edit). A personal collection is its owner's alone. Admins see and edit
//! everything. [`Grants`] is one reader's answer for every collection, worked out once.

use super::id::{CollectionId, GroupId};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

super::status! {
    /// What a group may do in a collection.
    Access {
        /// Nothing: its objects are not found (404) for them.
        None = "none",
        /// Open and run its reports and dashboards.
        View = "view",
        /// Also change, move and delete them (with the editor role).
        Edit = "edit",
    }
}

/// A group's access to a collection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Permission {
    #[schema(value_type = String)]
    pub group_id: GroupId,
    pub access: Access,
}

/// A collection as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Collection {
    #[schema(value_type = String)]
    pub id: CollectionId,
    pub name: String,
    #[schema(value_type = Option<String>)]
    pub parent_id: Option<CollectionId>,
    /// The user whose personal collection this is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    pub permissions: Vec<Permission>,
    pub created_at: String,
}

/// One report or dashboard shared with a user or a group, whatever its collection says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ObjectShare {
    pub id: String,
    /// `report` or `dashboard`.
    pub kind: String,
    pub object_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    pub access: Access,
    pub expires_at: Option<String>,
    pub created_by: Option<String>,
    pub created_at: String,
}

/// What one reader may do in each collection, and with the objects shared with them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants {
    /// Admins and the server's own work: everything.
    pub all: bool,
    /// Per collection; a collection not named here does not exist for them.
    pub by_collection: BTreeMap<String, Access>,
    /// Per `kind:id` of a report or dashboard shared with them (or a group of theirs).
    pub by_object: BTreeMap<String, Access>,
}

impl Grants {
    /// Everything, everywhere.
    pub fn all() -> Grants {
        Grants {
            all: true,
            ..Grants::default()
        }
    }

    /// What they may do with an object kept in `collection` (none: the root, everyone's).
    pub fn access(&self, collection: Option<&str>) -> Access {
        match (self.all, collection) {
            (true, _) | (false, None) => Access::Edit,
            (false, Some(c)) => self.by_collection.get(c).copied().unwrap_or(Access::None),
        }
    }

    /// Whether they may see an object kept in `collection`.
    pub fn sees(&self, collection: Option<&str>) -> bool {
        self.access(collection) != Access::None
    }

    /// Whether they may change an object kept in `collection` (their role permitting).
    pub fn edits(&self, collection: Option<&str>) -> bool {
        self.access(collection) == Access::Edit
    }

    /// What they may do with report or dashboard `id` (`kind`) kept in `collection`: the
    /// better of its collection's access and a share of it with them.
    pub fn access_to(&self, kind: &str, id: &str, collection: Option<&str>) -> Access {
        let shared = self
            .by_object
            .get(&format!("{kind}:{id}"))
            .copied()
            .unwrap_or(Access::None);
        std::cmp::max_by_key(self.access(collection), shared, |a| rank(*a))
    }

    /// Whether they may see report `id` kept in `collection`.
    pub fn sees_report(&self, id: &str, collection: Option<&str>) -> bool {
        self.access_to("report", id, collection) != Access::None
    }

    /// Whether they may see dashboard `id` kept in `collection`.
    pub fn sees_dashboard(&self, id: &str, collection: Option<&str>) -> bool {
        self.access_to("dashboard", id, collection) != Access::None
    }
}

/// Most levels of nesting.
pub const MAX_DEPTH: usize = 10;

/// The grants of user `user` in `groups` over `collections`: a personal collection is its
/// owner's (edit) and no one else's; any other takes the nearest permissions up its parents
/// (the best of their groups'), and is everyone's (edit) when there are none.
pub fn grants(collections: &[Collection], user: &str, groups: &BTreeSet<GroupId>) -> Grants {
    let by_id: BTreeMap<&str, &Collection> =
        collections.iter().map(|c| (c.id.as_str(), c)).collect();
    let mut out = BTreeMap::new();
    for c in collections {
        let mut at = Some(c);
        let mut access = Access::Edit;
        // Up the parents (bounded: a cycle written by hand ends here, closed).
        for _ in 0..=MAX_DEPTH + 1 {
            let Some(here) = at else { break };
            if let Some(owner) = &here.owner {
                access = match owner == user {
                    true => Access::Edit,
                    false => Access::None,
                };
                break;
            }
            if !here.permissions.is_empty() {
                access = here
                    .permissions
                    .iter()
                    .filter(|p| groups.contains(&p.group_id))
                    .map(|p| p.access)
                    .max_by_key(|a| rank(*a))
                    .unwrap_or(Access::None);
                break;
            }
            at = here
                .parent_id
                .as_ref()
                .and_then(|p| by_id.get(p.as_str()).copied());
            if at.is_none() && here.parent_id.is_some() {
                access = Access::None;
            }
        }
        out.insert(c.id.to_string(), access);
    }
    Grants {
        all: false,
        by_collection: out,
        by_object: BTreeMap::new(),
    }
}

fn rank(a: Access) -> u8 {
    match a {
        Access::None => 0,
        Access::View => 1,
        Access::Edit => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(
        id: &str,
        parent: Option<&str>,
        perms: &[(&str, Access)],
        owner: Option<&str>,
    ) -> Collection {
        Collection {
            id: id.into(),
            name: id.into(),
            parent_id: parent.map(Into::into),
            owner: owner.map(Into::into),
            permissions: perms
                .iter()
                .map(|(g, a)| Permission {
                    group_id: GroupId::from(*g),
                    access: *a,
                })
                .collect(),
            created_at: String::new(),
        }
    }

    #[test]
    fn the_nearest_permissions_decide_and_personal_ones_are_their_owners() {
        let all = [
            c(
                "finance",
                None,
                &[("accountants", Access::Edit), ("staff", Access::View)],
                None,
            ),
            c(
                "payroll",
                Some("finance"),
                &[("accountants", Access::View)],
                None,
            ),
            c("reports", Some("finance"), &[], None),
            c("open", None, &[], None),
            c("mine", None, &[], Some("u1")),
        ];
        let staff: BTreeSet<GroupId> = [GroupId::from("staff")].into();
        let g = grants(&all, "u2", &staff);
        assert_eq!(g.access(Some("finance")), Access::View);
        assert_eq!(
            g.access(Some("payroll")),
            Access::None,
            "its own permissions decide"
        );
        assert_eq!(g.access(Some("reports")), Access::View, "the parent's");
        assert_eq!(
            g.access(Some("open")),
            Access::Edit,
            "no permissions: everyone's"
        );
        assert_eq!(g.access(Some("mine")), Access::None, "someone else's");
        assert_eq!(g.access(Some("gone")), Access::None, "unknown");
        assert_eq!(g.access(None), Access::Edit, "the root");
        let owner = grants(&all, "u1", &BTreeSet::new());
        assert_eq!(owner.access(Some("mine")), Access::Edit);
        assert_eq!(owner.access(Some("finance")), Access::None, "in no group");
        assert!(Grants::all().edits(Some("payroll")));
    }
}
