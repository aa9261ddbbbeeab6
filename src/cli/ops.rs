//! `quire backup OUT.db`, `quire restore IN.db` and `quire smtp test ADDRESS`.
//!
//! A backup is one SQLite file: a consistent copy of Quire's own database (`VACUUM INTO`, which
//! works while a server writes), with the dataset store, the installation's keys and the export
//! files (unless `--without-exports`) inside it in a table `quire_backup` (in chunks). Restore
//! unpacks it into an empty data folder, and marks the exports whose file it did not hold
//! (skipped, or deleted before the backup) as missing: the list says so instead of a download
//! answering 410. The file holds the keys that sign links and hash tokens: keep it as safe as
//! the data folder.

use super::Failure;
use crate::config::Config;
use rusqlite::{params, Connection, OpenFlags};
use std::path::{Path, PathBuf};

/// Largest chunk of a packed file.
const CHUNK: usize = 32 << 20;

fn sqlite(e: rusqlite::Error) -> Failure {
    Failure::other(format!("database: {e}"))
}

/// A consistent copy of `db` at `to` (VACUUM INTO: a snapshot, fine while others write).
fn snapshot(db: &Path, to: &Path) -> Result<(), Failure> {
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(sqlite)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(sqlite)?;
    conn.execute("VACUUM INTO ?1", [to.to_string_lossy()])
        .map_err(sqlite)?;
    Ok(())
}

fn pack(conn: &Connection, name: &str, bytes: &[u8]) -> Result<(), Failure> {
    for (i, chunk) in bytes.chunks(CHUNK).enumerate() {
        conn.execute(
            "INSERT INTO quire_backup (file, seq, content) VALUES (?1, ?2, ?3)",
            params![name, i as i64, chunk],
        )
        .map_err(sqlite)?;
    }
    if bytes.is_empty() {
        conn.execute(
            "INSERT INTO quire_backup (file, seq, content) VALUES (?1, 0, x'')",
            [name],
        )
        .map_err(sqlite)?;
    }
    Ok(())
}

/// Packs a file a chunk at a time (an export may be large); false if it went away meanwhile.
fn pack_file(conn: &Connection, name: &str, path: &Path) -> Result<bool, Failure> {
    use std::io::Read;
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(Failure::other(format!("{}: {e}", path.display()))),
    };
    let mut buf = vec![0u8; CHUNK];
    let mut seq = 0i64;
    loop {
        let mut filled = 0;
        while filled < CHUNK {
            match file.read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) => return Err(Failure::other(format!("{}: {e}", path.display()))),
            }
        }
        if filled == 0 && seq > 0 {
            break;
        }
        conn.execute(
            "INSERT INTO quire_backup (file, seq, content) VALUES (?1, ?2, ?3)",
            params![name, seq, &buf[..filled]],
        )
        .map_err(sqlite)?;
        seq += 1;
        if filled < CHUNK {
            break;
        }
    }
    Ok(true)
}

/// The export files of `dir`: whole ones only (a file being written is a dot-file until done).
fn export_files(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut files: Vec<(String, PathBuf)> = std::fs::read_dir(dir.join("exports"))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_string();
            (!name.starts_with('.')).then(|| (name, e.path()))
        })
        .collect();
    files.sort();
    files
}

/// `quire backup OUT.db [--without-exports]`
pub fn backup(config: &Config, out: &Path, exports: bool) -> Result<(), Failure> {
    let dir = &config.storage.data_dir;
    let app = dir.join("quire.db");
    if !app.is_file() {
        return Err(Failure::usage(format!(
            "{} holds no Quire data (no quire.db)",
            dir.display()
        )));
    }
    if out.exists() {
        return Err(Failure::usage(format!(
            "{} exists: choose a new file",
            out.display()
        )));
    }
    let partial = PathBuf::from(format!("{}.partial", out.display()));
    let _ = std::fs::remove_file(&partial);
    snapshot(&app, &partial)?;
    let data = dir.join(format!(".backup-{}.db", uuid::Uuid::new_v4().simple()));
    if dir.join("datasets.db").is_file() {
        snapshot(&dir.join("datasets.db"), &data)?;
    }
    // The dataset snapshot is a scratch file: gone however this ends.
    struct Scratch(PathBuf);
    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
    let _scratch = Scratch(data.clone());
    let conn = Connection::open(&partial).map_err(sqlite)?;
    conn.execute_batch("CREATE TABLE quire_backup (file TEXT NOT NULL, seq INTEGER NOT NULL, content BLOB NOT NULL, PRIMARY KEY (file, seq))")
        .map_err(sqlite)?;
    if data.is_file() {
        pack(
            &conn,
            "datasets.db",
            &std::fs::read(&data).map_err(Failure::other)?,
        )?;
    }
    for key in ["session", "links"] {
        let path = dir.join("secrets").join(format!("{key}.key"));
        if let Ok(bytes) = std::fs::read(&path) {
            pack(&conn, &format!("secrets/{key}.key"), &bytes)?;
        }
    }
    let mut packed = 0;
    if exports {
        for (name, path) in export_files(dir) {
            if pack_file(&conn, &format!("exports/{name}"), &path)? {
                packed += 1;
            }
        }
    }
    drop(conn);
    std::fs::rename(&partial, out).map_err(Failure::other)?;
    let size = std::fs::metadata(out).map(|m| m.len()).unwrap_or(0);
    let files = if exports {
        format!("{packed} export files")
    } else {
        "without export files".to_string()
    };
    println!(
        "backed up {} to {} ({size} bytes, {files})",
        dir.display(),
        out.display()
    );
    Ok(())
}

