//! User values on the way out (arguments, params) and in (outputs, event arguments, error
//! metadata), and the typed conversions.
//!
//! Outgoing arguments, as the official client writes them:
//! - `json`: [`compat::escape_for_json`] (big integers and bytes as `$BigInt`/`$Uint8Array`).
//! - `bare`: CBOR of the JSON-compat-transformed values, with whole numbers in
//!   `2^32 ..= 2^53-1` written as floats (JavaScript numbers, as cbor-x writes them; an 8-byte
//!   CBOR integer would reach a JavaScript actor as a `bigint`).
//! - `cbor`: plain CBOR values, no compat transform (the official client does not transform
//!   either, so non-JSON data such as byte strings may be refused by a JavaScript actor: use
//!   bare for those).
//!
//! Incoming values go through [`compat::revive`] in every encoding.

use actorium_protocol::compat::{self, MAX_SAFE_INTEGER};
use actorium_protocol::{Encoding, Value, WireError};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::CallError;

/// Prepares positional arguments (or an event or queue body) for `encoding`.
pub(crate) fn encode_args(encoding: Encoding, args: Vec<Value>) -> Vec<Value> {
    args.into_iter()
        .map(|v| encode_value(encoding, v))
        .collect()
}

/// Prepares one user value for `encoding` (see the module docs).
pub(crate) fn encode_value(encoding: Encoding, value: Value) -> Value {
    match encoding {
        Encoding::Json => compat::escape_for_json(value),
        Encoding::Bare => js_numbers(compat::escape_for_json(value)),
        Encoding::Cbor => value,
    }
}

/// Writes whole numbers with `2^32 <= |n| <= 2^53-1` as floats, recursively.
fn js_numbers(value: Value) -> Value {
    match value {
        Value::Integer(i) => {
            let n = i128::from(i);
            if n.abs() >= 1i128 << 32 && n.abs() <= MAX_SAFE_INTEGER {
                Value::Float(n as f64)
            } else {
                Value::Integer(i)
            }
        }
        Value::Array(items) => Value::Array(items.into_iter().map(js_numbers).collect()),
        Value::Map(entries) => Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| (js_numbers(k), js_numbers(v)))
                .collect(),
        ),
        other => other,
    }
}

/// Revives an output or event argument.
pub(crate) fn decode_value(value: Value) -> Result<Value, CallError> {
    compat::revive(value).map_err(CallError::from)
}

/// Revives event arguments.
pub(crate) fn decode_args(args: Vec<Value>) -> Result<Vec<Value>, CallError> {
    args.into_iter().map(decode_value).collect()
}

/// Revives an error's metadata; metadata that does not revive is kept as sent.
pub(crate) fn decode_error(mut error: WireError) -> WireError {
    if let Some(m) = error.metadata.take() {
        error.metadata = Some(compat::revive(m.clone()).unwrap_or(m));
    }
    error
}

/// The JSON text of connection params (`x-rivet-conn-params`, `rivet_conn_params.*`).
pub(crate) fn params_json(params: &Value) -> Result<String, CallError> {
    let json =
        compat::to_json(&compat::escape_for_json(params.clone())).map_err(CallError::conversion)?;
    Ok(json.to_string())
}

/// Whether JavaScript would consider the value truthy (the official client drops falsy params
/// from the WebSocket subprotocols).
pub(crate) fn is_truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Integer(i) => i128::from(*i) != 0,
        Value::Float(f) => *f != 0.0 && !f.is_nan(),
        Value::Text(s) => !s.is_empty(),
        _ => true,
    }
}

/// Serializes a Rust value into the value model (`Value`).
pub fn to_value<T: Serialize + ?Sized>(value: &T) -> Result<Value, CallError> {
    compat::serialize(value).map_err(CallError::conversion)
}

/// Deserializes a Rust value from the value model.
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, CallError> {
    compat::deserialize(value).map_err(CallError::conversion)
}

