//! CORS and the optional token check, as one tower layer around every route: a preflight or a
//! request without the token is answered here; everything else goes on and gets the CORS
//! headers on its way out (one boxed future per request).
//!
//! CORS follows [`ServerConfig::cors_origins`](super::ServerConfig::cors_origins): none by
//! default (no CORS headers: browsers refuse cross-origin calls, other clients never look); a
//! listed origin is echoed with credentials allowed (the official browser client sends
//! `credentials: "include"`, which rules out `*`); `*` allows every other origin without
//! credentials. The reference answers `*` together with `allow-credentials: true`, which
//! browsers reject for credentialed requests and which no origin list should mean.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;
use tower::{Layer, Service};

use super::App;
use super::errors::json_error;

/// Request headers the official client may send (RivetKit 2.3.19).
const ALLOWED_HEADERS: &str = "Content-Type, User-Agent, Authorization, x-rivet-query, x-rivet-encoding, x-rivet-conn-params, x-rivet-actor, x-rivet-actor-generation, x-rivet-actor-key, x-rivet-target, x-rivet-namespace, x-rivet-token, x-rivet-skip-ready-wait";

/// Whether the configured origin `allowed` names the request's `origin` (ASCII case and a
/// trailing slash in the configuration do not matter).
fn names(allowed: &str, origin: &str) -> bool {
    allowed
        .trim()
        .trim_end_matches('/')
        .eq_ignore_ascii_case(origin)
}

/// Adds the CORS headers `allowed` grants a request from `origin`; whether it granted any.
fn add_cors(headers: &mut HeaderMap, allowed: &[String], origin: Option<&HeaderValue>) -> bool {
    if allowed.is_empty() {
        return false;
    }
    // The answer depends on the origin: caches must not hand one origin's to another.
    headers.append(header::VARY, HeaderValue::from_static("origin"));
    let Some(origin) = origin else {
        return false;
    };
    let text = origin.to_str().unwrap_or_default();
    if allowed.iter().any(|a| a.trim() != "*" && names(a, text)) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
    } else if allowed.iter().any(|a| a.trim() == "*") {
        // Never together with credentials.
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
    } else {
        return false;
    }
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("*"),
    );
    true
}

/// The layer: [`CorsAndAuth`] around each route.
#[derive(Clone)]
pub(crate) struct CorsAndAuthLayer(pub App);

impl<S> Layer<S> for CorsAndAuthLayer {
    type Service = CorsAndAuth<S>;

    fn layer(&self, inner: S) -> CorsAndAuth<S> {
        CorsAndAuth {
            inner,
            app: self.0.clone(),
        }
    }
}

/// Answers CORS preflights, adds CORS headers to every response, checks the token.
#[derive(Clone)]
pub(crate) struct CorsAndAuth<S> {
    inner: S,
    app: App,
}

impl<S> Service<Request> for CorsAndAuth<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Send,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let origin = req.headers().get(header::ORIGIN).cloned();
        let app = self.app.clone();
        if req.method() == Method::OPTIONS {
            let resp = preflight(&req, &app.config.cors_origins, origin.as_ref());
            return Box::pin(std::future::ready(Ok(resp)));
        }
        let path = req.uri().path();
        let open = path == "/metadata" || path == "/health";
        if let (Some(token), false) = (&app.config.token, open)
            && !presents(&req, token)
        {
            tracing::debug!(path, "request without a valid token");
            let mut resp = json_error(actorium_protocol::WireError::forbidden());
            add_cors(
                resp.headers_mut(),
                &app.config.cors_origins,
                origin.as_ref(),
            );
            return Box::pin(std::future::ready(Ok(resp)));
        }
        let response = self.inner.call(req);
        Box::pin(async move {
            let mut resp = response.await?;
            add_cors(
                resp.headers_mut(),
                &app.config.cors_origins,
                origin.as_ref(),
            );
            Ok(resp)
        })
    }
}

/// Answers a preflight: the methods and headers only for an allowed origin (without them
/// the browser does not send the request).
fn preflight(req: &Request, allowed: &[String], origin: Option<&HeaderValue>) -> Response {
    let mut resp = StatusCode::NO_CONTENT.into_response();
    let h = resp.headers_mut();
    if !add_cors(h, allowed, origin) {
        return resp;
    }
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, PUT, DELETE, OPTIONS"),
    );
    let allow = req
        .headers()
        .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
        .cloned()
        .unwrap_or_else(|| HeaderValue::from_static(ALLOWED_HEADERS));
    h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, allow);
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("86400"),
    );
    resp
}
/// Whether the request carries `token` in any of the client's forms.
fn presents(req: &Request, token: &str) -> bool {
    let h = req.headers();
    let header_is =
        |name: &str, want: &str| h.get(name).and_then(|v| v.to_str().ok()) == Some(want);
    if header_is("authorization", &format!("Bearer {token}")) || header_is("x-rivet-token", token) {
        return true;
    }
    if let Some(protocols) = h
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
    {
        let want = format!("rivet_token.{token}");
        if protocols.split(',').any(|p| {
            let p = p.trim();
            p == want || percent_decode_str(p).decode_utf8().is_ok_and(|d| d == want)
        }) {
            return true;
        }
    }
    let uri = req.uri();
    if let Some(rest) = uri.path().strip_prefix("/gateway/") {
        let segment = rest.split('/').next().unwrap_or("");
        if let Some((_, t)) = segment.split_once('@')
            && percent_decode_str(t)
                .decode_utf8()
                .is_ok_and(|t| t == token)
        {
            return true;
        }
    }
    if let Some(q) = uri.query()
        && url::form_urlencoded::parse(q.as_bytes()).any(|(k, v)| k == "rvt-token" && v == token)
    {
        return true;
    }
    false
}
