//! `quire bundle export|import`: a dashboard with its reports as one portable file, and such a
//! file made into objects here (the same as `POST /api/v1/bundles`), without a server.

use super::{context, Failure};
use crate::app::bundle::{self, import::Outcome};
use crate::app::edit::{Author, EditError};
use crate::config::Config;
use crate::model::bundle::Bundle;
use clap::Subcommand;
use std::path::PathBuf;

/// Largest bundle file read.
const MAX_BYTES: u64 = 8 << 20;

#[derive(Subcommand)]
pub enum BundleAction {
    /// Write a dashboard with its reports (and, with --schedules, its schedules) to a file.
    #[command(after_help = super::help::BUNDLE)]
    Export {
        /// Dashboard id or name.
        dashboard: String,
        /// The file to write.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Include the schedules of the dashboard and its reports (email recipients only).
        #[arg(long)]
        schedules: bool,
    },
    /// Create (or, imported before, update) the bundle's dashboard, reports and schedules.
    #[command(after_help = super::help::BUNDLE)]
    Import {
        /// A file written by `quire bundle export` or GET /api/v1/dashboards/{id}/bundle.
        file: PathBuf,
        /// Say what it would create or update and what data it needs; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

fn failure(e: EditError) -> Failure {
    match e {
        EditError::Invalid { .. }
        | EditError::NotFound(_)
        | EditError::Conflict(_)
        | EditError::Forbidden(_) => Failure::usage(e.to_string()),
        EditError::Store(s) => Failure::other(s),
    }
}

pub async fn run(config: Config, action: BundleAction) -> Result<(), Failure> {
    let ctx = context(config, false).await?;
    tokio::task::spawn_blocking(move || match action {
        BundleAction::Export {
            dashboard,
            out,
            schedules,
        } => {
            let id = {
                let conn = ctx.store.app.get().map_err(Failure::other)?;
                crate::store::dashboard::find(&conn, &dashboard)
                    .map_err(Failure::other)?
                    .ok_or_else(|| Failure::usage(format!("no dashboard `{dashboard}`")))?
                    .id
            };
            let b = bundle::export(&ctx, &id, schedules).map_err(failure)?;
            let json = serde_json::to_vec_pretty(&b).map_err(Failure::other)?;
            std::fs::write(&out, json)
                .map_err(|e| Failure::other(format!("{}: {e}", out.display())))?;
            println!(
                "wrote {}: dashboard `{}`, {} report(s), {} schedule(s)",
                out.display(),
                b.dashboard.name,
                b.reports.len(),
                b.schedules.len()
            );
            for o in &b.omitted {
                println!("left out: {o}");
            }
            Ok(())
        }
        BundleAction::Import { file, dry_run } => {
            let shown = file.display().to_string();
            let size = std::fs::metadata(&file)
                .map_err(|e| Failure::usage(format!("{shown}: {e}")))?
                .len();
            if size > MAX_BYTES {
                return Err(Failure::usage(format!(
                    "{shown}: {size} bytes, more than a bundle's {MAX_BYTES}"
                )));
            }
            let bytes =
                std::fs::read(&file).map_err(|e| Failure::usage(format!("{shown}: {e}")))?;
            let b: Bundle = serde_json::from_slice(&bytes)
                .map_err(|e| Failure::usage(format!("{shown}:{}:{}: {e}", e.line(), e.column())))?;
            let author = Author {
                by: Some("cli".into()),
                note: Some(format!(
                    "Imported from {}",
                    crate::model::text::truncate(&shown, 120)
                )),
            };
            let out = bundle::import::import(&ctx, b, &author, dry_run).map_err(failure)?;
            print(&out);
            if dry_run && !out.problems.is_empty() {
                return Err(Failure::usage("it cannot be imported here as it is"));
            }
            Ok(())
        }
    })
    .await
    .map_err(Failure::other)?
}

fn print(out: &Outcome) {
    let verb = |create: bool| match (out.dry_run, create) {
        (true, true) => "would create",
        (true, false) => "would update",
        (false, true) => "created",
        (false, false) => "updated",
    };
    for o in &out.objects {
        let create = o.action == bundle::import::Action::Create;
        println!("{} {} `{}` ({})", verb(create), o.kind, o.name, o.id);
    }
    for n in &out.needs {
        let what = if n.need.dataset.is_empty() {
            format!("source `{}` (SQL)", n.need.data_source)
        } else {
            format!("dataset `{}`: {}", n.need.dataset, n.need.fields.join(", "))
        };
        let state = if !n.found {
            "MISSING".to_string()
        } else if n.missing.is_empty() {
            "ok".to_string()
        } else {
            format!("lacks {}", n.missing.join(", "))
        };
        println!("needs {what} — {state}");
    }
    for p in &out.problems {
        println!("problem: {p}");
    }
}
