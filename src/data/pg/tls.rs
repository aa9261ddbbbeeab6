//! TLS to PostgreSQL (rustls), chosen by `sslmode` in the URL as libpq reads it:
//! `disable` never, `prefer` (the default) when the server offers it, `require` always, both
//! without checking the certificate (libpq's meaning: encryption, not identity);
//! `verify-ca` and `verify-full` check it against the Mozilla roots, or against the file
//! `sslrootcert=PATH` names, and the host name too (`verify-ca` is as strict as `verify-full`).

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::sync::Arc;
use tokio_postgres_rustls::MakeRustlsConnect;

/// The URL with what tokio-postgres cannot read taken out, and the TLS connector it asks for.
pub fn split(url: &str) -> Result<(String, MakeRustlsConnect), String> {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut kept = Vec::new();
    let mut verify = false;
    let mut root_file = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("sslmode", "verify-ca" | "verify-full")) => {
                verify = true;
                kept.push("sslmode=require".to_string());
            }
            Some(("sslrootcert", path)) => root_file = Some(path.to_string()),
            _ => kept.push(pair.to_string()),
        }
    }
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
            builder.with_root_certificates(roots).with_no_client_auth()
        }
        (false, Some(_)) => {
            return Err("sslrootcert is read with sslmode=verify-full (or verify-ca)".into())
        }
        (false, None) => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(EncryptOnly(provider)))
            .with_no_client_auth(),
    };
    let url = match kept.is_empty() {
        true => base.to_string(),
        false => format!("{base}?{}", kept.join("&")),
    };
    Ok((url, MakeRustlsConnect::new(config)))
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
