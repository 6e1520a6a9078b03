//! The codecs of the HTTP bodies: stateless action calls, queue sends and error bodies
//! ([`WireError::encode_http`]).

use ciborium::Value;

use super::bare_parts::{
    bare_payload, read_bare_error, read_cbor, read_cbor_list, write_bare_error, write_cbor_list,
};
use super::fields::{Fields, error_from_fields, parse_doc};
use super::{HttpActionRequest, HttpActionResponse, HttpQueueSendRequest, HttpQueueSendResponse};
use crate::bare::{Reader, Writer};
use crate::compat::to_cbor;
use crate::writer::{self, Doc};
use crate::{Encoding, PROTOCOL_VERSION, ProtocolError, WireError, version};

/// Encodes a body whose JSON/CBOR form is one map (`doc`) and whose BARE form `bare` writes
/// in `version` (ignored by JSON and CBOR).
fn encode_body(
    encoding: Encoding,
    version: u16,
    doc: Doc<'_>,
    bare: impl FnOnce(&mut Writer),
) -> Result<Vec<u8>, ProtocolError> {
    match encoding {
        Encoding::Json => writer::to_json(&doc),
        Encoding::Cbor => Ok(writer::to_cbor(&doc)),
        Encoding::Bare => {
            let mut w = Writer::versioned(version::check(version)?);
            bare(&mut w);
            Ok(w.into_bytes())
        }
    }
}

/// Fails if a queue message is read or written in BARE before v3, which does not have it.
fn queue_version(encoding: Encoding, message: &'static str, v: u16) -> Result<(), ProtocolError> {
    if encoding == Encoding::Bare && v < version::QUEUE_VERSION {
        return Err(ProtocolError::NotInVersion {
            message,
            version: v,
            since: version::QUEUE_VERSION,
        });
    }
    Ok(())
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
    /// Encodes the request body (BARE v4).
    pub fn encode(&self, encoding: Encoding) -> Result<Vec<u8>, ProtocolError> {
        self.encode_version(encoding, PROTOCOL_VERSION)
    }

    /// Encodes the request body, in BARE as `version` (v1–v4).
    pub fn encode_version(
        &self,
        encoding: Encoding,
        version: u16,
    ) -> Result<Vec<u8>, ProtocolError> {
        encode_body(
            encoding,
            version,
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
    /// Encodes the response body (BARE v4).
    pub fn encode(&self, encoding: Encoding) -> Result<Vec<u8>, ProtocolError> {
        self.encode_version(encoding, PROTOCOL_VERSION)
    }

    /// Encodes the response body, in BARE as `version` (v1–v4).
    pub fn encode_version(
        &self,
        encoding: Encoding,
        version: u16,
    ) -> Result<Vec<u8>, ProtocolError> {
        encode_body(
            encoding,
            version,
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
    /// Encodes the request body (BARE v4).
    pub fn encode(&self, encoding: Encoding) -> Result<Vec<u8>, ProtocolError> {
        self.encode_version(encoding, PROTOCOL_VERSION)
    }

    /// Encodes the request body, in BARE as `version` (v3 or v4: earlier versions have no
    /// queue messages).
    pub fn encode_version(
        &self,
        encoding: Encoding,
        version: u16,
    ) -> Result<Vec<u8>, ProtocolError> {
        queue_version(encoding, "HttpQueueSendRequest", version)?;
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
        encode_body(encoding, version, Doc::Map(f), |w| {
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
            |v, r| {
                queue_version(encoding, "HttpQueueSendRequest", v)?;
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
    /// Encodes the response body (BARE v4).
    pub fn encode(&self, encoding: Encoding) -> Result<Vec<u8>, ProtocolError> {
        self.encode_version(encoding, PROTOCOL_VERSION)
    }

    /// Encodes the response body, in BARE as `version` (v3 or v4: earlier versions have no
    /// queue messages).
    pub fn encode_version(
        &self,
        encoding: Encoding,
        version: u16,
    ) -> Result<Vec<u8>, ProtocolError> {
        queue_version(encoding, "HttpQueueSendResponse", version)?;
        let mut f = vec![("status", Doc::Str(&self.status))];
        if let Some(r) = &self.response {
            f.push(("response", Doc::User(r)));
        }
        encode_body(encoding, version, Doc::Map(f), |w| {
            w.str(&self.status);
            w.optional(self.response.as_ref(), |w, v| w.data(&to_cbor(v)));
        })
    }

    /// Decodes a response body (BARE v3 and later).
    pub fn decode(encoding: Encoding, bytes: &[u8]) -> Result<Self, ProtocolError> {
        decode_body(
            encoding,
            bytes,
            |v, r| {
                queue_version(encoding, "HttpQueueSendResponse", v)?;
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
    /// Encodes the error as an HTTP error body (`HttpResponseError`, BARE v4).
    ///
    /// JSON and CBOR write keys as the reference does: sorted for actor-level errors (those with
    /// an `actor`), `group, code, message, metadata` for gateway-level errors.
    pub fn encode_http(&self, encoding: Encoding) -> Result<Vec<u8>, ProtocolError> {
        self.encode_http_version(encoding, PROTOCOL_VERSION)
    }

    /// [`WireError::encode_http`] in BARE `version` (v1–v4; before v4 without the `actor`).
    pub fn encode_http_version(
        &self,
        encoding: Encoding,
        version: u16,
    ) -> Result<Vec<u8>, ProtocolError> {
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
        encode_body(encoding, version, Doc::Map(f), |w| {
            write_bare_error(w, self, None, version)
        })
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
