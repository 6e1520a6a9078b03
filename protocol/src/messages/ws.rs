//! The codecs of the WebSocket messages, [`ToClient`] and [`ToServer`]: one frame's payload in
//! BARE, JSON or CBOR.

use ciborium::Value;

use super::bare_parts::{
    bare_payload, read_bare_error, read_cbor, read_cbor_list, write_bare_error, write_cbor_list,
};
use super::fields::{envelope, error_from_fields, parse_doc};
use super::{ToClient, ToServer};
use crate::bare::Writer;
use crate::compat::to_cbor;
use crate::writer::{self, Doc};
use crate::{Encoding, PROTOCOL_VERSION, ProtocolError, version};

impl ToClient {
    /// Encodes the message as one WebSocket frame's payload (UTF-8 text for JSON; BARE v4).
    pub fn encode(&self, encoding: Encoding) -> Result<Vec<u8>, ProtocolError> {
        self.encode_version(encoding, PROTOCOL_VERSION)
    }

    /// [`ToClient::encode`], in BARE as `version` (v1–v4): a v1 `Init` carries an empty
    /// `connectionToken`, an `Error` before v4 has no `actor`. JSON and CBOR ignore `version`.
    pub fn encode_version(
        &self,
        encoding: Encoding,
        version: u16,
    ) -> Result<Vec<u8>, ProtocolError> {
        match encoding {
            Encoding::Bare => Ok(self.encode_bare(version::check(version)?)),
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

    fn encode_bare(&self, version: u16) -> Vec<u8> {
        let mut w = Writer::versioned(version);
        match self {
            ToClient::Init {
                actor_id,
                connection_id,
            } => {
                w.uint(0);
                w.str(actor_id);
                w.str(connection_id);
                if version == 1 {
                    w.str(""); // connectionToken, dropped since v2
                }
            }
            ToClient::Error { error, action_id } => {
                w.uint(1);
                write_bare_error(&mut w, error, Some(*action_id), version);
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

impl ToServer {
    /// Encodes the message as one WebSocket frame's payload (UTF-8 text for JSON; BARE v4).
    pub fn encode(&self, encoding: Encoding) -> Result<Vec<u8>, ProtocolError> {
        self.encode_version(encoding, PROTOCOL_VERSION)
    }

    /// [`ToServer::encode`], in BARE as `version` (v1–v4, all the same shape). JSON and CBOR
    /// ignore `version`.
    pub fn encode_version(
        &self,
        encoding: Encoding,
        version: u16,
    ) -> Result<Vec<u8>, ProtocolError> {
        match encoding {
            Encoding::Bare => {
                let mut w = Writer::versioned(version::check(version)?);
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
