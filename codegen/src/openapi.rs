//! OpenAPI 3.1 for the stateless HTTP action calls (client protocol v4, JSON encoding).
//!
//! Every action of every actor gets two operations:
//!
//! - **by name and key** (the query gateway the official client uses for `get`/`getOrCreate`
//!   handles): `POST /gateway/{actor}/action/{action}?rvt-namespace=..&rvt-method=get|getOrCreate
//!   &rvt-runner=default&rvt-key=..`, one path per actor and action, typed exactly;
//! - **by actor id** (`create` and `getForId` handles): `POST /gateway/{actorId}/action/{action}`.
//!   The URL does not name the actor, so there is one path per action *name*; when several
//!   actors have an action of that name, its request and response schemas are the `anyOf` of
//!   theirs.
//!
//! Requests carry `x-rivet-encoding: json` and the body `{"args": [...]}`, a `prefixItems`
//! tuple of the parameter schemas (each titled with the parameter name). Success is HTTP 200
//! with `{"output": <returns>}`; errors (any 4xx/5xx; the official client ignores the status)
//! have the body `{group, code, message, metadata?, actor?}`. Named types of `$defs` become
//! `components/schemas` (references rewritten to `#/components/schemas/<Name>`); the per-action
//! bodies are the components `<actor>.<action>.request` / `.response`.

use std::collections::{BTreeMap, BTreeSet};

use actorium_protocol::schema::{ActorSchema, JsonSchema, RegistrySchema};
use serde_json::{Map, Value, json};

use crate::names::{component_name, encode_uri_component};
use crate::{CodegenError, refs};

/// The tag of the operations that address an actor by id.
const BY_ID_TAG: &str = "by actor id";

/// Settings of the generated document that the schema does not carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenApiOptions {
    /// `info.title`.
    pub title: String,
    /// `info.version` (the version of the API described, not of OpenAPI).
    pub version: String,
    /// The one entry of `servers`: the endpoint (actorium server or Rivet Engine).
    pub server_url: String,
}

impl Default for OpenApiOptions {
    fn default() -> Self {
        OpenApiOptions {
            title: "Actorium actors".to_owned(),
            version: "1.0.0".to_owned(),
            server_url: "http://localhost:6420".to_owned(),
        }
    }
}

/// The OpenAPI document as pretty JSON (keys sorted, trailing newline).
pub fn generate(schema: &RegistrySchema, options: &OpenApiOptions) -> Result<String, CodegenError> {
    Ok(crate::json::to_pretty_sorted(&document(schema, options)?))
}

