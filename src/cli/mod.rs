//! The command line: `quire serve|import|render|schedules|users|tokens|bundle|check-config`.
//! Exit 0 ok, 2 bad input, 1 other.

mod accounts;
mod bundle;
mod help;
mod ops;

use crate::app::{Ctx, PipelineError};
use crate::config::{self, CliOverrides, Config, ConfigError};
use crate::model::export::ExportFormat;
use crate::model::schedule::{DeliveryStatus, RunStatus};
use crate::report::run::RunError;
use crate::startup::{self, Application};
use crate::store;
use clap::{Parser, Subcommand};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "quire",
    version,
    about = "Self-hosted reporting server: dashboards, PDF reports and scheduled email in one binary",
    after_help = help::MAIN
)]
struct Cli {
    /// Config file (default: $QUIRE_CONFIG, then ./reports.toml).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Data folder (default: ./quire-data).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server: web UI, JSON API and scheduler.
    #[command(after_help = help::SERVE)]
    Serve {
        /// Load the example data, report, dashboard and schedule on first start.
        #[arg(long)]
        demo: bool,
        /// Listen address (default 127.0.0.1:8080).
        #[arg(long, value_name = "ADDR")]
        bind: Option<String>,
        /// Log as JSON lines.
        #[arg(long)]
        log_json: bool,
    },
    /// Import a CSV / XLSX / XLS / ODS file into a dataset.
    #[command(after_help = help::IMPORT)]
    Import {
        /// The file: .csv (any of , ; tab |, UTF-8 or Latin-1), .xlsx, .xls or .ods.
        file: PathBuf,
        /// Dataset name (lowercase letters, digits, _).
        #[arg(long)]
        dataset: String,
        /// Sheet of a spreadsheet (default: the first).
        #[arg(long)]
        sheet: Option<String>,
        /// replace (default) or append.
        #[arg(long, default_value = "replace")]
        mode: String,
        /// Set a column's type instead of inferring it: column=integer|real|date|datetime|boolean|text.
        #[arg(long = "type", value_name = "COLUMN=TYPE")]
        types: Vec<String>,
    },
    /// Render one report to a file, without a server.
    #[command(after_help = help::RENDER)]
    Render {
        /// Report id or name (as on /reports).
        report: String,
        /// pdf, pptx, xlsx, csv or json.
        #[arg(long)]
        format: String,
        /// Output file.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// A report parameter, name=value (repeatable).
        #[arg(long = "param", value_name = "NAME=VALUE")]
        params: Vec<String>,
        /// Load the demo first if this data folder does not have it yet.
        #[arg(long)]
        demo: bool,
    },
    /// List schedules or run one now.
    #[command(after_help = help::SCHEDULES)]
    Schedules {
        #[command(subcommand)]
        action: SchedulesAction,
    },
    /// Manage users (works with or without a running server).
    #[command(after_help = help::USERS)]
    Users {
        #[command(subcommand)]
        action: accounts::UsersAction,
    },
    /// Manage API tokens.
    #[command(after_help = help::TOKENS)]
    Tokens {
        #[command(subcommand)]
        action: accounts::TokensAction,
    },
    /// An online, consistent copy of all state and datasets into one file.
    #[command(after_help = help::BACKUP)]
    Backup {
        /// The backup file to write (must not exist).
        out: PathBuf,
        /// Leave the export files out (after a restore they are listed as missing).
        #[arg(long)]
        without_exports: bool,
    },
    /// Restore a backup into an empty data folder.
    #[command(after_help = help::BACKUP)]
    Restore {
        /// A file made by `quire backup`.
        input: PathBuf,
    },
    /// Check the mail settings.
    #[command(after_help = help::SMTP)]
    Smtp {
        #[command(subcommand)]
        action: SmtpAction,
    },
    /// Validate the configuration and exit.
    #[command(after_help = help::CHECK_CONFIG)]
    CheckConfig,
    /// Export a dashboard with its reports as one portable file, or import such a file.
    #[command(after_help = help::BUNDLE)]
    Bundle {
        #[command(subcommand)]
        action: bundle::BundleAction,
    },
}

