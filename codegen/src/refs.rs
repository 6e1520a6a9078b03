//! `$ref` handling: parsing `#/$defs/<Name>`, checking that every reference resolves, collecting
//! the definitions a schema needs, and rewriting references for another document.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::CodegenError;

const DEFS_PREFIX: &str = "#/$defs/";

/// The definition name a `$ref` points to (`#/$defs/A~1B` -> `A/B`), or `None` for any other form.
pub(crate) fn def_name(reference: &str) -> Option<String> {
    let token = reference.strip_prefix(DEFS_PREFIX)?;
    if token.is_empty() || token.contains('/') {
        return None;
    }
    let token = percent_decode(token)?;
    Some(token.replace("~1", "/").replace("~0", "~"))
}

fn percent_decode(s: &str) -> Option<String> {
    if !s.contains('%') {
        return Some(s.to_owned());
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Keywords whose value is data, not a schema.
fn is_data_keyword(key: &str) -> bool {
    matches!(key, "const" | "enum" | "default" | "examples" | "example")
}

/// Keywords whose value maps names (of properties, definitions, ...) to schemas.
fn is_schema_map_keyword(key: &str) -> bool {
    matches!(
        key,
        "properties" | "patternProperties" | "$defs" | "definitions" | "dependentSchemas"
    )
}

/// Calls `f` on every `$ref` string inside `schema` (including nested definitions and
/// sub-schemas; `const`, `enum`, `default` and `examples` values are data and are skipped).
fn visit_refs<'a>(schema: &'a Value, f: &mut dyn FnMut(&'a str)) {
    match schema {
        Value::Object(map) => {
            for (key, value) in map {
                if key == "$ref" {
                    if let Value::String(r) = value {
                        f(r);
                    }
                } else if is_schema_map_keyword(key) {
                    if let Value::Object(schemas) = value {
                        schemas.values().for_each(|s| visit_refs(s, f));
                    }
                } else if !is_data_keyword(key) {
                    visit_refs(value, f);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                visit_refs(item, f);
            }
        }
        _ => {}
    }
}

/// Checks that every reference in `schema` has the form `#/$defs/<Name>` and that `defs`
/// defines `<Name>`.
pub(crate) fn check(
    schema: &Value,
    defs: &BTreeMap<String, Value>,
    location: &str,
) -> Result<(), CodegenError> {
    let mut result = Ok(());
    visit_refs(schema, &mut |reference| {
        if result.is_err() {
            return;
        }
        result = match def_name(reference) {
            None => Err(CodegenError::UnsupportedRef {
                location: location.to_owned(),
                reference: reference.to_owned(),
            }),
            Some(name) if !defs.contains_key(&name) => Err(CodegenError::UnknownDefinition {
                location: location.to_owned(),
                name,
            }),
            Some(_) => Ok(()),
        };
    });
    result
}

/// The names of the definitions `roots` need, transitively (sorted). References are assumed
/// to be checked already.
pub(crate) fn closure<'a>(
    roots: impl IntoIterator<Item = &'a Value>,
    defs: &BTreeMap<String, Value>,
) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<String> = Vec::new();
    let push_refs = |schema: &Value, stack: &mut Vec<String>| {
        visit_refs(schema, &mut |reference| {
            if let Some(name) = def_name(reference) {
                stack.push(name);
            }
        });
    };
    for root in roots {
        push_refs(root, &mut stack);
    }
    while let Some(name) = stack.pop() {
        if seen.insert(name.clone())
            && let Some(def) = defs.get(&name)
        {
            push_refs(def, &mut stack);
        }
    }
    seen
}

/// Rewrites every `#/$defs/<Name>` reference in `schema` to `f(Name)`.
pub(crate) fn rewrite(schema: &mut Value, f: &dyn Fn(&str) -> String) {
    match schema {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                if key == "$ref" {
                    if let Value::String(r) = value
                        && let Some(name) = def_name(r)
                    {
                        *r = f(&name);
                    }
                } else if is_schema_map_keyword(key) {
                    if let Value::Object(schemas) = value {
                        schemas.values_mut().for_each(|s| rewrite(s, f));
                    }
                } else if !is_data_keyword(key) {
                    rewrite(value, f);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                rewrite(item, f);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn defs() -> BTreeMap<String, Value> {
        let mut defs = BTreeMap::new();
        defs.insert(
            "A".to_owned(),
            json!({"type": "object", "properties": {"b": {"$ref": "#/$defs/B"}}}),
        );
        defs.insert(
            "B".to_owned(),
            json!({"type": "array", "items": {"$ref": "#/$defs/B"}}),
        );
        defs.insert("C".to_owned(), json!({"type": "string"}));
        defs.insert("x/y~z".to_owned(), json!({"type": "string"}));
        defs
    }

    #[test]
    fn parses_refs() {
        assert_eq!(def_name("#/$defs/Message").as_deref(), Some("Message"));
        assert_eq!(def_name("#/$defs/x~1y~0z").as_deref(), Some("x/y~z"));
        assert_eq!(def_name("#/$defs/a%20b").as_deref(), Some("a b"));
        assert_eq!(def_name("#/definitions/Message"), None);
        assert_eq!(def_name("#/$defs/A/properties/b"), None);
        assert_eq!(def_name("#/$defs/"), None);
        assert_eq!(def_name("#/$defs/%zz"), None);
    }

    #[test]
    fn checks_refs() {
        let defs = defs();
        check(&json!({"$ref": "#/$defs/A"}), &defs, "here").unwrap();
        check(&json!({"const": {"$ref": "nope"}}), &defs, "here").unwrap();
        // A property named like a keyword is still a schema.
        let err = check(
            &json!({"properties": {"const": {"$ref": "#/$defs/Nope"}}}),
            &defs,
            "here",
        )
        .unwrap_err();
        assert!(
            matches!(err, CodegenError::UnknownDefinition { .. }),
            "{err}"
        );
        let err = check(&json!({"items": {"$ref": "#/$defs/Nope"}}), &defs, "here").unwrap_err();
        assert_eq!(
            err.to_string(),
            "here: reference to `Nope`, which `$defs` does not define"
        );
        let err = check(&json!({"$ref": "other.json#/A"}), &defs, "there").unwrap_err();
        assert!(matches!(err, CodegenError::UnsupportedRef { .. }), "{err}");
    }

    #[test]
    fn closes_over_refs() {
        let defs = defs();
        let root = json!({"anyOf": [{"$ref": "#/$defs/A"}, {"type": "null"}]});
        let names: Vec<String> = closure([&root], &defs).into_iter().collect();
        assert_eq!(names, ["A", "B"]);
        assert!(closure([&json!({"type": "string"})], &defs).is_empty());
    }

    #[test]
    fn rewrites_refs() {
        let mut schema =
            json!({"items": {"$ref": "#/$defs/x~1y~0z"}, "const": {"$ref": "#/$defs/A"}});
        rewrite(&mut schema, &|name| format!("#/components/schemas/{name}"));
        assert_eq!(
            schema,
            json!({"items": {"$ref": "#/components/schemas/x/y~z"}, "const": {"$ref": "#/$defs/A"}})
        );
    }
}
