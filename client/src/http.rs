//! HTTP: the `/metadata` probe, the engine REST API (`/actors`, always JSON) and stateless
//! action calls through the gateway (`POST {gateway}/action/{name}`).
//!
//! Tokens (as the official client sends them): REST calls send `Authorization: Bearer <token>`; gateway calls send
//! `x-rivet-token` and carry the token in the URL (`{id}@{token}` or `rvt-token`).

use std::time::Duration;

use actorium_protocol::catalogue;
use actorium_protocol::encoding::ENCODING_HEADER;
use actorium_protocol::gateway::{encode_uri_component, input_to_rest};
use actorium_protocol::rest::{
    ActorInfo, ActorsListResponse, CreateRequest, CreateResponse, GetOrCreateRequest,
    GetOrCreateResponse, Metadata,
};
use actorium_protocol::{
    ActorKey, Encoding, GatewayTarget, HttpActionRequest, HttpActionResponse, RIVETKIT_VERSION,
    Value, WireError,
};
use reqwest::Method;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use serde::de::DeserializeOwned;

use crate::backoff;
use crate::config::Config;
use crate::endpoint::parse_endpoint;
use crate::error::CallError;
use crate::tls::Tls;
use crate::values;

/// Header carrying connection params on HTTP actions (raw JSON).
pub const CONN_PARAMS_HEADER: &str = "x-rivet-conn-params";
/// Header carrying the token on gateway HTTP requests.
pub const TOKEN_HEADER: &str = "x-rivet-token";
/// Header carrying the server's request id.
pub const RAY_ID_HEADER: &str = "x-rivet-ray-id";

const METADATA_MIN_DELAY: Duration = Duration::from_millis(500);
const METADATA_MAX_DELAY: Duration = Duration::from_secs(15);
/// Attempts of the `/metadata` probe when nothing listens at the endpoint (connection
/// refused): one retry, 500 ms later, covers a server started a moment before the client.
/// The official client retries the probe forever on any error (`engine-client/metadata.ts`,
/// `pRetry({ forever: true })`) and never reports the refused port; a wrong port or a server
/// that is not running is the likelier cause here, so the client says so within a second.
const METADATA_REFUSED_ATTEMPTS: u32 = 2;
const MAX_ERROR_BODY: usize = 512;

/// The `User-Agent` of every request.
pub(crate) fn user_agent() -> String {
    format!(
        "actorium-client/{} (RivetKit/{RIVETKIT_VERSION})",
        env!("CARGO_PKG_VERSION")
    )
}

/// The connection pool of a client (and of its clones), with its TLS setup.
pub(crate) fn pool(tls: &Tls) -> reqwest::Client {
    tls.http(reqwest::Client::builder().connect_timeout(Duration::from_secs(10)))
        .build()
        .unwrap_or_else(|e| {
            tracing::warn!(error = %e, "HTTP client setup failed; using the defaults");
            reqwest::Client::default()
        })
}

/// Endpoint, namespace and token after the `/metadata` lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Resolved {
    pub endpoint: String,
    pub namespace: String,
    pub token: Option<String>,
}

impl Resolved {
    /// Applies `clientEndpoint`, `clientNamespace` and `clientToken` from `/metadata`.
    fn apply(&mut self, metadata: Metadata) {
        tracing::debug!(
            runtime = ?metadata.runtime,
            version = ?metadata.version,
            "metadata lookup done"
        );
        if let Some(endpoint) = metadata.client_endpoint {
            match parse_endpoint(&endpoint) {
                Ok(p) => self.endpoint = p.base,
                Err(e) => {
                    tracing::warn!(%endpoint, error = %e, "ignoring the server's clientEndpoint")
                }
            }
        }
        if let Some(ns) = metadata.client_namespace {
            self.namespace = ns;
        }
        if let Some(token) = metadata.client_token {
            self.token = Some(token);
        }
    }
}

/// The HTTP side of a client: its pool and its configuration.
#[derive(Clone, Copy)]
pub(crate) struct Http<'a> {
    /// The connection pool.
    pub pool: &'a reqwest::Client,
    /// The resolved options.
    pub config: &'a Config,
}

/// A response read to the end.
struct Response {
    status: reqwest::StatusCode,
    content_type: Option<String>,
    ray_id: Option<String>,
    body: Vec<u8>,
}

