//! PostgreSQL as a data source, against a real throwaway server: initdb into a temp folder, a
//! free port, started as a non-root user (`postgres` when the tests run as root), the example
//! CSV loaded with COPY. Skipped, saying so, only when no PostgreSQL binaries are installed.

use crate::helpers::{spawn_app_with, TestApp};
use quire::config::{SourceConfig, SourceKind};
use quire::model::report::ReportDefinition;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// A PostgreSQL server of its own, stopped when dropped.
pub struct Pg {
    dir: tempfile::TempDir,
    bin: PathBuf,
    pub port: u16,
    /// Run the server's commands as `postgres` (the tests run as root).
    as_postgres: bool,
    /// The server offers TLS with a certificate from a CA of its own (`ca.crt` in its folder).
    tls: bool,
}

/// The newest `/usr/lib/postgresql/<version>/bin`, or `initdb` on the PATH.
fn pg_bin() -> Option<PathBuf> {
    let mut dirs: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(|e| {
            let e = e.ok()?;
            let v: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((v, bin))
        })
        .collect();
    dirs.sort();
    if let Some((_, bin)) = dirs.pop() {
        return Some(bin);
    }
    let which = Command::new("sh")
        .args(["-c", "command -v initdb"])
        .output()
        .ok()?;
    let path = String::from_utf8(which.stdout).ok()?;
    Path::new(path.trim()).parent().map(Path::to_path_buf)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Pg {
    /// A new server with the example sales table loaded; None (and a printed reason) when
    /// PostgreSQL is not installed.
    pub fn start() -> Option<Pg> {
        Pg::start_with(false)
    }

    /// [`Pg::start`], offering TLS with a certificate for 127.0.0.1 from a CA of its own when
    /// `tls`; then the role `cert_reader` may only sign in with a client certificate from that
    /// CA (`client.crt`/`client.key`; `rogue.*` is one from another CA).
    pub fn start_with(tls: bool) -> Option<Pg> {
        let Some(bin) = pg_bin() else {
            assert!(
                std::env::var_os("QUIRE_PG_TESTS").is_none(),
                "QUIRE_PG_TESTS is set but no PostgreSQL binaries were found"
            );
            eprintln!(
                "SKIPPED: no PostgreSQL binaries (/usr/lib/postgresql/*/bin or initdb on PATH); \
                 install Debian's `postgresql` to run the PostgreSQL source tests"
            );
            return None;
        };
        let as_postgres = unsafe { libc::geteuid() } == 0;
        let dir = tempfile::tempdir().unwrap();
        if tls {
            // A CA of its own; a server certificate for 127.0.0.1 and a client certificate for
            // `cert_reader` signed by it; another for `cert_reader` signed by no one (rogue).
            let d = dir.path().display().to_string();
            let f = |n: &str| format!("{d}/{n}");
            std::fs::write(
                f("server.ext"),
                "subjectAltName=IP:127.0.0.1,DNS:localhost\n",
            )
            .unwrap();
            std::fs::write(f("client.ext"), "extendedKeyUsage=clientAuth\n").unwrap();
            let ssl = |args: &[&str]| {
                let out = Command::new("openssl").args(args).output().unwrap();
                assert!(out.status.success(), "openssl {args:?}: {out:?}");
            };
            let self_signed = |name: &str, cn: &str| {
                let (key, crt) = (f(&format!("{name}.key")), f(&format!("{name}.crt")));
                let subject = format!("/CN={cn}");
                ssl(&[
                    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                    &subject, "-keyout", &key, "-out", &crt,
                ]);
            };
            let signed = |name: &str, cn: &str| {
                let [key, csr, crt, ext] =
                    ["key", "csr", "crt", "ext"].map(|e| f(&format!("{name}.{e}")));
                let subject = format!("/CN={cn}");
                ssl(&[
                    "req", "-newkey", "rsa:2048", "-nodes", "-subj", &subject, "-keyout", &key,
                    "-out", &csr,
                ]);
                ssl(&[
                    "x509",
                    "-req",
                    "-in",
                    &csr,
                    "-CA",
                    &f("ca.crt"),
                    "-CAkey",
                    &f("ca.key"),
                    "-CAcreateserial",
                    "-days",
                    "2",
                    "-extfile",
                    &ext,
                    "-out",
                    &crt,
                ]);
            };
            self_signed("ca", "quire-test-ca");
            signed("server", "localhost");
            run("chmod", &["600", &f("server.key")]);
            signed("client", "cert_reader");
            self_signed("rogue", "cert_reader");
        }
        if as_postgres {
            run("chown", &["-R", "postgres", dir.path().to_str().unwrap()]);
            // The temp folder's parents must be enterable by `postgres`.
        }
        let pg = Pg {
            dir,
            bin,
            port: free_port(),
            as_postgres,
            tls,
        };
        pg.cmd(&format!(
            "{} -D {} -U quire_admin -A trust --no-sync -E UTF8 --locale=C.UTF-8 >/dev/null",
            pg.bin.join("initdb").display(),
            pg.data().display()
        ));
        if tls {
            let hba = pg.data().join("pg_hba.conf");
            let rest = std::fs::read_to_string(&hba).unwrap();
            let only_cert = "hostssl all cert_reader 127.0.0.1/32 cert\n\
                             host all cert_reader 127.0.0.1/32 reject\n";
            std::fs::write(&hba, format!("{only_cert}{rest}")).unwrap();
        }
        pg.start_server();
        pg.load_sales();
        Some(pg)
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Runs `shell` as the server's user.
    fn cmd(&self, shell: &str) {
        let status = if self.as_postgres {
            Command::new("su")
                .args(["postgres", "-s", "/bin/sh", "-c", shell])
                .status()
        } else {
            Command::new("sh").args(["-c", shell]).status()
        }
        .unwrap();
        assert!(status.success(), "{shell}: {status}");
    }

    fn pg_ctl(&self, action: &str) {
        let d = self.dir.path().display();
        let ssl = match self.tls {
            true => {
                format!(" -c ssl=on -c ssl_cert_file={d}/server.crt -c ssl_key_file={d}/server.key -c ssl_ca_file={d}/ca.crt")
            }
            false => String::new(),
        };
        self.cmd(&format!(
            "{} -D {} -l {d}/log -w -t 30 -m fast -o '-p {} -k {d} -c listen_addresses=127.0.0.1 -c fsync=off{ssl}' {action} >/dev/null",
            self.bin.join("pg_ctl").display(),
            self.data().display(),
            self.port,
        ));
    }

    /// The certificate of the CA that signed the server's.
    pub fn certificate(&self) -> PathBuf {
        self.dir.path().join("ca.crt")
    }

    /// A file of the server's folder (the client certificates of [`Pg::start_with`]).
    pub fn file(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    fn start_server(&self) {
        self.pg_ctl("start");
    }

    /// Stops the server and starts it again on the same port.
    pub fn restart(&self) {
        self.pg_ctl("restart");
    }

    /// The URL Quire gets: the superuser, so that only Quire's own guard and read-only
    /// transactions stand between a report and the data.
    pub fn url(&self) -> String {
        format!(
            "postgres://quire_admin@127.0.0.1:{}/postgres?sslmode=disable",
            self.port
        )
    }

    /// A direct client, for setting up and checking.
    pub fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.url(), postgres::NoTls).unwrap()
    }

    fn load_sales(&self) {
        let mut c = self.client();
        c.batch_execute(
            "CREATE TABLE sales (order_id bigint PRIMARY KEY, order_date date NOT NULL,
               region text, channel text, product text, customer_id integer, units integer,
               unit_price numeric(12,2), revenue numeric(12,2), cost numeric(12,2));
             CREATE SCHEMA crm;
             CREATE TABLE crm.customers (id integer, name text, vip boolean, since timestamptz);
             INSERT INTO crm.customers VALUES (1, 'Ada', true, '2024-01-02 03:04:05+00');
             CREATE VIEW region_totals AS SELECT region, sum(revenue) AS revenue FROM sales GROUP BY region;",
        )
        .unwrap();
        let csv = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/sales.csv"))
            .unwrap();
        let mut w = c
            .copy_in("COPY sales FROM STDIN WITH (FORMAT csv, HEADER true)")
            .unwrap();
        std::io::Write::write_all(&mut w, &csv).unwrap();
        w.finish().unwrap();
    }

    /// A `[[sources]]` entry for this server.
    pub fn source(&self, name: &str, cache_seconds: u64) -> SourceConfig {
        serde_json::from_value(json!({
            "name": name, "type": "postgres", "url": self.url(), "cache_seconds": cache_seconds
        }))
        .unwrap()
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        let shell = format!(
            "{} -D {} -m immediate stop >/dev/null 2>&1",
            self.bin.join("pg_ctl").display(),
            self.data().display()
        );
        let _ = if self.as_postgres {
            Command::new("su")
                .args(["postgres", "-s", "/bin/sh", "-c", &shell])
                .status()
        } else {
            Command::new("sh").args(["-c", &shell]).status()
        };
    }
}

