//! Reading JSON/CBOR documents: the envelope of a message and the fields of a map.

use ciborium::Value;

use crate::compat::from_cbor;
use crate::{ActorSpecifier, Encoding, ProtocolError, WireError};

/// Parses a JSON or CBOR document into the value model.
pub(super) fn parse_doc(encoding: Encoding, bytes: &[u8]) -> Result<Value, ProtocolError> {
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
pub(super) struct Fields(Vec<(String, Value)>);

impl Fields {
    /// The fields of `value`, which must be a map with string keys (`what` names it in errors).
    pub(super) fn of(value: Value, what: &str) -> Result<Self, ProtocolError> {
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
    pub(super) fn opt(&mut self, name: &str) -> Option<Value> {
        let i = self.0.iter().position(|(k, _)| k == name)?;
        match self.0.swap_remove(i).1 {
            Value::Null => None,
            v => Some(v),
        }
    }

    /// Takes a field that must be present and not `null`.
    pub(super) fn req(&mut self, name: &str) -> Result<Value, ProtocolError> {
        self.opt(name)
            .ok_or_else(|| ProtocolError::shape(format!("missing field `{name}`")))
    }

    /// Takes a required string field.
    pub(super) fn string(&mut self, name: &str) -> Result<String, ProtocolError> {
        as_string(self.req(name)?, name)
    }

    /// Takes an optional string field.
    pub(super) fn opt_string(&mut self, name: &str) -> Result<Option<String>, ProtocolError> {
        self.opt(name).map(|v| as_string(v, name)).transpose()
    }

    /// Takes a required unsigned integer field.
    pub(super) fn uint(&mut self, name: &str) -> Result<u64, ProtocolError> {
        as_u64(self.req(name)?, name)
    }

    /// Takes an optional unsigned integer field.
    pub(super) fn opt_uint(&mut self, name: &str) -> Result<Option<u64>, ProtocolError> {
        self.opt(name).map(|v| as_u64(v, name)).transpose()
    }

    /// Takes a required bool field.
    pub(super) fn bool(&mut self, name: &str) -> Result<bool, ProtocolError> {
        match self.req(name)? {
            Value::Bool(b) => Ok(b),
            _ => Err(ProtocolError::shape(format!("`{name}` is not a bool"))),
        }
    }

    /// Takes an optional bool field.
    pub(super) fn opt_bool(&mut self, name: &str) -> Result<Option<bool>, ProtocolError> {
        match self.opt(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(_) => Err(ProtocolError::shape(format!("`{name}` is not a bool"))),
        }
    }

    /// Takes a required array field.
    pub(super) fn list(&mut self, name: &str) -> Result<Vec<Value>, ProtocolError> {
        as_list(self.req(name)?, name)
    }
}

/// `v` as a string (`name` names it in errors).
fn as_string(v: Value, name: &str) -> Result<String, ProtocolError> {
    match v {
        Value::Text(s) => Ok(s),
        _ => Err(ProtocolError::shape(format!("`{name}` is not a string"))),
    }
}

/// `v` as an array (`name` names it in errors).
pub(super) fn as_list(v: Value, name: &str) -> Result<Vec<Value>, ProtocolError> {
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
pub(super) fn envelope(doc: Value) -> Result<(String, Fields), ProtocolError> {
    let mut outer = Fields::of(doc, "message")?;
    let mut body = Fields::of(outer.req("body")?, "body")?;
    let tag = body.string("tag")?;
    let val = Fields::of(body.req("val")?, "val")?;
    Ok((tag, val))
}

/// An actor specifier (`{actorId, generation, key?}`).
fn actor_from_fields(v: Value) -> Result<ActorSpecifier, ProtocolError> {
    let mut f = Fields::of(v, "actor")?;
    Ok(ActorSpecifier {
        actor_id: f.string("actorId")?,
        generation: f.uint("generation")?,
        key: f.opt_string("key")?,
    })
}

/// The error fields of an `Error` message or an HTTP error body.
pub(super) fn error_from_fields(f: &mut Fields) -> Result<WireError, ProtocolError> {
    Ok(WireError {
        group: f.string("group")?,
        code: f.string("code")?,
        message: f.string("message")?,
        metadata: f.opt("metadata"),
        actor: f.opt("actor").map(actor_from_fields).transpose()?,
    })
}
