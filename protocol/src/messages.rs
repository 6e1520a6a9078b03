//! The client protocol's messages (v4 logical shape) and their three encodings.
//!
//! User values (arguments, outputs, event arguments, metadata) are kept exactly as they are on
//! the wire; [`crate::compat`] converts them to and from the host's value model.
//!
//! An optional user value (`metadata`, a queue `response`) that is `null` on the wire decodes as
//! absent: JSON and CBOR cannot tell the two apart, and neither can the official client.

use ciborium::Value;

use crate::bare::{self, Reader, Writer};
use crate::compat::{from_cbor, to_cbor};
use crate::writer::{self, Doc};
use crate::{ActorSpecifier, Encoding, PROTOCOL_VERSION, ProtocolError, WireError};

/// A WebSocket message from server to client.
#[derive(Debug, Clone, PartialEq)]
pub enum ToClient {
    /// First message of every connection.
    Init {
        /// The actor's id.
        actor_id: String,
        /// This connection's id (a UUID).
        connection_id: String,
    },
    /// An error: for one action (`action_id` set) or for the whole connection (then the server
    /// closes with 1011 and `group.code`).
    Error {
        /// The error.
        error: WireError,
        /// The failed action, or `None` for a connection-level error.
        action_id: Option<u64>,
    },
    /// The result of an action.
    ActionResponse {
        /// The request's id.
        id: u64,
        /// The action's output.
        output: Value,
    },
    /// A broadcast event, sent only to connections subscribed to `name`.
    Event {
        /// Event name.
        name: String,
        /// The broadcast's arguments.
        args: Vec<Value>,
    },
}

/// A WebSocket message from client to server.
#[derive(Debug, Clone, PartialEq)]
pub enum ToServer {
    /// Calls an action on the connection.
    ActionRequest {
        /// Per-connection id, echoed by the response.
        id: u64,
        /// Action name.
        name: String,
        /// Positional arguments.
        args: Vec<Value>,
    },
    /// Subscribes to (or unsubscribes from) an event.
    SubscriptionRequest {
        /// Event name.
        event_name: String,
        /// `true` to subscribe, `false` to unsubscribe.
        subscribe: bool,
    },
}

/// Body of a stateless action call (`POST {gateway}/action/{name}`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HttpActionRequest {
    /// Positional arguments.
    pub args: Vec<Value>,
}

/// Success body of a stateless action call.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpActionResponse {
    /// The action's output.
    pub output: Value,
}

/// Body of a queue send (`POST {gateway}/queue/{name}`).
#[derive(Debug, Clone, PartialEq)]
pub struct HttpQueueSendRequest {
    /// The message.
    pub body: Value,
    /// Queue name.
    pub name: Option<String>,
    /// Whether to wait for completion.
    pub wait: Option<bool>,
    /// Wait timeout in milliseconds.
    pub timeout: Option<u64>,
}

/// Response to a queue send.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpQueueSendResponse {
    /// `completed` or `timedOut`.
    pub status: String,
    /// The response, when waited for.
    pub response: Option<Value>,
}

// ---------------------------------------------------------------------------------------------
// Reading JSON/CBOR documents

fn parse_doc(encoding: Encoding, bytes: &[u8]) -> Result<Value, ProtocolError> {
    match encoding {
        // Straight into the value model (no `serde_json::Value` in between): object keys keep
        // their order, as in JavaScript.
        Encoding::Json => {
            serde_json::from_slice::<Value>(bytes).map_err(|e| ProtocolError::Json(e.to_string()))
        }
        Encoding::Cbor => from_cbor(bytes),
        Encoding::Bare => unreachable!("BARE is not a document encoding"),
    }
}

/// The fields of a map, taken out by name.
struct Fields(Vec<(String, Value)>);

impl Fields {
    fn of(value: Value, what: &str) -> Result<Self, ProtocolError> {
        let Value::Map(entries) = value else {
            return Err(ProtocolError::shape(format!("{what} is not a map")));
        };
        let mut fields = Vec::with_capacity(entries.len());
        for (k, v) in entries {
            let Value::Text(k) = k else {
                return Err(ProtocolError::shape(format!("{what} has a non-string key")));
            };
            fields.push((k, v));
        }
        Ok(Fields(fields))
    }

    /// Takes a field; a missing field and `null` are both `None`.
    fn opt(&mut self, name: &str) -> Option<Value> {
        let i = self.0.iter().position(|(k, _)| k == name)?;
        match self.0.swap_remove(i).1 {
            Value::Null => None,
            v => Some(v),
        }
    }

