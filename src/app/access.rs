//! Groups, their members, users' attributes and row policies, checked and written; every
//! change of a policy (or of a group, which takes its policies with it) is read at once by the
//! main store's connections (`Store::set_policed`). Who may change them is the route table's
//! business (admins).

use super::edit::{invalid, EditError};
use super::Ctx;
use crate::model::access::{attribute_key, is_attribute_key, Group, RowPolicy};
use crate::model::id::{GroupId, RowPolicyId};
use crate::model::report::Filter;
use crate::model::text::{no_control, truncate};
use crate::model::time::now_text;
use crate::store;
use serde::Serialize;
use std::collections::BTreeMap;

/// Most attributes a user may have, and the longest value.
const MAX_ATTRIBUTES: usize = 50;
const MAX_VALUE: usize = 200;
/// Most groups, and row policies, a server may have.
const MAX_GROUPS: usize = 1000;
const MAX_POLICIES: usize = 1000;

/// A group with its members.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GroupView {
    #[serde(flatten)]
    pub group: Group,
    pub members: Vec<Member>,
}

/// A member of a group.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    pub id: String,
    pub email: String,
}

fn not_found(what: &str, id: &str) -> EditError {
    EditError::NotFound(format!("no {what} with id `{}`", truncate(id, 80)))
}

/// Every group with its members.
pub fn groups(ctx: &Ctx) -> Result<Vec<GroupView>, EditError> {
    let conn = ctx.store.app.get()?;
    store::access::groups(&conn)?
        .into_iter()
        .map(|g| view(&conn, g))
        .collect()
}

fn view(conn: &rusqlite::Connection, group: Group) -> Result<GroupView, EditError> {
    let members = store::access::members(conn, &group.id)?
        .into_iter()
        .map(|(id, email)| Member { id, email })
        .collect();
    Ok(GroupView { group, members })
}

/// The group `id` with its members.
pub fn group(ctx: &Ctx, id: &str) -> Result<GroupView, EditError> {
    let conn = ctx.store.app.get()?;
    let g = store::access::find_group(&conn, id)?.ok_or_else(|| not_found("group", id))?;
    view(&conn, g)
}

/// Makes a group named `name` (1 to 100 characters, unique whatever the case).
pub fn create_group(ctx: &Ctx, name: &str) -> Result<Group, EditError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(invalid("name", "must be 1 to 100 characters"));
    }
    no_control("name", name, false).map_err(|m| invalid("name", &m["name: ".len()..]))?;
    let conn = ctx.store.app.get()?;
    if store::access::groups(&conn)?.len() >= MAX_GROUPS {
        return Err(invalid(
            "name",
            format!("a server has at most {MAX_GROUPS} groups"),
        ));
    }
    store::access::insert_group(&conn, name)?.ok_or_else(|| {
        invalid(
            "name",
            format!("a group named `{}` exists", truncate(name, 60)),
        )
    })
}

/// Deletes a group with its memberships and row policies.
pub fn delete_group(ctx: &Ctx, id: &str) -> Result<(), EditError> {
    let gone = store::access::delete_group(&*ctx.store.app.get()?, id)?;
    if !gone {
        return Err(not_found("group", id));
    }
    ctx.store.set_policed()?;
    Ok(())
}

/// Puts user `user` in group `group` (already in it: no change).
pub fn add_member(ctx: &Ctx, group: &str, user: &str) -> Result<(), EditError> {
    let conn = ctx.store.app.get()?;
    store::access::find_group(&conn, group)?.ok_or_else(|| not_found("group", group))?;
    store::user::get(&conn, user)?.ok_or_else(|| not_found("user", user))?;
    store::access::add_member(&conn, group, user)?;
    Ok(())
}

/// Takes user `user` out of group `group`: from their next request they see what their
/// other groups allow.
pub fn remove_member(ctx: &Ctx, group: &str, user: &str) -> Result<(), EditError> {
    let conn = ctx.store.app.get()?;
    store::access::find_group(&conn, group)?.ok_or_else(|| not_found("group", group))?;
    match store::access::remove_member(&conn, group, user)? {
        true => Ok(()),
        false => Err(EditError::NotFound(format!(
            "user `{}` is not in this group",
            truncate(user, 80)
        ))),
    }
}

/// A user's attributes (which row policies may quote as `{{user.<key>}}`).
pub fn attributes(ctx: &Ctx, user: &str) -> Result<BTreeMap<String, String>, EditError> {
    Ok(store::access::attributes(&*ctx.store.app.get()?, user)?)
}

/// The groups user `user` is in.
pub fn groups_of(ctx: &Ctx, user: &str) -> Result<Vec<Group>, EditError> {
    Ok(store::access::groups_of(&*ctx.store.app.get()?, user)?)
}

