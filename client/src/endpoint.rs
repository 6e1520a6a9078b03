//! Endpoints: `http[s]://[namespace[:token]@]host[:port][/base/path]`, and their WebSocket form.

use url::Url;

use crate::error::ConfigError;

/// An endpoint split into its base URL and URL-auth namespace/token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParsedEndpoint {
    /// Scheme, host, port and base path, without credentials or a trailing slash.
    pub base: String,
    pub namespace: Option<String>,
    pub token: Option<String>,
}

/// Parses an endpoint: `http://[namespace[:token]@]host[:port][/base/path]`.
pub(crate) fn parse_endpoint(endpoint: &str) -> Result<ParsedEndpoint, ConfigError> {
    let mut url =
        Url::parse(endpoint.trim()).map_err(|_| ConfigError::InvalidUrl(endpoint.to_string()))?;
    match url.scheme() {
        "http" => {}
        "https" if cfg!(feature = "rustls") => {}
        // The origin only: the endpoint may carry a token.
        "https" => {
            return Err(ConfigError::TlsNotEnabled(
                url.origin().ascii_serialization(),
            ));
        }
        other => return Err(ConfigError::UnsupportedScheme(other.to_string())),
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(ConfigError::QueryOrFragment);
    }
    let decode = |s: &str| {
        percent_decode(s)
            .ok_or_else(|| ConfigError::InvalidUrl(endpoint.to_string()))
            .map(|s| Some(s).filter(|s: &String| !s.is_empty()))
    };
    let namespace = decode(url.username())?;
    let token = match url.password() {
        Some(p) => decode(p)?,
        None => None,
    };
    if token.is_some() && namespace.is_none() {
        return Err(ConfigError::TokenWithoutNamespace);
    }
    // Cannot fail for an http(s) URL with a host.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    Ok(ParsedEndpoint {
        base: url.as_str().trim_end_matches('/').to_string(),
        namespace,
        token,
    })
}

fn percent_decode(s: &str) -> Option<String> {
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

/// The WebSocket form of an `http://` (`ws://`) or `https://` (`wss://`) base URL.
pub(crate) fn ws_base(http_base: &str) -> String {
    match http_base.strip_prefix("http://") {
        Some(rest) => format!("ws://{rest}"),
        None => match http_base.strip_prefix("https://") {
            Some(rest) => format!("wss://{rest}"),
            None => http_base.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_forms() {
        let p = parse_endpoint("http://127.0.0.1:6420").unwrap();
        assert_eq!(p.base, "http://127.0.0.1:6420");
        assert_eq!((p.namespace, p.token), (None, None));

        let p = parse_endpoint("http://h/api/rivet/").unwrap();
        assert_eq!(p.base, "http://h/api/rivet");

        let p = parse_endpoint("http://my-ns:secret%2Ftok@h:1").unwrap();
        assert_eq!(p.base, "http://h:1");
        assert_eq!(p.namespace.as_deref(), Some("my-ns"));
        assert_eq!(p.token.as_deref(), Some("secret/tok"));

        assert_eq!(
            parse_endpoint("http://h/?x=1"),
            Err(ConfigError::QueryOrFragment)
        );
        assert_eq!(
            parse_endpoint("http://h/#f"),
            Err(ConfigError::QueryOrFragment)
        );
        assert_eq!(
            parse_endpoint("http://:tok@h"),
            Err(ConfigError::TokenWithoutNamespace)
        );
        assert!(matches!(
            parse_endpoint("ftp://h"),
            Err(ConfigError::UnsupportedScheme(_))
        ));
        assert!(matches!(
            parse_endpoint("not a url"),
            Err(ConfigError::InvalidUrl(_))
        ));
        assert_eq!(ws_base("http://h:1/base"), "ws://h:1/base");
        assert_eq!(ws_base("https://h/base"), "wss://h/base");
    }

    #[cfg(not(feature = "rustls"))]
    #[test]
    fn https_without_tls_asks_for_the_rustls_feature() {
        let e = parse_endpoint("https://h:1").unwrap_err();
        assert_eq!(e, ConfigError::TlsNotEnabled("https://h:1".into()));
        assert!(e.to_string().contains("enable the `rustls` feature"), "{e}");
        let e = crate::config::ClientOptions::new("https://ns:tok@h")
            .resolve_with(|_| None)
            .unwrap_err();
        assert!(matches!(e, ConfigError::TlsNotEnabled(_)), "{e:?}");
    }

    #[cfg(feature = "rustls")]
    #[test]
    fn https_with_tls() {
        let p = parse_endpoint("https://ns:tok@h:1/base/").unwrap();
        assert_eq!(p.base, "https://h:1/base");
        assert_eq!(p.namespace.as_deref(), Some("ns"));
    }
}