/// `f` on a thread of its own: the sync PostgreSQL client cannot run inside the test's runtime.
fn blocking<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| s.spawn(f).join().unwrap())
}

fn run(cmd: &str, args: &[&str]) {
    let s = Command::new(cmd).args(args).status().unwrap();
    assert!(s.success(), "{cmd} {args:?}");
}

/// The same report, in SQL both engines speak, on `source`.
fn overview(name: &str, source: &str) -> ReportDefinition {
    serde_json::from_value(json!({
        "name": name,
        "dataSource": source,
        "parameters": [{"name": "since", "type": "date", "defaultValue": "2025-06-01"}],
        "queries": {
            "kpis": {"query": "SELECT sum(revenue) AS revenue, count(*) AS orders, count(DISTINCT customer_id) AS customers, avg(units) AS units FROM sales WHERE order_date >= :since"},
            "daily": {"query": "SELECT order_date AS day, sum(revenue) AS revenue FROM sales WHERE order_date >= :since GROUP BY order_date ORDER BY order_date"},
            "regions": {"query": "SELECT region, sum(revenue) AS revenue FROM sales WHERE order_date >= :since GROUP BY region ORDER BY revenue DESC, region"},
            "orders": {"query": "SELECT order_id, order_date, region, product, units, revenue FROM sales WHERE order_date >= :since ORDER BY order_date, order_id"}
        },
        "visualizations": [
            {"id": "revenue", "type": "kpi", "title": "Revenue", "query": "kpis", "dataMapping": {"value": "revenue"}, "options": {"format": "currency"}},
            {"id": "orders_count", "type": "kpi", "title": "Orders", "query": "kpis", "dataMapping": {"value": "orders"}},
            {"id": "units", "type": "kpi", "title": "Units per order", "query": "kpis", "dataMapping": {"value": "units"}},
            {"id": "daily", "type": "line", "title": "Daily revenue", "query": "daily", "dataMapping": {"x": "day", "y": "revenue"}},
            {"id": "regions", "type": "donut", "title": "Regions", "query": "regions", "dataMapping": {"label": "region", "value": "revenue"}},
            {"id": "orders", "type": "table", "title": "Orders", "query": "orders"}
        ],
        "rowLimit": 5000
    }))
    .unwrap()
}

