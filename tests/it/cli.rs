use crate::expected;
use crate::helpers::quire;
use std::path::Path;

fn check_config(toml: &str) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("reports.toml");
    std::fs::write(&path, toml).unwrap();
    let out = quire()
        .args(["check-config", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

const REPORT: &str = "[[reports]]\nname = \"R\"\nquery = \"SELECT 1 AS x\"\n";

#[test]
fn the_example_config_passes_check_config() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("reports.toml.example");
    let out = quire()
        .args(["check-config", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("config OK"));
}

#[test]
fn an_unknown_key_exits_2_naming_it() {
    let (code, err) = check_config("[server]\nbind = \"127.0.0.1:1\"\ncolour = \"red\"\n");
    assert_eq!(code, 2);
    assert!(
        err.contains("colour") && err.contains("reports.toml"),
        "{err}"
    );
}

#[test]
fn a_wrong_type_exits_2_naming_the_key() {
    let (code, err) = check_config("[limits]\nmax_rows = \"lots\"\n");
    assert_eq!(code, 2);
    assert!(err.contains("max_rows"), "{err}");
}

#[test]
fn a_bad_cron_string_exits_2_naming_the_schedule_and_field() {
    let (code, err) = check_config(&format!(
        "{REPORT}[[schedules]]\nname = \"S\"\nreportId = \"R\"\nschedule = \"0 25 * * *\"\n"
    ));
    assert_eq!(code, 2);
    assert!(
        err.contains("schedules[0].schedule") && err.contains("hour"),
        "{err}"
    );
}

#[test]
fn an_unknown_time_zone_exits_2_naming_it() {
    let (code, err) = check_config(&format!(
        "{REPORT}[[schedules]]\nname = \"S\"\nreportId = \"R\"\nschedule = \"@weekly\"\ntimezone = \"America/Springfield\"\n"
    ));
    assert_eq!(code, 2);
    assert!(
        err.contains("America/Springfield") && err.contains("schedules[0].timezone"),
        "{err}"
    );
}

#[test]
fn a_missing_oversized_or_fake_logo_exits_2_naming_branding_logo() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.png");
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.resize(2 << 20, 0);
    std::fs::write(&big, bytes).unwrap();
    let fake = dir.path().join("logo.png");
    std::fs::write(&fake, "GIF89a not a png").unwrap();
    let missing = dir.path().join("nope.png");
    for (path, says) in [
        (&missing, "nope.png"),
        (&big, "at most"),
        (&fake, "not a PNG"),
    ] {
        let (code, err) = check_config(&format!("[branding]\nlogo = {:?}\n", path));
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("branding.logo") && err.contains(says), "{err}");
    }
}

#[test]
fn broken_toml_and_a_missing_file_exit_2() {
    let (code, err) = check_config("[server\nbind = ");
    assert_eq!(code, 2);
    assert!(err.contains("line 1"), "{err}");
    let out = quire()
        .args(["check-config", "--config", "/nonexistent/reports.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/reports.toml"));
}

#[test]
fn an_env_override_with_a_bad_value_exits_2_naming_the_variable() {
    let out = quire()
        .arg("check-config")
        .env("QUIRE_SMTP__PORT", "lots")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("QUIRE_SMTP__PORT"));
}

