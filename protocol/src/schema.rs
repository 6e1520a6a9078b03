//! The schema document: what a registry's actors accept and return, as JSON Schemas.
//!
//! One versioned JSON document for a whole registry ([`RegistrySchema`]), deterministic (actors
//! sorted by name, definitions sorted by type name), so it can be committed and diffed. The
//! `#[actor]` macro produces each [`ActorSchema`]; `actorium-codegen` turns the document into
//! TypeScript, OpenAPI and JSON Schema files.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The version of the schema document format.
pub const SCHEMA_VERSION: u32 = 1;

/// A JSON Schema (draft 2020-12); references point into [`RegistrySchema::definitions`]
/// as `#/$defs/<Name>`.
pub type JsonSchema = serde_json::Value;

/// Every actor of a registry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistrySchema {
    /// Document format version ([`SCHEMA_VERSION`]).
    pub version: u32,
    /// The actors, sorted by wire name.
    pub actors: Vec<ActorSchema>,
    /// Named types referenced as `#/$defs/<Name>`, sorted by name.
    #[serde(rename = "$defs", default)]
    pub definitions: BTreeMap<String, JsonSchema>,
}

/// One actor's contract and state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActorSchema {
    /// Wire name (`chatRoom`).
    pub name: String,
    /// Doc comment of the contract.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub docs: String,
    /// Actions, in declaration order.
    pub actions: Vec<ActionSchema>,
    /// Events, in declaration order.
    pub events: Vec<EventSchema>,
    /// Creation input, if the contract declares one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<JsonSchema>,
    /// Connection params, if the contract declares them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conn_params: Option<JsonSchema>,
    /// Persisted state (known only where the implementation is).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<JsonSchema>,
    /// The implementation serves raw HTTP at `{gateway}/request/...` (`on_request`); known only
    /// where the implementation is. Without it every raw request answers 404.
    #[serde(default, skip_serializing_if = "is_false")]
    pub raw_http: bool,
    /// The implementation accepts raw WebSockets at `{gateway}/websocket/...`
    /// (`on_websocket`); known only where the implementation is.
    #[serde(default, skip_serializing_if = "is_false")]
    pub raw_websocket: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// One action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionSchema {
    /// Wire name (`sendMessage`).
    pub name: String,
    /// Doc comment.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub docs: String,
    /// Positional parameters.
    pub params: Vec<ParamSchema>,
    /// Output.
    pub returns: JsonSchema,
}

/// One event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventSchema {
    /// Wire name (`newMessage`).
    pub name: String,
    /// Doc comment.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub docs: String,
    /// The event's arguments (the `args` array of the wire `Event`).
    pub params: Vec<ParamSchema>,
}

/// One named parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParamSchema {
    /// Name in the Rust contract (`lowerCamelCase` in generated TypeScript).
    pub name: String,
    /// Its schema.
    pub schema: JsonSchema,
}

impl RegistrySchema {
    /// An empty document.
    pub fn new() -> Self {
        RegistrySchema {
            version: SCHEMA_VERSION,
            actors: Vec::new(),
            definitions: BTreeMap::new(),
        }
    }

    /// Sorts actors by name (definitions are always sorted).
    pub fn normalize(&mut self) {
        self.actors.sort_by(|a, b| a.name.cmp(&b.name));
    }

    /// The document as pretty JSON with a trailing newline.
    pub fn to_json_pretty(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("schema documents always serialize");
        s.push('\n');
        s
    }
}

impl Default for RegistrySchema {
    fn default() -> Self {
        Self::new()
    }
}