/// Numbers equal to 1e-9 relative (SQLite adds floats, PostgreSQL decimals), all else equal.
fn assert_same(a: &Value, b: &Value, at: &str) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let kx: Vec<_> = x.keys().collect();
            let ky: Vec<_> = y.keys().collect();
            assert_eq!(kx, ky, "{at}: keys");
            for (k, v) in x {
                assert_same(v, &y[k], &format!("{at}.{k}"));
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{at}: lengths");
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                assert_same(v, w, &format!("{at}[{i}]"));
            }
        }
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            assert!(
                (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0),
                "{at}: {x} vs {y}"
            );
        }
        _ => assert_eq!(a, b, "{at}"),
    }
}

async fn report_id(app: &TestApp, name: &str) -> String {
    let list = app.get_json("/api/v1/reports").await;
    list.as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no report {name}: {list}"))["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A report run as JSON, less what differs by run (its id, name, time).
async fn output(app: &TestApp, name: &str) -> Value {
    let id = report_id(app, name).await;
    let r = app
        .get(&format!(
            "/reports/{id}/download?format=json&since=2025-03-01"
        ))
        .await;
    assert_eq!(r.status(), 200, "{name}");
    let mut v: Value = r.json().await.unwrap();
    for k in [
        "reportId",
        "report_id",
        "name",
        "generatedAt",
        "generated_at",
    ] {
        v.as_object_mut().unwrap().remove(k);
    }
    v
}

async fn builder_rows(app: &TestApp, source: &str, spec: &Value) -> Value {
    let r = app
        .client
        .post(format!("{}/api/v1/builder/preview", app.address))
        .json(&json!({"builder": spec, "dataSource": source, "type": "table"}))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, 200, "{source}: {spec}: {body}");
    json!({"columns": body["columns"], "rows": body["rows"], "totalRows": body["totalRows"]})
}