/// The OpenAPI document as a JSON value.
pub fn document(schema: &RegistrySchema, options: &OpenApiOptions) -> Result<Value, CodegenError> {
    crate::validate(schema)?;
    let mut actors: Vec<&ActorSchema> = schema.actors.iter().collect();
    actors.sort_by(|a, b| a.name.cmp(&b.name));

    // Component names: definitions, then the per-action bodies.
    let mut components = Components::default();
    let mut def_components = BTreeMap::new();
    for name in schema.definitions.keys() {
        let component = component_name(name);
        components.claim(&component, &format!("the type `{name}` of `$defs`"))?;
        def_components.insert(name.clone(), component);
    }
    for fixed in ["rivet.Error", "rivet.ActorSpecifier"] {
        components.claim(fixed, "a schema of the error body")?;
    }
    let to_component = |mut schema: Value| {
        refs::rewrite(&mut schema, &|name| {
            format!("#/components/schemas/{}", def_components[name])
        });
        schema
    };

    let mut schemas = Map::new();
    for (name, def) in &schema.definitions {
        schemas.insert(def_components[name].clone(), to_component(def.clone()));
    }
    schemas.insert("rivet.Error".to_owned(), error_schema());
    schemas.insert("rivet.ActorSpecifier".to_owned(), actor_specifier_schema());

    let mut paths = Map::new();
    let mut operation_ids = BTreeSet::new();
    let mut tags = Vec::new();
    // Action name -> the actors that have it (for the by-id paths).
    let mut by_action: BTreeMap<&str, Vec<ByIdEntry>> = BTreeMap::new();

    for actor in &actors {
        if actor.name == BY_ID_TAG {
            return Err(CodegenError::NameCollision(format!(
                "the actor `{BY_ID_TAG}` has the name of the OpenAPI tag for actions by actor id"
            )));
        }
        let mut tag = json!({"name": actor.name});
        if !actor.docs.trim().is_empty() {
            tag["description"] = json!(actor.docs.trim());
        }
        tags.push(tag);

        let conn_params = actor.conn_params.clone().map(to_component);
        let input = actor.input.clone().map(to_component);
        for action in &actor.actions {
            let base = format!(
                "{}.{}",
                component_name(&actor.name),
                component_name(&action.name)
            );
            let request = format!("{base}.request");
            let response = format!("{base}.response");
            let what = format!("action `{}` of actor `{}`", action.name, actor.name);
            components.claim(&request, &format!("the request body of {what}"))?;
            components.claim(&response, &format!("the response body of {what}"))?;
            let params: Vec<(String, Value)> = action
                .params
                .iter()
                .map(|p| (p.name.clone(), to_component(p.schema.clone())))
                .collect();
            schemas.insert(request.clone(), request_schema(&params));
            schemas.insert(
                response.clone(),
                response_schema(to_component(action.returns.clone())),
            );

            let operation_id = format!("{}.{}", actor.name, action.name);
            claim_operation_id(&mut operation_ids, &operation_id)?;
            // In the order the official client writes them.
            let mut parameters = vec![
                param_ref("rvtNamespace"),
                param_ref("rvtMethod"),
                param_ref("rvtRunner"),
                param_ref("rvtKey"),
            ];
            if let Some(input) = &input {
                parameters.push(input_param(&actor.name, input.clone()));
            }
            parameters.extend([
                param_ref("rvtRegion"),
                param_ref("rvtCrashPolicy"),
                param_ref("rvtToken"),
                param_ref("xRivetEncoding"),
            ]);
            if let Some(conn_params) = &conn_params {
                parameters.push(conn_params_param(conn_params.clone()));
            }
            parameters.push(param_ref("xRivetToken"));

            let mut description = action.docs.trim().to_owned();
            if !description.is_empty() {
                description.push_str("\n\n");
            }
            description.push_str(&format!(
                "Calls `{}` on the `{}` actor addressed by name and key (the query gateway): \
                 `rvt-method=get` needs an existing actor, `getOrCreate` creates it on first use.",
                action.name, actor.name
            ));
            let operation = json!({
                "operationId": operation_id,
                "summary": format!("{}.{}", actor.name, action.name),
                "description": description,
                "tags": [actor.name],
                "parameters": parameters,
                "requestBody": body_ref(&request, "The positional arguments."),
                "responses": responses(schema_ref(&response)),
            });
            let path = format!(
                "/gateway/{}/action/{}",
                encode_uri_component(&actor.name),
                encode_uri_component(&action.name)
            );
            paths.insert(path, json!({ "post": operation }));

            by_action.entry(&action.name).or_default().push(ByIdEntry {
                actor: &actor.name,
                docs: action.docs.trim(),
                request,
                response,
                conn_params: conn_params.clone(),
            });
        }
    }

    for (action, entries) in &by_action {
        let operation_id = format!("{action}.byActorId");
        claim_operation_id(&mut operation_ids, &operation_id)?;
        let actor_list = entries
            .iter()
            .map(|e| format!("`{}`", e.actor))
            .collect::<Vec<_>>()
            .join(", ");
        let mut description = match entries.as_slice() {
            [only] if !only.docs.is_empty() => format!("{}\n\n", only.docs),
            _ => String::new(),
        };
        description.push_str(&format!(
            "Calls `{action}` on an actor addressed by its id. Actors with this action: {actor_list}."
        ));
        let conn_params: Vec<Value> = entries
            .iter()
            .filter_map(|e| e.conn_params.clone())
            .collect();
        let mut parameters = vec![param_ref("actorId"), param_ref("xRivetEncoding")];
        if !conn_params.is_empty() {
            parameters.push(conn_params_param(any_of(conn_params)));
        }
        parameters.push(param_ref("xRivetToken"));
        let request = any_of(entries.iter().map(|e| schema_ref(&e.request)).collect());
        let response = any_of(entries.iter().map(|e| schema_ref(&e.response)).collect());
        let operation = json!({
            "operationId": operation_id,
            "summary": format!("{action} (by actor id)"),
            "description": description,
            "tags": [BY_ID_TAG],
            "parameters": parameters,
            "requestBody": {
                "required": true,
                "description": "The positional arguments.",
                "content": {"application/json": {"schema": request}},
            },
            "responses": responses(response),
        });
        let path = format!(
            "/gateway/{{actorId}}/action/{}",
            encode_uri_component(action)
        );
        paths.insert(path, json!({ "post": operation }));
    }
    if !by_action.is_empty() {
        tags.push(json!({
            "name": BY_ID_TAG,
            "description": "Actions on an actor addressed by its id (`create` and `getForId` handles of the official client).",
        }));
    }

    Ok(json!({
        "openapi": "3.1.0",
        "info": {
            "title": options.title,
            "version": options.version,
            "description": INFO_DESCRIPTION,
        },
        "servers": [{
            "url": options.server_url,
            "description": "The endpoint: an actorium server, or the Rivet Engine's public port.",
        }],
        "tags": tags,
        "paths": paths,
        "components": {
            "schemas": schemas,
            "parameters": common_parameters(),
            "responses": {"Error": error_response()},
        },
    }))
}

