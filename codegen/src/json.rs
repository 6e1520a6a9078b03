//! Deterministic JSON output: pretty-printed, object keys sorted, trailing newline.
//!
//! Sorting here (rather than relying on `serde_json::Map`'s order) keeps the output the same
//! whether or not some crate in the build enables `serde_json/preserve_order`.

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

struct Sorted<'a>(&'a Value);

impl Serialize for Sorted<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Object(map) => {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                let mut out = serializer.serialize_map(Some(entries.len()))?;
                for (key, value) in entries {
                    out.serialize_entry(key, &Sorted(value))?;
                }
                out.end()
            }
            Value::Array(items) => serializer.collect_seq(items.iter().map(Sorted)),
            other => other.serialize(serializer),
        }
    }
}

/// `value` as pretty JSON (two-space indent) with sorted object keys and a trailing newline.
pub(crate) fn to_pretty_sorted(value: &Value) -> String {
    let mut out =
        serde_json::to_string_pretty(&Sorted(value)).expect("a JSON value always serializes");
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn sorts_keys_recursively() {
        let value = json!({"b": 1, "a": [{"z": null, "y": true}], "$c": "x"});
        assert_eq!(
            to_pretty_sorted(&value),
            "{\n  \"$c\": \"x\",\n  \"a\": [\n    {\n      \"y\": true,\n      \"z\": null\n    }\n  ],\n  \"b\": 1\n}\n"
        );
    }
}
