//! Exactly-once across process deaths: the real `quire serve` binary killed with SIGKILL in the
//! middle of a run, or stopped across several occurrences, then started again.

use crate::helpers::{cli_admin_token, client_with, quire};
use crate::smtp::SmtpServer;
use serde_json::Value;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A config with the demo's mail going to `smtp`, and `extra` appended.
fn write_config(dir: &Path, port: u16, smtp: u16, extra: &str) -> std::path::PathBuf {
    let path = dir.join("reports.toml");
    let data = dir.join("data");
    std::fs::write(
        &path,
        format!(
            "[server]\nbind = \"127.0.0.1:{port}\"\n[storage]\ndata_dir = \"{}\"\n\
             [smtp]\nhost = \"127.0.0.1\"\nport = {smtp}\n[delivery]\nretry_initial_secs = 1\n{extra}",
            data.display()
        ),
    )
    .unwrap();
    path
}

pub(crate) fn start(config: &Path, port: u16) -> Child {
    let child = quire()
        .args(["serve", "--demo", "--config"])
        .arg(config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "server did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

async fn json(client: &reqwest::Client, url: String) -> Value {
    client.get(url).send().await.unwrap().json().await.unwrap()
}

#[tokio::test]
async fn a_run_killed_mid_render_is_delivered_exactly_once_after_a_restart() {
    let smtp = SmtpServer::start();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = write_config(dir.path(), port, smtp.port, "");
    let base = format!("http://127.0.0.1:{port}");
    let client = client_with(Some(&cli_admin_token(&config)));

    let mut server = start(&config, port);
    let schedules = json(&client, format!("{base}/api/v1/schedules")).await;
    let id = schedules[0]["id"].as_str().unwrap().to_string();
    let r = client
        .post(format!("{base}/api/v1/schedules/{id}/run"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    // The demo PDF takes far longer to render than this: the process dies mid-run.
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(
        smtp.received().is_empty(),
        "killed before anything was sent"
    );
    let conn = rusqlite::Connection::open(dir.path().join("data/quire.db")).unwrap();
    let status: String = conn
        .query_row("SELECT status FROM schedule_runs", [], |r| r.get(0))
        .unwrap();
    assert_eq!(status, "running", "the run was interrupted while rendering");
    drop(conn);

    let mut server = start(&config, port);
    let mail = smtp.wait_for(1, Duration::from_secs(120)).await;
    assert_eq!(mail[0].to, ["owner@example.com"]);
    let runs = loop {
        let runs = json(&client, format!("{base}/api/v1/schedules/{id}/executions")).await;
        if runs[0]["status"] == "succeeded" {
            break runs;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        runs.as_array().unwrap().len(),
        1,
        "the same run resumed: {runs}"
    );
    assert_eq!(runs[0]["delivered"], 1);
    // Restart once more: nothing is sent again.
    server.kill().unwrap();
    server.wait().unwrap();
    let mut server = start(&config, port);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(smtp.received().len(), 1, "delivered exactly once");
    server.kill().unwrap();
    server.wait().unwrap();
}

#[tokio::test]
async fn occurrences_missed_while_stopped_run_once_as_a_catch_up() {
    let smtp = SmtpServer::start();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    // Every 3 seconds, a small CSV.
    let config = write_config(
        dir.path(),
        port,
        smtp.port,
        "[[schedules]]\nname = \"Often\"\nreportId = \"Sales overview\"\nschedule = \"*/3 * * * * *\"\n\
         exportFormat = \"csv\"\nrowLimit = 5\nrecipients = [{ type = \"email\", address = \"ops@example.com\" }]\n",
    );
    let base = format!("http://127.0.0.1:{port}");
    let client = client_with(Some(&cli_admin_token(&config)));
    let mut server = start(&config, port);
    let list = json(&client, format!("{base}/api/v1/schedules")).await;
    let id = list
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Often")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    server.kill().unwrap();
    server.wait().unwrap();
    let stopped_at = chrono::Utc::now();
    // Down across at least three occurrences.
    tokio::time::sleep(Duration::from_secs(10)).await;
    let restarted_at = chrono::Utc::now();
    let mut server = start(&config, port);
    tokio::time::sleep(Duration::from_secs(4)).await;
    let runs = json(&client, format!("{base}/api/v1/schedules/{id}/executions")).await;
    server.kill().unwrap();
    server.wait().unwrap();
    let runs = runs.as_array().unwrap();
    let catchups: Vec<&Value> = runs.iter().filter(|r| r["trigger"] == "catchup").collect();
    assert_eq!(catchups.len(), 1, "{runs:?}");
    // Only the catch-up stands for the time it was down: no run per missed occurrence.
    let in_gap = runs
        .iter()
        .filter(|r| {
            let at =
                chrono::DateTime::parse_from_rfc3339(r["scheduledFor"].as_str().unwrap()).unwrap();
            at > stopped_at && at < restarted_at
        })
        .count();
    assert!(
        in_gap <= 1,
        "{in_gap} runs for the missed occurrences: {runs:?}"
    );
    assert!(runs.len() <= 4, "{runs:?}");
}

#[tokio::test]
async fn an_alert_due_while_the_server_was_killed_notifies_once() {
    let smtp = SmtpServer::start();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = write_config(dir.path(), port, smtp.port, "");
    let base = format!("http://127.0.0.1:{port}");
    let client = client_with(Some(&cli_admin_token(&config)));
    let mut server = start(&config, port);
    let r = client
        .post(format!("{base}/api/v1/alerts"))
        .json(&serde_json::json!({
            "name": "Any revenue", "reportId": "Sales overview", "query": "kpis",
            "column": "revenue", "schedule": "* * * * *",
            "condition": { "type": "above", "value": 1 },
            "recipients": [{ "type": "email", "address": "ops@example.com" }]
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let alert: Value = r.json().await.unwrap();
    let due = chrono::DateTime::parse_from_rfc3339(alert["nextRunAt"].as_str().unwrap()).unwrap();
    // Killed before its occurrence; down while it falls due.
    server.kill().unwrap();
    server.wait().unwrap();
    let wait = (due.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_milliseconds() + 1500;
    tokio::time::sleep(Duration::from_millis(wait.max(0) as u64)).await;
    assert!(smtp.received().is_empty());
    // Started again: the occurrence missed is evaluated once and told once.
    let mut server = start(&config, port);
    let mail = smtp.wait_for(1, Duration::from_secs(90)).await;
    assert_eq!(mail[0].to, ["ops@example.com"]);
    server.kill().unwrap();
    server.wait().unwrap();
    let mut server = start(&config, port);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(smtp.received().len(), 1, "told exactly once");
    let id = alert["id"].as_str().unwrap();
    let history = json(&client, format!("{base}/api/v1/alerts/{id}/history")).await;
    let told = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| !e["deliveries"].as_array().unwrap().is_empty())
        .count();
    assert_eq!(told, 1, "{history}");
    server.kill().unwrap();
    server.wait().unwrap();
}

#[tokio::test]
async fn an_alert_killed_while_it_evaluates_is_evaluated_again_and_tells_once() {
    let smtp = SmtpServer::start();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = write_config(dir.path(), port, smtp.port, "");
    let base = format!("http://127.0.0.1:{port}");
    let client = client_with(Some(&cli_admin_token(&config)));
    let mut server = start(&config, port);
    // A query that takes seconds: the evaluation is still running when the process dies.
    let r = client
        .post(format!("{base}/api/v1/reports"))
        .json(&serde_json::json!({
            "name": "Slow count", "dataSource": "main",
            "query": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 12000000) SELECT count(*) AS n FROM c",
            "visualizations": [{ "id": "n", "type": "kpi", "title": "N", "dataMapping": { "value": "n" } }]
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let report: Value = r.json().await.unwrap();
    let r = client
        .post(format!("{base}/api/v1/alerts"))
        .json(&serde_json::json!({
            "name": "Count above one", "reportId": report["id"], "column": "n",
            "schedule": "* * * * *", "condition": { "type": "above", "value": 1 },
            "recipients": [{ "type": "email", "address": "ops@example.com" }]
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let alert: Value = r.json().await.unwrap();
    let id = alert["id"].as_str().unwrap().to_string();
    let due = chrono::DateTime::parse_from_rfc3339(alert["nextRunAt"].as_str().unwrap()).unwrap();
    // Killed 700 ms into its evaluation.
    let wait = (due.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_milliseconds() + 700;
    tokio::time::sleep(Duration::from_millis(wait.max(0) as u64)).await;
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(
        smtp.received().is_empty(),
        "nothing was told before it died"
    );
    // Started again: the occurrence is evaluated again, once, and told once.
    let mut server = start(&config, port);
    let mail = smtp.wait_for(1, Duration::from_secs(120)).await;
    assert_eq!(mail[0].to, ["ops@example.com"]);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(smtp.received().len(), 1, "told exactly once");
    let history = json(&client, format!("{base}/api/v1/alerts/{id}/history")).await;
    let of_due: Vec<&Value> = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["dueAt"]
                .as_str()
                .and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok())
                == Some(due)
        })
        .collect();
    assert_eq!(
        of_due.len(),
        1,
        "one evaluation of that occurrence: {history}"
    );
    server.kill().unwrap();
    server.wait().unwrap();
}
