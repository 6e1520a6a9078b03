//! `rawHttpActor`, `rawHttpNoHandlerActor`, `rawHttpVoidReturnActor`, `rawHttpHonoActor`,
//! `rawHttpRequestPropertiesActor`: raw HTTP handlers (`on_request`).

use std::collections::BTreeMap;

use actorium::prelude::*;
use actorium::raw_http::http::{HeaderMap, Method, StatusCode, header};
use actorium::raw_http::{Body, body_bytes, json_response, text_response};
use actorium::{ActorError, UserError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};

/// The headers as the Fetch API's `Headers.forEach` shows them: lower-case names, repeated
/// values joined with `", "`.
pub(crate) fn header_map(headers: &HeaderMap) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        out.entry(name.as_str().to_string())
            .and_modify(|v| {
                v.push_str(", ");
                v.push_str(&value);
            })
            .or_insert(value);
    }
    out
}

/// The request's full URL as RivetKit's handler sees it (`http://actor/...`, the host the
/// client sent).
fn full_url(request: &HttpRequest) -> String {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("actor");
    format!("http://{host}{}", request.uri())
}

/// Counts requests; serves `/api/hello`, `/api/echo` (POST), `/api/state`, `/api/headers`.
#[actorium::actor(name = "rawHttpActor")]
pub trait RawHttp {}

/// State of `rawHttpActor`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RawHttpState {
    request_count: i64,
}

#[actorium::actor]
impl RawHttpActor for RawHttpState {
    async fn on_request(c: &Ctx<Self>, request: HttpRequest) -> actorium::Result<HttpResponse> {
        let count = {
            let mut s = c.state_mut();
            s.request_count += 1;
            s.request_count
        };
        let path = request.uri().path().to_string();
        match (path.as_str(), request.method()) {
            ("/api/hello", _) => json_response(&json!({ "message": "Hello from actor!" })),
            ("/api/echo", &Method::POST) => {
                // The body back with the request's own headers (its length included).
                let headers = request.headers().clone();
                let body = body_bytes(request).await?;
                let mut response = HttpResponse::new(Body::from(body));
                for name in [header::CONTENT_TYPE, header::CONTENT_LENGTH] {
                    if let Some(v) = headers.get(&name) {
                        response.headers_mut().insert(name, v.clone());
                    }
                }
                Ok(response)
            }
            ("/api/state", _) => json_response(&json!({ "requestCount": count })),
            ("/api/headers", _) => json_response(&header_map(request.headers())),
            _ => Ok(text_response(StatusCode::NOT_FOUND, "Not Found")),
        }
    }
}

/// No raw HTTP handler: every raw request answers 404.
#[actorium::actor(name = "rawHttpNoHandlerActor")]
pub trait RawHttpNoHandler {}

/// State of `rawHttpNoHandlerActor`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct RawHttpNoHandlerState {}

#[actorium::actor]
impl RawHttpNoHandlerActor for RawHttpNoHandlerState {}

/// The original's handler returns nothing; a Rust handler must return a response, so the twin
/// fails the way RivetKit answers that mistake (500, the same message).
#[actorium::actor(name = "rawHttpVoidReturnActor")]
pub trait RawHttpVoidReturn {}

/// State of `rawHttpVoidReturnActor`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct RawHttpVoidReturnState {}

#[actorium::actor]
impl RawHttpVoidReturnActor for RawHttpVoidReturnState {
    async fn on_request(_c: &Ctx<Self>, _request: HttpRequest) -> actorium::Result<HttpResponse> {
        Err(ActorError::internal(
            "onRequest handler must return a Response",
        ))
    }
}

/// The original routes with a Hono router built in `createVars`; the twin routes with a
/// `match` on method and path segments (a user would reach for axum's `Router` the same way).
#[actorium::actor(name = "rawHttpHonoActor")]
pub trait RawHttpHono {}

/// State of `rawHttpHonoActor`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct RawHttpHonoState {}

fn user_name(id: &str) -> &'static str {
    if id == "1" { "Alice" } else { "Bob" }
}