#[test]
fn render_writes_the_report_without_a_server() {
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("sales.csv");
    let out = quire()
        .arg("render")
        .arg("Sales overview")
        .args([
            "--format",
            "csv",
            "--demo",
            "--param",
            "days=30",
            "--data-dir",
        ])
        .arg(dir.path().join("data"))
        .arg("--out")
        .arg(&out_file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = std::fs::read_to_string(&out_file).unwrap();
    assert_eq!(csv.lines().count(), expected::kpis(30).window.len() + 1);
}

#[test]
fn render_with_bad_input_exits_2_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let run = |args: &[&str]| {
        let out = quire()
            .arg("render")
            .args(args)
            .arg("--data-dir")
            .arg(&data)
            .args(["--out", dir.path().join("x").to_str().unwrap(), "--demo"])
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let (code, err) = run(&["Sales overview", "--format", "docx"]);
    assert_eq!(code, 2);
    assert!(err.contains("docx"), "{err}");
    let (code, err) = run(&["No such report", "--format", "csv"]);
    assert_eq!(code, 2);
    assert!(err.contains("No such report"), "{err}");
    let (code, err) = run(&["Sales overview", "--format", "csv", "--param", "days=soon"]);
    assert_eq!(code, 2);
    assert!(err.contains("days"), "{err}");
    let (code, err) = run(&["Sales overview", "--format", "csv", "--param", "days"]);
    assert_eq!(code, 2);
    assert!(err.contains("name=value"), "{err}");
    assert!(
        !dir.path().join("x").exists(),
        "nothing written on bad input"
    );
}

#[test]
fn unknown_commands_and_flags_exit_2() {
    let out = quire().arg("frobnicate").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = quire().args(["serve", "--no-such-flag"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = quire().arg("--version").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("quire"));
}

#[test]
fn schedules_list_shows_the_demo_schedule_after_a_demo_start() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // `render --demo` loads the demo into the data folder.
    let out = quire()
        .args([
            "render",
            "Sales overview",
            "--format",
            "json",
            "--demo",
            "--data-dir",
        ])
        .arg(&data)
        .arg("--out")
        .arg(dir.path().join("r.json"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = quire()
        .args(["schedules", "list", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Weekly sales report") && text.contains("America/New_York"),
        "{text}"
    );
}

#[test]
fn serve_starts_answers_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = quire()
        .env("RUST_LOG", "info")
        .args([
            "serve",
            "--demo",
            "--log-json",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
        ])
        .arg(dir.path())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let up = loop {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{Read, Write};
            s.write_all(b"GET /healthz HTTP/1.0\r\n\r\n").unwrap();
            let mut body = String::new();
            let _ = s.read_to_string(&mut body);
            break body;
        }
        assert!(started.elapsed().as_secs() < 60, "server did not start");
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(up.starts_with("HTTP/1.0 200") && up.ends_with("ok"), "{up}");
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "exit status after SIGTERM: {status}");
    let mut logs = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut logs).unwrap();
    // --log-json: every line is a JSON object.
    for line in logs.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(v["level"].is_string());
    }
    assert!(logs.contains("waiting for schedule runs"), "{logs}");
}

#[tokio::test]
async fn a_backup_taken_while_serving_restores_into_a_fresh_folder_that_serves_the_same() {
    let app = crate::helpers::spawn_app().await;
    let data = app.ctx.config.storage.data_dir.clone();
    let out_dir = tempfile::tempdir().unwrap();
    let file = out_dir.path().join("quire-backup.db");
    let run = |args: Vec<String>| {
        let out = crate::helpers::quire().args(&args).output().unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stdout).to_string()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let (code, said) = run(vec![
        "backup".into(),
        file.display().to_string(),
        "--data-dir".into(),
        data.display().to_string(),
    ]);
    assert_eq!(code, 0, "{said}");
    let (code, said) = run(vec![
        "backup".into(),
        file.display().to_string(),
        "--data-dir".into(),
        data.display().to_string(),
    ]);
    assert_eq!(code, 2, "an existing file is not overwritten: {said}");
    let fresh = tempfile::tempdir().unwrap();
    let target = fresh.path().join("data");
    let (code, said) = run(vec![
        "restore".into(),
        file.display().to_string(),
        "--data-dir".into(),
        target.display().to_string(),
    ]);
    assert_eq!(code, 0, "{said}");
    let (code, said) = run(vec![
        "restore".into(),
        file.display().to_string(),
        "--data-dir".into(),
        target.display().to_string(),
    ]);
    assert_eq!(code, 2, "not into a folder with data: {said}");
    let (code, said) = run(vec![
        "restore".into(),
        "Cargo.toml".into(),
        "--data-dir".into(),
        out_dir.path().join("x").display().to_string(),
    ]);
    assert_eq!(code, 2, "{said}");

    // A server on the restored folder shows the same reports and rows, and the same token works.
    let mut config = quire::config::Config::default();
    config.server.bind = "127.0.0.1:0".into();
    config.storage.data_dir = target;
    let restored = quire::startup::Application::build(config, false)
        .await
        .unwrap();
    let base = format!("http://127.0.0.1:{}", restored.port());
    tokio::spawn(restored.run_until_stopped());
    let client = crate::helpers::client_with(Some(&app.token));
    let get = |path: &str| {
        let (c, u) = (client.clone(), format!("{base}{path}"));
        async move {
            c.get(u)
                .send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()
        }
    };
    assert_eq!(
        get("/api/v1/reports").await,
        app.get_json("/api/v1/reports").await
    );
    assert_eq!(get("/api/v1/datasets/sales").await["rowCount"], 20000);
}

