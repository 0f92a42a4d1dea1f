//! TLS for net's servers: a certificate chain and key from PEM files, served by rustls.

use std::path::PathBuf;
use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;

/// Where a TLS server's certificate chain and private key are (PEM files, as Redis's
/// `tls-cert-file` and `tls-key-file`).
#[derive(Clone, Debug)]
pub struct TlsFiles {
    /// The certificate chain, the server's own certificate first.
    pub cert: PathBuf,
    /// The private key.
    pub key: PathBuf,
}

/// Why TLS could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file could not be read or holds no PEM of the kind wanted.
    #[error("{path}: {what}")]
    File {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        what: String,
    },
    /// rustls refused the certificate and key.
    #[error("the certificate and key do not make a TLS server: {0}")]
    Config(String),
}

/// The acceptor for `files`.
pub(crate) fn acceptor(files: &TlsFiles) -> Result<TlsAcceptor, TlsError> {
    let file_error = |path: &PathBuf| {
        let path = path.clone();
        move |error: rustls_pki_types::pem::Error| TlsError::File {
            path,
            what: error.to_string(),
        }
    };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&files.cert)
        .map_err(file_error(&files.cert))?
        .collect::<Result<_, _>>()
        .map_err(file_error(&files.cert))?;
    if chain.is_empty() {
        return Err(TlsError::File {
            path: files.cert.clone(),
            what: "no certificate in it".into(),
        });
    }
    let key = PrivateKeyDer::from_pem_file(&files.key).map_err(file_error(&files.key))?;
    // ring's provider has no post-quantum key exchange (rustls deprecates it for that); the
    // provider that has, aws-lc-rs, builds a C library with cmake. X25519 and the ECDHE groups
    // it offers are what TLS clients negotiate with Redis today.
    #[allow(deprecated)]
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| TlsError::Config(e.to_string()))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}
