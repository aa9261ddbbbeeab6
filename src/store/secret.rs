//! Secrets kept in the data folder: `secrets/<name>.key`, 256 random bits in hex, mode 0600,
//! made at the first start and never a built-in default.

use super::StoreError;
use std::path::Path;

/// The installation's keys.
pub struct Secrets {
    /// Keys the hashes of session ids, API tokens and one-time links.
    pub session: Vec<u8>,
    /// Signs the download links sent in messages.
    pub links: Vec<u8>,
}

impl Secrets {
    /// Loads the keys, making any that is missing. The link key once lived in the database:
    /// it moves to its file, so links already sent keep working.
    pub fn load(dir: &Path, conn: &rusqlite::Connection) -> Result<Secrets, StoreError> {
        let old_links = super::meta::get(conn, "link_signing_key")?;
        let secrets = Secrets {
            session: load_or_create(dir, "session", None)?,
            links: load_or_create(dir, "links", old_links.as_deref())?,
        };
        conn.execute("DELETE FROM meta WHERE key = 'link_signing_key'", [])?;
        Ok(secrets)
    }

    /// The keyed hash by which a session id, token or one-time link is stored.
    pub fn hash(&self, secret: &str) -> String {
        use hmac::{Hmac, Mac};
        let mut mac =
            Hmac::<sha2::Sha256>::new_from_slice(&self.session).expect("HMAC takes any key");
        mac.update(secret.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

/// The secret `name`, made if it does not exist yet (`seed` is used instead of fresh random
/// bytes when given: a key that used to live elsewhere keeps working).
pub fn load_or_create(dir: &Path, name: &str, seed: Option<&str>) -> Result<Vec<u8>, StoreError> {
    let folder = dir.join("secrets");
    let path = folder.join(format!("{name}.key"));
    let io = |source: std::io::Error| StoreError::DataDir {
        path: path.display().to_string(),
        source,
    };
    match std::fs::read_to_string(&path) {
        Ok(s) if s.trim().len() >= 32 => return Ok(s.trim().as_bytes().to_vec()),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io(e)),
    }
    std::fs::create_dir_all(&folder).map_err(io)?;
    let value = match seed {
        Some(s) => s.to_string(),
        None => random_hex(32),
    };
    let partial = folder.join(format!(".{name}.partial"));
    {
        use std::io::Write;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut f = options.open(&partial).map_err(io)?;
        f.write_all(value.as_bytes()).map_err(io)?;
        f.sync_all().map_err(io)?;
    }
    std::fs::rename(&partial, &path).map_err(io)?;
    Ok(value.into_bytes())
}

/// `n` random bytes from the operating system, in hex.
pub fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    getrandom::getrandom(&mut bytes).expect("the operating system's random source");
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_is_made_once_private_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let a = load_or_create(dir.path(), "session", None).unwrap();
        assert_eq!(a.len(), 64);
        assert_eq!(load_or_create(dir.path(), "session", None).unwrap(), a);
        let b = load_or_create(dir.path(), "links", Some(&"s".repeat(64))).unwrap();
        assert_eq!(b, "s".repeat(64).into_bytes());
        assert_ne!(load_or_create(dir.path(), "other", None).unwrap(), a);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("secrets/session.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
