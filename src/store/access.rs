//! `groups`, `group_members`, `user_attributes` and `row_policies`: who is in which group,
//! what a user's attributes say, and which rows each group sees of a dataset.

use super::StoreError;
use crate::model::access::{self, Group, RowPolicy, Sight};
use crate::model::id::{GroupId, RowPolicyId};
use crate::model::time::now_text;
use crate::model::user::Role;
use rusqlite::{params, Connection, OptionalExtension, Row};
use std::collections::{BTreeMap, BTreeSet};

fn group(r: &Row) -> rusqlite::Result<Group> {
    Ok(Group {
        id: GroupId::from(r.get::<_, String>(0)?),
        name: r.get(1)?,
        created_at: r.get(2)?,
    })
}

/// Every group, by name.
pub fn groups(conn: &Connection) -> Result<Vec<Group>, StoreError> {
    let mut st = conn.prepare("SELECT id, name, created_at FROM groups ORDER BY name")?;
    let all = st.query_map([], group)?.collect::<Result<_, _>>()?;
    Ok(all)
}

/// The group `id`.
pub fn find_group(conn: &Connection, id: &str) -> Result<Option<Group>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT id, name, created_at FROM groups WHERE id = ?1",
            [id],
            group,
        )
        .optional()?)
}

/// Adds a group; None when the name is taken (in any case).
pub fn insert_group(conn: &Connection, name: &str) -> Result<Option<Group>, StoreError> {
    let g = Group {
        id: GroupId::random(),
        name: name.to_string(),
        created_at: now_text(),
    };
    match conn.execute(
        "INSERT INTO groups (id, name, created_at) VALUES (?1, ?2, ?3)",
        params![g.id.as_str(), g.name, g.created_at],
    ) {
        Ok(_) => Ok(Some(g)),
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// Deletes a group with its memberships and row policies; whether it existed.
pub fn delete_group(conn: &Connection, id: &str) -> Result<bool, StoreError> {
    Ok(conn.execute("DELETE FROM groups WHERE id = ?1", [id])? > 0)
}

/// The ids and emails of a group's members, by email.
pub fn members(conn: &Connection, group: &str) -> Result<Vec<(String, String)>, StoreError> {
    let mut st = conn.prepare(
        "SELECT u.id, u.email FROM group_members m JOIN users u ON u.id = m.user_id
         WHERE m.group_id = ?1 ORDER BY u.email",
    )?;
    let all = st
        .query_map([group], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    Ok(all)
}

/// Puts a user in a group (again: no change).
pub fn add_member(conn: &Connection, group: &str, user: &str) -> Result<(), StoreError> {
    conn.execute(
        "INSERT OR IGNORE INTO group_members (group_id, user_id, added_at) VALUES (?1, ?2, ?3)",
        params![group, user, now_text()],
    )?;
    Ok(())
}

/// Takes a user out of a group; whether they were in it.
pub fn remove_member(conn: &Connection, group: &str, user: &str) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "DELETE FROM group_members WHERE group_id = ?1 AND user_id = ?2",
        params![group, user],
    )? > 0)
}

/// The groups a user is in.
pub fn groups_of(conn: &Connection, user: &str) -> Result<Vec<Group>, StoreError> {
    let mut st = conn.prepare(
        "SELECT g.id, g.name, g.created_at FROM group_members m JOIN groups g ON g.id = m.group_id
         WHERE m.user_id = ?1 ORDER BY g.name",
    )?;
    let all = st.query_map([user], group)?.collect::<Result<_, _>>()?;
    Ok(all)
}

