//! `GET /api/openapi.json`: OpenAPI 3.1 of every route under `/api`. Paths, methods and who may
//! call them come from the route table (`web::ROUTES`); request and response bodies from the
//! Rust types the handlers read and write (`utoipa::ToSchema`), so neither can drift. `describe`
//! adds a summary, query parameters and the body of each; a test fails for an API route it does
//! not describe.

mod access;
mod insights;
mod versions;

use super::gate::Policy;
use super::ROUTES;
use crate::model::dashboard::DashboardDefinition;
use crate::model::report::ReportDefinition;
use crate::model::schedule::ScheduleDefinition;
use actix_web::{web, HttpResponse};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use utoipa::ToSchema;

type Schemas = BTreeMap<String, Value>;

/// A `$ref` to `T`'s schema, which (with every schema it uses) is added to `schemas`.
fn schema<T: ToSchema>(schemas: &mut Schemas) -> Value {
    let mut deps = Vec::new();
    T::schemas(&mut deps);
    for (name, s) in deps {
        schemas.insert(name, serde_json::to_value(s).expect("schemas serialise"));
    }
    let name = T::name().to_string();
    schemas.insert(
        name.clone(),
        serde_json::to_value(T::schema()).expect("schemas serialise"),
    );
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// What a request sends.
enum Body {
    None,
    Json(fn(&mut Schemas) -> Value),
    /// `multipart/form-data` with a file and fields.
    Upload,
}

/// What a success answers.
enum Reply {
    Empty,
    Json(fn(&mut Schemas) -> Value),
    /// A file (PDF, XLSX, CSV or JSON).
    File,
}

/// One operation's description.
struct Op {
    summary: &'static str,
    /// Query parameters: name and JSON type.
    query: &'static [(&'static str, &'static str)],
    body: Body,
    status: u16,
    reply: Reply,
}

/// An operation's description, as `describe` writes each.
fn op(
    summary: &'static str,
    query: &'static [(&'static str, &'static str)],
    body: Body,
    status: u16,
    reply: Reply,
) -> Op {
    Op {
        summary,
        query,
        body,
        status,
        reply,
    }
}

fn object(_: &mut Schemas) -> Value {
    json!({ "type": "object" })
}

fn objects(_: &mut Schemas) -> Value {
    json!({ "type": "array", "items": { "type": "object" } })
}

fn list_of<T: ToSchema>(s: &mut Schemas) -> Value {
    json!({ "type": "array", "items": schema::<T>(s) })
}

/// The description of an API route; None for one not described (a test forbids that).
fn describe(method: &str, path: &str) -> Option<Op> {
    use super::api;
    use crate::store::{audit::AuditEvent, token::ApiToken, user::User};
    Some(match (method, path) {
        ("POST", "/api/v1/auth/login") => op(
            "Sign in: the session cookie and its CSRF token",
            &[],
            Body::Json(schema::<api::auth::Credentials>),
            200,
            Reply::Json(object),
        ),
        ("POST", "/api/v1/auth/logout") => op(
            "Sign out: the session ends server-side",
            &[],
            Body::None,
            204,
            Reply::Empty,
        ),
        ("GET", "/api/v1/auth/me") => op(
            "The caller and, for a session, its CSRF token",
            &[],
            Body::None,
            200,
            Reply::Json(object),
        ),
        ("GET", "/api/v1/users") => op(
            "Every user",
            &[],
            Body::None,
            200,
            Reply::Json(list_of::<User>),
        ),
        ("POST", "/api/v1/users") => op(
            "Add a user (without a password: the answer has an inviteUrl)",
            &[],
            Body::Json(schema::<api::users::NewUser>),
            201,
            Reply::Json(schema::<User>),
        ),
        ("GET", "/api/v1/users/{id}") => op(
            "One user",
            &[],
            Body::None,
            200,
            Reply::Json(schema::<User>),
        ),
        ("PATCH", "/api/v1/users/{id}") => op(
            "Change a user's role or disable them",
            &[],
            Body::Json(schema::<api::users::Patch>),
            200,
            Reply::Json(schema::<User>),
        ),
        ("DELETE", "/api/v1/users/{id}") => op("Delete a user", &[], Body::None, 204, Reply::Empty),
        ("GET", "/api/v1/tokens") => op(
            "Your API tokens (an administrator's: all)",
            &[],
            Body::None,
            200,
            Reply::Json(list_of::<ApiToken>),
        ),
        ("POST", "/api/v1/tokens") => op(
            "Make an API token; `token` is shown this once",
            &[],
            Body::Json(schema::<api::tokens::NewToken>),
            201,
            Reply::Json(object),
        ),
        ("DELETE", "/api/v1/tokens/{id}") => {
            op("Revoke a token", &[], Body::None, 204, Reply::Empty)
        }
        ("GET", "/api/v1/audit") => op(
            "The audit log, newest first",
            &[
                ("actor", "string"),
                ("action", "string"),
                ("since", "string"),
                ("limit", "integer"),
            ],
            Body::None,
            200,
            Reply::Json(list_of::<AuditEvent>),
        ),
        ("GET", "/api/v1/exports") => op(
            "Every file made (downloads, generated results, schedules' runs), newest first: `madeBy` (a person's email) or `scheduleId`/`scheduleName` say who made it, `reportId` (a dashboard's id when `request.dashboard`) what from",
            &[
                ("status", "string"),
                ("reportId", "string"),
                ("limit", "integer"),
            ],
            Body::None,
            200,
            Reply::Json(objects),
        ),
        ("GET", "/api/v1/exports/{id}") => {
            op("One export", &[], Body::None, 200, Reply::Json(object))
        }
        ("DELETE", "/api/v1/exports/{id}") => op(
            "Delete an export and its file",
            &[],
            Body::None,
            204,
            Reply::Empty,
        ),
        ("POST", "/api/v1/exports/{id}/retry") => op(
            "Make a failed or expired export again",
            &[],
            Body::None,
            200,
            Reply::Json(object),
        ),
        ("GET", "/api/v1/exports/{id}/download") => {
            op("An export's file", &[], Body::None, 200, Reply::File)
        }
        ("GET", "/api/v1/schedules") => op(
            "Schedules with their next run",
            &[],
            Body::None,
            200,
            Reply::Json(list_of::<api::schedules::ScheduleView>),
        ),
        ("POST", "/api/v1/schedules") => op(
            "Create a schedule",
            &[("note", "string")],
            Body::Json(schema::<ScheduleDefinition>),
            201,
            Reply::Json(schema::<api::schedules::ScheduleView>),
        ),
        ("GET", "/api/v1/schedules/{id}") => op(
            "One schedule",
            &[],
            Body::None,
            200,
            Reply::Json(schema::<api::schedules::ScheduleView>),
        ),
        ("PUT", "/api/v1/schedules/{id}") => op(
            "Replace a schedule",
            &[("note", "string")],
            Body::Json(schema::<ScheduleDefinition>),
            200,
            Reply::Json(schema::<api::schedules::ScheduleView>),
        ),
        ("DELETE", "/api/v1/schedules/{id}") => {
            op("Delete a schedule", &[], Body::None, 204, Reply::Empty)
        }
        ("PATCH", "/api/v1/schedules/{id}/toggle") => op(
            "Pause or resume",
            &[],
            Body::None,
            200,
            Reply::Json(schema::<api::schedules::ScheduleView>),
        ),
        ("POST", "/api/v1/schedules/{id}/run") => {
            op("Run now", &[], Body::None, 202, Reply::Json(object))
        }
        ("GET", "/api/v1/schedules/{id}/executions") => op(
            "Run history with deliveries (webhook hosts only)",
            &[],
            Body::None,
            200,
            Reply::Json(objects),
        ),
        ("GET", "/api/v1/cron/preview") => op(
            "A cron string in words and its next fire times",
            &[
                ("expr", "string"),
                ("timezone", "string"),
                ("from", "string"),
                ("count", "integer"),
            ],
            Body::None,
            200,
            Reply::Json(object),
        ),
        ("GET", "/api/v1/datasets") => op("Datasets", &[], Body::None, 200, Reply::Json(objects)),
        ("POST", "/api/v1/datasets") => op(
            "Import a file (multipart: file, name, mode)",
            &[],
            Body::Upload,
            201,
            Reply::Json(object),
        ),
        ("GET", "/api/v1/datasets/{name}") => op(
            "A dataset's columns, types and first rows",
            &[],
            Body::None,
            200,
            Reply::Json(object),
        ),
        ("DELETE", "/api/v1/datasets/{name}") => {
            op("Delete a dataset", &[], Body::None, 204, Reply::Empty)
        }
        ("PATCH", "/api/v1/datasets/{name}/columns/{column}") => op(
            "Give a column another type (422 naming how many values do not convert, unless blankUnconvertible)",
            &[],
            Body::Json(schema::<api::datasets::ColumnChange>),
            200,
            Reply::Json(object),
        ),
        ("GET", "/api/v1/tables") => op(
            "Every queryable table and view and its fields, per source (PostgreSQL: with schema and kind)",
            &[],
            Body::None,
            200,
            Reply::Json(object),
        ),
        ("POST", "/api/v1/validate-query") => op(
            "Prepare a query: its columns or the error",
            &[],
            Body::Json(schema::<api::tables::ValidateBody>),
            200,
            Reply::Json(object),
        ),
        ("GET", "/api/v1/reports/jobs/{id}") => op(
            "A generation job: status and progress",
            &[],
            Body::None,
            200,
            Reply::Json(object),
        ),
        ("GET", "/api/v1/reports/results/{id}") => op(
            "A generated result",
            &[],
            Body::None,
            200,
            Reply::Json(object),
        ),
        ("GET", "/api/v1/reports/results/{id}/export") => op(
            "A result as a file",
            &[("format", "string")],
            Body::None,
            200,
            Reply::File,
        ),
        ("POST", "/api/v1/reports/{id}/generate") => op(
            "Generate a report in the background → a job",
            &[],
            Body::Json(object),
            202,
            Reply::Json(object),
        ),
        ("GET", "/api/v1/reports") => op(
            "Reports' metadata",
            &[("category", "string"), ("tag", "string")],
            Body::None,
            200,
            Reply::Json(list_of::<api::reports::ReportMetadata>),
        ),
        ("POST", "/api/v1/reports") => op(
            "Create a report (checked against its data first)",
            &[("note", "string")],
            Body::Json(schema::<ReportDefinition>),
            201,
            Reply::Json(schema::<api::reports::ReportMetadata>),
        ),
        ("GET", "/api/v1/reports/{id}") => op(
            "A report's definition",
            &[],
            Body::None,
            200,
            Reply::Json(schema::<ReportDefinition>),
        ),
        ("PUT", "/api/v1/reports/{id}") => op(
            "Replace a report's definition",
            &[("note", "string")],
            Body::Json(schema::<ReportDefinition>),
            200,
            Reply::Json(schema::<api::reports::ReportMetadata>),
        ),
        ("DELETE", "/api/v1/reports/{id}") => op(
            "Move a report to the trash for 30 days (409 while a schedule or dashboard uses it)",
            &[],
            Body::None,
            204,
            Reply::Empty,
        ),
        ("GET", "/api/v1/reports/{id}/preview") => op(
            "A page of the rows of a report's query (report parameters by name too)",
            &[
                ("page", "integer"),
                ("pageSize", "integer"),
                ("query", "string"),
            ],
            Body::None,
            200,
            Reply::Json(object),
        ),
        ("GET", "/api/v1/dashboards") => op(
            "Dashboards: name, widget count, which one `/` opens",
            &[("q", "string")],
            Body::None,
            200,
            Reply::Json(list_of::<api::dashboards::DashboardSummary>),
        ),
        ("POST", "/api/v1/dashboards") => op(
            "Create a dashboard (unplaced widgets are laid out; reports, visualizations, parameters and fields checked)",
            &[("note", "string")],
            Body::Json(schema::<DashboardDefinition>),
            201,
            Reply::Json(schema::<DashboardDefinition>),
        ),
        ("GET", "/api/v1/dashboards/{id}") => op(
            "A dashboard with each visualization widget's `data` (or `error`); filter values as `f.<filterId>=`, report parameters by name",
            &[],
            Body::None,
            200,
            Reply::Json(schema::<DashboardDefinition>),
        ),
        ("PUT", "/api/v1/dashboards/{id}") => op(
            "Replace a dashboard's definition",
            &[("note", "string")],
            Body::Json(schema::<DashboardDefinition>),
            200,
            Reply::Json(schema::<DashboardDefinition>),
        ),
        ("DELETE", "/api/v1/dashboards/{id}") => {
            op("Move a dashboard to the trash for 30 days", &[], Body::None, 204, Reply::Empty)
        }
        ("POST", "/api/v1/dashboards/{id}/duplicate") => op(
            "Copy a dashboard as \"<name> (copy)\"",
            &[],
            Body::None,
            201,
            Reply::Json(schema::<DashboardDefinition>),
        ),
        ("POST", "/api/v1/builder/preview") => op(
            "Run a builder spec (or SQL) as the builder page does: SQL, the engine that ran it (sqlite, postgres or columnar), first 100 rows (values: numbers as JSON numbers), chart",
            &[],
            Body::Json(schema::<api::builder::PreviewBody>),
            200,
            Reply::Json(object),
        ),
        ("GET", "/api/v1/dashboards/{id}/export") => op("The whole dashboard as one PDF or XLSX, with the filter values (`f.<id>=`); `orientation=landscape` lays the PDF on A4 on its side. Recorded as an export made by the caller (its id in `X-Export-Id`)", &[("format", "string"), ("orientation", "string")], Body::None, 200, Reply::File),
        ("GET", "/api/v1/shares") => op("Every share link: what, who made it, last used", &[], Body::None, 200, Reply::Json(list_of::<crate::store::share::Share>)),
        ("POST", "/api/v1/shares") => op("Make a share link (its url is shown once)", &[], Body::Json(schema::<api::shares::NewShare>), 201, Reply::Json(object)),
        ("DELETE", "/api/v1/shares/{id}") => op("Revoke a share link", &[], Body::None, 204, Reply::Empty),
        ("GET", "/api/openapi.json") => {
            op("This document", &[], Body::None, 200, Reply::Json(object))
        }
        _ => {
            return insights::describe(method, path)
                .or_else(|| versions::describe(method, path))
                .or_else(|| access::describe(method, path))
        }
    })
}

/// Whether `describe` knows every API route (for the test that keeps the two in step).
pub fn undescribed_routes() -> Vec<String> {
    ROUTES
        .iter()
        .filter(|r| r.path.starts_with("/api/") && describe(r.method, r.path).is_none())
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

fn problem_schema() -> Value {
    json!({
        "type": "object",
        "description": "RFC 9457 problem details; `errors` names the fields at fault",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": { "type": "string" },
            "title": { "type": "string" },
            "status": { "type": "integer" },
            "detail": { "type": "string" },
            "errors": { "type": "array", "items": { "type": "object", "properties": {
                "field": { "type": "string" }, "message": { "type": "string" } } } }
        }
    })
}

/// The document.
pub fn document(base_url: &str) -> Value {
    let mut schemas = Schemas::new();
    let mut paths: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    let problem = json!({ "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } });
    for route in ROUTES.iter().filter(|r| r.path.starts_with("/api/")) {
        let Some(op) = describe(route.method, route.path) else {
            continue;
        };
        let mut params: Vec<Value> = Vec::new();
        for seg in route.path.split('/') {
            if let Some(name) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                params.push(json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string", "maxLength": 200 } }));
            }
        }
        for (name, kind) in op.query {
            params.push(json!({ "name": name, "in": "query", "required": false, "schema": { "type": kind } }));
        }
        let mut responses = Map::new();
        let ok = match op.reply {
            Reply::Empty => json!({ "description": "done" }),
            Reply::Json(f) => {
                json!({ "description": "ok", "content": { "application/json": { "schema": f(&mut schemas) } } })
            }
            Reply::File => {
                let file = json!({ "schema": { "type": "string", "format": "binary" } });
                let content: Map<String, Value> = crate::model::export::ExportFormat::ALL_FORMATS
                    .iter()
                    .map(|f| {
                        let mime = f.mime().split(';').next().unwrap_or("").to_string();
                        // A JSON export is a document, not opaque bytes.
                        let schema = if mime == "application/json" {
                            json!({ "schema": { "type": "object" } })
                        } else {
                            file.clone()
                        };
                        (mime, schema)
                    })
                    .collect();
                json!({ "description": "the file", "content": content })
            }
        };
        responses.insert(op.status.to_string(), ok);
        let mut errors = vec![
            ("400", "malformed"),
            ("404", "not found"),
            ("409", "conflict"),
            ("413", "too large"),
            ("415", "not JSON"),
            ("422", "invalid values, naming the field"),
            ("429", "too many attempts"),
            ("503", "busy; retry after Retry-After"),
        ];
        if route.policy != Policy::Public {
            errors.extend([
                ("401", "not signed in"),
                (
                    "403",
                    "role too low, or a cookie request without its CSRF token",
                ),
            ]);
        } else {
            errors.push(("401", "wrong email or password"));
        }
        for (code, what) in errors {
            responses.insert(
                code.into(),
                json!({ "description": what, "content": problem }),
            );
        }
        let mut operation = json!({
            "summary": op.summary,
            "operationId": format!("{} {}", route.method, route.path),
            "parameters": params,
            "responses": responses,
            "security": match route.policy {
                Policy::Public => json!([]),
                Policy::Role(_) => json!([{ "bearer": [] }, { "session": [], "csrf": [] }]),
            },
        });
        if let Policy::Role(role) = route.policy {
            operation["description"] = json!(format!("Needs the {role} role (or higher)."));
        }
        match op.body {
            Body::None => {}
            Body::Json(f) => {
                operation["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": f(&mut schemas) } } });
            }
            Body::Upload => {
                operation["requestBody"] = json!({ "required": true, "content": { "multipart/form-data": { "schema": {
                    "type": "object", "required": ["file"],
                    "properties": {
                        "file": { "type": "string", "format": "binary" },
                        "name": { "type": "string" },
                        "mode": { "type": "string", "enum": ["replace", "append"] }
                    } } } } });
            }
        }
        paths
            .entry(route.path.to_string())
            .or_default()
            .insert(route.method.to_ascii_lowercase(), operation);
    }
    schemas.insert("Problem".into(), problem_schema());
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Quire",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Reports, schedules, datasets, exports and accounts. Authenticate with `Authorization: Bearer <API token>` (make one at /account/tokens or with `quire tokens create`), or with the session cookie of POST /api/v1/auth/login plus its `X-CSRF-Token` on unsafe methods."
        },
        "servers": [{ "url": base_url.trim_end_matches('/') }],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer", "description": "An API token, `quire_…`" },
                "session": { "type": "apiKey", "in": "cookie", "name": super::gate::SESSION_COOKIE },
                "csrf": { "type": "apiKey", "in": "header", "name": "X-CSRF-Token", "description": "The session's CSRF token, needed with the cookie on POST, PUT, PATCH and DELETE" }
            }
        }
    })
}