#[tokio::test]
async fn smtp_test_sends_through_the_configured_server_or_says_the_exact_error() {
    let smtp = crate::smtp::SmtpServer::start();
    let dir = tempfile::tempdir().unwrap();
    let out = crate::helpers::quire()
        .args(["smtp", "test", "ops@example.com", "--data-dir"])
        .arg(dir.path())
        .env("QUIRE_SMTP__HOST", "127.0.0.1")
        .env("QUIRE_SMTP__PORT", smtp.port.to_string())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("250"), "the server's answer: {said}");
    let mail = smtp.wait_for(1, std::time::Duration::from_secs(10)).await;
    assert_eq!(mail.len(), 1);
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = crate::helpers::quire()
        .args(["smtp", "test", "ops@example.com", "--data-dir"])
        .arg(dir.path())
        .env("QUIRE_SMTP__HOST", "127.0.0.1")
        .env("QUIRE_SMTP__PORT", closed.to_string())
        .env("QUIRE_SMTP__TIMEOUT_SECS", "3")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not sent") && err.contains(&closed.to_string()),
        "{err}"
    );
    let out = crate::helpers::quire()
        .args(["smtp", "test", "not an address", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn every_commands_help_explains_its_arguments_and_shows_examples() {
    let commands: &[&[&str]] = &[
        &[],
        &["serve"],
        &["import"],
        &["render"],
        &["schedules"],
        &["schedules", "list"],
        &["schedules", "run"],
        &["users"],
        &["users", "add"],
        &["users", "list"],
        &["users", "set-role"],
        &["users", "disable"],
        &["users", "reset-password"],
        &["tokens"],
        &["tokens", "create"],
        &["tokens", "list"],
        &["tokens", "revoke"],
        &["backup"],
        &["restore"],
        &["smtp"],
        &["smtp", "test"],
        &["check-config"],
    ];
    for command in commands {
        let out = quire().args(*command).arg("--help").output().unwrap();
        assert!(out.status.success(), "{command:?}");
        let help = String::from_utf8(out.stdout).unwrap();
        assert!(help.contains("\nExamples:\n  "), "{command:?}:\n{help}");
        // Every argument says what it is: no `<EMAIL>` alone on its line.
        if let Some(args) = help.split("Arguments:\n").nth(1) {
            for line in args.lines().take_while(|l| !l.is_empty()) {
                let described = line
                    .trim()
                    .split_once('>')
                    .is_some_and(|(_, d)| !d.trim().is_empty());
                assert!(described, "{command:?}: `{line}` is not explained:\n{help}");
            }
        }
    }
}

#[test]
fn a_log_written_to_a_file_has_no_terminal_colour_codes() {
    let dir = tempfile::tempdir().unwrap();
    let log = std::fs::File::create(dir.path().join("quire.log")).unwrap();
    let mut child = quire()
        .env("RUST_LOG", "info")
        .args(["--data-dir", dir.path().join("data").to_str().unwrap()])
        .args(["users", "add", "ann@example.com", "--role", "viewer"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"a long enough password\n")
        .unwrap();
    assert!(child.wait().unwrap().success());
    let text = std::fs::read_to_string(dir.path().join("quire.log")).unwrap();
    assert!(text.contains("user.create"), "the log has lines: {text}");
    assert!(!text.contains('\u{1b}'), "no colour codes: {text:?}");
}

#[tokio::test]
async fn a_restored_backup_lists_exports_whose_file_it_did_not_hold_as_missing() {
    let app = crate::helpers::spawn_app().await;
    let data = app.ctx.config.storage.data_dir.clone();
    let report = app.report_id().await;
    // Two files downloaded (each recorded with its file).
    let mut ids = Vec::new();
    for _ in 0..2 {
        let r = app
            .get(&format!("/reports/{report}/download?format=json"))
            .await;
        assert_eq!(r.status(), 200);
        ids.push(r.headers()["x-export-id"].to_str().unwrap().to_string());
    }
    let (lost, kept) = (ids[0].clone(), ids[1].clone());
    let kept_bytes = std::fs::read(data.join("exports").join(format!("{kept}.json"))).unwrap();
    // One file is lost before the backup.
    std::fs::remove_file(data.join("exports").join(format!("{lost}.json"))).unwrap();

    let out_dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = crate::helpers::quire().args(args).output().unwrap();
        let said = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {said}");
        said
    };
    let restored = |without_exports: bool| {
        let file = out_dir.path().join(format!("backup-{without_exports}.db"));
        let target = out_dir.path().join(format!("data-{without_exports}"));
        let mut backup = vec![
            "backup",
            file.to_str().unwrap(),
            "--data-dir",
            data.to_str().unwrap(),
        ];
        if without_exports {
            backup.push("--without-exports");
        }
        let said = run(&backup);
        let said = said
            + &run(&[
                "restore",
                file.to_str().unwrap(),
                "--data-dir",
                target.to_str().unwrap(),
            ]);
        (target, said)
    };

    // With the export files: the lost one is missing, the other downloads as it was.
    let (target, said) = restored(false);
    assert!(said.contains("1 export files"), "{said}");
    assert!(
        said.contains("1 exports had no file in the backup"),
        "{said}"
    );
    let serve = |dir: std::path::PathBuf| async move {
        let mut config = quire::config::Config::default();
        config.server.bind = "127.0.0.1:0".into();
        config.storage.data_dir = dir;
        let app = quire::startup::Application::build(config, false)
            .await
            .unwrap();
        let base = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until_stopped());
        base
    };
    let client = crate::helpers::client_with(Some(&app.token));
    let base = serve(target).await;
    let page = client
        .get(format!("{base}/exports"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let row = |id: &str| {
        let at = page
            .find(&format!("id=\"export-{id}\""))
            .unwrap_or_else(|| panic!("{id} listed: {page}"));
        page[at..at + page[at..].find("</tr>").unwrap()].to_string()
    };
    assert!(
        row(&lost).contains("file missing: not in the backup, generate again"),
        "{}",
        row(&lost)
    );
    assert!(row(&lost).contains("class=\"retry\""), "{}", row(&lost));
    assert!(!row(&lost).contains("/download"), "{}", row(&lost));
    assert!(!row(&kept).contains("file missing"), "{}", row(&kept));
    let r = client
        .get(format!("{base}/api/v1/exports/{lost}/download"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 410);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("file missing: not in the backup, generate again"));
    let r = client
        .get(format!("{base}/api/v1/exports/{kept}/download"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().to_vec(), kept_bytes);
    // Retry makes the lost one again.
    let r = client
        .post(format!("{base}/api/v1/exports/{lost}/retry"))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());

    // Without them: both are missing.
    let (target, said) = restored(true);
    assert!(said.contains("without export files"), "{said}");
    assert!(
        said.contains("2 exports had no file in the backup"),
        "{said}"
    );
    let base = serve(target).await;
    let listed: serde_json::Value = client
        .get(format!("{base}/api/v1/exports"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let missing = listed
        .as_array()
        .or_else(|| listed["items"].as_array())
        .unwrap()
        .iter()
        .filter(|e| e["error"] == "file missing: not in the backup, generate again")
        .count();
    assert_eq!(missing, 2, "{listed}");
}
