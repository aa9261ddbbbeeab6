//! The first-run checklist of an empty home page: the steps from data to a scheduled report
//! shared with someone, each ticked from what the store holds.

use super::Ctx;
use crate::store::{dashboard, dataset, meta, report, schedule, user, StoreError};

/// The dataset `--demo` imports: data of one's own is any other.
const DEMO_DATASET: &str = "sales";

/// Which first steps are done.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// A dataset besides the demo's.
    pub data: bool,
    pub report: bool,
    pub dashboard: bool,
    pub schedule: bool,
    /// More than one person has an account.
    pub people: bool,
}

impl Progress {
    /// How many of the five steps are done.
    pub fn done(&self) -> usize {
        [
            self.data,
            self.report,
            self.dashboard,
            self.schedule,
            self.people,
        ]
        .iter()
        .filter(|d| **d)
        .count()
    }
}

/// The checklist as the store says it stands now.
pub fn progress(ctx: &Ctx) -> Result<Progress, StoreError> {
    let conn = ctx.store.app.get()?;
    let demo = meta::get(&conn, "demo_loaded")?.is_some();
    Ok(Progress {
        data: dataset::list(&conn)?
            .iter()
            .any(|d| !(demo && d.name == DEMO_DATASET)),
        report: !report::list(&conn)?.is_empty(),
        dashboard: !dashboard::list(&conn)?.is_empty(),
        schedule: !schedule::list(&conn)?.is_empty(),
        people: user::count(&conn)? > 1,
    })
}

/// One step of the checklist as the page lists it.
pub struct Step {
    pub key: &'static str,
    pub done: bool,
    pub title: &'static str,
    /// Where it is done; None where the person reading may not go.
    pub href: Option<&'static str>,
    pub hint: &'static str,
}

impl Progress {
    /// The steps in order, for an editor (`admin`: also one who may invite).
    pub fn steps(&self, admin: bool) -> Vec<Step> {
        let step = |key, done, title, href, hint| Step {
            key,
            done,
            title,
            href,
            hint,
        };
        vec![
            step(
                "data",
                self.data,
                "Upload data",
                Some("/datasets"),
                "Import a CSV or spreadsheet as a dataset you can query.",
            ),
            step(
                "report",
                self.report,
                "Build a report",
                Some("/builder"),
                "Drag a dataset's fields into a chart and a table, and save it.",
            ),
            step(
                "dashboard",
                self.dashboard,
                "Make a dashboard",
                Some("/dashboards"),
                "Put reports' charts on one page, with filters: it becomes this home page.",
            ),
            step(
                "schedule",
                self.schedule,
                "Schedule it",
                Some("/schedules/new"),
                "Email a report as a PDF or a spreadsheet every week, or when you choose.",
            ),
            if admin {
                step(
                    "people",
                    self.people,
                    "Invite someone",
                    Some("/admin/users"),
                    "Give a colleague an account, as a viewer or an editor.",
                )
            } else {
                step(
                    "people",
                    self.people,
                    "Invite someone",
                    None,
                    "An administrator gives colleagues their accounts.",
                )
            },
        ]
    }
}
