//! `quire backup OUT.db`, `quire restore IN.db` and `quire smtp test ADDRESS`.
//!
//! A backup is one SQLite file: a consistent copy of Quire's own database (`VACUUM INTO`, which
//! works while a server writes), with the dataset store and the installation's keys inside it
//! in a table `quire_backup` (in chunks). Restore unpacks it into an empty data folder. The file
//! holds the keys that sign links and hash tokens: keep it as safe as the data folder.

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

/// `quire backup OUT.db`
pub fn backup(config: &Config, out: &Path) -> Result<(), Failure> {
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
    drop(conn);
    std::fs::rename(&partial, out).map_err(Failure::other)?;
    let size = std::fs::metadata(out).map(|m| m.len()).unwrap_or(0);
    println!(
        "backed up {} to {} ({size} bytes)",
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
        if file.contains("..") || !(file == "datasets.db" || file.starts_with("secrets/")) {
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
    let conn = Connection::open(&app).map_err(sqlite)?;
    conn.execute_batch("DROP TABLE quire_backup; VACUUM;")
        .map_err(sqlite)?;
    println!("restored {} into {}", input.display(), dir.display());
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