#[derive(Subcommand)]
enum SmtpAction {
    /// Send a test email through [smtp] and print the server's answer or the exact error.
    #[command(after_help = help::SMTP)]
    Test {
        /// Where to send it.
        address: String,
    },
}

#[derive(Subcommand)]
enum SchedulesAction {
    /// Every schedule with its next run.
    #[command(after_help = help::SCHEDULES)]
    List,
    /// Run a schedule now: render and deliver.
    #[command(after_help = help::SCHEDULES)]
    Run {
        /// Schedule id (`quire schedules list` shows them).
        id: String,
    },
}

/// A failure with its exit code.
struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    fn usage(message: impl Into<String>) -> Failure {
        Failure {
            code: 2,
            message: message.into(),
        }
    }
    fn other(message: impl std::fmt::Display) -> Failure {
        Failure {
            code: 1,
            message: message.to_string(),
        }
    }
}

impl From<ConfigError> for Failure {
    fn from(e: ConfigError) -> Failure {
        Failure::usage(format!("config error: {e}"))
    }
}

impl From<PipelineError> for Failure {
    fn from(e: PipelineError) -> Failure {
        match e {
            PipelineError::NotFound(_) | PipelineError::Run(RunError::Param(_)) => {
                Failure::usage(e.to_string())
            }
            other => Failure::other(other),
        }
    }
}

impl From<crate::export::ExportError> for Failure {
    fn from(e: crate::export::ExportError) -> Failure {
        match e {
            crate::export::ExportError::Pipeline(p) => p.into(),
            other => Failure::other(other),
        }
    }
}

/// Parses the command line and runs it.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("quire: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("quire: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

async fn run(cli: Cli) -> Result<(), Failure> {
    let mut overrides = CliOverrides {
        config: cli.config,
        data_dir: cli.data_dir,
        ..Default::default()
    };
    if let Command::Serve { bind, log_json, .. } = &cli.command {
        overrides.bind = bind.clone();
        overrides.log_json = *log_json;
    }
    let config = config::load(&overrides)?;
    crate::telemetry::init(config.server.log_format);
    match cli.command {
        Command::Serve { demo, .. } => {
            let app = Application::build(config, demo)
                .await
                .map_err(|e| Failure::other(format!("{e:#}")))?;
            app.run_until_stopped()
                .await
                .map_err(|e| Failure::other(format!("{e:#}")))
        }
        Command::Import {
            file,
            dataset,
            sheet,
            mode,
            types,
        } => import(config, file, dataset, sheet, &mode, types).await,
        Command::Render {
            report,
            format,
            out,
            params,
            demo,
        } => render(config, report, &format, out, params, demo).await,
        Command::Schedules { action } => schedules(config, action).await,
        Command::Users { action } => {
            tokio::task::spawn_blocking(move || accounts::users_cmd(config, action))
                .await
                .map_err(Failure::other)?
        }
        Command::Tokens { action } => {
            tokio::task::spawn_blocking(move || accounts::tokens_cmd(config, action))
                .await
                .map_err(Failure::other)?
        }
        Command::Backup {
            out,
            without_exports,
        } => tokio::task::spawn_blocking(move || ops::backup(&config, &out, !without_exports))
            .await
            .map_err(Failure::other)?,
        Command::Restore { input } => {
            tokio::task::spawn_blocking(move || ops::restore(&config, &input))
                .await
                .map_err(Failure::other)?
        }
        Command::Smtp {
            action: SmtpAction::Test { address },
        } => ops::smtp_test(&config, &address).await,
        Command::Bundle { action } => bundle::run(config, action).await,
        Command::CheckConfig => {
            println!(
                "config OK: {} report(s), {} dashboard(s), {} schedule(s), {} dataset(s)",
                config.reports.len(),
                config.dashboards.len(),
                config.schedules.len(),
                config.datasets.len()
            );
            Ok(())
        }
    }
}