    fn req(&mut self, name: &str) -> Result<Value, ProtocolError> {
        self.opt(name)
            .ok_or_else(|| ProtocolError::shape(format!("missing field `{name}`")))
    }

    fn string(&mut self, name: &str) -> Result<String, ProtocolError> {
        as_string(self.req(name)?, name)
    }

    fn opt_string(&mut self, name: &str) -> Result<Option<String>, ProtocolError> {
        self.opt(name).map(|v| as_string(v, name)).transpose()
    }

    fn uint(&mut self, name: &str) -> Result<u64, ProtocolError> {
        as_u64(self.req(name)?, name)
    }

    fn opt_uint(&mut self, name: &str) -> Result<Option<u64>, ProtocolError> {
        self.opt(name).map(|v| as_u64(v, name)).transpose()
    }

    fn bool(&mut self, name: &str) -> Result<bool, ProtocolError> {
        match self.req(name)? {
            Value::Bool(b) => Ok(b),
            _ => Err(ProtocolError::shape(format!("`{name}` is not a bool"))),
        }
    }

    fn opt_bool(&mut self, name: &str) -> Result<Option<bool>, ProtocolError> {
        match self.opt(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(_) => Err(ProtocolError::shape(format!("`{name}` is not a bool"))),
        }
    }

    fn list(&mut self, name: &str) -> Result<Vec<Value>, ProtocolError> {
        as_list(self.req(name)?, name)
    }
}

fn as_string(v: Value, name: &str) -> Result<String, ProtocolError> {
    match v {
        Value::Text(s) => Ok(s),
        _ => Err(ProtocolError::shape(format!("`{name}` is not a string"))),
    }
}

fn as_list(v: Value, name: &str) -> Result<Vec<Value>, ProtocolError> {
    match v {
        Value::Array(items) => Ok(items),
        _ => Err(ProtocolError::shape(format!("`{name}` is not an array"))),
    }
}

/// An unsigned integer in any form the peers write: a CBOR/JSON integer of any width, or the
/// JSON-compat `["$BigInt","N"]`.
fn as_u64(v: Value, name: &str) -> Result<u64, ProtocolError> {
    let bad = || ProtocolError::shape(format!("`{name}` is not an unsigned 64-bit integer"));
    match v {
        Value::Integer(i) => u64::try_from(i).map_err(|_| bad()),
        Value::Array(items) => match items.as_slice() {
            [Value::Text(tag), Value::Text(n)] if tag == "$BigInt" => n.parse().map_err(|_| bad()),
            _ => Err(bad()),
        },
        _ => Err(bad()),
    }
}

/// Splits `{body: {tag, val}}` into the tag and the fields of `val`.
fn envelope(doc: Value) -> Result<(String, Fields), ProtocolError> {
    let mut outer = Fields::of(doc, "message")?;
    let mut body = Fields::of(outer.req("body")?, "body")?;
    let tag = body.string("tag")?;
    let val = Fields::of(body.req("val")?, "val")?;
    Ok((tag, val))
}

fn actor_from_fields(v: Value) -> Result<ActorSpecifier, ProtocolError> {
    let mut f = Fields::of(v, "actor")?;
    Ok(ActorSpecifier {
        actor_id: f.string("actorId")?,
        generation: f.uint("generation")?,
        key: f.opt_string("key")?,
    })
}

fn error_from_fields(f: &mut Fields) -> Result<WireError, ProtocolError> {
    Ok(WireError {
        group: f.string("group")?,
        code: f.string("code")?,
        message: f.string("message")?,
        metadata: f.opt("metadata"),
        actor: f.opt("actor").map(actor_from_fields).transpose()?,
    })
}

// ---------------------------------------------------------------------------------------------
// Reading and writing BARE

fn read_cbor(r: &mut Reader<'_>) -> Result<Value, ProtocolError> {
    from_cbor(r.data()?)
}

fn read_cbor_list(r: &mut Reader<'_>, name: &str) -> Result<Vec<Value>, ProtocolError> {
    as_list(read_cbor(r)?, name)
}

fn write_cbor_list(w: &mut Writer, items: &[Value]) {
    let mut buf = Vec::new();
    writer::cbor_head(4, items.len() as u64, &mut buf);
    for item in items {
        ciborium::into_writer(item, &mut buf).expect("writing to a Vec cannot fail");
    }
    w.data(&buf);
}

