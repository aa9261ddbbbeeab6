use crate::helpers::{quire, spawn_app, spawn_app_with, TestApp};
use rusqlite::{Connection, OpenFlags};
use std::path::Path;

const SALES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/sales.csv");

/// Every row of a dataset table, as text, in order.
fn table_rows(db: &Path, table: &str) -> Vec<String> {
    let c = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let mut stmt = c
        .prepare(&format!("SELECT * FROM \"{table}\" ORDER BY 1"))
        .unwrap();
    let n = stmt.column_count();
    stmt.query_map([], |r| {
        Ok((0..n)
            .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
            .collect::<Vec<_>>()
            .join("|"))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

async fn upload(
    app: &TestApp,
    path: &str,
    file_name: &str,
    bytes: Vec<u8>,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_string()),
    );
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    app.client
        .post(format!("{}{path}", app.address))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

fn sales_bytes() -> Vec<u8> {
    std::fs::read(SALES).unwrap()
}

#[tokio::test]
async fn the_three_ways_in_give_the_same_table() {
    let app = spawn_app().await;
    let db = app._data_dir.path().join("datasets.db");

    let r = upload(
        &app,
        "/api/v1/datasets",
        "sales.csv",
        sales_bytes(),
        &[("name", "via_api")],
    )
    .await;
    assert_eq!(r.status(), 201);
    let info: serde_json::Value = r.json().await.unwrap();
    assert_eq!(info["rowCount"], 20000);
    assert_eq!(
        info["columns"][1],
        serde_json::json!({"name": "order_date", "original": "order_date", "type": "date"})
    );

    let r = upload(
        &app,
        "/datasets/upload",
        "sales.csv",
        sales_bytes(),
        &[("name", "via_page")],
    )
    .await;
    assert_eq!(r.status(), 201);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("id=\"imported-rows\">20,000<") && html.contains("order_date (date)"),
        "{html}"
    );

    let cli_dir = tempfile::tempdir().unwrap();
    let out = quire()
        .args(["import", SALES, "--dataset", "via_cli", "--data-dir"])
        .arg(cli_dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("imported 20000 rows")
            && stdout.contains("revenue")
            && stdout.contains("real"),
        "{stdout}"
    );

    let demo = table_rows(&db, "sales");
    assert_eq!(demo.len(), 20000);
    assert_eq!(table_rows(&db, "via_api"), demo);
    assert_eq!(table_rows(&db, "via_page"), demo);
    assert_eq!(
        table_rows(&cli_dir.path().join("datasets.db"), "via_cli"),
        demo
    );

    let list = app.get_json("/api/v1/datasets").await;
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["sales", "via_api", "via_page"]);
    let one = app.get_json("/api/v1/datasets/via_api").await;
    assert_eq!(one["preview"]["rows"][0][0], 1000001);
    assert_eq!(
        app.client
            .delete(format!("{}/api/v1/datasets/via_api", app.address))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    assert_eq!(app.get("/api/v1/datasets/via_api").await.status(), 404);
}

#[tokio::test]
async fn the_same_rows_saved_as_xlsx_import_to_the_same_values() {
    let app = spawn_app().await;
    let db = app._data_dir.path().join("datasets.db");
    // Write the CSV's rows with another writer: dates as date cells, money as numbers.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let date_format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    let sheet = wb.add_worksheet().set_name("sales").unwrap();
    for (r, line) in std::fs::read_to_string(SALES).unwrap().lines().enumerate() {
        for (c, field) in line.split(',').enumerate() {
            let (r, c) = (r as u32, c as u16);
            if r == 0 || [2, 3, 4].contains(&c) {
                sheet.write(r, c, field).unwrap();
            } else if c == 1 {
                let d = rust_xlsxwriter::ExcelDateTime::parse_from_str(field).unwrap();
                sheet
                    .write_date_with_format(r, c, &d, &date_format)
                    .unwrap();
            } else {
                sheet.write(r, c, field.parse::<f64>().unwrap()).unwrap();
            }
        }
    }
    let bytes = wb.save_to_buffer().unwrap();
    let r = upload(
        &app,
        "/api/v1/datasets",
        "sales.xlsx",
        bytes,
        &[("name", "from_xlsx"), ("sheet", "sales")],
    )
    .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    assert_eq!(table_rows(&db, "from_xlsx"), table_rows(&db, "sales"));
}

#[tokio::test]
async fn csv_dialects_and_latin1_are_read() {
    let app = spawn_app().await;
    let latin1 =
        b"\xEF\xBB\xBFcity;amount;when\nK\xF6ln;1.5;2025-01-02\nS\xE3o Paulo;2;2025-01-03\n"
            .to_vec();
    let r = upload(&app, "/api/v1/datasets", "cities.csv", latin1, &[]).await;
    assert_eq!(r.status(), 201);
    let info: serde_json::Value = r.json().await.unwrap();
    assert_eq!(info["name"], "cities");
    let d = app.get_json("/api/v1/datasets/cities").await;
    assert_eq!(
        d["preview"]["rows"][0],
        serde_json::json!(["Köln", 1.5, "2025-01-02"])
    );
    assert_eq!(d["preview"]["rows"][1][0], "São Paulo");
    let tsv = b"a\tb\n\"x\ty\"\t2\n".to_vec();
    let r = upload(&app, "/api/v1/datasets", "t.tsv", tsv, &[("name", "tabs")]).await;
    assert_eq!(r.status(), 201);
    let d = app.get_json("/api/v1/datasets/tabs").await;
    assert_eq!(d["preview"]["rows"][0], serde_json::json!(["x\ty", 2]));
}

fn zip_bomb() -> Vec<u8> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    w.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
    let zeros = vec![b' '; 1 << 20];
    for _ in 0..600 {
        w.write_all(&zeros).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[tokio::test]
async fn hostile_files_are_refused_by_name_and_the_dataset_is_unchanged() {
    let app = spawn_app_with(|c| c.limits.upload_max_mb = 2).await;
    let db = app._data_dir.path().join("datasets.db");
    let before = table_rows(&db, "sales");
    let wide = {
        let header: Vec<String> = (0..5000).map(|i| format!("c{i}")).collect();
        format!("{}\n{}\n", header.join(","), vec!["1"; 5000].join(",")).into_bytes()
    };
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        ("ragged.csv", b"a,b\n1,2\n3\n".to_vec(), 422, "row 3"),
        (
            "quote.csv",
            b"a,b\n1,\"unterminated\n2,3\n".to_vec(),
            422,
            "quote.csv",
        ),
        ("empty.csv", Vec::new(), 422, "empty"),
        ("header.csv", b"a,b\n".to_vec(), 422, "no data rows"),
        (
            "garbage.csv",
            (0..4096u32).map(|i| (i * 7 % 256) as u8).collect(),
            422,
            "binary",
        ),
        (
            "fake.xlsx",
            b"order_id,region\n1,x\n".to_vec(),
            422,
            "not a zip",
        ),
        (
            "broken.xlsx",
            b"PK\x03\x04 not really a zip".to_vec(),
            422,
            "broken.xlsx: this is not a valid XLSX file (it is not a zip archive)",
        ),
        ("bomb.xlsx", zip_bomb(), 422, "unpack"),
        ("wide.csv", wide, 422, "5000 columns"),
        ("big.csv", vec![b'a'; 3 << 20], 413, "2 MB"),
        // Cut off inside the third data row (line 4).
        (
            "cut.csv",
            sales_bytes().into_iter().take(250).collect(),
            422,
            "cut.csv: row 4",
        ),
    ];
    for (file, bytes, status, mention) in cases {
        let r = upload(&app, "/api/v1/datasets", file, bytes, &[("name", "sales")]).await;
        let got = r.status().as_u16();
        let body = r.text().await.unwrap();
        assert_eq!(got, status, "{file}: {body}");
        assert!(body.contains(mention), "{file}: {body}");
        // Plain words: no zip or calamine jargon reaches the person importing.
        assert!(
            !body.contains("EOCD") && !body.contains("Zip"),
            "{file}: {body}"
        );
    }
    for (fields, mention) in [
        (vec![("name", "Bad Name")], "name"),
        (vec![("name", "x"), ("mode", "merge")], "mode"),
        (vec![("name", "x"), ("colour", "red")], "colour"),
    ] {
        let r = upload(
            &app,
            "/api/v1/datasets",
            "a.csv",
            b"a\n1\n".to_vec(),
            &fields,
        )
        .await;
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains(mention));
    }
    // Appending rows whose values do not fit the dataset's types names row and column.
    let mut bad = sales_bytes()[..500].to_vec();
    let cut = bad.iter().rposition(|b| *b == b'\n').unwrap();
    bad.truncate(cut + 1);
    bad.extend_from_slice(b"1999999,2025-13-45,North,Online,Product 001,1,1,1.00,1.00,1.00\n");
    let r = upload(
        &app,
        "/api/v1/datasets",
        "more.csv",
        bad,
        &[("name", "sales"), ("mode", "append")],
    )
    .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("column `order_date`") && body.contains("2025-13-45"),
        "{body}"
    );
    assert_eq!(
        table_rows(&db, "sales"),
        before,
        "the sales dataset changed"
    );

    // A client announcing a 1 GB body is turned away before it is read.
    use std::io::{Read, Write};
    let port = app.address.rsplit(':').next().unwrap();
    let mut s = std::net::TcpStream::connect(format!("127.0.0.1:{port}")).unwrap();
    let head = format!(
        "POST /api/v1/datasets HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: multipart/form-data; boundary=X\r\nContent-Length: 1073741824\r\n\r\n--X\r\n",
        app.token
    );
    s.write_all(head.as_bytes()).unwrap();
    let mut buf = [0u8; 512];
    let n = s.read(&mut buf).unwrap();
    let head = String::from_utf8_lossy(&buf[..n]);
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
}