/// Converts typed arguments into the positional argument list.
///
/// `args` must serialize as a sequence: a tuple (`()`, `(a,)`, `(a, b)`), an array or a `Vec`
/// (whose elements become the positional arguments). `()` is the empty list.
pub fn to_args<A: Serialize + ?Sized>(args: &A) -> Result<Vec<Value>, CallError> {
    match to_value(args)? {
        Value::Array(items) => Ok(items),
        Value::Null => Ok(Vec::new()),
        other => Err(CallError::conversion(
            actorium_protocol::ProtocolError::Shape(format!(
                "arguments must serialize as a sequence (use a tuple such as `(x,)`), got {other:?}"
            )),
        )),
    }
}

/// Converts a positional argument list (e.g. an event's arguments) into a Rust value that
/// deserializes from a sequence, e.g. a tuple `(u64,)` or a `Vec<T>`.
pub fn from_args<T: DeserializeOwned>(args: Vec<Value>) -> Result<T, CallError> {
    from_value(Value::Array(args))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(n: i64) -> Value {
        Value::Integer(n.into())
    }

    #[test]
    fn args_per_encoding() {
        let big = Value::Integer(u64::MAX.into());
        let ts = int(1_795_632_634_050);
        let bytes = Value::Bytes(vec![1, 2, 3]);
        let dollar = Value::Array(vec![Value::Text("$weird".into()), int(1)]);
        let args = vec![
            big.clone(),
            ts.clone(),
            bytes.clone(),
            dollar.clone(),
            int(5),
        ];

        let json = encode_args(Encoding::Json, args.clone());
        assert_eq!(
            json[0],
            Value::Array(vec![
                Value::Text("$BigInt".into()),
                Value::Text(u64::MAX.to_string())
            ])
        );
        assert_eq!(json[1], ts);
        assert_eq!(
            json[2],
            Value::Array(vec![
                Value::Text("$Uint8Array".into()),
                Value::Text("AQID".into())
            ])
        );
        assert_eq!(
            json[3],
            Value::Array(vec![Value::Text("$$weird".into()), int(1)])
        );

        let bare = encode_args(Encoding::Bare, args.clone());
        assert_eq!(bare[0], json[0]);
        assert_eq!(bare[1], Value::Float(1_795_632_634_050.0));
        assert_eq!(bare[2], json[2]);
        assert_eq!(bare[3], json[3]);
        assert_eq!(bare[4], int(5));

        assert_eq!(encode_args(Encoding::Cbor, args.clone()), args);

        // What goes out revives to what went in (cbor sends `$`-arrays unescaped).
        for e in [Encoding::Json, Encoding::Bare] {
            let back = decode_args(encode_args(e, args.clone())).unwrap();
            assert_eq!(back, args, "{e}");
        }
    }

    #[test]
    fn typed_args() {
        assert_eq!(to_args(&()).unwrap(), Vec::<Value>::new());
        assert_eq!(to_args(&(5u32,)).unwrap(), vec![int(5)]);
        assert_eq!(
            to_args(&(1, "a")).unwrap(),
            vec![int(1), Value::Text("a".into())]
        );
        assert_eq!(to_args(&vec![1, 2]).unwrap(), vec![int(1), int(2)]);
        assert!(matches!(to_args(&5), Err(CallError::Conversion(_))));
        let (n,): (u64,) = from_args(vec![int(7)]).unwrap();
        assert_eq!(n, 7);
        let s: String = from_value(Value::Text("x".into())).unwrap();
        assert_eq!(s, "x");
    }

    #[test]
    fn params() {
        let p = Value::Map(vec![(
            Value::Text("user".into()),
            Value::Text("alice".into()),
        )]);
        assert_eq!(params_json(&p).unwrap(), r#"{"user":"alice"}"#);
        assert!(is_truthy(&p));
        for falsy in [
            Value::Null,
            Value::Bool(false),
            int(0),
            Value::Text(String::new()),
        ] {
            assert!(!is_truthy(&falsy));
        }
    }

    #[test]
    fn metadata_is_revived_leniently() {
        let e = WireError::new("user", "x", "m").with_metadata(Value::Array(vec![
            Value::Text("$BigInt".into()),
            Value::Text("3".into()),
        ]));
        assert_eq!(decode_error(e).metadata, Some(int(3)));
        let bad = Value::Array(vec![Value::Text("$Nope".into()), Value::Null]);
        let e = WireError::new("user", "x", "m").with_metadata(bad.clone());
        assert_eq!(decode_error(e).metadata, Some(bad));
    }
}
