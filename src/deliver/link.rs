//! Signed, expiring download links for exports: `/exports/{id}/download?expires=&sig=`, where
//! `sig` is HMAC-SHA256 of the id and expiry under a key made once per installation (a file
//! in the data folder, `store::secret`).

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Why a link is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("this download link has expired")]
    Expired,
    #[error("this download link is not valid (its signature does not match)")]
    BadSignature,
}

/// Signs and checks links with the installation's key.
pub struct Signer {
    key: Vec<u8>,
}

impl Signer {
    /// A signer with the installation's link key (`store::Secrets::links`).
    pub fn new(key: &[u8]) -> Signer {
        Signer { key: key.to_vec() }
    }

    fn mac(&self, export_id: &str, expires: i64) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key");
        mac.update(format!("{export_id}\n{expires}").as_bytes());
        mac
    }

    /// The signature of a link to `export_id` valid until `expires` (Unix seconds).
    pub fn sign(&self, export_id: &str, expires: i64) -> String {
        hex::encode(self.mac(export_id, expires).finalize().into_bytes())
    }

    /// The full link, under `base_url`.
    pub fn url(&self, base_url: &str, export_id: &str, expires: i64) -> String {
        format!(
            "{}/exports/{export_id}/download?expires={expires}&sig={}",
            base_url.trim_end_matches('/'),
            self.sign(export_id, expires)
        )
    }

    /// Checks a link at time `now` (Unix seconds), in constant time.
    pub fn verify(
        &self,
        export_id: &str,
        expires: i64,
        sig: &str,
        now: i64,
    ) -> Result<(), LinkError> {
        let sig = hex::decode(sig).map_err(|_| LinkError::BadSignature)?;
        self.mac(export_id, expires)
            .verify_slice(&sig)
            .map_err(|_| LinkError::BadSignature)?;
        if now > expires {
            return Err(LinkError::Expired);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> Signer {
        Signer::new(crate::store::secret::random_hex(32).as_bytes())
    }

    #[test]
    fn a_signed_link_verifies_until_it_expires() {
        let s = signer();
        let sig = s.sign("abc", 1000);
        assert_eq!(s.verify("abc", 1000, &sig, 999), Ok(()));
        assert_eq!(s.verify("abc", 1000, &sig, 1001), Err(LinkError::Expired));
    }

    #[test]
    fn tampering_with_any_part_breaks_the_signature() {
        let s = signer();
        let sig = s.sign("abc", 1000);
        assert_eq!(s.verify("abd", 1000, &sig, 0), Err(LinkError::BadSignature));
        assert_eq!(s.verify("abc", 2000, &sig, 0), Err(LinkError::BadSignature));
        let mut bad = sig.clone();
        bad.replace_range(0..1, if sig.starts_with('0') { "1" } else { "0" });
        assert_eq!(s.verify("abc", 1000, &bad, 0), Err(LinkError::BadSignature));
        assert_eq!(s.verify("abc", 1000, "zz", 0), Err(LinkError::BadSignature));
        assert_eq!(s.verify("abc", 1000, "", 0), Err(LinkError::BadSignature));
    }
}
