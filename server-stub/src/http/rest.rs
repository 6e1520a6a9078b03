//! `/metadata`, `/health`, `/actorium/schema` and the `/actors` REST API (always JSON).

use std::borrow::Cow;
use std::collections::BTreeMap;

use actorium_protocol::rest::{
    ActorInfo, ActorNameInfo, ActorNamesResponse, ActorsListResponse, CreateResponse,
    GetOrCreateResponse, Metadata, Pagination,
};
use actorium_protocol::{ActorKey, Value, WireError};
use axum::body::Body;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::App;
use super::body::read_body_watched;
use super::errors::json_error;
use super::field_watch::FieldWatch;
use super::values::revive;
use crate::meta::ActorMeta;

/// Namespace id reported in actor objects.
const NAMESPACE_ID: &str = "actoriumnamespace00000000000000";
/// Most actors one `GET /actors?name=` returns.
const LIST_LIMIT: usize = 1000;

pub(crate) fn json<T: Serialize>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            body,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "response does not serialize");
            json_error(WireError::internal())
        }
    }
}

/// The REST form of an actor.
pub(crate) fn actor_info(m: &ActorMeta) -> ActorInfo {
    ActorInfo {
        actor_id: m.id.clone(),
        name: m.name.clone(),
        key: m.key.to_rest(),
        namespace_id: NAMESPACE_ID.into(),
        datacenter: "default".into(),
        runner_name_selector: "default".into(),
        crash_policy: "sleep".into(),
        create_ts: m.create_ts,
        start_ts: Some(m.create_ts),
        pending_allocation_ts: None,
        connectable_ts: Some(m.create_ts),
        sleep_ts: None,
        reschedule_ts: None,
        destroy_ts: None,
        error: None,
    }
}

pub(crate) async fn metadata() -> Response {
    let mut extra = BTreeMap::new();
    extra.insert(
        "actorium_version".into(),
        serde_json::Value::String(env!("CARGO_PKG_VERSION").into()),
    );
    let m = Metadata {
        runtime: Some("actorium".into()),
        version: Some(actorium_protocol::RIVETKIT_VERSION.into()),
        extra,
        ..Metadata::default()
    };
    json(StatusCode::OK, &m)
}

pub(crate) async fn health() -> Response {
    json(
        StatusCode::OK,
        &serde_json::json!({
            "runtime": "actorium",
            "status": "ok",
            "version": actorium_protocol::RIVETKIT_VERSION,
        }),
    )
}

/// `GET /actorium/schema`: the registry's schema document
/// ([`Registry::schema`](crate::Registry::schema)), byte for byte what the `schema` subcommand
/// prints (pretty JSON with a trailing newline), for `actorium-codegen` and other tooling.
pub(crate) async fn schema(State(app): State<App>) -> Response {
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        app.host.registry().schema().to_json_pretty(),
    )
        .into_response()
}

/// Checks the `namespace` query parameter (absent means the server's namespace).
fn check_namespace(app: &App, q: &BTreeMap<String, String>) -> Result<(), WireError> {
    match q.get("namespace") {
        Some(ns) if ns != &app.host.config().namespace => Err(WireError::namespace_not_found()),
        _ => Ok(()),
    }
}

/// Reads a REST key string under the host's key policy (a string too long for any valid key
/// is refused before it is split).
fn parse_key(app: &App, s: &str) -> Result<ActorKey, WireError> {
    app.host
        .config()
        .key_policy
        .parse_rest(s)
        .map_err(|e| WireError::invalid_input(format!("Invalid key: {e}")))
}

/// The `key` parameter of `GET /actors` as written, decoded strictly (invalid
/// percent-encoding or UTF-8 is an error, not a replacement character).
fn raw_query_key(app: &App, raw: Option<&str>) -> Result<Option<ActorKey>, WireError> {
    let Some(raw) = raw
        .unwrap_or("")
        .split('&')
        .find_map(|p| p.strip_prefix("key="))
    else {
        return Ok(None);
    };
    let policy = &app.host.config().key_policy;
    // Every byte of the REST form may be percent-encoded.
    if raw.len() > policy.max_rest_len().saturating_mul(3) {
        return Err(WireError::invalid_input(format!(
            "Invalid key: a key parameter of {} bytes is too long",
            raw.len()
        )));
    }
    let s = actorium_protocol::key::decode_form_strict(raw)
        .map_err(|e| WireError::invalid_input(format!("Invalid key: {e}")))?;
    parse_key(app, &s).map(Some)
}

/// Reads a `PUT`/`POST /actors` body, refusing a key too long for the host's key policy as
/// soon as it shows (before the rest of the body is buffered).
async fn read_actors_body(app: &App, body: Body) -> Result<Vec<u8>, WireError> {
    // A REST key string within the policy, with every character written as `\uXXXX`.
    let max_key = app
        .host
        .config()
        .key_policy
        .max_rest_len()
        .saturating_mul(6);
    let mut watch = FieldWatch::new("key", max_key);
    read_body_watched(body, rest_body_limit(app), |chunk| {
        watch.feed(chunk).map_err(|_| {
            WireError::invalid_input(format!(
                "Invalid key: a key string longer than {max_key} bytes (as JSON) exceeds the \
                 limit"
            ))
        })
    })
    .await
}

/// The fields of a `PUT`/`POST /actors` body this server reads, borrowed from the body where
/// they have no escapes: a huge key is checked for size without a copy.
#[derive(serde::Deserialize)]
struct ActorsBody<'a> {
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(borrow, default)]
    key: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    input: Option<Cow<'a, str>>,
}