#[tokio::test]
async fn a_report_and_builder_specs_give_the_same_results_on_postgres_as_on_the_embedded_store() {
    let Some(pg) = blocking(Pg::start) else {
        return;
    };
    let app = spawn_app_with(|c| {
        c.sources.push(pg.source("shop", 60));
        c.reports.push(overview("On main", "main"));
        c.reports.push(overview("On shop", "shop"));
    })
    .await;
    let (main, shop) = (output(&app, "On main").await, output(&app, "On shop").await);
    assert!(main.to_string().contains("Orders"), "{main}");
    assert_same(&main, &shop, "output");

    // The PDF goes through the same pipeline.
    let id = report_id(&app, "On shop").await;
    let pdf = app.get(&format!("/reports/{id}/download?format=pdf")).await;
    assert_eq!(pdf.status(), 200);
    crate::helpers::assert_valid_pdf(&pdf.bytes().await.unwrap());

    let specs = [
        json!({"dataset": "sales", "dimensions": ["region"], "measures": [{"field": "revenue", "agg": "sum"}, {"field": "*", "agg": "count"}], "sort": [{"field": "region", "dir": "asc"}]}),
        json!({"dataset": "sales", "dimensions": [{"field": "order_date", "bucket": "month"}], "measures": [{"field": "revenue", "agg": "sum", "as": "revenue"}], "sort": [{"field": "order_date", "dir": "asc"}]}),
        json!({"dataset": "sales", "dimensions": [{"field": "order_date", "bucket": "week"}], "measures": [{"field": "units", "agg": "avg", "as": "units"}], "filters": [{"field": "order_date", "op": "between", "value": ["2024-02-01", "2024-04-30"]}], "sort": [{"field": "order_date", "dir": "asc"}]}),
        json!({"dataset": "sales", "dimensions": [{"field": "order_date", "bucket": "quarter"}, "channel"], "measures": [{"field": "customer_id", "agg": "count_distinct", "as": "customers"}], "sort": [{"field": "order_date", "dir": "asc"}, {"field": "channel", "dir": "asc"}]}),
        json!({"dataset": "sales", "dimensions": [{"field": "order_date", "bucket": "year"}], "measures": [{"field": "order_date", "agg": "min", "as": "first"}, {"field": "order_date", "agg": "max", "as": "last"}], "sort": [{"field": "order_date", "dir": "asc"}]}),
        json!({"dataset": "sales", "dimensions": ["region"], "measures": [{"field": "revenue", "agg": "sum", "as": "share", "show": "percent_of_total"}], "sort": [{"field": "region", "dir": "asc"}]}),
        json!({"dataset": "sales", "dimensions": [{"field": "order_date", "bucket": "month"}], "measures": [{"field": "revenue", "agg": "sum", "as": "total", "show": "running_total"}, {"field": "units", "agg": "sum", "as": "change", "show": "change_vs_previous"}]}),
        json!({"dataset": "sales", "dimensions": ["region"], "measures": [{"field": "revenue", "agg": "sum", "as": "revenue"}], "filters": [{"field": "order_date", "op": "between", "value": ["2025-01-01", "2025-03-31"]}], "compare": {"previousPeriod": true}, "sort": [{"field": "region", "dir": "asc"}]}),
        json!({"dataset": "sales", "dimensions": ["product"], "measures": [{"field": "units", "agg": "sum", "as": "units"}], "filters": [{"field": "product", "op": "contains", "value": "01"}, {"field": "region", "op": "in", "value": ["Central", "Northeast"]}, {"field": "units", "op": "ge", "value": 2}], "sort": [{"field": "units", "dir": "desc"}, {"field": "product", "dir": "asc"}], "limit": 5}),
        json!({"dataset": "sales", "dimensions": ["channel"], "measures": [{"field": "cost", "agg": "max", "as": "cost"}], "filters": [{"field": "order_date", "op": "last_n_days", "value": 30}], "sort": [{"field": "channel", "dir": "asc"}]}),
        // Calculated columns and measures (issue 25): the same rows on PostgreSQL.
        json!({"dataset": "sales", "expressions": [{"name": "margin", "expr": "revenue - cost"}, {"name": "size", "expr": "if(units > 3, \"bulk\", 'retail')"}],
               "dimensions": ["size"], "measures": [{"field": "margin", "agg": "sum", "as": "margin"}, {"expr": "round(sum(revenue) / count_distinct(customer_id), 2)", "as": "per_customer"},
               {"expr": "countif(units > 3)", "as": "big"}, {"expr": "share(channel = 'Online')", "as": "online"}, {"expr": "sumif(cost, lower(region) = 'central')", "as": "central"}],
               "sort": [{"field": "size", "dir": "asc"}]}),
        json!({"dataset": "sales", "expressions": [{"name": "label", "expr": "concat(upper(region), ' ', year(order_date), '-Q', quarter(order_date))"},
               {"name": "price", "expr": "revenue / units"}, {"name": "late", "expr": "month(order_date) >= 10 and not channel = 'Retail'"}],
               "dimensions": ["label"], "measures": [{"field": "price", "agg": "max", "as": "price"}, {"expr": "count() - count(customer_id)", "as": "anonymous"}],
               "filters": [{"field": "late", "op": "eq", "value": true}, {"field": "price", "op": "gt", "value": 100}], "sort": [{"field": "label", "dir": "asc"}], "limit": 12}),
        json!({"dataset": "sales", "expressions": [{"name": "band", "expr": "case(units > 4, 'high', units > 2, 'mid', 'low')"}], "dimensions": ["band"],
               "measures": [{"expr": "sum(revenue) - sum(cost)", "as": "net", "show": "percent_of_total"}, {"expr": "max(order_date)", "as": "last"}, {"expr": "coalesce(min(unit_price), 0) * 2", "as": "low"}],
               "filters": [{"field": "order_date", "op": "between", "value": ["2025-01-01", "2025-03-31"]}], "compare": {"previousPeriod": true}, "sort": [{"field": "band", "dir": "asc"}]}),
    ];
    for spec in &specs {
        let (m, s) = (
            builder_rows(&app, "main", spec).await,
            builder_rows(&app, "shop", spec).await,
        );
        assert!(
            spec["filters"].is_array() || m["totalRows"].as_u64() > Some(0),
            "{spec}: {m}"
        );
        assert_same(&m, &s, &spec.to_string());
    }

    // A question on a saved question (issue 25), with a parameter given: the same rows.
    let mut inner = Vec::new();
    for source in ["main", "shop"] {
        let def = json!({ "name": format!("Monthly on {source}"), "dataSource": source,
            "parameters": [{ "name": "channel", "type": "string", "defaultValue": "Online" }],
            "builder": { "dataset": "sales", "dimensions": ["region", { "field": "order_date", "bucket": "month" }],
                "measures": [{ "field": "revenue", "agg": "sum", "as": "revenue" }, { "field": "*", "agg": "count", "as": "orders" }],
                "filters": [{ "field": "channel", "op": "eq", "value": "{channel}" }] },
            "visualizations": [{ "id": "rows", "type": "table", "title": "Rows" }] });
        inner.push(crate::pivot::create(&app, &def).await);
    }
    let nested = |id: &str| {
        json!({ "source": { "report": id, "parameters": { "channel": "Retail" } },
        "dimensions": ["region"], "measures": [{ "field": "revenue", "agg": "sum", "as": "total" },
            { "field": "orders", "agg": "max", "as": "most" }, { "field": "order_date", "agg": "min", "as": "first" }],
        "filters": [{ "field": "revenue", "op": "gt", "value": 1500 }], "sort": [{ "field": "region", "dir": "asc" }] })
    };
    let (m, s) = (
        builder_rows(&app, "main", &nested(&inner[0])).await,
        builder_rows(&app, "shop", &nested(&inner[1])).await,
    );
    assert!(m["totalRows"].as_u64() > Some(3), "{m}");
    assert_same(&m, &s, "a question on a saved question");

    // Tables of every schema, views too, with their columns.
    let tables = app.get_json("/api/v1/tables").await;
    let shop = tables["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "shop")
        .unwrap()
        .clone();
    let names: Vec<&str> = shop["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["region_totals", "sales", "crm.customers"], "{shop}");
    assert_eq!(shop["tables"][0]["kind"], "view");
    assert_eq!(shop["tables"][2]["schema"], "crm");
    assert_eq!(
        shop["tables"][1]["fields"][1],
        json!({"name": "order_date", "type": "date"})
    );

    // validate-query prepares without running; preview pages.
    let v = app
        .client
        .post(format!("{}/api/v1/validate-query", app.address))
        .json(&json!({"dataSource": "shop", "query": "SELECT id, name, vip, since FROM crm.customers WHERE since > :t"}))
        .send()
        .await
        .unwrap();
    assert_eq!(v.status(), 200);
    let v: Value = v.json().await.unwrap();
    assert_eq!(v["columns"], json!(["id", "name", "vip", "since"]));
    let bad = app
        .client
        .post(format!("{}/api/v1/validate-query", app.address))
        .json(&json!({"dataSource": "shop", "query": "SELECT nope FROM sales"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    assert!(bad.text().await.unwrap().contains("nope"));
    let id = report_id(&app, "On shop").await;
    let p = app
        .get_json(&format!(
            "/api/v1/reports/{id}/preview?query=orders&since=2025-12-01&page=2&pageSize=7"
        ))
        .await;
    let m = app
        .get_json(&format!(
            "/api/v1/reports/{}/preview?query=orders&since=2025-12-01&page=2&pageSize=7",
            report_id(&app, "On main").await
        ))
        .await;
    assert_eq!(p["rows"].as_array().unwrap().len(), 7, "{p}");
    assert_same(&m, &p, "preview");

    // The pages over the source: the report, the builder on a table of another schema.
    for page in [
        format!("/reports/{id}"),
        "/builder?source=shop&table=crm.customers".to_string(),
        "/builder/fields?source=shop&table=sales".to_string(),
        "/builder/values?source=shop&table=sales&field=region&prefix=Nor".to_string(),
    ] {
        let r = app.get(&page).await;
        assert_eq!(r.status(), 200, "{page}");
        let html = r.text().await.unwrap();
        if page.contains("crm.customers") {
            assert!(html.contains("data-field=\"vip\""), "{page}");
        }
        if page.contains("values") {
            assert!(
                html.contains("North") && !html.contains("South"),
                "{page}: {html}"
            );
        }
    }

    // Types: booleans, uuids, json, timestamps with a zone, numerics past f64, NULLs.
    let typed = app
        .client
        .post(format!("{}/api/v1/builder/preview", app.address))
        .json(&json!({"dataSource": "shop", "type": "table", "query":
            "SELECT true AS yes, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS id, '{\"a\": 1}'::jsonb AS doc, \
             timestamptz '2024-05-06 07:08:09+02' AS at, 12345678901234567890.12::numeric AS big, \
             NULL::integer AS nothing, 2.5::real AS half, date '2024-02-29' AS day"}))
        .send()
        .await
        .unwrap();
    let typed: Value = typed.json().await.unwrap();
    assert_eq!(
        typed["rows"][0],
        // Values, not display text: numbers are JSON numbers, a null is null.
        json!([
            1,
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
            "{\"a\": 1}",
            "2024-05-06 05:08:09",
            typed["rows"][0][4],
            null,
            2.5,
            "2024-02-29"
        ]),
        "{typed}"
    );
    let big = typed["rows"][0][4].as_f64().unwrap();
    assert!(
        (big / 12345678901234567890.12 - 1.0).abs() < 1e-12,
        "{typed}"
    );
}

/// Statements that must never change a PostgreSQL source, whoever Quire connects as.
const HOSTILE: &[&str] = &[
    "DROP TABLE sales",
    "DELETE FROM sales",
    "UPDATE sales SET revenue = 0",
    "INSERT INTO sales (order_id, order_date) VALUES (1, '2024-01-01')",
    "TRUNCATE sales",
    "SELECT 1; DROP TABLE sales",
    "WITH gone AS (DELETE FROM sales RETURNING *) SELECT count(*) FROM gone",
    "WITH x AS (UPDATE sales SET units = 0 RETURNING 1) SELECT * FROM x",
    "SELECT * INTO sales_copy FROM sales",
    "COPY sales TO '/tmp/quire-pg-copy.csv'",
    "COPY (SELECT 1) TO PROGRAM 'touch /tmp/quire-pg-pwned'",
    "SELECT set_config('default_transaction_read_only', 'off', false)",
    "SELECT pg_read_file('/etc/passwd')",
    "SELECT pg_catalog.pg_read_binary_file('/etc/hostname')",
    "SELECT lo_import('/etc/passwd')",
    "SELECT lo_export(1, '/tmp/quire-pg-lo')",
    "SELECT * FROM pg_ls_dir('.')",
    "SELECT query_to_xml('DELETE FROM sales', true, true, '')",
    "SELECT * FROM sales FOR UPDATE",
    "SET default_transaction_read_only = off",
    "BEGIN; DELETE FROM sales; COMMIT",
    "CREATE TABLE evil (x int)",
    "DO $$ BEGIN DELETE FROM sales; END $$",
    "SELECT nextval('sales_seq')",
    "SELECT pg_terminate_backend(pg_backend_pid())",
];

#[tokio::test]
async fn hostile_sql_is_refused_on_postgres_the_table_is_unchanged_and_a_slow_query_is_stopped() {
    let Some(pg) = blocking(Pg::start) else {
        return;
    };
    let fingerprint = || -> i64 {
        blocking(|| {
            pg.client()
                .query_one("SELECT count(*) + sum(revenue)::bigint FROM sales", &[])
                .unwrap()
                .get(0)
        })
    };
    let before = fingerprint();
    let app = spawn_app_with(|c| {
        c.limits.query_timeout_ms = 700;
        c.sources.push(pg.source("shop", 0));
        c.reports.push(
            serde_json::from_value(json!({"name": "Slow", "dataSource": "shop",
                "query": "SELECT pg_sleep(5) AS slept"}))
            .unwrap(),
        );
    })
    .await;
    for sql in HOSTILE {
        for path in ["/api/v1/validate-query", "/api/v1/builder/preview"] {
            let r = app
                .client
                .post(format!("{}{path}", app.address))
                .json(&json!({"dataSource": "shop", "query": sql}))
                .send()
                .await
                .unwrap();
            let status = r.status();
            let body = r.text().await.unwrap();
            assert_eq!(status, 422, "{path}: {sql}: {body}");
        }
    }
    let after = fingerprint();
    assert_eq!(before, after);
    assert!(!Path::new("/tmp/quire-pg-pwned").exists());
    assert!(!Path::new("/tmp/quire-pg-copy.csv").exists());
    // Nothing was created either.
    let tables: i64 = blocking(|| {
        pg.client()
            .query_one(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
                &[],
            )
            .unwrap()
            .get(0)
    });
    assert_eq!(tables, 1);

    // A query past statement_timeout: 422 naming the limit, in about the limit's time; the
    // server answers meanwhile and afterwards.
    let id = report_id(&app, "Slow").await;
    let started = std::time::Instant::now();
    let slow_path = format!("/api/v1/reports/{id}/preview");
    let (slow, health) = tokio::join!(app.get(&slow_path), async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        app.get("/healthz").await
    });
    assert_eq!(health.status(), 200);
    assert_eq!(slow.status(), 422);
    let body = slow.text().await.unwrap();
    assert!(
        body.contains("700 ms") && body.contains("query_timeout_ms"),
        "{body}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    let ok = app
        .client
        .post(format!("{}/api/v1/builder/preview", app.address))
        .json(&json!({"dataSource": "shop", "query": "SELECT count(*) AS n FROM sales"}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
}

#[tokio::test]
async fn after_the_postgres_server_restarts_the_next_request_works() {
    let Some(pg) = blocking(Pg::start) else {
        return;
    };
    let app = spawn_app_with(|c| {
        c.sources.push(pg.source("shop", 0));
        c.reports.push(overview("On shop", "shop"));
    })
    .await;
    let id = report_id(&app, "On shop").await;
    let path = format!("/api/v1/reports/{id}/preview?query=kpis");
    let before = app.get_json(&path).await;
    pg.restart();
    let after = app.get_json(&path).await;
    assert_eq!(before["rows"], after["rows"]);
    let health = app.get("/healthz?detail").await.text().await.unwrap();
    assert!(health.contains("source shop: ok"), "{health}");

    // While it is down: Quire answers, says so, and the report fails fast instead of hanging.
    pg.pg_ctl("stop");
    let health = app.get("/healthz?detail").await;
    assert_eq!(health.status(), 200);
    let health = health.text().await.unwrap();
    assert!(health.contains("source shop: unavailable"), "{health}");
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains("quire_source_up{source=\"shop\"} 0"),
        "{metrics}"
    );
    assert!(
        metrics.contains("quire_source_up{source=\"main\"} 1"),
        "{metrics}"
    );
    let down = app.get(&path).await.status();
    assert!(down.is_server_error() || down == 422, "{down}");
    pg.pg_ctl("start");
    let again = app.get_json(&path).await;
    assert_eq!(before["rows"], again["rows"]);
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains("quire_source_up{source=\"shop\"} 1"),
        "{metrics}"
    );
}

#[test]
fn a_postgres_source_with_a_bad_url_or_a_missing_variable_is_a_config_error_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    for (body, field) in [
        ("url = \"mysql://x\"", "sources[0].url"),
        (
            "url_env = \"QUIRE_TEST_NO_SUCH_VARIABLE\"",
            "sources[0].url_env",
        ),
        ("", "sources[0].url"),
        (
            "url = \"postgres://h/db?sslmode=verify-full&sslrootcert=/no/such.pem\"",
            "sources[0].url",
        ),
        // A client certificate needs its key, readable files, and PEM in them.
        (
            "url = \"postgres://h/db?sslcert=/etc/hostname\"",
            "sources[0].url",
        ),
        (
            "url = \"postgres://h/db?sslkey=/etc/hostname\"",
            "sources[0].url",
        ),
        (
            "url = \"postgres://h/db?sslcert=/no/such.crt&sslkey=/no/such.key\"",
            "sources[0].url",
        ),
        (
            "url = \"postgres://h/db?sslcert=/etc/hostname&sslkey=/etc/hostname\"",
            "sources[0].url",
        ),
        ("url = \"postgres://h/db?sslmode=nope\"", "sources[0].url"),
    ] {
        let config = dir.path().join("reports.toml");
        std::fs::write(
            &config,
            format!("[[sources]]\nname = \"shop\"\ntype = \"postgres\"\n{body}\n"),
        )
        .unwrap();
        let out = crate::helpers::quire()
            .args(["check-config", "--config", config.to_str().unwrap()])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{body}: {err}");
        assert!(err.contains(field), "{body}: {err}");
    }
    let _ = SourceKind::Postgres;
}

#[tokio::test]
async fn sslmode_require_encrypts_and_verify_full_checks_the_certificate() {
    let Some(pg) = blocking(|| Pg::start_with(true)) else {
        return;
    };
    let base = format!("postgres://quire_admin@127.0.0.1:{}/postgres", pg.port);
    let cert = pg.certificate().display().to_string();
    let app = spawn_app_with(|c| {
        for (name, query) in [
            ("encrypted", "sslmode=require".to_string()),
            ("checked", format!("sslmode=verify-full&sslrootcert={cert}")),
            ("plain", "sslmode=disable".to_string()),
            ("strict", "sslmode=verify-full".to_string()),
        ] {
            c.sources.push(
                serde_json::from_value(
                    json!({"name": name, "type": "postgres", "url": format!("{base}?{query}")}),
                )
                .unwrap(),
            );
        }
    })
    .await;
    let ssl = |source: &'static str| {
        let app = &app;
        async move {
            let r = app
                .client
                .post(format!("{}/api/v1/builder/preview", app.address))
                .json(&json!({"dataSource": source, "type": "table",
                    "query": "SELECT ssl::int AS ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"}))
                .send()
                .await
                .unwrap();
            let status = r.status();
            let v: Value = r.json().await.unwrap();
            assert_eq!(status, 200, "{source}: {v}");
            v["rows"][0][0].to_string()
        }
    };
    assert_eq!(ssl("encrypted").await, "1");
    assert_eq!(ssl("checked").await, "1");
    assert_eq!(ssl("plain").await, "0");
    // A private CA is not one the Mozilla roots vouch for.
    let health = app.get("/healthz?detail").await.text().await.unwrap();
    assert!(health.contains("source strict: unavailable"), "{health}");
    assert!(health.contains("source checked: ok"), "{health}");
}

#[tokio::test]
async fn a_client_certificate_signs_in_where_the_server_asks_for_one() {
    let Some(pg) = blocking(|| Pg::start_with(true)) else {
        return;
    };
    blocking(|| {
        pg.client()
            .batch_execute("CREATE ROLE cert_reader LOGIN; GRANT SELECT ON sales TO cert_reader;")
            .unwrap()
    });
    let base = format!("postgres://cert_reader@127.0.0.1:{}/postgres", pg.port);
    let checked = format!("sslmode=verify-full&sslrootcert={}", pg.file("ca.crt"));
    let app = spawn_app_with(|c| {
        for (name, query) in [
            (
                "with_cert",
                format!(
                    "{checked}&sslcert={}&sslkey={}",
                    pg.file("client.crt"),
                    pg.file("client.key")
                ),
            ),
            (
                "encrypted_with_cert",
                format!(
                    "sslmode=require&sslcert={}&sslkey={}",
                    pg.file("client.crt"),
                    pg.file("client.key")
                ),
            ),
            ("without_cert", checked.clone()),
            (
                "rogue_cert",
                format!(
                    "{checked}&sslcert={}&sslkey={}",
                    pg.file("rogue.crt"),
                    pg.file("rogue.key")
                ),
            ),
        ] {
            c.sources.push(
                serde_json::from_value(
                    json!({"name": name, "type": "postgres", "url": format!("{base}?{query}")}),
                )
                .unwrap(),
            );
        }
    })
    .await;
    for source in ["with_cert", "encrypted_with_cert"] {
        let r = app
            .client
            .post(format!("{}/api/v1/builder/preview", app.address))
            .json(&json!({"dataSource": source, "type": "table",
                "query": "SELECT client_dn, (SELECT count(*) FROM sales) AS n \
                          FROM pg_stat_ssl WHERE pid = pg_backend_pid()"}))
            .send()
            .await
            .unwrap();
        let status = r.status();
        let v: Value = r.json().await.unwrap();
        assert_eq!(status, 200, "{source}: {v}");
        assert_eq!(v["rows"][0][0], "/CN=cert_reader", "{source}: {v}");
        assert_eq!(v["rows"][0][1], 20000, "{source}: {v}");
    }
    // No certificate, or one the server's CA did not sign: the server refuses the sign-in.
    let health = app.get("/healthz?detail").await.text().await.unwrap();
    assert!(health.contains("source with_cert: ok"), "{health}");
    assert!(
        health.contains("source without_cert: unavailable"),
        "{health}"
    );
    assert!(
        health.contains("source rogue_cert: unavailable"),
        "{health}"
    );
}

#[tokio::test]
async fn joined_questions_give_the_same_rows_on_postgres_as_on_the_embedded_store() {
    let Some(pg) = blocking(Pg::start) else {
        return;
    };
    let app = spawn_app_with(|c| c.sources.push(pg.source("shop", 0))).await;
    // The same products on both: a repeated key (Product 005) and products never sold.
    let mut csv = String::from("product,category,cost\n");
    for n in (1..=210).filter(|n| n % 17 != 0) {
        csv.push_str(&format!(
            "Product {n:03},{},{}\n",
            ["A", "B", "C"][n % 3],
            n as f64 / 4.0
        ));
    }
    csv.push_str("Product 005,B,9.5\n");
    crate::columnar::upload(&app, "products", csv.clone().into_bytes()).await;
    let load = csv.clone();
    let url = pg.url();
    blocking(move || {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        c.batch_execute(
            "CREATE TABLE products (product text, category text, cost double precision)",
        )
        .unwrap();
        let mut w = c
            .copy_in("COPY products FROM STDIN WITH (FORMAT csv, HEADER true)")
            .unwrap();
        std::io::Write::write_all(&mut w, load.as_bytes()).unwrap();
        w.finish().unwrap();
    });
    let join = |kind: &str| json!([{ "dataset": "products", "type": kind, "on": [{ "left": "product", "right": "product" }] }]);
    let specs = [
        json!({ "dimensions": ["products.category"], "measures": [{ "field": "revenue", "agg": "sum", "as": "revenue" }, { "field": "*", "agg": "count", "as": "n" }],
                "sort": [{ "field": "products.category", "dir": "asc" }] }),
        json!({ "expressions": [{ "name": "margin", "expr": "revenue - coalesce(products.cost, 0) * units" }],
                "dimensions": ["region"], "measures": [{ "field": "margin", "agg": "sum", "as": "margin" },
                { "expr": "countif(products.category = 'A')", "as": "a" }],
                "filters": [{ "field": "products.cost", "op": "lt", "value": 30 }], "sort": [{ "field": "region", "dir": "asc" }] }),
    ];
    for kind in ["left", "inner"] {
        for s in &specs {
            let mut spec = s.clone();
            spec["dataset"] = json!("sales");
            spec["joins"] = join(kind);
            let (m, s) = (
                builder_rows(&app, "main", &spec).await,
                builder_rows(&app, "shop", &spec).await,
            );
            assert!(m["totalRows"].as_u64() > Some(1), "{spec}: {m}");
            assert_same(&m, &s, &spec.to_string());
        }
    }
}
