//! CORS (as the reference answers) and the optional token check, as one tower layer around
//! every route: a preflight or a request without the token is answered here; everything else
//! goes on and gets the CORS headers on its way out (one boxed future per request).

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

fn add_cors(headers: &mut HeaderMap, request_origin: Option<HeaderValue>) {
    // With credentials allowed, browsers reject `*`: echo the origin when there is one.
    let origin = request_origin.unwrap_or_else(|| HeaderValue::from_static("*"));
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
        HeaderValue::from_static("true"),
    );
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("*"),
    );
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
        if req.method() == Method::OPTIONS {
            return Box::pin(std::future::ready(Ok(preflight(&req, origin))));
        }
        let path = req.uri().path();
        let open = path == "/metadata" || path == "/health";
        if let (Some(token), false) = (&self.app.config.token, open)
            && !presents(&req, token)
        {
            tracing::debug!(path, "request without a valid token");
            let mut resp = json_error(actorium_protocol::WireError::forbidden());
            add_cors(resp.headers_mut(), origin);
            return Box::pin(std::future::ready(Ok(resp)));
        }
        let response = self.inner.call(req);
        Box::pin(async move {
            let mut resp = response.await?;
            add_cors(resp.headers_mut(), origin);
            Ok(resp)
        })
    }
}

fn preflight(req: &Request, origin: Option<HeaderValue>) -> Response {
    let mut resp = StatusCode::NO_CONTENT.into_response();
    let h = resp.headers_mut();
    add_cors(h, origin);
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
