//! The routes of versions, the trash and bundles, described as `describe` describes the others. One
//! description serves reports, dashboards and schedules alike.

use super::{object, objects, op, schema, Body, Op, Reply};
use crate::model::bundle::Bundle;
use crate::web::api::templates::ApplyBody;
use crate::web::api::versions::NameBody;

pub(super) fn describe(method: &str, path: &str) -> Option<Op> {
    let rest = [
        "/api/v1/reports/{id}",
        "/api/v1/dashboards/{id}",
        "/api/v1/schedules/{id}",
    ]
    .iter()
    .find_map(|base| path.strip_prefix(base));
    Some(match (method, rest, path) {
        ("GET", Some("/versions"), _) => op(
            "Every saved version, newest first: `[{version, at, by?, note?, name?}]`",
            &[],
            Body::None,
            200,
            Reply::Json(objects),
        ),
        ("GET", Some("/versions/{v}"), _) => op(
            "That version's definition (headers X-Quire-Version and X-Quire-Version-At)",
            &[],
            Body::None,
            200,
            Reply::Json(object),
        ),
        ("PATCH", Some("/versions/{v}"), _) => op(
            "Name a version (`{name}`; null or blank removes the name)",
            &[],
            Body::Json(schema::<NameBody>),
            200,
            Reply::Json(object),
        ),
        ("GET", Some("/versions/{v}/changes"), _) => op(
            "What changed from version `from` (default the one before) to this one, in words: `{from, to, changes: [{what, kind, before?, after?, lines?}]}`",
            &[("from", "integer")],
            Body::None,
            200,
            Reply::Json(object),
        ),
        ("POST", Some("/versions/{v}/restore"), _) => op(
            "Save that version again as the newest (checked like any save): the new version",
            &[],
            Body::None,
            201,
            Reply::Json(object),
        ),
        ("GET", None, "/api/v1/trash") => op(
            "Deleted reports and dashboards, restorable for 30 days: `[{kind, id, name, deletedAt, deletedBy?, purgeAt}]`",
            &[],
            Body::None,
            200,
            Reply::Json(objects),
        ),
        ("POST", None, "/api/v1/trash/{kind}/{id}/restore") => op(
            "Bring a report or dashboard back with its id (`kind`: report | dashboard): `{id}`",
            &[],
            Body::None,
            201,
            Reply::Json(object),
        ),
        ("GET", _, "/api/v1/dashboards/{id}/bundle") => op(
            "The dashboard and its reports (`schedules=true`: and their schedules, email recipients only) as one portable JSON document, no data and no secrets",
            &[("schedules", "boolean")],
            Body::None,
            200,
            Reply::Json(object),
        ),
        ("POST", None, "/api/v1/bundles") => op(
            "Import a bundle: new ids, a second import of the same bundle updates what the first made; `dryRun=true` lists what it would create or update and the data it needs: `{dryRun, dashboardId, objects, needs, problems}`",
            &[("dryRun", "boolean")],
            Body::Json(schema::<Bundle>),
            201,
            Reply::Json(object),
        ),
        ("GET", None, "/api/v1/templates") => op(
            "The template gallery: `[{id, name, description, fields: [{name, role, type, label, description, required?}], schedule?, hasSample, widgets}]`",
            &[],
            Body::None,
            200,
            Reply::Json(objects),
        ),
        ("GET", None, "/api/v1/templates/{id}/fit") => op(
            "The columns of `dataset` suggested for each of the template's fields (by name, type and content): `{dataset, rows, columns, mapping}`",
            &[("dataset", "string")],
            Body::None,
            200,
            Reply::Json(object),
        ),
        ("POST", None, "/api/v1/templates/{id}/apply") => op(
            "Apply a template to a dataset: `{dataset, mapping: {<template field>: <column>}, scheduleTo?, dryRun?}` → `{dashboardId, objects, needs, problems, leftOut}` (real, editable reports and a dashboard; applied again to the same dataset, the same ones are updated)",
            &[],
            Body::Json(schema::<ApplyBody>),
            201,
            Reply::Json(object),
        ),
        ("POST", None, "/api/v1/templates/{id}/sample") => op(
            "Try a template on its sample data (imported as `sample_<id>`): `{dashboardId, ...}`",
            &[],
            Body::None,
            201,
            Reply::Json(object),
        ),
        ("POST", None, "/api/v1/datasets/{name}/autodash") => op(
            "An explore dashboard of the dataset, chosen from its columns: key figures, measures over time, top members of each category, spreads: `{dashboardId, ...}`",
            &[],
            Body::None,
            201,
            Reply::Json(object),
        ),
        _ => return None,
    })
}
