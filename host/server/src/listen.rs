//! Listeners: accept connections (plain, or TLS with rustls and optional client certificates) and
//! serve them with HTTP/1.1, with a header read timeout, until shutdown; connections in flight are
//! tracked for the graceful drain.
//!
//! This module knows nothing of the API; it only moves bytes between sockets and the router.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;

use crate::ServeError;
use crate::options::TlsFiles;

/// A TLS acceptor for the certificate, key and optional client CA (`ring` provider).
pub fn tls_acceptor(files: &TlsFiles) -> Result<TlsAcceptor, ServeError> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let bad = |path: &std::path::Path, what: &str, e: &dyn std::fmt::Display| {
        ServeError::Input(format!("{}: not a PEM {what}: {e}", path.display()))
    };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&files.cert)
        .map_err(|e| bad(&files.cert, "certificate", &e))?
        .collect::<Result<_, _>>()
        .map_err(|e| bad(&files.cert, "certificate", &e))?;
    if certs.is_empty() {
        return Err(ServeError::Input(format!("{}: no certificate in the file", files.cert.display())));
    }
    let key = PrivateKeyDer::from_pem_file(&files.key).map_err(|e| bad(&files.key, "private key", &e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| ServeError::Input(format!("TLS: {e}")))?;
    let builder = match &files.client_ca {
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            for cert in CertificateDer::pem_file_iter(ca).map_err(|e| bad(ca, "CA bundle", &e))? {
                roots.add(cert.map_err(|e| bad(ca, "CA bundle", &e))?).map_err(|e| bad(ca, "CA bundle", &e))?;
            }
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| ServeError::Input(format!("{}: {e}", ca.display())))?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let mut config = builder.with_single_cert(certs, key).map_err(|e| {
        ServeError::Input(format!("{}: the key does not match the certificate: {e}", files.key.display()))
    })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Bind a unix socket at `path`, replacing a stale socket left by an earlier run (never another
/// kind of file), readable and writable by the owner only.
pub fn bind_unix(path: &std::path::Path) -> Result<tokio::net::UnixListener, ServeError> {
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    let input = |what: String| ServeError::Input(format!("{}: {what}", path.display()));
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_socket() => {
            std::fs::remove_file(path).map_err(|e| input(format!("cannot remove the old socket: {e}")))?;
        }
        Ok(_) => return Err(input("exists and is not a socket; not replacing it".into())),
        Err(_) => {}
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| input(format!("cannot create its directory: {e}")))?;
    }
    let listener = tokio::net::UnixListener::bind(path).map_err(|e| input(format!("cannot listen: {e}")))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .map_err(|e| input(format!("cannot restrict its permissions: {e}")))?;
    Ok(listener)
}

/// Accept and serve connections on a unix socket until `stop` turns true (plain HTTP/1.1).
pub async fn serve_unix(
    listener: tokio::net::UnixListener,
    router: Router,
    read_timeout: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
    graceful: Arc<hyper_util::server::graceful::GracefulShutdown>,
) {
    let service = hyper_util::service::TowerToHyperService::new(router);
    while let Some((stream, _)) = accept_next(|| listener.accept(), &mut stop).await {
        let service = service.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let connection = http1(read_timeout).serve_connection(TokioIo::new(stream), service);
            let _ = watcher.watch(connection).await;
        });
    }
}

/// The next accepted connection, or `None` once `stop` turns true; a failed accept is logged and
/// retried after a short pause.
async fn accept_next<T, F: std::future::Future<Output = std::io::Result<T>>>(
    mut accept: impl FnMut() -> F,
    stop: &mut tokio::sync::watch::Receiver<bool>,
) -> Option<T> {
    loop {
        tokio::select! {
            accepted = accept() => match accepted {
                Ok(connection) => return Some(connection),
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            _ = stop.changed() => return None,
        }
    }
}

/// An HTTP/1.1 connection builder with the header read timeout.
fn http1(read_timeout: Duration) -> hyper::server::conn::http1::Builder {
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(read_timeout);
    builder
}

/// Accept and serve connections on `listener` until `stop` turns true.
pub async fn serve_listener(
    listener: TcpListener,
    router: Router,
    tls: Option<TlsAcceptor>,
    read_timeout: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
    graceful: Arc<hyper_util::server::graceful::GracefulShutdown>,
) {
    let service = hyper_util::service::TowerToHyperService::new(router);
    while let Some((stream, peer)) = accept_next(|| listener.accept(), &mut stop).await {
        let _ = stream.set_nodelay(true);
        let service = service.clone();
        let tls = tls.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let builder = http1(read_timeout);
            match tls {
                Some(acceptor) => {
                    let stream = match tokio::time::timeout(read_timeout, acceptor.accept(stream)).await {
                        Ok(Ok(stream)) => stream,
                        Ok(Err(e)) => {
                            tracing::info!(peer = %peer, error = %e, "TLS handshake refused");
                            return;
                        }
                        Err(_) => return,
                    };
                    let connection = builder.serve_connection(TokioIo::new(stream), service);
                    let _ = watcher.watch(connection).await;
                }
                None => {
                    let connection = builder.serve_connection(TokioIo::new(stream), service);
                    let _ = watcher.watch(connection).await;
                }
            }
        });
    }
}
