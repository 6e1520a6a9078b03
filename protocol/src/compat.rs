//! RivetKit's JSON-compat layer and the conversions between the host's value model (plain CBOR
//! [`Value`]s) and what each encoding carries.
//!
//! The TypeScript side marks values JSON cannot hold as two-element arrays:
//! `["$BigInt","<decimal>"]`, `["$Uint8Array","<base64>"]`, `["$ArrayBuffer","<base64>"]`,
//! `["$Undefined",0]`, `["$Set",[...]]`; a genuine two-element array whose first element is a
//! string starting with `$` is escaped with one more `$`.
//!
//! - [`revive`] turns markers into plain values (`["$BigInt","3"]` → integer 3) and unescapes.
//!   The server applies it to inputs in `json` and `bare`, the client to outputs in every encoding.
//!   Typed-array tags (64) become byte strings and `Map` tags (259) maps. Integral floats within ±2^53 become integers, because JavaScript writes large whole numbers
//!   (timestamps) as CBOR floats and Rust integer fields must still accept them.
//! - [`escape_for_json`] applies every marker JSON needs (big integers, bytes, bignum tags).
//! - [`escape_for_cbor`] only escapes `$`-arrays and writes whole numbers between 2^32 and 2^53 as
//!   floats, so JavaScript decodes them as `number` (cbor-x turns 8-byte integers into `bigint`).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ciborium::Value;

use crate::ProtocolError;

/// The largest integer JavaScript represents exactly (2^53 - 1).
pub const MAX_SAFE_INTEGER: i128 = (1i128 << 53) - 1;

/// Turns JSON-compat markers into plain values, recursively.
pub fn revive(value: Value) -> Result<Value, ProtocolError> {
    Ok(match value {
        Value::Array(items) => {
            if let Some(tag) = marker_tag(&items) {
                return revive_marker(tag.to_string(), items);
            }
            Value::Array(items.into_iter().map(revive).collect::<Result<_, _>>()?)
        }
        Value::Map(entries) => Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| Ok((revive(k)?, revive(v)?)))
                .collect::<Result<_, ProtocolError>>()?,
        ),
        Value::Float(f) if f.fract() == 0.0 && f.abs() <= MAX_SAFE_INTEGER as f64 => {
            Value::Integer((f as i64).into())
        }
        // cbor-x writes Uint8Array as tag 64 and Map as tag 259: both are plain values here.
        Value::Tag(64, inner) if matches!(*inner, Value::Bytes(_)) => *inner,
        Value::Tag(259, inner) if matches!(*inner, Value::Map(_)) => revive(*inner)?,
        Value::Tag(tag, inner) => Value::Tag(tag, Box::new(revive(*inner)?)),
        other => other,
    })
}

fn marker_tag(items: &[Value]) -> Option<&str> {
    match items {
        [Value::Text(t), _] if t.starts_with('$') => Some(t.as_str()),
        _ => None,
    }
}

fn revive_marker(tag: String, mut items: Vec<Value>) -> Result<Value, ProtocolError> {
    let payload = items.pop().expect("two elements");
    if let Some(rest) = tag.strip_prefix("$$") {
        // An escaped genuine array: drop one `$` and keep the second element as a value.
        return Ok(Value::Array(vec![
            Value::Text(format!("${rest}")),
            revive(payload)?,
        ]));
    }
    match (tag.as_str(), payload) {
        ("$BigInt", Value::Text(s)) => parse_bigint(&s),
        ("$Uint8Array" | "$ArrayBuffer", Value::Text(s)) => STANDARD
            .decode(s.as_bytes())
            .map(Value::Bytes)
            .map_err(|e| ProtocolError::Compat(format!("{tag}: {e}"))),
        ("$Undefined", _) => Ok(Value::Null),
        ("$Set", Value::Array(items)) => Ok(Value::Array(
            items.into_iter().map(revive).collect::<Result<_, _>>()?,
        )),
        (_, _) => Err(ProtocolError::Compat(format!(
            "unknown or malformed marker `{tag}`"
        ))),
    }
}

fn parse_bigint(s: &str) -> Result<Value, ProtocolError> {
    let n: i128 = s.parse().map_err(|_| {
        ProtocolError::Compat(format!("`{s}` is not a $BigInt in the 128-bit range"))
    })?;
    Ok(int_value(n))
}

/// A CBOR value for any 128-bit integer: a plain integer within ±2^64, a bignum tag beyond.
pub fn int_value(n: i128) -> Value {
    match ciborium::value::Integer::try_from(n) {
        Ok(i) => Value::Integer(i),
        Err(_) => bignum_tag(n),
    }
}

/// `n` as a CBOR bignum (tag 2 for n >= 0, tag 3 for n < 0) with minimal bytes, whatever its
/// size: JavaScript decodes it as a `bigint`.
pub fn bignum_tag(n: i128) -> Value {
    let (tag, magnitude) = if n >= 0 {
        (2, n as u128)
    } else {
        (3, (-1 - n) as u128)
    };
    let bytes = magnitude.to_be_bytes();
    let first = bytes
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(bytes.len() - 1);
    Value::Tag(tag, Box::new(Value::Bytes(bytes[first..].to_vec())))
}