const INFO_DESCRIPTION: &str = "Stateless action calls over HTTP, as the official RivetKit client \
(2.3.19, client protocol v4) makes them with the JSON encoding.\n\n\
An actor is addressed either by name and key through the query gateway \
(`POST /gateway/{name}/action/{action}?rvt-namespace=default&rvt-method=getOrCreate&rvt-runner=default&rvt-key=a,b`) \
or by its id (`POST /gateway/{actorId}/action/{action}`). The request body is \
`{\"args\": [...]}` (the positional arguments), the response `{\"output\": ...}`.\n\n\
Values use RivetKit's JSON compat form: `[\"$BigInt\", \"<decimal>\"]` is a bigint, \
`[\"$Uint8Array\", \"<base64>\"]` bytes, and a two-element array whose first element is a \
string starting with `$` gets one more `$` (`[\"$$x\", 1]`).";

/// One actor's action, for the by-id path of its action name.
struct ByIdEntry<'a> {
    actor: &'a str,
    docs: &'a str,
    request: String,
    response: String,
    conn_params: Option<Value>,
}

/// Component names in use, with what uses them.
#[derive(Default)]
struct Components(BTreeMap<String, String>);

impl Components {
    fn claim(&mut self, name: &str, what: &str) -> Result<(), CodegenError> {
        if let Some(previous) = self.0.get(name) {
            return Err(CodegenError::NameCollision(format!(
                "the OpenAPI component `{name}` would stand for both {previous} and {what}"
            )));
        }
        self.0.insert(name.to_owned(), what.to_owned());
        Ok(())
    }
}

fn claim_operation_id(ids: &mut BTreeSet<String>, id: &str) -> Result<(), CodegenError> {
    if ids.insert(id.to_owned()) {
        Ok(())
    } else {
        Err(CodegenError::NameCollision(format!(
            "two operations would have the operationId `{id}`"
        )))
    }
}

fn schema_ref(component: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{component}")})
}

fn param_ref(component: &str) -> Value {
    json!({"$ref": format!("#/components/parameters/{component}")})
}

fn body_ref(component: &str, description: &str) -> Value {
    json!({
        "required": true,
        "description": description,
        "content": {"application/json": {"schema": schema_ref(component)}},
    })
}

fn any_of(mut schemas: Vec<Value>) -> Value {
    if schemas.len() == 1 {
        schemas.pop().expect("one schema")
    } else {
        json!({ "anyOf": schemas })
    }
}

/// A boolean schema as an object schema (so it can carry a title).
fn as_object_schema(schema: JsonSchema) -> Map<String, Value> {
    match schema {
        Value::Object(map) => map,
        Value::Bool(false) => {
            let mut map = Map::new();
            map.insert("not".to_owned(), json!({}));
            map
        }
        _ => Map::new(),
    }
}

/// `{"args": [...]}` with the parameters as a closed tuple.
fn request_schema(params: &[(String, Value)]) -> Value {
    let args = if params.is_empty() {
        json!({"type": "array", "maxItems": 0})
    } else {
        let items: Vec<Value> = params
            .iter()
            .map(|(name, schema)| {
                let mut map = as_object_schema(schema.clone());
                map.insert("title".to_owned(), json!(name));
                Value::Object(map)
            })
            .collect();
        json!({
            "type": "array",
            "prefixItems": items,
            "items": false,
            "minItems": params.len(),
        })
    };
    json!({
        "type": "object",
        "properties": {"args": args},
        "required": ["args"],
    })
}

/// `{"output": <returns>}`.
fn response_schema(returns: Value) -> Value {
    json!({
        "type": "object",
        "properties": {"output": returns},
        "required": ["output"],
    })
}

