//! TLS for `https://` endpoints and `wss://` connections (the `rustls` feature).
//!
//! One rustls configuration (the ring provider; the Mozilla roots of `webpki-roots` plus the
//! roots given with [`ClientOptions::add_root_certificate`](crate::ClientOptions::add_root_certificate))
//! serves both the HTTP client and the WebSocket connector, so both trust the same servers.
//! Without the feature the client speaks plain `http://` and `ws://` only, and
//! resolving the options refuses `https://` with a message naming the feature.

#[cfg(feature = "rustls")]
use std::sync::Arc;

use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite;
use tokio_tungstenite::tungstenite::handshake::client::Request;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::error::ConfigError;

/// A client WebSocket, over TLS or not.
pub(crate) type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The TLS setup of a client (empty without the `rustls` feature).
#[derive(Debug, Clone, Default)]
pub(crate) struct Tls {
    #[cfg(feature = "rustls")]
    config: Option<Arc<rustls::ClientConfig>>,
}

impl Tls {
    /// A setup trusting the built-in roots and the PEM certificates in `extra_roots`.
    #[cfg(feature = "rustls")]
    pub(crate) fn new(extra_roots: &[Vec<u8>]) -> Result<Tls, ConfigError> {
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject;

        let mut roots: rustls::RootCertStore =
            webpki_roots::TLS_SERVER_ROOTS.iter().cloned().collect();
        for pem in extra_roots {
            let mut found = false;
            for cert in CertificateDer::pem_slice_iter(pem) {
                let cert = cert.map_err(|e| ConfigError::InvalidCertificate(e.to_string()))?;
                roots
                    .add(cert)
                    .map_err(|e| ConfigError::InvalidCertificate(e.to_string()))?;
                found = true;
            }
            if !found {
                return Err(ConfigError::InvalidCertificate(
                    "no `BEGIN CERTIFICATE` block in the PEM".into(),
                ));
            }
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| ConfigError::Tls(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Tls {
            config: Some(Arc::new(config)),
        })
    }

    /// Without the `rustls` feature there is nothing to set up (`https://` endpoints are
    /// refused when the options are resolved).
    #[cfg(not(feature = "rustls"))]
    pub(crate) fn new(_extra_roots: &[Vec<u8>]) -> Result<Tls, ConfigError> {
        Ok(Tls {})
    }

    /// Applies this setup to an HTTP client.
    pub(crate) fn http(&self, builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
        #[cfg(feature = "rustls")]
        if let Some(config) = &self.config {
            return builder.use_preconfigured_tls(rustls::ClientConfig::clone(config));
        }
        builder
    }

    /// Opens a WebSocket: `ws://` in the clear, `wss://` with this setup.
    pub(crate) async fn connect_ws(&self, request: Request) -> Result<Ws, tungstenite::Error> {
        #[cfg(feature = "rustls")]
        let (ws, _) = tokio_tungstenite::connect_async_tls_with_config(
            request,
            None,
            true,
            self.config
                .clone()
                .map(tokio_tungstenite::Connector::Rustls),
        )
        .await?;
        #[cfg(not(feature = "rustls"))]
        let (ws, _) = tokio_tungstenite::connect_async_with_config(request, None, true).await?;
        Ok(ws)
    }
}

#[cfg(all(test, feature = "rustls"))]
mod tests {
    use super::*;

    #[test]
    fn bad_root_certificates_are_refused() {
        assert!(Tls::new(&[]).is_ok());
        let e = Tls::new(&[b"not a certificate".to_vec()]).unwrap_err();
        assert!(matches!(e, ConfigError::InvalidCertificate(_)), "{e:?}");
        let garbage = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        let e = Tls::new(&[garbage.to_vec()]).unwrap_err();
        assert!(matches!(e, ConfigError::InvalidCertificate(_)), "{e:?}");
    }
}