async fn context(config: Config, demo: bool) -> Result<Ctx, Failure> {
    let config = Arc::new(config);
    let c = config.clone();
    let store = tokio::task::spawn_blocking(move || startup::prepare(&c, demo))
        .await
        .map_err(Failure::other)?
        .map_err(|e| Failure::other(format!("{e:#}")))?;
    // The machine's operator: every row.
    Ok(Ctx {
        config,
        store,
        sight: crate::model::access::Sight::All,
        grants: crate::model::collection::Grants::all(),
    })
}

async fn import(
    config: Config,
    file: PathBuf,
    dataset: String,
    sheet: Option<String>,
    mode: &str,
    raw_types: Vec<String>,
) -> Result<(), Failure> {
    use crate::app::dataset::{self, DatasetError};
    use crate::data::import::{ColType, DatasetName, ImportError, Input, Mode, Options};
    let name =
        DatasetName::parse(&dataset).map_err(|e| Failure::usage(format!("--dataset: {e}")))?;
    let mode = Mode::parse(mode)
        .ok_or_else(|| Failure::usage(format!("--mode: `{mode}` is not replace or append")))?;
    let mut types = BTreeMap::new();
    for t in raw_types {
        let (col, kind) = t
            .split_once('=')
            .ok_or_else(|| Failure::usage(format!("--type: `{t}` is not column=type")))?;
        let kind = ColType::parse(kind).ok_or_else(|| {
            Failure::usage(format!(
                "--type: `{kind}` is not integer, real, date, datetime, boolean or text"
            ))
        })?;
        types.insert(col.trim().to_string(), kind);
    }
    if !file.is_file() {
        return Err(Failure::usage(format!("{}: no such file", file.display())));
    }
    let ctx = context(config, false).await?;
    let started = std::time::Instant::now();
    let shown = file.display().to_string();
    let result = tokio::task::spawn_blocking(move || {
        let opts = Options { mode, sheet, types };
        let progress = |rows: u64| eprint!("\r{rows} rows…");
        dataset::import(
            &ctx.store,
            &name,
            &shown,
            &Input::Path(file),
            &opts,
            false,
            &progress,
        )
    })
    .await
    .map_err(Failure::other)?;
    eprint!("\r");
    let info = match result {
        Ok(info) => info.expect("not skipped"),
        Err(DatasetError::Import(
            e @ (ImportError::Io { .. } | ImportError::Sqlite(_) | ImportError::Busy),
        )) => return Err(Failure::other(e)),
        Err(DatasetError::Import(e)) => return Err(Failure::usage(e.to_string())),
        Err(e) => return Err(Failure::other(e)),
    };
    println!(
        "imported {} rows into `{}` in {} ms; {} columns:",
        info.row_count,
        info.name,
        started.elapsed().as_millis(),
        info.columns.len()
    );
    for c in &info.columns {
        if c.name == c.original {
            println!("  {:<24} {}", c.name, c.kind);
        } else {
            println!("  {:<24} {:<9} (\"{}\")", c.name, c.kind, c.original);
        }
    }
    Ok(())
}

