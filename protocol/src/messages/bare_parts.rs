//! Reading and writing BARE: the parts several messages share (CBOR-wrapped user values,
//! actor specifiers, errors) and the version-prefixed payload.

use ciborium::Value;

use super::fields::as_list;
use crate::bare::{self, Reader, Writer};
use crate::compat::{from_cbor, to_cbor};
use crate::version::ERROR_ACTOR_VERSION;
use crate::writer;
use crate::{ActorSpecifier, ProtocolError, WireError};

/// A user value: CBOR inside BARE `data`.
pub(super) fn read_cbor(r: &mut Reader<'_>) -> Result<Value, ProtocolError> {
    from_cbor(r.data()?)
}

/// A list of user values: one CBOR array inside BARE `data`.
pub(super) fn read_cbor_list(r: &mut Reader<'_>, name: &str) -> Result<Vec<Value>, ProtocolError> {
    as_list(read_cbor(r)?, name)
}

/// Writes a list of user values as one CBOR array inside BARE `data`.
pub(super) fn write_cbor_list(w: &mut Writer, items: &[Value]) {
    let mut buf = Vec::new();
    writer::cbor_head(4, items.len() as u64, &mut buf);
    for item in items {
        ciborium::into_writer(item, &mut buf).expect("writing to a Vec cannot fail");
    }
    w.data(&buf);
}

/// An actor specifier.
fn read_actor(r: &mut Reader<'_>) -> Result<ActorSpecifier, ProtocolError> {
    Ok(ActorSpecifier {
        actor_id: r.str()?,
        generation: r.uint()?,
        key: r.optional(Reader::str)?,
    })
}

/// Writes an actor specifier.
fn write_actor(w: &mut Writer, a: &ActorSpecifier) {
    w.str(&a.actor_id);
    w.uint(a.generation);
    w.optional(a.key.as_deref(), Writer::str);
}

/// Reads the fields every `Error` version shares, and the `actor` when the version has it.
pub(super) fn read_bare_error(
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
    let actor = if version >= ERROR_ACTOR_VERSION {
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

/// Writes an error in `version`; `action_id` is `Some` for the `Error` message (which has the
/// field). Versions before v4 have no `actor`: it is left out.
pub(super) fn write_bare_error(
    w: &mut Writer,
    e: &WireError,
    action_id: Option<Option<u64>>,
    version: u16,
) {
    w.str(&e.group);
    w.str(&e.code);
    w.str(&e.message);
    w.optional(e.metadata.as_ref(), |w, m| w.data(&to_cbor(m)));
    if let Some(action_id) = action_id {
        w.optional(action_id, Writer::uint);
    }
    if version >= ERROR_ACTOR_VERSION {
        w.optional(e.actor.as_ref(), write_actor);
    }
}

/// The version prefix of a BARE payload and a reader for the rest.
pub(super) fn bare_payload(bytes: &[u8]) -> Result<(u16, Reader<'_>), ProtocolError> {
    let (version, rest) = bare::split_version(bytes)?;
    Ok((version, Reader::new(rest)))
}