fn parse_input(app: &App, input: Option<&str>) -> Result<Option<Value>, WireError> {
    let Some(input) = input else { return Ok(None) };
    let limit = app.config.limits.max_rest_input;
    // base64 grows by 4/3: reject before decoding anything far too large.
    if input.len() / 4 * 3 > limit + 3 {
        return Err(WireError::incoming_too_long(limit));
    }
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(input.as_bytes())
        .map_err(|e| WireError::invalid_input(format!("Invalid input: not base64: {e}")))?;
    if bytes.len() > limit {
        return Err(WireError::incoming_too_long(limit));
    }
    actorium_protocol::compat::from_cbor(&bytes)
        .and_then(revive)
        .map(Some)
        .map_err(|e| WireError::invalid_input(format!("Invalid input: {e}")))
}

fn parse_body<'a, T: serde::Deserialize<'a>>(body: &'a [u8]) -> Result<T, WireError> {
    serde_json::from_slice(body)
        .map_err(|e| WireError::bad_request(format!("Invalid request body: {e}")))
}

/// Largest `/actors` body: the input limit in base64, plus room for the other fields.
fn rest_body_limit(app: &App) -> usize {
    app.config.limits.max_rest_input / 3 * 4 + (64 << 10)
}

fn check_name(app: &App, name: &str) -> Result<(), WireError> {
    if app.host.registry().contains(name) {
        Ok(())
    } else {
        Err(WireError::invalid_name(name))
    }
}

pub(crate) async fn list_actors(
    State(app): State<App>,
    Query(q): Query<BTreeMap<String, String>>,
    RawQuery(raw): RawQuery,
) -> Response {
    match list(&app, &q, raw.as_deref()).await {
        Ok(actors) => json(
            StatusCode::OK,
            &ActorsListResponse {
                actors,
                pagination: Pagination::default(),
            },
        ),
        Err(e) => json_error(e),
    }
}

async fn list(
    app: &App,
    q: &BTreeMap<String, String>,
    raw: Option<&str>,
) -> Result<Vec<ActorInfo>, WireError> {
    check_namespace(app, q)?;
    if let Some(ids) = q.get("actor_ids") {
        let mut out = Vec::new();
        for id in ids.split(',').filter(|s| !s.is_empty()) {
            if let Some(m) = app.host.find(id).await? {
                out.push(actor_info(&m));
            }
        }
        return Ok(out);
    }
    let Some(name) = q.get("name") else {
        return Err(WireError::invalid_input(
            "Name is required when not using actor_ids.",
        ));
    };
    if let Some(key) = raw_query_key(app, raw)? {
        return Ok(app
            .host
            .find_by_key(name, &key)
            .await?
            .map(|m| vec![actor_info(&m)])
            .unwrap_or_default());
    }
    Ok(app
        .host
        .list(name, LIST_LIMIT)
        .await?
        .iter()
        .map(|m| actor_info(m))
        .collect())
}

pub(crate) async fn get_or_create_actor(
    State(app): State<App>,
    Query(q): Query<BTreeMap<String, String>>,
    body: Body,
) -> Response {
    let result = async {
        check_namespace(&app, &q)?;
        let body = read_actors_body(&app, body).await?;
        let req: ActorsBody = parse_body(&body)?;
        check_name(&app, &req.name)?;
        let Some(key) = &req.key else {
            return Err(WireError::bad_request(
                "Invalid request body: missing field `key`",
            ));
        };
        let key = parse_key(&app, key)?;
        let input = parse_input(&app, req.input.as_deref())?;
        let (meta, created) = app.host.get_or_create(&req.name, &key, input).await?;
        Ok::<_, WireError>(GetOrCreateResponse {
            actor: actor_info(&meta),
            created,
        })
    }
    .await;
    match result {
        Ok(r) => json(StatusCode::OK, &r),
        Err(e) => json_error(e),
    }
}

pub(crate) async fn create_actor(
    State(app): State<App>,
    Query(q): Query<BTreeMap<String, String>>,
    body: Body,
) -> Response {
    let result = async {
        check_namespace(&app, &q)?;
        let body = read_actors_body(&app, body).await?;
        let req: ActorsBody = parse_body(&body)?;
        check_name(&app, &req.name)?;
        let key = match &req.key {
            Some(k) => parse_key(&app, k)?,
            None => ActorKey::default(),
        };
        let input = parse_input(&app, req.input.as_deref())?;
        let meta = app.host.create(&req.name, &key, input).await?;
        Ok::<_, WireError>(CreateResponse {
            actor: actor_info(&meta),
        })
    }
    .await;
    match result {
        Ok(r) => json(StatusCode::OK, &r),
        Err(e) => json_error(e),
    }
}

pub(crate) async fn destroy_actor(
    State(app): State<App>,
    Path(id): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let result = async {
        check_namespace(&app, &q)?;
        app.host.destroy(&id).await
    }
    .await;
    match result {
        Ok(()) => json(StatusCode::OK, &serde_json::json!({})),
        Err(e) => json_error(e),
    }
}

pub(crate) async fn actor_names(
    State(app): State<App>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    if let Err(e) = check_namespace(&app, &q) {
        return json_error(e);
    }
    let names = app
        .host
        .registry()
        .names()
        .map(|n| (n.to_string(), ActorNameInfo::default()))
        .collect();
    json(
        StatusCode::OK,
        &ActorNamesResponse {
            names,
            pagination: Pagination::default(),
        },
    )
}