/// A user's attributes.
pub fn attributes(conn: &Connection, user: &str) -> Result<BTreeMap<String, String>, StoreError> {
    let mut st = conn.prepare("SELECT key, value FROM user_attributes WHERE user_id = ?1")?;
    let all = st
        .query_map([user], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    Ok(all)
}

/// Replaces a user's attributes.
pub fn set_attributes(
    conn: &Connection,
    user: &str,
    attributes: &BTreeMap<String, String>,
) -> Result<(), StoreError> {
    let tx = conn.unchecked_transaction()?;
    tx.execute("DELETE FROM user_attributes WHERE user_id = ?1", [user])?;
    for (k, v) in attributes {
        tx.execute(
            "INSERT INTO user_attributes (user_id, key, value) VALUES (?1, ?2, ?3)",
            params![user, k, v],
        )?;
    }
    tx.commit()?;
    Ok(())
}

const POLICY: &str =
    "SELECT id, dataset, group_id, filter, created_by, created_at FROM row_policies";

fn read_policies(
    conn: &Connection,
    tail: &str,
    arg: &[&dyn rusqlite::ToSql],
) -> Result<Vec<RowPolicy>, StoreError> {
    let mut st = conn.prepare(&format!("{POLICY} {tail}"))?;
    let mut rows = st.query(arg)?;
    let mut all = Vec::new();
    while let Some(r) = rows.next()? {
        let filter: String = r.get(3)?;
        all.push(RowPolicy {
            id: RowPolicyId::from(r.get::<_, String>(0)?),
            dataset: r.get(1)?,
            group_id: GroupId::from(r.get::<_, String>(2)?),
            filter: serde_json::from_str(&filter)?,
            created_by: r.get(4)?,
            created_at: r.get(5)?,
        });
    }
    Ok(all)
}

/// Every row policy, by dataset.
pub fn policies(conn: &Connection) -> Result<Vec<RowPolicy>, StoreError> {
    read_policies(conn, "ORDER BY dataset, created_at", &[])
}

/// The row policy `id`.
pub fn find_policy(conn: &Connection, id: &str) -> Result<Option<RowPolicy>, StoreError> {
    Ok(read_policies(conn, "WHERE id = ?1", &[&id])?.pop())
}

/// Adds a row policy (already checked).
pub fn insert_policy(conn: &Connection, p: &RowPolicy) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO row_policies (id, dataset, group_id, filter, created_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            p.id.as_str(),
            p.dataset,
            p.group_id.as_str(),
            serde_json::to_string(&p.filter)?,
            p.created_by,
            p.created_at
        ],
    )?;
    Ok(())
}

/// Deletes a row policy; whether it existed.
pub fn delete_policy(conn: &Connection, id: &str) -> Result<bool, StoreError> {
    Ok(conn.execute("DELETE FROM row_policies WHERE id = ?1", [id])? > 0)
}

/// The datasets that have a row policy.
pub fn policed(conn: &Connection) -> Result<BTreeSet<String>, StoreError> {
    let mut st = conn.prepare("SELECT DISTINCT dataset FROM row_policies")?;
    let all = st.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(all)
}

/// What user `id` with `role` sees now: every row for an admin, else their groups' policies
/// (see `model::access::sight`). An unknown user sees no policed row.
pub fn sight_of(conn: &Connection, id: &str, role: Role) -> Result<Sight, StoreError> {
    if role == Role::Admin {
        return Ok(Sight::All);
    }
    let policies = policies(conn)?;
    if policies.is_empty() {
        return Ok(Sight::default());
    }
    let groups: BTreeSet<GroupId> = groups_of(conn, id)?.into_iter().map(|g| g.id).collect();
    Ok(access::sight(&policies, &groups, &attributes(conn, id)?))
}

/// What the user with this email sees now (a schedule's or an alert's owner); an unknown
/// email sees no policed row.
pub fn sight_of_email(conn: &Connection, email: &str) -> Result<Sight, StoreError> {
    let found: Option<(String, String)> = conn
        .query_row(
            "SELECT id, role FROM users WHERE email = ?1 AND disabled = 0",
            [email.to_ascii_lowercase()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match found {
        Some((id, role)) => {
            let role = Role::parse(&role).unwrap_or(Role::Viewer);
            sight_of(conn, &id, role)
        }
        None => Ok(Sight::default()),
    }
}

/// Records who a schedule runs as (an email; None: every row, as reports.toml's do).
pub fn set_owner(conn: &Connection, schedule: &str, owner: Option<&str>) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE schedules SET owner = ?2 WHERE id = ?1",
        params![schedule, owner],
    )?;
    Ok(())
}

/// Who a schedule runs as, if a person: the email of whoever saved it last.
pub fn owner(conn: &Connection, schedule: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT owner FROM schedules WHERE id = ?1",
            [schedule],
            |r| r.get(0),
        )
        .optional()?
        .flatten())
}

/// What a schedule's run sees: its owner's rows now (see [`owner`]); every row for one
/// reports.toml, the CLI or an older version saved.
pub fn schedule_sight(conn: &Connection, schedule: &str) -> Result<Sight, StoreError> {
    match owner(conn, schedule)? {
        Some(email) => sight_of_email(conn, &email),
        None => Ok(Sight::All),
    }
}

/// Who saved alert `id` (or the alert so named) last, an email, if anyone did.
pub fn alert_saver(conn: &Connection, alert: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT created_by FROM alerts WHERE id = ?1 OR name = ?1",
            [alert],
            |r| r.get(0),
        )
        .optional()?
        .flatten())
}

/// What an alert's evaluation sees: the rows of whoever saved it last (every row for one
/// saved by no one, as the CLI's).
pub fn alert_sight(conn: &Connection, alert: &str) -> Result<Sight, StoreError> {
    match alert_saver(conn, alert)? {
        Some(email) => sight_of_email(conn, &email),
        None => Ok(Sight::All),
    }
}
