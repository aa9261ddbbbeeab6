//! The routes of groups and row policies, described as `describe` describes the others.

use super::{object, objects, op, schema, Body, Op, Reply};
use crate::app::access::GroupView;
use crate::model::access::{Group, RowPolicy};
use crate::web::api::access::{NewGroup, NewPolicy};
use crate::web::api::collections::CollectionBody;
use crate::web::api::object_access::ShareBody;

pub(super) fn describe(method: &str, path: &str) -> Option<Op> {
    Some(match (method, path) {
        ("GET", "/api/v1/collections") => op(
            "The collections the caller may see (their personal one included), each with `access`: none | view | edit",
            &[],
            Body::None,
            200,
            Reply::Json(objects),
        ),
        ("POST", "/api/v1/collections") => op(
            "Make a collection (`{name, parentId?, permissions?}`; only admins set permissions)",
            &[],
            Body::Json(schema::<CollectionBody>),
            201,
            Reply::Json(object),
        ),
        ("GET", "/api/v1/collections/{id}") => op(
            "A collection the caller may see (404 otherwise)",
            &[],
            Body::None,
            200,
            Reply::Json(object),
        ),
        ("PUT", "/api/v1/collections/{id}") => op(
            "Change a collection: its name, parent and (admins) permissions",
            &[],
            Body::Json(schema::<CollectionBody>),
            200,
            Reply::Json(object),
        ),
        ("DELETE", "/api/v1/collections/{id}") => op(
            "Delete an empty collection (409 while it holds anything)",
            &[],
            Body::None,
            204,
            Reply::Empty,
        ),
        ("GET", "/api/v1/reports/{id}/access") | ("GET", "/api/v1/dashboards/{id}/access") => op(
            "Who it is shared with beyond its collection: `[{id, kind, objectId, userId?, groupId?, access, expiresAt?, createdBy?, createdAt}]`",
            &[],
            Body::None,
            200,
            Reply::Json(objects),
        ),
        ("POST", "/api/v1/reports/{id}/access") | ("POST", "/api/v1/dashboards/{id}/access") => op(
            "Share it with one user or one group (`{userId | groupId, access: view|edit, expiresInDays?}`), whatever its collection says; they are emailed",
            &[],
            Body::Json(schema::<ShareBody>),
            201,
            Reply::Json(object),
        ),
        ("DELETE", "/api/v1/reports/{id}/access/{shareId}")
        | ("DELETE", "/api/v1/dashboards/{id}/access/{shareId}") => op(
            "End a share",
            &[],
            Body::None,
            204,
            Reply::Empty,
        ),
        ("GET", "/api/v1/groups") => op(
            "Every group with its members: `[{id, name, createdAt, members: [{id, email}]}]`",
            &[],
            Body::None,
            200,
            Reply::Json(objects),
        ),
        ("POST", "/api/v1/groups") => op(
            "Make a group (`{name}`, unique whatever the case)",
            &[],
            Body::Json(schema::<NewGroup>),
            201,
            Reply::Json(schema::<Group>),
        ),
        ("GET", "/api/v1/groups/{id}") => op(
            "A group with its members",
            &[],
            Body::None,
            200,
            Reply::Json(schema::<GroupView>),
        ),
        ("DELETE", "/api/v1/groups/{id}") => op(
            "Delete a group with its memberships and row policies",
            &[],
            Body::None,
            204,
            Reply::Empty,
        ),
        ("POST", "/api/v1/groups/{id}/members/{userId}") => op(
            "Put a user in the group (from their next request they see what its row policies allow)",
            &[],
            Body::None,
            204,
            Reply::Empty,
        ),
        ("DELETE", "/api/v1/groups/{id}/members/{userId}") => op(
            "Take a user out of the group",
            &[],
            Body::None,
            204,
            Reply::Empty,
        ),
        ("GET", "/api/v1/row-policies") => op(
            "Every row policy: `[{id, dataset, groupId, filter, createdBy?, createdAt}]`",
            &[],
            Body::None,
            200,
            Reply::Json(objects),
        ),
        ("POST", "/api/v1/row-policies") => op(
            "Give a group the rows of a dataset that `filter` passes (`value` may be `{{user.<attribute>}}`); once a dataset has a policy, a non-admin sees only the rows their groups' policies allow, none when none applies",
            &[],
            Body::Json(schema::<NewPolicy>),
            201,
            Reply::Json(schema::<RowPolicy>),
        ),
        ("GET", "/api/v1/row-policies/{id}") => op(
            "A row policy",
            &[],
            Body::None,
            200,
            Reply::Json(object),
        ),
        ("DELETE", "/api/v1/row-policies/{id}") => op(
            "Delete a row policy",
            &[],
            Body::None,
            204,
            Reply::Empty,
        ),
        _ => return None,
    })
}