/// `quire restore IN.db`: into an empty (or missing) data folder.
pub fn restore(config: &Config, input: &Path) -> Result<(), Failure> {
    let dir = &config.storage.data_dir;
    if dir.join("quire.db").exists() || dir.join("datasets.db").exists() {
        return Err(Failure::usage(format!(
            "{} already holds Quire data: restore into an empty folder (--data-dir)",
            dir.display()
        )));
    }
    let src = Connection::open_with_flags(input, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| Failure::usage(format!("{}: not a Quire backup ({e})", input.display())))?;
    let packed: Vec<String> = src
        .prepare("SELECT DISTINCT file FROM quire_backup ORDER BY file")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .map_err(|_| {
            Failure::usage(format!(
                "{}: not a Quire backup (no quire_backup table)",
                input.display()
            ))
        })?;
    std::fs::create_dir_all(dir).map_err(Failure::other)?;
    for file in &packed {
        let export = file
            .strip_prefix("exports/")
            .is_some_and(|n| !n.is_empty() && !n.contains('/') && !n.starts_with('.'));
        if file.contains("..")
            || file.contains('\\')
            || !(file == "datasets.db" || file.starts_with("secrets/") || export)
        {
            return Err(Failure::usage(format!(
                "{}: unexpected file `{file}` in the backup",
                input.display()
            )));
        }
        let mut bytes = Vec::new();
        let mut stmt = src
            .prepare("SELECT content FROM quire_backup WHERE file = ?1 ORDER BY seq")
            .map_err(sqlite)?;
        let chunks = stmt
            .query_map([file], |r| r.get::<_, Vec<u8>>(0))
            .map_err(sqlite)?;
        for c in chunks {
            bytes.extend(c.map_err(sqlite)?);
        }
        let path = dir.join(file);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(Failure::other)?;
        }
        std::fs::write(&path, &bytes).map_err(Failure::other)?;
        #[cfg(unix)]
        if file.starts_with("secrets/") {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                .map_err(Failure::other)?;
        }
    }
    let app = dir.join("quire.db");
    src.execute("VACUUM INTO ?1", [app.to_string_lossy()])
        .map_err(sqlite)?;
    drop(src);
    let mut conn = Connection::open(&app).map_err(sqlite)?;
    conn.execute_batch("DROP TABLE quire_backup; VACUUM;")
        .map_err(sqlite)?;
    println!("restored {} into {}", input.display(), dir.display());
    // Exports whose file the backup did not hold say so (the database is brought up to this
    // version first, as the server would at start).
    let marked = crate::store::migrate::migrate(&mut conn)
        .map_err(|e| e.to_string())
        .and_then(|_| {
            crate::export::mark_missing(&conn, &dir.join("exports")).map_err(|e| e.to_string())
        });
    match marked {
        Ok(0) => {}
        Ok(n) => println!(
            "{n} exports had no file in the backup: marked \"{}\"",
            crate::export::MISSING
        ),
        Err(e) => eprintln!("warning: exports without their file were not marked: {e}"),
    }
    Ok(())
}

/// `quire smtp test ADDRESS`: one message through `[smtp]`; the server's answer or the error.
pub async fn smtp_test(config: &Config, to: &str) -> Result<(), Failure> {
    use crate::deliver::email;
    // A bad address or `from` is bad input (exit 2), a refusal or no answer is not.
    email::test_message(&config.smtp, &config.branding.name, to)
        .map_err(|e| Failure::usage(e.message))?;
    match email::send_test(&config.smtp, &config.branding.name, to).await {
        Ok(said) => {
            println!("{said}");
            Ok(())
        }
        Err(e) => Err(Failure::other(format!("not sent: {}", e.message))),
    }
}