fn responses(success: Value) -> Value {
    json!({
        "200": {
            "description": "The action's output.",
            "content": {"application/json": {"schema": success}},
        },
        "4XX": {"$ref": "#/components/responses/Error"},
        "5XX": {"$ref": "#/components/responses/Error"},
    })
}

fn input_param(actor: &str, input: Value) -> Value {
    json!({
        "name": "rvt-input",
        "in": "query",
        "required": false,
        "description": format!(
            "`getOrCreate` only: the creation input of `{actor}` (used only if the actor is created), \
             CBOR-encoded, then base64url without padding."
        ),
        "schema": {
            "type": "string",
            "contentEncoding": "base64url",
            "contentMediaType": "application/cbor",
            "contentSchema": input,
        },
    })
}

fn conn_params_param(schema: Value) -> Value {
    json!({
        "name": "x-rivet-conn-params",
        "in": "header",
        "required": false,
        "description": "Connection params as JSON: the action runs on a connection opened with them (the actor may reject them).",
        "content": {"application/json": {"schema": schema}},
    })
}

fn common_parameters() -> Value {
    json!({
        "rvtNamespace": {
            "name": "rvt-namespace",
            "in": "query",
            "required": true,
            "description": "The namespace.",
            "schema": {"type": "string", "default": "default"},
        },
        "rvtMethod": {
            "name": "rvt-method",
            "in": "query",
            "required": true,
            "description": "`get`: the actor must exist (404 `actor.not_found` otherwise). `getOrCreate`: the actor is created on first use; `rvt-runner` is then required.",
            "schema": {"type": "string", "enum": ["get", "getOrCreate"]},
        },
        "rvtRunner": {
            "name": "rvt-runner",
            "in": "query",
            "required": false,
            "description": "`getOrCreate` only (and required there): the pool to create the actor in.",
            "schema": {"type": "string", "default": "default"},
        },
        "rvtKey": {
            "name": "rvt-key",
            "in": "query",
            "required": false,
            "description": "The actor key: its parts joined with `,`, unescaped (so parts containing `,` cannot be addressed this way). Omitted for the empty key.",
            "schema": {"type": "string"},
        },
        "rvtCrashPolicy": {
            "name": "rvt-crash-policy",
            "in": "query",
            "required": false,
            "description": "`getOrCreate` only: what happens when the actor crashes.",
            "schema": {"type": "string", "enum": ["sleep", "restart", "destroy"], "default": "sleep"},
        },
        "rvtRegion": {
            "name": "rvt-region",
            "in": "query",
            "required": false,
            "description": "`getOrCreate` only: the datacenter to create the actor in.",
            "schema": {"type": "string"},
        },
        "rvtToken": {
            "name": "rvt-token",
            "in": "query",
            "required": false,
            "description": "Access token, if the endpoint requires one.",
            "schema": {"type": "string"},
        },
        "xRivetEncoding": {
            "name": "x-rivet-encoding",
            "in": "header",
            "required": true,
            "description": "The encoding of the request and response bodies. This document describes `json` (the protocol also has `cbor` and `bare`; a missing header means `json`).",
            "schema": {"type": "string", "enum": ["json"]},
        },
        "xRivetToken": {
            "name": "x-rivet-token",
            "in": "header",
            "required": false,
            "description": "Access token, if the endpoint requires one.",
            "schema": {"type": "string"},
        },
        "actorId": {
            "name": "actorId",
            "in": "path",
            "required": true,
            "description": "The actor id (from `resolve()`, `create` or `PUT /actors`), optionally followed by `@<token>`.",
            "schema": {"type": "string"},
        },
    })
}

fn error_schema() -> Value {
    json!({
        "description": "An error raised by the actor, the actor runtime or the gateway.",
        "type": "object",
        "properties": {
            "group": {
                "description": "`user` for errors raised by actor code; `actor`, `guard`, `rivetkit`, `core`, ... for framework errors.",
                "type": "string",
            },
            "code": {"type": "string"},
            "message": {"type": "string"},
            "metadata": {"description": "Extra data attached to a user error."},
            "actor": {"$ref": "#/components/schemas/rivet.ActorSpecifier"},
        },
        "required": ["group", "code", "message"],
    })
}