/// Checks a user's attributes: at most 50, keys of letters, digits, `_`, `-`, `.` (up to 64),
/// values up to 200 characters without control characters.
pub fn check_attributes(attributes: &BTreeMap<String, String>) -> Result<(), EditError> {
    if attributes.len() > MAX_ATTRIBUTES {
        return Err(invalid(
            "attributes",
            format!("at most {MAX_ATTRIBUTES} ({} given)", attributes.len()),
        ));
    }
    for (k, v) in attributes {
        if !is_attribute_key(k) {
            return Err(invalid(
                "attributes",
                format!(
                    "`{}` is not a key: use 1 to 64 letters, digits, _, - or .",
                    truncate(k, 40)
                ),
            ));
        }
        let at = format!("attributes.{k}");
        if v.chars().count() > MAX_VALUE {
            return Err(invalid(at, format!("at most {MAX_VALUE} characters")));
        }
        no_control(&at, v, false).map_err(|m| invalid(&at, &m[at.len() + 2..]))?;
    }
    Ok(())
}

/// Replaces user `user`'s attributes (checked by [`check_attributes`]).
pub fn set_attributes(
    ctx: &Ctx,
    user: &str,
    attributes: &BTreeMap<String, String>,
) -> Result<(), EditError> {
    check_attributes(attributes)?;
    let conn = ctx.store.app.get()?;
    store::user::get(&conn, user)?.ok_or_else(|| not_found("user", user))?;
    store::access::set_attributes(&conn, user, attributes)?;
    Ok(())
}

/// Every row policy.
pub fn policies(ctx: &Ctx) -> Result<Vec<RowPolicy>, EditError> {
    Ok(store::access::policies(&*ctx.store.app.get()?)?)
}

/// The row policy `id`.
pub fn policy(ctx: &Ctx, id: &str) -> Result<RowPolicy, EditError> {
    store::access::find_policy(&*ctx.store.app.get()?, id)?
        .ok_or_else(|| not_found("row policy", id))
}

/// Makes a row policy: the rows of `dataset` (a dataset of the main store) that members of
/// `group` see, those `filter` passes; its value may quote the user's attributes.
pub fn create_policy(
    ctx: &Ctx,
    dataset: &str,
    group: &str,
    filter: Filter,
    by: Option<&str>,
) -> Result<RowPolicy, EditError> {
    let conn = ctx.store.app.get()?;
    if store::dataset::get(&conn, dataset)?.is_none() {
        return Err(invalid(
            "dataset",
            format!("no dataset named `{}`", truncate(dataset, 60)),
        ));
    }
    store::access::find_group(&conn, group)?.ok_or_else(|| {
        invalid(
            "groupId",
            format!("no group with id `{}`", truncate(group, 80)),
        )
    })?;
    if store::access::policies(&conn)?.len() >= MAX_POLICIES {
        return Err(invalid(
            "dataset",
            format!("a server has at most {MAX_POLICIES} row policies"),
        ));
    }
    drop(conn);
    let sample = sample(&filter.value)?;
    {
        // The filter as the compiler will read it, on the dataset's columns now.
        let data = ctx
            .store
            .source("main")
            .expect("the main store")
            .get(&crate::model::access::Sight::All)?;
        crate::report::builder::check_row_filter(data.db(), dataset, &filter, &sample).map_err(
            |m| match m.split_once(": ") {
                Some((field, message)) => invalid(field, message),
                None => invalid("filter", m),
            },
        )?;
    }
    let p = RowPolicy {
        id: RowPolicyId::random(),
        dataset: dataset.to_string(),
        group_id: GroupId::from(group),
        filter,
        created_by: by.map(str::to_string),
        created_at: now_text(),
    };
    store::access::insert_policy(&*ctx.store.app.get()?, &p)?;
    ctx.store.set_policed()?;
    Ok(p)
}

/// The value checked in place of `value`: an attribute quoted (`{{user.region}}`) as a text
/// (its kind is the user's business); refused when it looks like one but is not.
fn sample(value: &serde_json::Value) -> Result<serde_json::Value, EditError> {
    use serde_json::Value;
    Ok(match value {
        Value::String(s) if attribute_key(s).is_some() => Value::String("x".into()),
        Value::String(s) if s.contains("{{") => {
            return Err(invalid(
                "filter.value",
                "write an attribute as {{user.<key>}} (the whole value), e.g. {{user.region}}",
            ))
        }
        Value::Array(items) => Value::Array(items.iter().map(sample).collect::<Result<_, _>>()?),
        other => other.clone(),
    })
}

/// Deletes a row policy: its group stops seeing those rows from their next request (and,
/// when it was the dataset's last, everyone sees every row of it again).
pub fn delete_policy(ctx: &Ctx, id: &str) -> Result<(), EditError> {
    let gone = store::access::delete_policy(&*ctx.store.app.get()?, id)?;
    if !gone {
        return Err(not_found("row policy", id));
    }
    ctx.store.set_policed()?;
    Ok(())
}