/// The integer a bignum tag (2 or 3) holds, if it fits in 128 bits.
pub fn bignum_value(tag: u64, inner: &Value) -> Option<i128> {
    let Value::Bytes(bytes) = inner else {
        return None;
    };
    if bytes.len() > 16 {
        return None;
    }
    let mut buf = [0u8; 16];
    buf[16 - bytes.len()..].copy_from_slice(bytes);
    let magnitude = u128::from_be_bytes(buf);
    match tag {
        2 => i128::try_from(magnitude).ok(),
        3 => i128::try_from(magnitude).ok().map(|m| -1 - m),
        _ => None,
    }
}

fn escape_dollar_array(items: Vec<Value>) -> Value {
    let mut items = items;
    if let [Value::Text(t), _] = items.as_mut_slice()
        && t.starts_with('$')
    {
        t.insert(0, '$');
    }
    Value::Array(items)
}

/// Applies the markers JSON needs: integers beyond ±(2^53-1) and bignums as `$BigInt`, byte
/// strings as `$Uint8Array`, `$`-arrays escaped. Other tags are unwrapped to their content.
pub fn escape_for_json(value: Value) -> Value {
    match value {
        Value::Integer(i) => {
            let n = i128::from(i);
            if n.abs() > MAX_SAFE_INTEGER {
                marker("$BigInt", Value::Text(n.to_string()))
            } else {
                Value::Integer(i)
            }
        }
        Value::Bytes(b) => marker("$Uint8Array", Value::Text(STANDARD.encode(b))),
        Value::Tag(tag @ (2 | 3), inner) => match bignum_value(tag, &inner) {
            Some(n) => marker("$BigInt", Value::Text(n.to_string())),
            None => escape_for_json(*inner),
        },
        Value::Tag(_, inner) => escape_for_json(*inner),
        Value::Array(items) => {
            escape_dollar_array(items.into_iter().map(escape_for_json).collect())
        }
        Value::Map(entries) => Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| (escape_for_json(k), escape_for_json(v)))
                .collect(),
        ),
        other => other,
    }
}

/// Prepares a value for CBOR or BARE output to a JavaScript peer: escapes `$`-arrays and writes
/// whole numbers with 2^32 <= |n| <= 2^53-1 as floats (JavaScript `number`s, not `bigint`s).
pub fn escape_for_cbor(value: Value) -> Value {
    cbor_for_js(value, true)
}

/// [`escape_for_cbor`] without the `$`-array escape, for peers that read plain CBOR: BARE
/// before v4 (RivetKit 2.2 and older write and read user values without JSON-compat markers,
/// see [`crate::version::MARKERS_VERSION`]).
pub fn escape_for_plain_cbor(value: Value) -> Value {
    cbor_for_js(value, false)
}

fn cbor_for_js(value: Value, dollar: bool) -> Value {
    let walk = |v| cbor_for_js(v, dollar);
    match value {
        Value::Integer(i) => {
            let n = i128::from(i);
            if n.abs() >= 1i128 << 32 && n.abs() <= MAX_SAFE_INTEGER {
                Value::Float(n as f64)
            } else {
                Value::Integer(i)
            }
        }
        Value::Array(items) => {
            let items = items.into_iter().map(walk).collect();
            if dollar {
                escape_dollar_array(items)
            } else {
                Value::Array(items)
            }
        }
        Value::Map(entries) => Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| (walk(k), walk(v)))
                .collect(),
        ),
        Value::Tag(tag, inner) => Value::Tag(tag, Box::new(walk(*inner))),
        other => other,
    }
}

fn marker(tag: &str, payload: Value) -> Value {
    Value::Array(vec![Value::Text(tag.to_string()), payload])
}

/// Encodes a value as CBOR bytes (shortest form).
pub fn to_cbor(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(value, &mut out).expect("writing CBOR to a Vec cannot fail");
    out
}

/// Decodes exactly one CBOR item (trailing bytes are an error).
pub fn from_cbor(bytes: &[u8]) -> Result<Value, ProtocolError> {
    let mut reader = bytes;
    let value: Value = ciborium::from_reader_with_buffer(&mut reader, &mut [0u8; 4096])
        .map_err(|e| ProtocolError::Cbor(e.to_string()))?;
    if !reader.is_empty() {
        return Err(ProtocolError::TrailingBytes(reader.len()));
    }
    Ok(value)
}

