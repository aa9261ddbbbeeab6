//! What the README promises a person running Quire on a server: the sections exist, the
//! systemd unit starts the binary with flags it has, and the Dockerfile is multi-stage, runs as
//! a non-root user and copies everything the build embeds. (The image is not built here.)

use crate::helpers::quire;
use std::path::Path;

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

#[test]
fn the_readme_documents_sources_and_running_on_a_server() {
    let readme = read("README.md");
    for needle in [
        "### Data sources: SQLite files and PostgreSQL",
        "type = \"sqlite\"",
        "type = \"postgres\"",
        "## Run it on a server",
        "examples/quire.service",
        "reverse_proxy 127.0.0.1:8080",
        "quire backup",
        "**Upgrading.**",
        "docker build -t quire .",
    ] {
        assert!(readme.contains(needle), "README: {needle}");
    }
}

#[test]
fn the_systemd_unit_runs_quire_with_flags_it_has() {
    let unit = read("examples/quire.service");
    let exec = unit
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("ExecStart");
    let args: Vec<&str> = exec.split_whitespace().skip(1).collect();
    assert_eq!(args[0], "serve");
    // The same flags, on a config and folder of our own, parse and validate.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("reports.toml");
    std::fs::write(&config, "").unwrap();
    let mut check: Vec<String> = vec!["check-config".into()];
    let mut it = args[1..].iter();
    while let Some(flag) = it.next() {
        let value = it.next().expect("a flag's value");
        check.push(flag.to_string());
        check.push(match *flag {
            "--config" => config.display().to_string(),
            "--data-dir" => dir.path().join("data").display().to_string(),
            _ => value.to_string(),
        });
    }
    let out = quire().args(&check).output().unwrap();
    assert!(
        out.status.success(),
        "{check:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(unit.contains("User=quire") && unit.contains("NoNewPrivileges=true"));
}

#[test]
fn the_dockerfile_is_multi_stage_non_root_and_copies_what_the_build_embeds() {
    let docker = read("Dockerfile");
    assert_eq!(
        docker.lines().filter(|l| l.starts_with("FROM ")).count(),
        2,
        "{docker}"
    );
    let user = docker
        .lines()
        .find_map(|l| l.strip_prefix("USER "))
        .expect("a USER line");
    assert!(
        !user.starts_with("root") && !user.starts_with('0'),
        "{user}"
    );
    // Every folder or file an include_str!/include_bytes! in src/ reaches is copied in.
    let mut files = Vec::new();
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out)
            } else {
                out.push(p)
            }
        }
    }
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for part in text.split("include_").skip(1) {
            let Some(arg) = part.split('"').nth(1) else {
                continue;
            };
            let Some(top) = arg.trim_start_matches("../").split('/').next() else {
                continue;
            };
            if arg.starts_with("../") && !top.is_empty() {
                assert!(
                    docker.contains(&format!("COPY {top} ")),
                    "{}: {arg} is embedded but `{top}` is not copied",
                    f.display()
                );
            }
        }
    }
}