fn read_actor(r: &mut Reader<'_>) -> Result<ActorSpecifier, ProtocolError> {
    Ok(ActorSpecifier {
        actor_id: r.str()?,
        generation: r.uint()?,
        key: r.optional(Reader::str)?,
    })
}

fn write_actor(w: &mut Writer, a: &ActorSpecifier) {
    w.str(&a.actor_id);
    w.uint(a.generation);
    w.optional(a.key.as_deref(), Writer::str);
}

/// Reads the fields every `Error` version shares, and the v4 `actor` when the version has it.
fn read_bare_error(
    r: &mut Reader<'_>,
    version: u16,
    with_action_id: bool,
) -> Result<(WireError, Option<u64>), ProtocolError> {
    let group = r.str()?;
    let code = r.str()?;
    let message = r.str()?;
    let metadata = r.optional(read_cbor)?;
    let action_id = if with_action_id {
        r.optional(Reader::uint)?
    } else {
        None
    };
    let actor = if version >= 4 {
        r.optional(read_actor)?
    } else {
        None
    };
    Ok((
        WireError {
            group,
            code,
            message,
            metadata,
            actor,
        },
        action_id,
    ))
}

fn write_bare_error(w: &mut Writer, e: &WireError, action_id: Option<Option<u64>>) {
    w.str(&e.group);
    w.str(&e.code);
    w.str(&e.message);
    w.optional(e.metadata.as_ref(), |w, m| w.data(&to_cbor(m)));
    if let Some(action_id) = action_id {
        w.optional(action_id, Writer::uint);
    }
    w.optional(e.actor.as_ref(), write_actor);
}

fn bare_payload(bytes: &[u8]) -> Result<(u16, Reader<'_>), ProtocolError> {
    let (version, rest) = bare::split_version(bytes)?;
    Ok((version, Reader::new(rest)))
}

// ---------------------------------------------------------------------------------------------
// ToClient

impl ToClient {
    /// Encodes the message as one WebSocket frame's payload (UTF-8 text for JSON).
    pub fn encode(&self, encoding: Encoding) -> Result<Vec<u8>, ProtocolError> {
        match encoding {
            Encoding::Bare => Ok(self.encode_bare()),
            Encoding::Json => writer::to_json(&self.doc(encoding)),
            Encoding::Cbor => Ok(writer::to_cbor(&self.doc(encoding))),
        }
    }