fn actor_specifier_schema() -> Value {
    json!({
        "description": "The actor that raised an actor-level error.",
        "type": "object",
        "properties": {
            "actorId": {"type": "string"},
            "generation": {"type": "integer", "minimum": 0},
            "key": {
                "description": "The key, serialized as in the REST API (parts joined with `/`, escaped).",
                "type": "string",
            },
        },
        "required": ["actorId", "generation"],
    })
}

fn error_response() -> Value {
    json!({
        "description": "An error. Its status is informative only (a user error is 500, an unknown action or a missing actor 404); clients read the body. Gateway-level errors are always JSON and carry no `actor`.",
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/rivet.Error"},
                "examples": {
                    "userError": {
                        "summary": "An error raised by the action",
                        "value": {
                            "group": "user",
                            "code": "bad_thing",
                            "message": "nope",
                            "metadata": {"why": "test"},
                            "actor": {"actorId": "dxpfrk8kvnzmn9pr8ogz7mqjx6dl00", "generation": 1, "key": "general"},
                        },
                    },
                    "actionNotFound": {
                        "summary": "Unknown action",
                        "value": {"group": "actor", "code": "action_not_found", "message": "Action `noSuchAction` was not found."},
                    },
                    "actorNotFound": {
                        "summary": "`rvt-method=get` for a key without an actor",
                        "value": {"group": "actor", "code": "not_found", "message": "The actor does not exist or was destroyed."},
                    },
                },
            },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry(actors: Value, defs: Value) -> RegistrySchema {
        serde_json::from_value(json!({"version": 1, "actors": actors, "$defs": defs})).unwrap()
    }

    #[test]
    fn request_bodies_are_closed_tuples() {
        assert_eq!(
            request_schema(&[
                ("sender".to_owned(), json!({"type": "string"})),
                (
                    "message".to_owned(),
                    json!({"$ref": "#/components/schemas/Message"})
                ),
                ("anything".to_owned(), json!(true)),
            ]),
            json!({
                "type": "object",
                "properties": {"args": {
                    "type": "array",
                    "prefixItems": [
                        {"type": "string", "title": "sender"},
                        {"$ref": "#/components/schemas/Message", "title": "message"},
                        {"title": "anything"},
                    ],
                    "items": false,
                    "minItems": 3,
                }},
                "required": ["args"],
            })
        );
        assert_eq!(
            request_schema(&[])["properties"]["args"],
            json!({"type": "array", "maxItems": 0})
        );
    }

    #[test]
    fn shared_action_names_share_the_by_id_path() {
        let doc = document(
            &registry(
                json!([
                    {"name": "a b", "actions": [{"name": "get", "params": [], "returns": {"$ref": "#/$defs/T"}}], "events": []},
                    {"name": "c", "actions": [{"name": "get", "params": [], "returns": {"type": "string"}}], "events": [],
                     "connParams": {"type": "string"}}
                ]),
                json!({"T": {"type": "integer"}}),
            ),
            &OpenApiOptions::default(),
        )
        .unwrap();
        let paths = doc["paths"].as_object().unwrap();
        let keys: Vec<&String> = paths.keys().collect();
        assert_eq!(
            keys,
            [
                "/gateway/a%20b/action/get",
                "/gateway/c/action/get",
                "/gateway/{actorId}/action/get"
            ]
        );
        let by_id = &paths["/gateway/{actorId}/action/get"]["post"];
        assert_eq!(
            by_id["requestBody"]["content"]["application/json"]["schema"],
            json!({"anyOf": [
                {"$ref": "#/components/schemas/a_b.get.request"},
                {"$ref": "#/components/schemas/c.get.request"},
            ]})
        );
        assert_eq!(
            doc["components"]["schemas"]["a_b.get.response"]["properties"]["output"],
            json!({"$ref": "#/components/schemas/T"})
        );
        assert!(
            by_id["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["name"] == "x-rivet-conn-params")
        );
    }

    #[test]
    fn collisions_are_errors() {
        let err = document(
            &registry(json!([]), json!({"a<b>": true, "a_b_": true})),
            &OpenApiOptions::default(),
        )
        .unwrap_err();
        assert!(matches!(err, CodegenError::NameCollision(_)), "{err}");
        let err = document(
            &registry(
                json!([{"name": "x", "actions": [{"name": "y", "params": [], "returns": true}], "events": []}]),
                json!({"x.y.request": true}),
            ),
            &OpenApiOptions::default(),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "name collision: the OpenAPI component `x.y.request` would stand for both the type `x.y.request` of `$defs` and the request body of action `y` of actor `x`"
        );
    }
}
