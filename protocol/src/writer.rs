//! Hand writers for the JSON and CBOR envelopes, whose exact forms the official client depends
//! on: field order as the reference writes it, action ids as `["$BigInt","N"]` in JSON and as
//! 8-byte integers (`1b` + u64) in CBOR.

use ciborium::Value;

use crate::{ProtocolError, compat};

/// A document tree to write as JSON or CBOR.
pub(crate) enum Doc<'a> {
    /// A map with string keys, written in this order.
    Map(Vec<(&'static str, Doc<'a>)>),
    Str(&'a str),
    /// An action id: `["$BigInt","N"]` in JSON, `1b` + u64 in CBOR.
    Id(u64),
    /// A plain unsigned integer (shortest form).
    Uint(u64),
    Bool(bool),
    Null,
    /// A user value, written as is.
    User(&'a Value),
    /// A list of user values.
    UserList(&'a [Value]),
}

pub(crate) fn to_json(doc: &Doc<'_>) -> Result<Vec<u8>, ProtocolError> {
    let mut out = String::new();
    write_json(doc, &mut out)?;
    Ok(out.into_bytes())
}

fn json_str(s: &str, out: &mut String) {
    out.push_str(&serde_json::to_string(s).expect("strings always serialize"));
}

fn write_json(doc: &Doc<'_>, out: &mut String) -> Result<(), ProtocolError> {
    match doc {
        Doc::Map(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_str(k, out);
                out.push(':');
                write_json(v, out)?;
            }
            out.push('}');
        }
        Doc::Str(s) => json_str(s, out),
        Doc::Id(n) => {
            out.push_str("[\"$BigInt\",\"");
            out.push_str(&n.to_string());
            out.push_str("\"]");
        }
        Doc::Uint(n) => out.push_str(&n.to_string()),
        Doc::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Doc::Null => out.push_str("null"),
        Doc::User(v) => out.push_str(&compat::to_json(v)?.to_string()),
        Doc::UserList(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&compat::to_json(v)?.to_string());
            }
            out.push(']');
        }
    }
    Ok(())
}

pub(crate) fn to_cbor(doc: &Doc<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    write_cbor(doc, &mut out);
    out
}

/// Writes a CBOR head (major type + argument) in shortest form.
pub(crate) fn cbor_head(major: u8, n: u64, out: &mut Vec<u8>) {
    let m = major << 5;
    match n {
        0..=23 => out.push(m | n as u8),
        24..=0xff => out.extend_from_slice(&[m | 24, n as u8]),
        0x100..=0xffff => {
            out.push(m | 25);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(m | 26);
            out.extend_from_slice(&(n as u32).to_be_bytes());
        }
        _ => {
            out.push(m | 27);
            out.extend_from_slice(&n.to_be_bytes());
        }
    }
}

fn write_cbor(doc: &Doc<'_>, out: &mut Vec<u8>) {
    match doc {
        Doc::Map(entries) => {
            cbor_head(5, entries.len() as u64, out);
            for (k, v) in entries {
                cbor_head(3, k.len() as u64, out);
                out.extend_from_slice(k.as_bytes());
                write_cbor(v, out);
            }
        }
        Doc::Str(s) => {
            cbor_head(3, s.len() as u64, out);
            out.extend_from_slice(s.as_bytes());
        }
        Doc::Id(n) => {
            out.push(0x1b);
            out.extend_from_slice(&n.to_be_bytes());
        }
        Doc::Uint(n) => cbor_head(0, *n, out),
        Doc::Bool(b) => out.push(if *b { 0xf5 } else { 0xf4 }),
        Doc::Null => out.push(0xf6),
        Doc::User(v) => ciborium::into_writer(v, &mut *out).expect("writing to a Vec cannot fail"),
        Doc::UserList(items) => {
            cbor_head(4, items.len() as u64, out);
            for v in items.iter() {
                ciborium::into_writer(v, &mut *out).expect("writing to a Vec cannot fail");
            }
        }
    }
}
