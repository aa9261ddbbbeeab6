//! PDF text in scripts the embedded DejaVu Sans lacks, through `[branding] font_dirs`.
//! Each case runs `quire render` in a process of its own: the font folders are set once per
//! process. `.ci/run` installs Debian's fonts-noto-cjk and sets QUIRE_CJK_TESTS=1, which turns
//! a missing font into a failure instead of a skip.

use crate::helpers::quire;
use std::path::Path;
use std::process::Command;

const NOTO: &str = "/usr/share/fonts/opentype/noto";

fn config(font_dirs: &str) -> String {
    format!(
        r#"[branding]
font_dirs = [{font_dirs}]

[[reports]]
name = "区域销售 — 月報"
description = "東京と北京の売上。서울 지점 포함."
dataSource = "main"

[reports.queries.q]
query = "SELECT '北京' AS city, 1200 AS revenue UNION ALL SELECT '東京', 800 UNION ALL SELECT '서울', 650"

[[reports.visualizations]]
id = "t"
type = "table"
title = "城市 / 都市 / 도시"
query = "q"

[[reports.visualizations]]
id = "b"
type = "bar"
title = "收入"
query = "q"
dataMapping = {{ x = "city", y = "revenue" }}
"#
    )
}

/// Renders the report under `toml`: exit code, stderr and the PDF (if any).
fn render(dir: &Path, toml: &str) -> (i32, String, Option<Vec<u8>>) {
    let cfg = dir.join("reports.toml");
    std::fs::write(&cfg, toml).unwrap();
    let out = dir.join("r.pdf");
    let run = quire()
        .args(["render", "区域销售 — 月報", "--format", "pdf", "--config"])
        .arg(&cfg)
        .arg("--data-dir")
        .arg(dir.join("data"))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    (
        run.status.code().unwrap(),
        String::from_utf8_lossy(&run.stderr).into_owned(),
        std::fs::read(&out).ok(),
    )
}

fn tool(name: &str, pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.pdf");
    std::fs::write(&path, pdf).unwrap();
    let mut cmd = Command::new(name);
    cmd.arg(&path);
    if name == "pdftotext" {
        cmd.arg("-");
    }
    let out = cmd.output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn chinese_japanese_and_korean_reach_the_pdf_in_a_font_from_font_dirs() {
    if !Path::new(NOTO).join("NotoSansCJK-Regular.ttc").exists() {
        assert!(
            std::env::var("QUIRE_CJK_TESTS").is_err(),
            "QUIRE_CJK_TESTS is set but {NOTO} has no Noto CJK (apt-get install fonts-noto-cjk)"
        );
        eprintln!("skipped: no Noto CJK fonts in {NOTO}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // A file that is not a font in the folder list is skipped, not fatal.
    let junk = dir.path().join("junk");
    std::fs::create_dir(&junk).unwrap();
    std::fs::write(junk.join("broken.ttf"), b"not a font at all").unwrap();
    let dirs = format!("{NOTO:?}, {:?}", junk.display().to_string());
    let (code, err, pdf) = render(dir.path(), &config(&dirs));
    assert_eq!(code, 0, "{err}");
    let pdf = pdf.expect("a PDF");
    let fonts = tool("pdffonts", &pdf);
    assert!(fonts.contains("NotoSansCJK"), "{fonts}");
    let text = tool("pdftotext", &pdf);
    for s in [
        "区域销售",
        "東京と北京の売上",
        "서울 지점 포함",
        "城市 / 都市 / 도시",
        "收入",
    ] {
        assert!(text.contains(s), "{s} in the PDF text: {text}");
    }

    // Without the folder the same report has no CJK font at all.
    let bare = tempfile::tempdir().unwrap();
    let (code, err, pdf) = render(bare.path(), &config(""));
    assert_eq!(code, 0, "{err}");
    assert!(!tool("pdffonts", &pdf.unwrap()).contains("NotoSansCJK"));
}

#[test]
fn a_font_dir_that_is_not_a_folder_exits_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    for bad in [
        format!("{:?}", dir.path().join("missing").display().to_string()),
        format!("{:?}", file.display().to_string()),
        // A path with a NUL in it (TOML's escape): no such folder either.
        format!("\"{}nowhere\\u0000\"", "../".repeat(40)),
    ] {
        let (code, err, pdf) = render(dir.path(), &config(&bad));
        assert_eq!(code, 2, "{bad}: {err}");
        assert!(err.contains("branding.font_dirs[0]"), "{bad}: {err}");
        assert!(pdf.is_none());
    }
}