/// Converts a value to JSON, keeping map order. Fails on byte strings, tags, non-text map keys
/// and non-finite floats: apply [`escape_for_json`] first.
pub fn to_json(value: &Value) -> Result<serde_json::Value, ProtocolError> {
    let unrepresentable = |reason: String| ProtocolError::Unrepresentable {
        encoding: "json",
        reason,
    };
    Ok(match value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Text(s) => serde_json::Value::String(s.clone()),
        Value::Integer(i) => {
            let n = i128::from(*i);
            if let Ok(u) = u64::try_from(n) {
                u.into()
            } else if let Ok(s) = i64::try_from(n) {
                s.into()
            } else {
                return Err(unrepresentable(format!("integer {n}")));
            }
        }
        Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(serde_json::Value::Number)
            .ok_or_else(|| unrepresentable(format!("float {f}")))?,
        Value::Array(items) => {
            serde_json::Value::Array(items.iter().map(to_json).collect::<Result<_, _>>()?)
        }
        Value::Map(entries) => {
            let mut map = serde_json::Map::new();
            for (k, v) in entries {
                let Value::Text(k) = k else {
                    return Err(unrepresentable("a map key that is not a string".into()));
                };
                map.insert(k.clone(), to_json(v)?);
            }
            serde_json::Value::Object(map)
        }
        Value::Bytes(_) => return Err(unrepresentable("a byte string".into())),
        Value::Tag(t, _) => return Err(unrepresentable(format!("CBOR tag {t}"))),
        _ => return Err(unrepresentable("an unknown CBOR value".into())),
    })
}

/// Converts parsed JSON to a value: integers stay integers, other numbers become floats.
pub fn from_json(value: serde_json::Value) -> Value {
    match value {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(b),
        serde_json::Value::String(s) => Value::Text(s),
        serde_json::Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                Value::Integer(u.into())
            } else if let Some(i) = n.as_i64() {
                Value::Integer(i.into())
            } else {
                Value::Float(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        serde_json::Value::Array(items) => Value::Array(items.into_iter().map(from_json).collect()),
        serde_json::Value::Object(map) => Value::Map(
            map.into_iter()
                .map(|(k, v)| (Value::Text(k), from_json(v)))
                .collect(),
        ),
    }
}

/// Serializes a Rust value into the value model.
pub fn serialize<T: serde::Serialize + ?Sized>(value: &T) -> Result<Value, ProtocolError> {
    Value::serialized(value).map_err(|e| ProtocolError::Cbor(serde_message(e)))
}

/// Deserializes a Rust value from the value model.
pub fn deserialize<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, ProtocolError> {
    value
        .deserialized()
        .map_err(|e| ProtocolError::Shape(serde_message(e)))
}

/// serde's own message (`invalid type: integer `42`, expected str`): ciborium's error
/// displays as its `Debug` form (`Custom("...")`).
fn serde_message(e: ciborium::value::Error) -> String {
    match e {
        ciborium::value::Error::Custom(message) => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Value {
        Value::Text(s.into())
    }

    #[test]
    fn deserialize_errors_read_as_serde_wrote_them() {
        let e = deserialize::<String>(Value::Integer(42.into())).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid message: invalid type: integer `42`, expected str"
        );
    }

    #[test]
    fn revives_markers() {
        let v = Value::Array(vec![
            marker("$BigInt", text("3")),
            marker("$Uint8Array", text("CQ==")),
            marker("$$weird", Value::Integer(1.into())),
            marker("$BigInt", text("1180591620717411303424")),
        ]);
        let r = revive(v).unwrap();
        let Value::Array(items) = r else { panic!() };
        assert_eq!(items[0], Value::Integer(3.into()));
        assert_eq!(items[1], Value::Bytes(vec![9]));
        assert_eq!(
            items[2],
            Value::Array(vec![text("$weird"), Value::Integer(1.into())])
        );
        assert_eq!(
            bignum_value(
                2,
                match &items[3] {
                    Value::Tag(_, b) => b,
                    _ => panic!(),
                }
            ),
            Some(1i128 << 70)
        );
    }

    #[test]
    fn unknown_marker_is_an_error() {
        assert!(revive(marker("$Nope", Value::Null)).is_err());
        assert!(revive(marker("$BigInt", text("x"))).is_err());
    }

    #[test]
    fn escape_then_revive_is_identity() {
        let v = Value::Array(vec![
            Value::Integer(u64::MAX.into()),
            Value::Bytes(vec![1, 2, 3]),
            Value::Array(vec![text("$x"), Value::Null]),
            int_value(1i128 << 70),
            int_value(-(1i128 << 70)),
        ]);
        assert_eq!(revive(escape_for_json(v.clone())).unwrap(), v);
        assert_eq!(revive(escape_for_cbor(v.clone())).unwrap(), v);
    }

    #[test]
    fn large_whole_numbers_become_js_numbers_in_cbor() {
        let ts = Value::Integer(1_795_632_634_050u64.into());
        assert_eq!(
            escape_for_cbor(ts.clone()),
            Value::Float(1_795_632_634_050.0)
        );
        assert_eq!(revive(Value::Float(1_795_632_634_050.0)).unwrap(), ts);
    }
}