#[test]
fn cli_import_errors_exit_2_naming_file_and_row() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "a,b\n1,2\n3,4,5\n").unwrap();
    let out = quire()
        .args(["import"])
        .arg(&bad)
        .args(["--dataset", "x", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.csv") && err.contains("row 3"), "{err}");
    for (args, mention) in [
        (vec!["--dataset", "Bad"], "--dataset"),
        (vec!["--dataset", "x", "--mode", "merge"], "--mode"),
        (vec!["--dataset", "x", "--type", "a=money"], "money"),
        (vec!["--dataset", "x", "--type", "a"], "column=type"),
    ] {
        let out = quire()
            .arg("import")
            .arg(&bad)
            .args(&args)
            .arg("--data-dir")
            .arg(dir.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(mention),
            "{args:?}"
        );
    }
    let out = quire()
        .args(["import", "/no/such.csv", "--dataset", "x", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[tokio::test]
async fn date_columns_are_indexed_and_a_replace_keeps_one_index_each() {
    let app = crate::helpers::spawn_app().await;
    let db = app._data_dir.path().join("datasets.db");
    let indexes = || {
        let conn = Connection::open_with_flags(&db, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        let mut stmt = conn
            .prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'sales'")
            .unwrap();
        stmt.query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(Result::unwrap)
            .collect::<Vec<_>>()
    };
    let first = indexes();
    assert_eq!(first.len(), 1, "{first:?}");
    assert!(
        first[0].ends_with("ON \"sales\" (\"order_date\")"),
        "{first:?}"
    );
    // The report's window queries use it.
    let conn = Connection::open_with_flags(&db, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let plan: String = conn
        .query_row(
            "EXPLAIN QUERY PLAN SELECT count(*) FROM sales WHERE order_date >= '2025-10-01'",
            [],
            |r| r.get(3),
        )
        .unwrap();
    assert!(
        plan.contains("USING COVERING INDEX") || plan.contains("USING INDEX"),
        "{plan}"
    );
    // Importing again replaces the table and its index.
    let r = upload(
        &app,
        "/api/v1/datasets",
        "sales.csv",
        sales_bytes(),
        &[("name", "sales"), ("mode", "replace")],
    )
    .await;
    assert!(r.status().is_success(), "{}", r.status());
    let second = indexes();
    assert_eq!(second.len(), 1, "{second:?}");
    assert_ne!(first, second, "a new index with the new table");
}

/// An XLSX file whose sheet `Data` has the header `id, note` and rows holding `cells` in
/// `note` (each `(bytes, repeat)`: a text of that many x's, in that many columns), in the
/// shared strings table as Excel writes them (as rich text in runs of `run` bytes when not 0),
/// or inline.
fn xlsx_with(rows: &[(usize, usize)], shared: bool, run: usize) -> Vec<u8> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    let parts = [
        (
            "[Content_Types].xml",
            format!(
                r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#
            ),
        ),
        (
            "_rels/.rels",
            format!(
                r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
            ),
        ),
        (
            "xl/workbook.xml",
            format!(
                r#"<?xml version="1.0"?><workbook xmlns="{ns}" xmlns:r="{rel}"><sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>"#
            ),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            format!(
                r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#
            ),
        ),
    ];
    for (name, text) in parts {
        w.start_file(name, opts).unwrap();
        w.write_all(text.as_bytes()).unwrap();
    }
    let text = |i: usize, s: &str| {
        if shared {
            format!(r#"t="s"><v>{i}</v>"#)
        } else {
            format!(r#"t="inlineStr"><is><t>{s}</t></is>"#)
        }
    };
    w.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
    write!(
        w,
        r#"<?xml version="1.0"?><worksheet xmlns="{ns}"><sheetData><row r="1"><c r="A1" {}</c><c r="B1" {}</c></row>"#,
        text(0, "id"),
        text(1, "note")
    )
    .unwrap();
    for (r, (bytes, repeat)) in rows.iter().enumerate() {
        write!(w, r#"<row r="{0}"><c r="A{0}"><v>{0}</v></c>"#, r + 2).unwrap();
        for c in 0..*repeat {
            let col = (b'B' + c as u8) as char;
            let big = "x".repeat(if shared { 0 } else { *bytes });
            write!(w, r#"<c r="{col}{}" {}</c>"#, r + 2, text(r + 2, &big)).unwrap();
        }
        w.write_all(b"</row>").unwrap();
    }
    w.write_all(b"</sheetData></worksheet>").unwrap();
    w.start_file("xl/sharedStrings.xml", opts).unwrap();
    write!(
        w,
        r#"<?xml version="1.0"?><sst xmlns="{ns}"><si><t>id</t></si><si><t>note</t></si>"#
    )
    .unwrap();
    for (bytes, _) in rows {
        let bytes = if shared { *bytes } else { 0 };
        w.write_all(b"<si>").unwrap();
        if run == 0 {
            write!(w, "<t>{}</t>", "x".repeat(bytes)).unwrap();
        }
        for i in (0..bytes).step_by(run.max(1)).filter(|_| run > 0) {
            write!(w, "<r><t>{}</t></r>", "x".repeat(run.min(bytes - i))).unwrap();
        }
        w.write_all(b"</si>").unwrap();
    }
    w.write_all(b"</sst>").unwrap();
    w.finish().unwrap().into_inner()
}

#[tokio::test]
async fn a_cell_larger_than_a_megabyte_is_refused_by_sheet_row_and_column_before_it_is_read() {
    let app = spawn_app().await;
    let db = app._data_dir.path().join("datasets.db");
    let before = table_rows(&db, "sales");
    // A 40 MB cell packs into about 40 KB.
    let shared = xlsx_with(&[(10, 1), (40 << 20, 1)], true, 0);
    assert!(shared.len() < 100_000, "{}", shared.len());
    let inline = xlsx_with(&[(10, 1), (10, 1), (3 << 20, 1)], false, 0);
    // 3 MB in runs of 1,000 bytes, as rich text is kept: each run is short, the cell is not.
    let runs = xlsx_with(&[(3 << 20, 1)], true, 1000);
    // 20 cells of 1 MB each (one shared string): no cell too large, the row is.
    let wide = xlsx_with(&[(1 << 20, 20)], true, 0);
    // 70 rows of 15 cells of 1 MB: a gigabyte to store from a file of a few hundred KB.
    let many = xlsx_with(&[(1 << 20, 15); 70], true, 0);
    let mut csv = b"id,note\n1,short\n2,".to_vec();
    csv.extend(vec![b'x'; 2 << 20]);
    csv.extend_from_slice(b"\n");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "shared.xlsx",
            shared,
            "shared.xlsx: sheet `Data`, row 3, column B (`note`)",
        ),
        (
            "inline.xlsx",
            inline,
            "inline.xlsx: sheet `Data`, row 4, column B (`note`)",
        ),
        (
            "runs.xlsx",
            runs,
            "runs.xlsx: sheet `Data`, row 2, column B (`note`)",
        ),
        ("wide.xlsx", wide, "wide.xlsx: row 2: holds more than 16 MB"),
        (
            "many.xlsx",
            many,
            "many.xlsx: the cells of sheet `Data` hold more than 1 GB of text in all",
        ),
        ("long.csv", csv, "long.csv: row 3, column `note`"),
    ];
    for (file, bytes, mention) in cases {
        let r = upload(&app, "/api/v1/datasets", file, bytes, &[("name", "sales")]).await;
        let status = r.status().as_u16();
        let body = r.text().await.unwrap();
        assert_eq!(status, 422, "{file}: {body}");
        assert!(body.contains(mention), "{file}: {body}");
        if !file.starts_with("wide") && !file.starts_with("many") {
            assert!(body.contains("more than 1 MB"), "{file}: {body}");
        }
    }
    assert_eq!(table_rows(&db, "sales"), before);
    // A cell of just under the limit is imported whole.
    let fits = xlsx_with(&[((1 << 20) - 1, 1)], true, 0);
    let r = upload(&app, "/api/v1/datasets", "fits.xlsx", fits, &[]).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let c = Connection::open_with_flags(&db, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let n: i64 = c
        .query_row("SELECT length(note) FROM fits", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, (1 << 20) - 1);

    // The command line exits 2 with the same words.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hostile.xlsx");
    std::fs::write(&file, xlsx_with(&[(40 << 20, 1)], true, 0)).unwrap();
    let out = quire()
        .arg("import")
        .arg(&file)
        .args(["--dataset", "x", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("sheet `Data`, row 2, column B (`note`)") && err.contains("1 MB"),
        "{err}"
    );
}

/// A CSV of `rows` rows, about 50 bytes each.
fn many_rows(rows: usize) -> Vec<u8> {
    let mut out = b"id,day,region,amount,note\n".to_vec();
    for i in 0..rows {
        out.extend(
            format!(
                "{i},2025-01-{:02},R{},{:.2},some note text {i}\n",
                i % 28 + 1,
                i % 7,
                i as f64 * 1.5
            )
            .bytes(),
        );
    }
    out
}

#[tokio::test]
async fn three_imports_at_once_all_succeed() {
    let app = spawn_app().await;
    let bytes = many_rows(300_000);
    let send = |name: &'static str| {
        let (app, bytes) = (&app, bytes.clone());
        async move {
            let r = upload(
                app,
                "/api/v1/datasets",
                "rows.csv",
                bytes,
                &[("name", name)],
            )
            .await;
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let (one, two, three) = tokio::join!(send("one"), send("two"), send("sales"));
    for (status, body) in [one, two, three] {
        assert_eq!(status, 201, "{body}");
    }
    for name in ["one", "two", "sales"] {
        let d = app.get_json(&format!("/api/v1/datasets/{name}")).await;
        assert_eq!(d["rowCount"], 300_000, "{name}: {d}");
    }
}

/// The bytes of the dataset store on disk: its file and its write-ahead log.
fn store_bytes(dir: &Path) -> u64 {
    ["datasets.db", "datasets.db-wal"]
        .iter()
        .map(|f| std::fs::metadata(dir.join(f)).map(|m| m.len()).unwrap_or(0))
        .sum()
}

#[tokio::test]
async fn deleting_or_shrinking_a_dataset_gives_its_space_back() {
    let app = spawn_app().await;
    let dir = app._data_dir.path();
    let empty = store_bytes(dir);
    let big = many_rows(150_000);
    let r = upload(&app, "/api/v1/datasets", "big.csv", big.clone(), &[]).await;
    assert_eq!(r.status(), 201);
    let full = store_bytes(dir);
    assert!(full > empty + (5 << 20), "{empty} → {full}");
    let r = app
        .client
        .delete(format!("{}/api/v1/datasets/big", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let after = store_bytes(dir);
    assert!(after < empty + (1 << 20), "{empty} → {full} → {after}");

    // Replaced by a small file, the dataset's old pages go too.
    let r = upload(&app, "/api/v1/datasets", "big.csv", big, &[]).await;
    assert_eq!(r.status(), 201);
    let r = upload(&app, "/api/v1/datasets", "big.csv", many_rows(10), &[]).await;
    assert_eq!(r.status(), 201);
    let after = store_bytes(dir);
    assert!(after < empty + (1 << 20), "{empty} → {after}");
    assert_eq!(table_rows(&dir.join("datasets.db"), "big").len(), 10);
}

#[test]
fn the_data_folder_and_its_databases_are_private_to_quires_account() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let top = tempfile::tempdir().unwrap();
    // One made now, and one an older version left readable by everyone.
    let (new, old) = (top.path().join("new/data"), top.path().join("old"));
    std::fs::create_dir_all(old.join("secrets")).unwrap();
    for file in ["datasets.db", "secrets/session.key"] {
        std::fs::write(
            old.join(file),
            if file.ends_with("key") {
                "k".repeat(64)
            } else {
                String::new()
            },
        )
        .unwrap();
        std::fs::set_permissions(old.join(file), std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o755)).unwrap();
    for dir in [new, old] {
        let store = quire::store::Store::open(&dir, &[], 0).unwrap();
        // The write-ahead logs exist while connections are open.
        store
            .data
            .get()
            .unwrap()
            .execute_batch("CREATE TABLE t (a); DROP TABLE t;")
            .unwrap();
        for folder in ["", "secrets", "exports", "uploads"] {
            assert_eq!(mode(&dir.join(folder)), 0o700, "{}/{folder}", dir.display());
        }
        for file in [
            "quire.db",
            "quire.db-wal",
            "quire.db-shm",
            "datasets.db",
            "datasets.db-wal",
            "datasets.db-shm",
            "secrets/session.key",
            "secrets/links.key",
        ] {
            assert_eq!(mode(&dir.join(file)), 0o600, "{}/{file}", dir.display());
        }
        drop(store);
    }
}