async fn render(
    config: Config,
    report: String,
    format: &str,
    out: PathBuf,
    raw_params: Vec<String>,
    demo: bool,
) -> Result<(), Failure> {
    let format = ExportFormat::parse(format).ok_or_else(|| {
        Failure::usage(format!(
            "--format: `{format}` is not one of pdf, pptx, xlsx, csv, json"
        ))
    })?;
    let mut params = BTreeMap::new();
    for p in raw_params {
        let (k, v) = p
            .split_once('=')
            .ok_or_else(|| Failure::usage(format!("--param: `{p}` is not name=value")))?;
        params.insert(k.trim().to_string(), v.to_string());
    }
    let ctx = context(config, demo).await?;
    let started = std::time::Instant::now();
    let request = crate::model::export::ExportRequest {
        params,
        today: chrono::Utc::now().date_naive(),
        ..Default::default()
    };
    let target = crate::model::export::Target::Report(report.into());
    let order = crate::export::Order::new(target, format, request, crate::export::Keep::Bytes);
    let crate::export::Made { output, bytes, .. } =
        tokio::task::spawn_blocking(move || crate::export::make(&ctx, order))
            .await
            .map_err(Failure::other)??;
    std::fs::write(&out, &bytes)
        .map_err(|e| Failure::other(format!("cannot write {}: {e}", out.display())))?;
    eprintln!(
        "wrote {} ({} bytes) for \"{}\" in {} ms",
        out.display(),
        bytes.len(),
        output.name,
        started.elapsed().as_millis()
    );
    Ok(())
}

async fn schedules(config: Config, action: SchedulesAction) -> Result<(), Failure> {
    let ctx = context(config, false).await?;
    match action {
        SchedulesAction::List => {
            let conn = ctx.store.app.get().map_err(Failure::other)?;
            let list = store::schedule::list(&conn).map_err(Failure::other)?;
            println!(
                "{:<36}  {:<28}  {:<14}  {:<20}  {:<21}  last",
                "id", "name", "cron", "timezone", "next run"
            );
            for s in list {
                // As /schedules and the API say it (`retrying (3)`).
                let last = crate::app::schedule::last_run(&conn, &s)
                    .map_err(Failure::other)?
                    .map(|l| l.label());
                println!(
                    "{:<36}  {:<28}  {:<14}  {:<20}  {:<21}  {}",
                    s.id,
                    s.name,
                    s.cron,
                    s.timezone,
                    if s.enabled {
                        s.next_run_at.unwrap_or_else(|| "-".into())
                    } else {
                        "paused".into()
                    },
                    last.unwrap_or_else(|| "-".into())
                );
            }
            Ok(())
        }
        SchedulesAction::Run { id } => {
            let runner = crate::schedule::execute::Runner {
                queue: crate::app::queue::RenderQueue::new(1, 1),
                outbox: Arc::new(tokio::sync::Notify::new()),
            };
            let (run_id, handle) = crate::schedule::execute::run_now(&ctx, &id, &runner)
                .await
                .map_err(Failure::other)?
                .ok_or_else(|| Failure::usage(format!("no schedule with id `{id}`")))?;
            handle.await.map_err(Failure::other)?;
            // One try of each delivery now; what fails stays in the outbox for the server.
            crate::deliver::outbox::drain(&ctx, Some(&run_id))
                .await
                .map_err(Failure::other)?;
            let run = store::run::get(&*ctx.store.app.get().map_err(Failure::other)?, &run_id)
                .map_err(Failure::other)?
                .ok_or_else(|| Failure::other("the run vanished"))?;
            for d in &run.deliveries {
                let state = match (d.status, &d.last_error) {
                    (DeliveryStatus::Delivered, _) => "delivered".to_string(),
                    (DeliveryStatus::Pending, Some(e)) => format!(
                        "not delivered yet ({e}); `quire serve` retries it at {}",
                        d.next_attempt_at.as_deref().unwrap_or("?")
                    ),
                    (s, Some(e)) => format!("{s}: {e}"),
                    (s, None) => s.to_string(),
                };
                println!("  {} {}: {state}", d.kind, d.recipient().shown());
            }
            match (run.status, run.error) {
                (RunStatus::Succeeded, _) => {
                    println!(
                        "run {run_id} succeeded: delivered to {} recipient(s)",
                        run.delivered
                    );
                    Ok(())
                }
                (_, Some(e)) => Err(Failure::other(format!("run {run_id} failed: {e}"))),
                (status, None) => Err(Failure::other(format!(
                    "run {run_id} is {status}: some deliveries are waiting for a retry"
                ))),
            }
        }
    }
}
