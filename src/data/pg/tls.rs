//! TLS to PostgreSQL (rustls), chosen by `sslmode` in the URL as libpq reads it:
//! `disable` never, `prefer` (the default) when the server offers it, `require` always, both
//! without checking the certificate (libpq's meaning: encryption, not identity);
//! `verify-ca` and `verify-full` check it against the Mozilla roots, or against the file
//! `sslrootcert=PATH` names, and the host name too (`verify-ca` is as strict as `verify-full`).
//! `sslcert=PATH&sslkey=PATH` (PEM files) give a client certificate, for servers that ask for
//! one (`cert` in pg_hba.conf).

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::sync::Arc;
use tokio_postgres_rustls::MakeRustlsConnect;

/// The URL with what tokio-postgres cannot read taken out, and the TLS connector it asks for.
pub fn split(url: &str) -> Result<(String, MakeRustlsConnect), String> {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut kept = Vec::new();
    let mut verify = false;
    let mut root_file = None;
    let (mut cert_file, mut key_file) = (None, None);
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("sslmode", "verify-ca" | "verify-full")) => {
                verify = true;
                kept.push("sslmode=require".to_string());
            }
            Some(("sslrootcert", path)) => root_file = Some(path.to_string()),
            Some(("sslcert", path)) => cert_file = Some(path.to_string()),
            Some(("sslkey", path)) => key_file = Some(path.to_string()),
            _ => kept.push(pair.to_string()),
        }
    }
    let client = client_certificate(cert_file, key_file)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?;
    let config = match (verify, root_file) {
        (true, root_file) => {
            let mut roots = RootCertStore::empty();
            match root_file {
                None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
                Some(path) => {
                    let pem =
                        std::fs::read(&path).map_err(|e| format!("sslrootcert `{path}`: {e}"))?;
                    let certs = pem_certificates(&pem);
                    if certs.is_empty() {
                        return Err(format!("sslrootcert `{path}` holds no PEM certificate"));
                    }
                    roots.add_parsable_certificates(certs);
                }
            }
            let builder = builder.with_root_certificates(roots);
            match client {
                Some((certs, key)) => builder.with_client_auth_cert(certs, key),
                None => Ok(builder.with_no_client_auth()),
            }
        }
        (false, Some(_)) => {
            return Err("sslrootcert is read with sslmode=verify-full (or verify-ca)".into())
        }
        (false, None) => {
            let builder = builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(EncryptOnly(provider)));
            match client {
                Some((certs, key)) => builder.with_client_auth_cert(certs, key),
                None => Ok(builder.with_no_client_auth()),
            }
        }
    }
    .map_err(|e| format!("sslcert/sslkey: {e}"))?;
    let url = match kept.is_empty() {
        true => base.to_string(),
        false => format!("{base}?{}", kept.join("&")),
    };
    Ok((url, MakeRustlsConnect::new(config)))
}

/// The client certificate chain and key that `sslcert` and `sslkey` name (both or neither).
type ClientCert = (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>);

fn client_certificate(
    cert_file: Option<String>,
    key_file: Option<String>,
) -> Result<Option<ClientCert>, String> {
    use rustls::pki_types::pem::PemObject;
    let (cert_file, key_file) = match (cert_file, key_file) {
        (None, None) => return Ok(None),
        (Some(c), Some(k)) => (c, k),
        (Some(_), None) => return Err("sslcert needs sslkey (the certificate's key)".into()),
        (None, Some(_)) => return Err("sslkey needs sslcert (the key's certificate)".into()),
    };
    let pem = std::fs::read(&cert_file).map_err(|e| format!("sslcert `{cert_file}`: {e}"))?;
    let certs = pem_certificates(&pem);
    if certs.is_empty() {
        return Err(format!("sslcert `{cert_file}` holds no PEM certificate"));
    }
    let pem = std::fs::read(&key_file).map_err(|e| format!("sslkey `{key_file}`: {e}"))?;
    let key = PrivateKeyDer::from_pem_slice(&pem)
        .map_err(|_| format!("sslkey `{key_file}` holds no PEM private key"))?;
    Ok(Some((certs, key)))
}

/// The certificates of a PEM file.
fn pem_certificates(pem: &[u8]) -> Vec<CertificateDer<'static>> {
    use rustls::pki_types::pem::PemObject;
    CertificateDer::pem_slice_iter(pem)
        .filter_map(Result::ok)
        .collect()
}

/// `sslmode=require`/`prefer`: the connection is encrypted and the server's signature over the
/// handshake checked, but who signed its certificate is not (libpq's behaviour).
#[derive(Debug)]
struct EncryptOnly(Arc<CryptoProvider>);

impl ServerCertVerifier for EncryptOnly {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libpq_s_verify_modes_and_root_file_are_taken_out_of_the_url() {
        let (url, _) = split("postgres://u@h/db?sslmode=verify-full&application_name=x").unwrap();
        assert_eq!(url, "postgres://u@h/db?sslmode=require&application_name=x");
        let (url, _) = split("postgres://u@h/db").unwrap();
        assert_eq!(url, "postgres://u@h/db");
        let err = |url: &str| split(url).err().unwrap_or_default();
        assert!(err("postgres://u@h/db?sslmode=require&sslrootcert=/x.pem").contains("verify-full"));
        assert!(
            err("postgres://u@h/db?sslmode=verify-ca&sslrootcert=/nonexistent.pem")
                .contains("/nonexistent.pem")
        );
    }
}