    /// The envelope as the reference writes it: JSON keys sorted, CBOR keys in schema order
    /// with 8-byte ids.
    fn doc(&self, encoding: Encoding) -> Doc<'_> {
        let json = encoding == Encoding::Json;
        let (tag, val) = match self {
            ToClient::Init {
                actor_id,
                connection_id,
            } => (
                "Init",
                vec![
                    ("actorId", Doc::Str(actor_id)),
                    ("connectionId", Doc::Str(connection_id)),
                ],
            ),
            ToClient::Error { error, action_id } => {
                let action_id = action_id.map_or(Doc::Null, Doc::Id);
                let actor = error.actor.as_ref().map(|a| {
                    let mut f = vec![
                        ("actorId", Doc::Str(&a.actor_id)),
                        (
                            "generation",
                            if json {
                                Doc::Uint(a.generation)
                            } else {
                                Doc::Id(a.generation)
                            },
                        ),
                    ];
                    if let Some(k) = &a.key {
                        f.push(("key", Doc::Str(k)));
                    }
                    Doc::Map(f)
                });
                let mut f = Vec::new();
                if json {
                    f.push(("actionId", action_id));
                    if let Some(actor) = actor {
                        f.push(("actor", actor));
                    }
                    f.push(("code", Doc::Str(&error.code)));
                    f.push(("group", Doc::Str(&error.group)));
                    f.push(("message", Doc::Str(&error.message)));
                    if let Some(m) = &error.metadata {
                        f.push(("metadata", Doc::User(m)));
                    }
                } else {
                    f.push(("group", Doc::Str(&error.group)));
                    f.push(("code", Doc::Str(&error.code)));
                    f.push(("message", Doc::Str(&error.message)));
                    if let Some(m) = &error.metadata {
                        f.push(("metadata", Doc::User(m)));
                    }
                    if let Some(actor) = actor {
                        f.push(("actor", actor));
                    }
                    f.push(("actionId", action_id));
                }
                ("Error", f)
            }
            ToClient::ActionResponse { id, output } => (
                "ActionResponse",
                vec![("id", Doc::Id(*id)), ("output", Doc::User(output))],
            ),
            ToClient::Event { name, args } => {
                let name = ("name", Doc::Str(name));
                let args = ("args", Doc::UserList(args));
                (
                    "Event",
                    if json {
                        vec![args, name]
                    } else {
                        vec![name, args]
                    },
                )
            }
        };
        Doc::Map(vec![(
            "body",
            Doc::Map(vec![("tag", Doc::Str(tag)), ("val", Doc::Map(val))]),
        )])
    }

    fn encode_bare(&self) -> Vec<u8> {
        let mut w = Writer::versioned(PROTOCOL_VERSION);
        match self {
            ToClient::Init {
                actor_id,
                connection_id,
            } => {
                w.uint(0);
                w.str(actor_id);
                w.str(connection_id);
            }
            ToClient::Error { error, action_id } => {
                w.uint(1);
                write_bare_error(&mut w, error, Some(*action_id));
            }
            ToClient::ActionResponse { id, output } => {
                w.uint(2);
                w.uint(*id);
                w.data(&to_cbor(output));
            }
            ToClient::Event { name, args } => {
                w.uint(3);
                w.str(name);
                write_cbor_list(&mut w, args);
            }
        }
        w.into_bytes()
    }

    /// Decodes one WebSocket frame's payload (BARE v1–v4, JSON or CBOR).
    pub fn decode(encoding: Encoding, bytes: &[u8]) -> Result<Self, ProtocolError> {
        if encoding == Encoding::Bare {
            let (version, mut r) = bare_payload(bytes)?;
            let msg = match r.uint()? {
                0 => {
                    let actor_id = r.str()?;
                    let connection_id = r.str()?;
                    if version == 1 {
                        r.str()?; // connectionToken, dropped since v2
                    }
                    ToClient::Init {
                        actor_id,
                        connection_id,
                    }
                }
                1 => {
                    let (error, action_id) = read_bare_error(&mut r, version, true)?;
                    ToClient::Error { error, action_id }
                }
                2 => ToClient::ActionResponse {
                    id: r.uint()?,
                    output: read_cbor(&mut r)?,
                },
                3 => ToClient::Event {
                    name: r.str()?,
                    args: read_cbor_list(&mut r, "args")?,
                },
                tag => return Err(ProtocolError::Bare(format!("unknown ToClient tag {tag}"))),
            };
            r.finish()?;
            return Ok(msg);
        }
        let (tag, mut f) = envelope(parse_doc(encoding, bytes)?)?;
        Ok(match tag.as_str() {
            "Init" => ToClient::Init {
                actor_id: f.string("actorId")?,
                connection_id: f.string("connectionId")?,
            },
            "Error" => {
                let action_id = f.opt_uint("actionId")?;
                ToClient::Error {
                    error: error_from_fields(&mut f)?,
                    action_id,
                }
            }
            "ActionResponse" => ToClient::ActionResponse {
                id: f.uint("id")?,
                output: f.opt("output").unwrap_or(Value::Null),
            },
            "Event" => ToClient::Event {
                name: f.string("name")?,
                args: f.list("args")?,
            },
            other => {
                return Err(ProtocolError::shape(format!(
                    "unknown ToClient tag `{other}`"
                )));
            }
        })
    }
}

// ---------------------------------------------------------------------------------------------
// ToServer

impl ToServer {
    /// Encodes the message as one WebSocket frame's payload (UTF-8 text for JSON).
    pub fn encode(&self, encoding: Encoding) -> Result<Vec<u8>, ProtocolError> {
        match encoding {
            Encoding::Bare => {
                let mut w = Writer::versioned(PROTOCOL_VERSION);
                match self {
                    ToServer::ActionRequest { id, name, args } => {
                        w.uint(0);
                        w.uint(*id);
                        w.str(name);
                        write_cbor_list(&mut w, args);
                    }
                    ToServer::SubscriptionRequest {
                        event_name,
                        subscribe,
                    } => {
                        w.uint(1);
                        w.str(event_name);
                        w.bool(*subscribe);
                    }
                }
                Ok(w.into_bytes())
            }
            Encoding::Json => writer::to_json(&self.doc()),
            Encoding::Cbor => Ok(writer::to_cbor(&self.doc())),
        }
    }