/// `{id, ...body}` with `id` first, as a JavaScript spread gives it.
fn with_id(id: i64, body: Json) -> Json {
    let mut out = serde_json::Map::new();
    out.insert("id".into(), json!(id));
    if let Json::Object(fields) = body {
        out.extend(fields);
    }
    Json::Object(out)
}

async fn json_body(request: HttpRequest) -> actorium::Result<Json> {
    let bytes = body_bytes(request).await?;
    serde_json::from_slice(&bytes)
        .map_err(|e| UserError::new("bad_json", format!("invalid JSON: {e}")).into())
}

#[actorium::actor]
impl RawHttpHonoActor for RawHttpHonoState {
    async fn on_request(_c: &Ctx<Self>, request: HttpRequest) -> actorium::Result<HttpResponse> {
        let path = request.uri().path().to_string();
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let method = request.method().clone();
        let body = match (&method, segments.as_slice()) {
            (&Method::GET, []) => json!({ "message": "Welcome to Hono actor!" }),
            (&Method::GET, ["users"]) => {
                json!([{ "id": 1, "name": "Alice" }, { "id": 2, "name": "Bob" }])
            }
            (&Method::GET, ["users", id]) => {
                json!({ "id": id.parse::<i64>().unwrap_or(0), "name": user_name(id) })
            }
            (&Method::POST, ["users"]) => {
                let mut response = json_response(&with_id(3, json_body(request).await?))?;
                *response.status_mut() = StatusCode::CREATED;
                return Ok(response);
            }
            (&Method::PUT, ["users", id]) => {
                let id = id.parse::<i64>().unwrap_or(0);
                with_id(id, json_body(request).await?)
            }
            (&Method::DELETE, ["users", id]) => json!({ "message": format!("User {id} deleted") }),
            _ => return Ok(text_response(StatusCode::NOT_FOUND, "404 Not Found")),
        };
        json_response(&body)
    }
}

/// Echoes every property of the request it gets (URL, query, method, headers, body).
#[actorium::actor(name = "rawHttpRequestPropertiesActor")]
pub trait RawHttpRequestProperties {}

/// State of `rawHttpRequestPropertiesActor`.
#[derive(Default, Serialize, Deserialize, JsonSchema)]
pub struct RawHttpRequestPropertiesState {}

/// `URLSearchParams` as an object: decoded, the last value of a repeated name wins.
fn search_params(query: &str) -> BTreeMap<String, String> {
    url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

#[actorium::actor]
impl RawHttpRequestPropertiesActor for RawHttpRequestPropertiesState {
    async fn on_request(_c: &Ctx<Self>, request: HttpRequest) -> actorium::Result<HttpResponse> {
        let method = request.method().clone();
        if method == Method::HEAD {
            return Ok(HttpResponse::new(Body::empty()));
        }
        if method == Method::OPTIONS {
            let mut response = HttpResponse::new(Body::empty());
            *response.status_mut() = StatusCode::NO_CONTENT;
            return Ok(response);
        }
        let url = full_url(&request);
        let pathname = request.uri().path().to_string();
        let query = request.uri().query().unwrap_or("").to_string();
        let headers = header_map(request.headers());
        let is_json = headers
            .get("content-type")
            .is_some_and(|t| t.contains("application/json"));
        let bytes = body_bytes(request).await?;
        let body = if bytes.is_empty() {
            Json::Null
        } else if is_json {
            serde_json::from_slice(&bytes).unwrap_or(Json::Null)
        } else {
            Json::String(String::from_utf8_lossy(&bytes).into_owned())
        };
        let body_text = match &body {
            Json::String(s) => Json::String(s.clone()),
            _ => Json::Null,
        };
        json_response(&json!({
            "url": url,
            "pathname": pathname,
            "search": if query.is_empty() { String::new() } else { format!("?{query}") },
            "searchParams": search_params(&query),
            "hash": "",
            "method": method.as_str(),
            "headers": headers,
            "body": body,
            "bodyText": body_text,
            "cache": null,
            "credentials": null,
            "mode": null,
            "redirect": null,
            "referrer": null,
        }))
    }
}
