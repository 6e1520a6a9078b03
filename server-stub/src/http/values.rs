//! Value conversion at the front door (the mirror of the client's `values` module): incoming
//! arguments and inputs are revived from RivetKit's JSON-compat markers into plain CBOR values,
//! outgoing values are escaped for the response's encoding; and the actor specifier errors carry.
//!
//! BARE before v4 (RivetKit 2.2 clients) carries plain CBOR values, without markers: nothing is
//! revived and `$`-arrays are not escaped (`version` is the BARE version of the exchange).

use actorium_protocol::{ActorSpecifier, Encoding, Value, WireError, compat, version};

use crate::meta::ActorMeta;

/// The actor an error names: its id, generation ([`ActorMeta::generation`]) and key.
pub(crate) fn specifier(meta: &ActorMeta) -> ActorSpecifier {
    ActorSpecifier {
        actor_id: meta.id.clone(),
        generation: meta.generation.into(),
        key: Some(meta.key.to_rest()),
    }
}

/// Escapes an outgoing user value for `encoding` (and, in BARE, `version`).
pub(crate) fn escape(value: Value, encoding: Encoding, version: u16) -> Value {
    match encoding {
        Encoding::Json => compat::escape_for_json(value),
        Encoding::Bare if !version::bare_has_markers(version) => {
            compat::escape_for_plain_cbor(value)
        }
        Encoding::Cbor | Encoding::Bare => compat::escape_for_cbor(value),
    }
}

/// Revives incoming arguments (`json` and v4 `bare` carry compat markers; `cbor` and older
/// `bare` do not).
pub(crate) fn revive_args(
    args: Vec<Value>,
    encoding: Encoding,
    version: u16,
) -> Result<Vec<Value>, WireError> {
    let markers = match encoding {
        Encoding::Json => true,
        Encoding::Cbor => false,
        Encoding::Bare => version::bare_has_markers(version),
    };
    if !markers {
        return Ok(args);
    }
    match revive(Value::Array(args)) {
        Ok(Value::Array(args)) => Ok(args),
        Ok(_) => Err(WireError::invalid_request("Arguments are not an array.")),
        Err(e) => Err(WireError::invalid_request(format!(
            "Invalid arguments: {e}"
        ))),
    }
}

/// [`compat::revive`], except that every `["$BigInt", "N"]` becomes a CBOR bignum (tag 2/3),
/// small ones included: serde still reads it into any Rust integer type, and a value passed
/// through untyped (an `echo`) goes back to JavaScript as a `bigint`, as the reference does.
pub(crate) fn revive(value: Value) -> Result<Value, actorium_protocol::ProtocolError> {
    compat::revive(bigints_as_tags(value))
}

fn bigints_as_tags(value: Value) -> Value {
    match value {
        Value::Array(items) => {
            if let [Value::Text(tag), Value::Text(n)] = items.as_slice()
                && tag == "$BigInt"
                && let Ok(n) = n.parse::<i128>()
            {
                return compat::bignum_tag(n);
            }
            Value::Array(items.into_iter().map(bigints_as_tags).collect())
        }
        Value::Map(entries) => Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| (bigints_as_tags(k), bigints_as_tags(v)))
                .collect(),
        ),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actorium_protocol::PROTOCOL_VERSION;

    #[test]
    fn small_bigints_stay_bigints() {
        let marker =
            |n: &str| Value::Array(vec![Value::Text("$BigInt".into()), Value::Text(n.into())]);
        let v = revive(Value::Array(vec![
            marker("7"),
            marker("-1"),
            Value::Integer(7.into()),
        ]))
        .unwrap();
        let Value::Array(items) = &v else { panic!() };
        assert_eq!(items[0], Value::Tag(2, Box::new(Value::Bytes(vec![7]))));
        assert_eq!(items[1], Value::Tag(3, Box::new(Value::Bytes(vec![0]))));
        // Typed code still reads them as integers.
        let n: i64 = actorium_protocol::compat::deserialize(items[0].clone()).unwrap();
        assert_eq!(n, 7);
        let n: i64 = actorium_protocol::compat::deserialize(items[1].clone()).unwrap();
        assert_eq!(n, -1);
        // And they go back as bigints.
        assert_eq!(
            escape(items[0].clone(), Encoding::Json, PROTOCOL_VERSION),
            marker("7")
        );
    }

    #[test]
    fn bare_before_v4_has_no_markers() {
        let dollar = || Value::Array(vec![Value::Text("$x".into()), Value::Integer(1.into())]);
        let escaped = Value::Array(vec![Value::Text("$$x".into()), Value::Integer(1.into())]);
        for v in 1..=3 {
            assert_eq!(escape(dollar(), Encoding::Bare, v), dollar());
            assert_eq!(
                revive_args(vec![dollar()], Encoding::Bare, v).unwrap(),
                vec![dollar()]
            );
        }
        assert_eq!(escape(dollar(), Encoding::Bare, 4), escaped);
        assert_eq!(
            revive_args(vec![escaped], Encoding::Bare, 4).unwrap(),
            vec![dollar()]
        );
        // A bare `$`-array is a marker in v4, and `$x` is not one.
        assert!(revive_args(vec![dollar()], Encoding::Bare, 4).is_err());
        // Large whole numbers still go to JavaScript as numbers.
        let ts = Value::Integer((1i64 << 40).into());
        assert_eq!(
            escape(ts, Encoding::Bare, 3),
            Value::Float((1u64 << 40) as f64)
        );
    }

    #[test]
    fn errors_name_the_generation_of_the_id() {
        let meta = ActorMeta {
            id: "a".into(),
            name: "counter".into(),
            key: actorium_protocol::ActorKey(vec!["k".into()]),
            create_ts: 0,
            generation: 3,
        };
        let s = specifier(&meta);
        assert_eq!((s.generation, s.key.as_deref()), (3, Some("k")));
    }
}
