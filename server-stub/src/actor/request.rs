//! [`Request`]: the HTTP request that opened a connection (RivetKit's `c.request`), seen by
//! [`super::Actor::on_before_connect`] and [`super::Actor::create_conn_state`] through
//! [`super::Ctx::request`]; [`with_request`] makes it current while those hooks are polled.

use std::sync::Arc;

use axum::http::request::Parts;

use super::scoped::{self, Scoped};

thread_local! {
    /// The request of the admission being polled (set by [`with_request`] around each poll).
    static CURRENT_REQUEST: std::cell::RefCell<Option<Arc<Request>>> =
        const { std::cell::RefCell::new(None) };
}

/// The HTTP request behind a connection: the WebSocket upgrade, or the `POST` of an HTTP
/// action. Kept as the front door received it (no copy of the headers is made unless asked).
#[derive(Debug)]
pub struct Request {
    parts: Parts,
}

impl Request {
    /// Wraps the parts of a received request.
    pub fn new(parts: Parts) -> Self {
        Request { parts }
    }

    /// The method (`GET` for a WebSocket upgrade, `POST` for an HTTP action).
    pub fn method(&self) -> &str {
        self.parts.method.as_str()
    }

    /// The full URL, `http://HOST/PATH?QUERY`, with the host from the `Host` header.
    pub fn url(&self) -> String {
        let uri = &self.parts.uri;
        if uri.scheme().is_some() {
            return uri.to_string();
        }
        let host = self
            .header("host")
            .or_else(|| uri.authority().map(|a| a.as_str()))
            .unwrap_or("localhost");
        let path = uri.path_and_query().map_or("/", |p| p.as_str());
        format!("http://{host}{path}")
    }

    /// The path of the URL (`/chat` for a raw WebSocket at `{gateway}/websocket/chat`).
    pub fn path(&self) -> &str {
        self.parts.uri.path()
    }

    /// The query of the URL, without `?` (the gateway's `rvt-*` parameters removed for raw
    /// requests and sockets).
    pub fn query(&self) -> Option<&str> {
        self.parts.uri.query()
    }

    /// The value of header `name` (case-insensitive), if present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.parts.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Every header with a text value, names in lower case, in the order received.
    pub fn headers(&self) -> impl Iterator<Item = (&str, &str)> {
        self.parts
            .headers
            .iter()
            .filter_map(|(k, v)| v.to_str().ok().map(|v| (k.as_str(), v)))
    }
}

/// `inner`, polled with `request` as the current request ([`super::Ctx::request`]).
pub(crate) fn with_request<F>(request: Option<Arc<Request>>, inner: F) -> Scoped<Arc<Request>, F> {
    Scoped::new(&CURRENT_REQUEST, request, inner)
}

/// The request of the admission being polled on this thread.
pub(crate) fn current() -> Option<Arc<Request>> {
    scoped::current(&CURRENT_REQUEST)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(uri: &str, host: Option<&str>) -> Request {
        let mut b = axum::http::Request::builder().method("GET").uri(uri);
        if let Some(h) = host {
            b = b.header("host", h).header("X-Custom", "yes");
        }
        Request::new(b.body(()).unwrap().into_parts().0)
    }

    #[test]
    fn url_method_and_headers() {
        let r = request("/gateway/a/connect?x=1", Some("127.0.0.1:9"));
        assert_eq!(r.url(), "http://127.0.0.1:9/gateway/a/connect?x=1");
        assert_eq!(r.method(), "GET");
        assert_eq!(r.header("x-custom"), Some("yes"));
        assert!(r.headers().any(|(k, v)| k == "x-custom" && v == "yes"));
        assert_eq!(request("/p", None).url(), "http://localhost/p");
    }

    #[tokio::test]
    async fn current_only_while_polled() {
        let r = Arc::new(request("/p", Some("h")));
        let seen = with_request(Some(r), Box::pin(async { current().map(|r| r.url()) })).await;
        assert_eq!(seen.as_deref(), Some("http://h/p"));
        assert!(current().is_none());
    }
}
