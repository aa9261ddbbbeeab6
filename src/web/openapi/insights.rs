//! The routes of insights and alerts, described as `describe` describes the others.

use super::{object, objects, op, schema, Body, Op, Reply};
use crate::model::alert::AlertDefinition;

pub(super) fn describe(method: &str, path: &str) -> Option<Op> {
    Some(match (method, path) {
        ("GET", "/api/v1/reports/{id}/insights") => op(
            "What changed in the report's first chart over dates: `{narrative, items: [{kind, text, metric, at?, value?, expected?, low?, high?, member?, share?}]}` (report parameters by name)",
            &[],
            Body::None,
            200,
            Reply::Json(object),
        ),
        ("GET", "/api/v1/dashboards/{id}/insights") => op(
            "What changed, said of the dashboard's first chart over dates under its filters (`f.<filterId>=`): as a report's insights",
            &[],
            Body::None,
            200,
            Reply::Json(object),
        ),
        ("GET", "/api/v1/alerts") => op(
            "Alerts with their next evaluation and each member's state",
            &[],
            Body::None,
            200,
            Reply::Json(objects),
        ),
        ("POST", "/api/v1/alerts") => op(
            "Create an alert: a report's value watched on a cron, one condition, optionally per member",
            &[],
            Body::Json(schema::<AlertDefinition>),
            201,
            Reply::Json(object),
        ),
        ("GET", "/api/v1/alerts/{id}") => op(
            "An alert with its states",
            &[],
            Body::None,
            200,
            Reply::Json(object),
        ),
        ("PUT", "/api/v1/alerts/{id}") => op(
            "Replace an alert (a hook's URL sent back as shown keeps the stored one)",
            &[],
            Body::Json(schema::<AlertDefinition>),
            200,
            Reply::Json(object),
        ),
        ("DELETE", "/api/v1/alerts/{id}") => op(
            "Delete an alert with its history",
            &[],
            Body::None,
            204,
            Reply::Empty,
        ),
        ("POST", "/api/v1/alerts/{id}/evaluate") => op(
            "Evaluate now and notify as a scheduled evaluation would: `{state, value?, members?, error?, notified}`",
            &[],
            Body::None,
            200,
            Reply::Json(object),
        ),
        ("GET", "/api/v1/alerts/{id}/history") => op(
            "The latest 100 evaluations, newest first, with their deliveries",
            &[],
            Body::None,
            200,
            Reply::Json(objects),
        ),
        _ => return None,
    })
}