    /// The envelope in the official client's field order.
    fn doc(&self) -> Doc<'_> {
        let (tag, val) = match self {
            ToServer::ActionRequest { id, name, args } => (
                "ActionRequest",
                vec![
                    ("id", Doc::Id(*id)),
                    ("name", Doc::Str(name)),
                    ("args", Doc::UserList(args)),
                ],
            ),
            ToServer::SubscriptionRequest {
                event_name,
                subscribe,
            } => (
                "SubscriptionRequest",
                vec![
                    ("eventName", Doc::Str(event_name)),
                    ("subscribe", Doc::Bool(*subscribe)),
                ],
            ),
        };
        Doc::Map(vec![(
            "body",
            Doc::Map(vec![("tag", Doc::Str(tag)), ("val", Doc::Map(val))]),
        )])
    }

    /// Decodes one WebSocket frame's payload (BARE v1–v4, JSON or CBOR).
    pub fn decode(encoding: Encoding, bytes: &[u8]) -> Result<Self, ProtocolError> {
        if encoding == Encoding::Bare {
            let (_, mut r) = bare_payload(bytes)?;
            let msg = match r.uint()? {
                0 => ToServer::ActionRequest {
                    id: r.uint()?,
                    name: r.str()?,
                    args: read_cbor_list(&mut r, "args")?,
                },
                1 => ToServer::SubscriptionRequest {
                    event_name: r.str()?,
                    subscribe: r.bool()?,
                },
                tag => return Err(ProtocolError::Bare(format!("unknown ToServer tag {tag}"))),
            };
            r.finish()?;
            return Ok(msg);
        }
        let (tag, mut f) = envelope(parse_doc(encoding, bytes)?)?;
        Ok(match tag.as_str() {
            "ActionRequest" => ToServer::ActionRequest {
                id: f.uint("id")?,
                name: f.string("name")?,
                args: f.list("args")?,
            },
            "SubscriptionRequest" => ToServer::SubscriptionRequest {
                event_name: f.string("eventName")?,
                subscribe: f.bool("subscribe")?,
            },
            other => {
                return Err(ProtocolError::shape(format!(
                    "unknown ToServer tag `{other}`"
                )));
            }
        })
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP bodies

/// Encodes a body whose JSON/CBOR form is one map (`doc`) and whose BARE form `bare` writes.
fn encode_body(
    encoding: Encoding,
    doc: Doc<'_>,
    bare: impl FnOnce(&mut Writer),
) -> Result<Vec<u8>, ProtocolError> {
    match encoding {
        Encoding::Json => writer::to_json(&doc),
        Encoding::Cbor => Ok(writer::to_cbor(&doc)),
        Encoding::Bare => {
            let mut w = Writer::versioned(PROTOCOL_VERSION);
            bare(&mut w);
            Ok(w.into_bytes())
        }
    }
}

/// Decodes a body: BARE through `bare`, JSON/CBOR as a map through `fields`.
fn decode_body<T>(
    encoding: Encoding,
    bytes: &[u8],
    bare: impl FnOnce(u16, &mut Reader<'_>) -> Result<T, ProtocolError>,
    fields: impl FnOnce(&mut Fields) -> Result<T, ProtocolError>,
) -> Result<T, ProtocolError> {
    if encoding == Encoding::Bare {
        let (version, mut r) = bare_payload(bytes)?;
        let out = bare(version, &mut r)?;
        r.finish()?;
        return Ok(out);
    }
    fields(&mut Fields::of(parse_doc(encoding, bytes)?, "body")?)
}

impl HttpActionRequest {
    /// Encodes the request body.
    pub fn encode(&self, encoding: Encoding) -> Result<Vec<u8>, ProtocolError> {
        encode_body(
            encoding,
            Doc::Map(vec![("args", Doc::UserList(&self.args))]),
            |w| write_cbor_list(w, &self.args),
        )
    }

    /// Decodes a request body.
    pub fn decode(encoding: Encoding, bytes: &[u8]) -> Result<Self, ProtocolError> {
        decode_body(
            encoding,
            bytes,
            |_, r| {
                Ok(HttpActionRequest {
                    args: read_cbor_list(r, "args")?,
                })
            },
            |f| {
                Ok(HttpActionRequest {
                    args: f.list("args")?,
                })
            },
        )
    }
}

impl HttpActionResponse {
    /// Encodes the response body.
    pub fn encode(&self, encoding: Encoding) -> Result<Vec<u8>, ProtocolError> {
        encode_body(
            encoding,
            Doc::Map(vec![("output", Doc::User(&self.output))]),
            |w| w.data(&to_cbor(&self.output)),
        )
    }

    /// Decodes a response body.
    pub fn decode(encoding: Encoding, bytes: &[u8]) -> Result<Self, ProtocolError> {
        decode_body(
            encoding,
            bytes,
            |_, r| {
                Ok(HttpActionResponse {
                    output: read_cbor(r)?,
                })
            },
            |f| {
                Ok(HttpActionResponse {
                    output: f.opt("output").unwrap_or(Value::Null),
                })
            },
        )
    }
}

impl HttpQueueSendRequest {
    /// Encodes the request body.
    pub fn encode(&self, encoding: Encoding) -> Result<Vec<u8>, ProtocolError> {
        let mut f = vec![("body", Doc::User(&self.body))];
        if let Some(n) = &self.name {
            f.push(("name", Doc::Str(n)));
        }
        if let Some(b) = self.wait {
            f.push(("wait", Doc::Bool(b)));
        }
        if let Some(t) = self.timeout {
            f.push(("timeout", Doc::Uint(t)));
        }
        encode_body(encoding, Doc::Map(f), |w| {
            w.data(&to_cbor(&self.body));
            w.optional(self.name.as_deref(), Writer::str);
            w.optional(self.wait, Writer::bool);
            w.optional(self.timeout, Writer::u64);
        })
    }

    /// Decodes a request body (BARE v3 and later).
    pub fn decode(encoding: Encoding, bytes: &[u8]) -> Result<Self, ProtocolError> {
        decode_body(
            encoding,
            bytes,
            |_, r| {
                Ok(HttpQueueSendRequest {
                    body: read_cbor(r)?,
                    name: r.optional(Reader::str)?,
                    wait: r.optional(Reader::bool)?,
                    timeout: r.optional(Reader::u64)?,
                })
            },
            |f| {
                Ok(HttpQueueSendRequest {
                    body: f.opt("body").unwrap_or(Value::Null),
                    name: f.opt_string("name")?,
                    wait: f.opt_bool("wait")?,
                    timeout: f.opt_uint("timeout")?,
                })
            },
        )
    }
}

impl HttpQueueSendResponse {
    /// Encodes the response body.
    pub fn encode(&self, encoding: Encoding) -> Result<Vec<u8>, ProtocolError> {
        let mut f = vec![("status", Doc::Str(&self.status))];
        if let Some(r) = &self.response {
            f.push(("response", Doc::User(r)));
        }
        encode_body(encoding, Doc::Map(f), |w| {
            w.str(&self.status);
            w.optional(self.response.as_ref(), |w, v| w.data(&to_cbor(v)));
        })
    }

    /// Decodes a response body.
    pub fn decode(encoding: Encoding, bytes: &[u8]) -> Result<Self, ProtocolError> {
        decode_body(
            encoding,
            bytes,
            |_, r| {
                Ok(HttpQueueSendResponse {
                    status: r.str()?,
                    response: r.optional(read_cbor)?,
                })
            },
            |f| {
                Ok(HttpQueueSendResponse {
                    status: f.string("status")?,
                    response: f.opt("response"),
                })
            },
        )
    }
}

impl WireError {
    /// Encodes the error as an HTTP error body (`HttpResponseError`).
    ///
    /// JSON and CBOR write keys as the reference does: sorted for actor-level errors (those with
    /// an `actor`), `group, code, message, metadata` for gateway-level errors.
    pub fn encode_http(&self, encoding: Encoding) -> Result<Vec<u8>, ProtocolError> {
        let mut f = Vec::new();
        let metadata = self.metadata.as_ref().map(|m| ("metadata", Doc::User(m)));
        if let Some(a) = &self.actor {
            let mut af = vec![
                ("actorId", Doc::Str(&a.actor_id)),
                ("generation", Doc::Uint(a.generation)),
            ];
            if let Some(k) = &a.key {
                af.push(("key", Doc::Str(k)));
            }
            f.push(("actor", Doc::Map(af)));
            f.push(("code", Doc::Str(&self.code)));
            f.push(("group", Doc::Str(&self.group)));
            f.push(("message", Doc::Str(&self.message)));
            f.extend(metadata);
        } else {
            f.push(("group", Doc::Str(&self.group)));
            f.push(("code", Doc::Str(&self.code)));
            f.push(("message", Doc::Str(&self.message)));
            f.extend(metadata);
        }
        encode_body(encoding, Doc::Map(f), |w| write_bare_error(w, self, None))
    }

    /// Decodes an HTTP error body (`HttpResponseError`, BARE v1–v4).
    pub fn decode_http(encoding: Encoding, bytes: &[u8]) -> Result<Self, ProtocolError> {
        decode_body(
            encoding,
            bytes,
            |version, r| Ok(read_bare_error(r, version, false)?.0),
            error_from_fields,
        )
    }
}