/// GET /api/openapi.json
pub async fn get(state: web::Data<super::AppState>) -> HttpResponse {
    HttpResponse::Ok().json(document(&state.ctx.config.server.base_url))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_api_route_is_described_and_the_document_names_its_schemas() {
        assert_eq!(undescribed_routes(), Vec::<String>::new());
        // A query parameter's second word is its JSON type (a description there broke the
        // document for schemathesis once).
        for r in ROUTES.iter().filter(|r| r.path.starts_with("/api/")) {
            for (name, kind) in describe(r.method, r.path)
                .map(|o| o.query)
                .unwrap_or_default()
            {
                assert!(
                    ["string", "integer", "number", "boolean"].contains(kind),
                    "{} {} ?{name}: `{kind}` is not a JSON type",
                    r.method,
                    r.path
                );
            }
        }
        let doc = document("http://x");
        let text = doc.to_string();
        for name in [
            "ReportDefinition",
            "Visualization",
            "ScheduleDefinition",
            "Recipient",
            "User",
            "Problem",
        ] {
            assert!(
                doc["components"]["schemas"].get(name).is_some(),
                "{name} missing"
            );
        }
        // Every $ref points at a schema the document has.
        for r in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
            let name = &r[..r.find('"').unwrap()];
            assert!(
                doc["components"]["schemas"].get(name).is_some(),
                "dangling $ref {name}"
            );
        }
        let login = &doc["paths"]["/api/v1/auth/login"]["post"];
        assert_eq!(login["security"], json!([]));
        let reports = &doc["paths"]["/api/v1/reports"]["post"];
        assert!(reports["responses"].get("401").is_some());
        assert_eq!(reports["security"][0], json!({ "bearer": [] }));
    }
}