impl Http<'_> {
    /// Sends a request with the common headers (configured headers, timeout); the response
    /// head only, its body unread.
    pub(crate) async fn send_raw(
        &self,
        req: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, CallError> {
        let config = self.config;
        let mut req = req.header(USER_AGENT, user_agent());
        for (name, value) in &config.headers {
            req = req.header(name.as_str(), value.as_str());
        }
        if let Some(t) = config.request_timeout {
            req = req.timeout(t);
        }
        req.send()
            .await
            .map_err(|e| CallError::transport(describe_reqwest(&e), e))
    }

    /// Sends a request with the common headers and reads the whole response.
    async fn send(&self, req: reqwest::RequestBuilder) -> Result<Response, CallError> {
        let resp = self.send_raw(req).await?;
        let status = resp.status();
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let content_type = header(CONTENT_TYPE.as_str());
        let ray_id = header(RAY_ID_HEADER);
        let body = resp
            .bytes()
            .await
            .map_err(|e| CallError::transport("reading the response body failed", e))?
            .to_vec();
        Ok(Response {
            status,
            content_type,
            ray_id,
            body,
        })
    }

    /// Endpoint, namespace and token: the configured ones, updated by the `/metadata` lookup
    /// unless it is disabled.
    pub(crate) async fn resolve(&self) -> Result<Resolved, CallError> {
        let config = self.config;
        let mut resolved = Resolved {
            endpoint: config.endpoint.clone(),
            namespace: config.namespace.clone(),
            token: config.token.clone(),
        };
        if !config.disable_metadata_lookup {
            resolved.apply(self.fetch_metadata().await?);
        }
        Ok(resolved)
    }

    /// `GET /metadata?namespace=…`, tried `metadata_attempts` times (the official client
    /// retries forever; a bounded lookup turns a missing server into a clear error).
    async fn fetch_metadata(&self) -> Result<Metadata, CallError> {
        let config = self.config;
        let url = format!(
            "{}/metadata?{}",
            config.endpoint,
            query_string(&[("namespace", config.namespace.as_str())])
        );
        let (this, url_ref) = (*self, url.as_str());
        let once = move |_| async move {
            let mut req = this.pool.get(url_ref);
            if let Some(t) = &config.token {
                req = req.header(AUTHORIZATION, format!("Bearer {t}"));
            }
            let resp = this.send(req).await?;
            if !resp.status.is_success() {
                return Err(error_from_response(Encoding::Json, &resp));
            }
            serde_json::from_slice::<Metadata>(&resp.body)
                .map_err(|e| CallError::from(actorium_protocol::ProtocolError::Json(e.to_string())))
        };
        backoff::repeat(
            Some(config.metadata_attempts),
            |n| backoff::exponential(METADATA_MIN_DELAY, METADATA_MAX_DELAY, n - 1),
            once,
            |e, n| {
                tracing::warn!(%url, attempt = n + 1, error = %e, "metadata lookup failed");
                !(is_connection_refused(e) && n + 1 >= METADATA_REFUSED_ATTEMPTS)
            },
        )
        .await
        .map_err(|last| {
            if is_connection_refused(&last) {
                return CallError::transport_msg(format!(
                    "nothing is listening at {} (connection refused): is the server running, \
                     and are the host and port right? (GET {url}: {last})",
                    config.endpoint
                ));
            }
            CallError::transport_msg(format!(
                "GET {url} failed {} times; is a RivetKit server running at {}? (last error: {last})",
                config.metadata_attempts, config.endpoint
            ))
        })
    }

    /// A REST call: JSON in and out, namespace as the last query parameter.
    async fn rest<T: DeserializeOwned>(
        &self,
        resolved: &Resolved,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<String>,
    ) -> Result<T, CallError> {
        let mut params = query.to_vec();
        params.push(("namespace", resolved.namespace.as_str()));
        let url = format!("{}{path}?{}", resolved.endpoint, query_string(&params));
        let mut req = self.pool.request(method, &url);
        if let Some(t) = &resolved.token {
            req = req.header(AUTHORIZATION, format!("Bearer {t}"));
        }
        if let Some(b) = body {
            req = req.header(CONTENT_TYPE, "application/json").body(b);
        }
        let resp = self.send(req).await?;
        if !resp.status.is_success() {
            return Err(error_from_response(Encoding::Json, &resp));
        }
        serde_json::from_slice(&resp.body).map_err(|e| {
            CallError::from(actorium_protocol::ProtocolError::Json(format!(
                "{path} response: {e}"
            )))
        })
    }

    /// `GET /actors?name=&key=`: the actor with that key, if any.
    pub(crate) async fn actor_by_key(
        &self,
        resolved: &Resolved,
        name: &str,
        key: &ActorKey,
    ) -> Result<Option<ActorInfo>, CallError> {
        let rest_key = key.to_rest();
        let result: Result<ActorsListResponse, _> = self
            .rest(
                resolved,
                Method::GET,
                "/actors",
                &[("name", name), ("key", &rest_key)],
                None,
            )
            .await;
        match result {
            Ok(list) => Ok(list.actors.into_iter().next()),
            Err(e) if e.is_code(catalogue::ACTOR_NOT_FOUND) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `PUT /actors`: gets or creates the actor.
    pub(crate) async fn get_or_create_actor(
        &self,
        resolved: &Resolved,
        name: &str,
        key: &ActorKey,
        input: Option<&Value>,
        region: Option<&str>,
    ) -> Result<ActorInfo, CallError> {
        let config = self.config;
        let body = GetOrCreateRequest {
            name: name.to_string(),
            key: key.to_rest(),
            runner_name_selector: config.pool.clone(),
            input: input.map(input_to_rest),
            crash_policy: "sleep".into(),
            datacenter: region.map(str::to_string),
        };
        let body = serde_json::to_string(&body).expect("REST bodies serialize");
        let result: Result<GetOrCreateResponse, _> = self
            .rest(resolved, Method::PUT, "/actors", &[], Some(body))
            .await;
        match result {
            Ok(r) => Ok(r.actor),
            // The key lives in another datacenter: a get by key forwards there.
            Err(e) if e.is_code(catalogue::KEY_RESERVED_IN_DIFFERENT_DATACENTER) => {
                match self.actor_by_key(resolved, name, key).await? {
                    Some(a) => Ok(a),
                    None => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// `POST /actors`: creates the actor; `actor.duplicate_key` if the key is taken.
    pub(crate) async fn create_actor(
        &self,
        resolved: &Resolved,
        name: &str,
        key: &ActorKey,
        input: Option<&Value>,
        region: Option<&str>,
    ) -> Result<ActorInfo, CallError> {
        let config = self.config;
        let body = CreateRequest {
            name: name.to_string(),
            runner_name_selector: config.pool.clone(),
            key: Some(key.to_rest()),
            input: input.map(input_to_rest),
            crash_policy: "sleep".into(),
            datacenter: region.map(str::to_string),
        };
        let body = serde_json::to_string(&body).expect("REST bodies serialize");
        let r: CreateResponse = self
            .rest(resolved, Method::POST, "/actors", &[], Some(body))
            .await?;
        Ok(r.actor)
    }

    /// One stateless action call through the gateway (no retries here).
    pub(crate) async fn gateway_action(
        &self,
        resolved: &Resolved,
        target: &GatewayTarget,
        action: &str,
        args: &[Value],
        params: Option<&Value>,
    ) -> Result<Value, CallError> {
        let encoding = self.config.encoding;
        let path = target
            .path_and_query(&format!("/action/{}", encode_uri_component(action)))
            .map_err(|e| CallError::InvalidRequest(e.to_string()))?;
        let url = format!("{}{path}", resolved.endpoint);
        let body = HttpActionRequest {
            args: values::encode_args(encoding, args.to_vec()),
        }
        .encode(encoding)
        .map_err(CallError::conversion)?;
        let mut req = self
            .pool
            .post(&url)
            .header(CONTENT_TYPE, encoding.content_type())
            .header(ENCODING_HEADER, encoding.as_str())
            .body(body);
        if let Some(p) = params {
            req = req.header(CONN_PARAMS_HEADER, values::params_json(p)?);
        }
        if let Some(t) = &resolved.token {
            req = req.header(TOKEN_HEADER, t.as_str());
        }
        tracing::trace!(%url, %encoding, "action request");
        let resp = self.send(req).await?;
        if !resp.status.is_success() {
            let err = error_from_response(encoding, &resp);
            tracing::debug!(%url, action, error = %err, ray_id = ?resp.ray_id, "action failed");
            return Err(err);
        }
        let output = HttpActionResponse::decode(encoding, &resp.body)?.output;
        values::decode_value(output)
    }
}

/// The error a non-success response carries: the structured body (JSON when the content type
/// says so, else the request's encoding), or [`CallError::Http`] when it does not decode.
fn error_from_response(encoding: Encoding, resp: &Response) -> CallError {
    let decode_as = if resp
        .content_type
        .as_deref()
        .is_some_and(|c| c.contains("application/json"))
    {
        Encoding::Json
    } else {
        encoding
    };
    match WireError::decode_http(decode_as, &resp.body) {
        Ok(e) => CallError::from(values::decode_error(e)),
        Err(_) => {
            let mut body = String::from_utf8_lossy(&resp.body).into_owned();
            if body.len() > MAX_ERROR_BODY {
                let mut cut = MAX_ERROR_BODY;
                while !body.is_char_boundary(cut) {
                    cut -= 1;
                }
                body.truncate(cut);
                body.push('…');
            }
            CallError::Http {
                status: resp.status.as_u16(),
                body,
            }
        }
    }
}

fn query_string(pairs: &[(&str, &str)]) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        q.append_pair(k, v);
    }
    q.finish()
}

/// Whether a transport error is a refused TCP connection (nothing listens at the address).
fn is_connection_refused(e: &CallError) -> bool {
    let CallError::Transport {
        source: Some(source),
        ..
    } = e
    else {
        return false;
    };
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(source.as_ref());
    while let Some(c) = cause {
        if let Some(io) = c.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::ConnectionRefused
        {
            return true;
        }
        cause = c.source();
    }
    false
}

fn describe_reqwest(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "request timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    let mut text = match e.url() {
        Some(u) => format!("{what}: {}", u.as_str()),
        None => what.to_string(),
    };
    // The innermost cause says why (refused, an untrusted certificate, ...).
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    if !std::ptr::addr_eq(cause, e as &dyn std::error::Error) {
        text.push_str(&format!(" ({cause})"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, ct: &str, body: &[u8]) -> Response {
        Response {
            status: reqwest::StatusCode::from_u16(status).unwrap(),
            content_type: Some(ct.into()),
            ray_id: None,
            body: body.to_vec(),
        }
    }

    #[test]
    fn gateway_errors_are_json_whatever_the_encoding() {
        let r = resp(
            404,
            "application/json",
            br#"{"group":"actor","code":"not_found","message":"The actor does not exist or was destroyed."}"#,
        );
        let e = error_from_response(Encoding::Bare, &r);
        assert!(e.is("actor", "not_found"), "{e:?}");
    }

    #[test]
    fn bare_user_error_with_metadata() {
        // From the spec (§6.1), without the actor part.
        let mut body = vec![4, 0, 4];
        body.extend(b"user");
        body.push(9);
        body.extend(b"bad_thing");
        body.push(4);
        body.extend(b"nope");
        body.extend([1, 0x0a, 0xa1, 0x63]);
        body.extend(b"why");
        body.push(0x64);
        body.extend(b"test");
        body.push(0);
        let e = error_from_response(
            Encoding::Bare,
            &resp(500, "application/octet-stream", &body),
        );
        let w = e.actor_error().expect("actor error");
        assert_eq!(
            (w.group.as_str(), w.code.as_str(), w.message.as_str()),
            ("user", "bad_thing", "nope")
        );
        assert_eq!(
            w.metadata,
            Some(Value::Map(vec![(
                Value::Text("why".into()),
                Value::Text("test".into())
            )]))
        );
    }

    #[test]
    fn unstructured_error_body() {
        let e = error_from_response(Encoding::Json, &resp(502, "text/plain", b"bad gateway"));
        assert!(matches!(e, CallError::Http { status: 502, ref body } if body == "bad gateway"));
    }

    #[test]
    fn metadata_redirects() {
        let mut r = Resolved {
            endpoint: "http://a:1".into(),
            namespace: "default".into(),
            token: None,
        };
        let m: Metadata = serde_json::from_str(
            r#"{"runtime":"engine","clientEndpoint":"http://b:2/base/","clientNamespace":"ns","clientToken":"t"}"#,
        )
        .unwrap();
        r.apply(m);
        assert_eq!(
            r,
            Resolved {
                endpoint: "http://b:2/base".into(),
                namespace: "ns".into(),
                token: Some("t".into())
            }
        );
        r.apply(Metadata::default());
        assert_eq!(r.endpoint, "http://b:2/base");
    }

    #[test]
    fn rest_query_strings() {
        assert_eq!(
            query_string(&[
                ("name", "counter"),
                ("key", "cap/bare"),
                ("namespace", "default")
            ]),
            "name=counter&key=cap%2Fbare&namespace=default"
        );
    }
}
