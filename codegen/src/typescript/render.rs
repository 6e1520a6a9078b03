//! JSON Schema -> TypeScript: the type of a schema, the declaration of a named schema and the
//! parameter lists of actions and events.

use std::collections::{BTreeMap, BTreeSet};

use actorium_protocol::schema::ParamSchema;
use serde_json::{Map, Value};

use super::ty::{Prec, Ty, literal};
use crate::names::{js_doc, lower_camel_case, property_key};
use crate::{CodegenError, refs};

/// The `description` (or else `title`) of a schema.
pub(super) fn description(schema: &Value) -> Option<String> {
    let map = schema.as_object()?;
    ["description", "title"]
        .iter()
        .filter_map(|k| map.get(*k)?.as_str())
        .map(str::trim)
        .find(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Renders JSON Schemas as TypeScript types.
pub(super) struct Renderer<'a> {
    /// Definition name -> TypeScript identifier.
    pub(super) idents: &'a BTreeMap<String, String>,
}

impl Renderer<'_> {
    /// `export interface` / `export type` for a named schema, with its description as doc.
    pub(super) fn declaration(&self, ident: &str, schema: &Value) -> String {
        let doc = description(schema).unwrap_or_default();
        self.declaration_with_doc(ident, schema, &doc)
    }

    /// [`Renderer::declaration`] with `doc` as the doc comment.
    pub(super) fn declaration_with_doc(&self, ident: &str, schema: &Value, doc: &str) -> String {
        let mut out = js_doc(doc, "");
        match schema.as_object().filter(|m| is_interface_shape(m)) {
            Some(map) => {
                out.push_str(&format!(
                    "export interface {ident} {}\n",
                    self.object(map, 0).text
                ));
            }
            None => {
                out.push_str(&format!(
                    "export type {ident} = {};\n",
                    self.ty(schema, 0).text
                ));
            }
        }
        out
    }

    /// Parameter names (lowerCamelCase, unique) and types.
    pub(super) fn params(
        &self,
        params: &[ParamSchema],
        location: &str,
    ) -> Result<Vec<(String, String)>, CodegenError> {
        let mut out: Vec<(String, String)> = Vec::new();
        for param in params {
            let label = lower_camel_case(&param.name);
            if out.iter().any(|(l, _)| *l == label) {
                return Err(CodegenError::NameCollision(format!(
                    "{location}: two parameters would be named `{label}` in TypeScript"
                )));
            }
            out.push((label, self.ty(&param.schema, 1).text));
        }
        Ok(out)
    }

    /// The TypeScript type of `schema`; nested object types are indented for `depth`.
    pub(super) fn ty(&self, schema: &Value, depth: usize) -> Ty {
        let map = match schema {
            Value::Bool(true) => return Ty::atom("unknown"),
            Value::Bool(false) => return Ty::atom("never"),
            Value::Object(map) => map,
            _ => return Ty::atom("unknown"),
        };
        if let Some(Value::String(reference)) = map.get("$ref") {
            let ident = refs::def_name(reference)
                .and_then(|name| self.idents.get(&name).cloned())
                .unwrap_or_else(|| "unknown".to_owned());
            return Ty::atom(ident);
        }
        if let Some(value) = map.get("const") {
            return literal(value);
        }
        if let Some(Value::Array(values)) = map.get("enum") {
            return Ty::union(values.iter().map(literal));
        }

        let combinators = ["anyOf", "oneOf", "allOf"]
            .iter()
            .any(|k| map.get(*k).is_some_and(Value::is_array));
        let mut parts: Vec<Ty> = Vec::new();
        let types: Vec<&str> = match map.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let has_object_keywords =
            map.contains_key("properties") || map.contains_key("additionalProperties");
        let has_array_keywords = map.contains_key("items") || map.contains_key("prefixItems");
        // `{"type": "object", "oneOf": [...]}`: the variants say everything.
        let bare_container = types.len() == 1
            && matches!(types[0], "object" | "array")
            && !has_object_keywords
            && !has_array_keywords;
        if !types.is_empty() {
            if !(combinators && bare_container) {
                parts.push(Ty::union(
                    types.iter().map(|t| self.type_keyword(t, map, depth)),
                ));
            }
        } else if has_object_keywords {
            parts.push(self.object(map, depth));
        } else if has_array_keywords {
            parts.push(self.array(map, depth));
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(Value::Array(variants)) = map.get(key) {
                parts.push(Ty::union(variants.iter().map(|v| self.ty(v, depth))));
            }
        }
        if let Some(Value::Array(all)) = map.get("allOf") {
            parts.extend(all.iter().map(|s| self.ty(s, depth)));
        }
        Ty::intersection(parts)
    }

    fn type_keyword(&self, keyword: &str, map: &Map<String, Value>, depth: usize) -> Ty {
        match keyword {
            "string" => Ty::atom("string"),
            "integer" | "number" => Ty::atom("number"),
            "boolean" => Ty::atom("boolean"),
            "null" => Ty::atom("null"),
            "array" => self.array(map, depth),
            "object" => self.object(map, depth),
            _ => Ty::atom("unknown"),
        }
    }

    fn array(&self, map: &Map<String, Value>, depth: usize) -> Ty {
        let items = map.get("items");
        if let Some(Value::Array(prefix)) = map.get("prefixItems")
            && !prefix.is_empty()
        {
            let min = map.get("minItems").and_then(Value::as_u64).unwrap_or(0);
            let max = map.get("maxItems").and_then(Value::as_u64);
            let closed =
                items == Some(&Value::Bool(false)) || max.is_some_and(|m| m <= prefix.len() as u64);
            let mut elements: Vec<String> = prefix
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let ty = self.ty(s, depth);
                    if (i as u64) < min {
                        ty.text
                    } else {
                        format!("{}?", ty.at(Prec::Atom))
                    }
                })
                .collect();
            if !closed {
                let rest = match items {
                    Some(s @ Value::Object(_)) | Some(s @ Value::Bool(true)) => self.ty(s, depth),
                    _ => Ty::atom("unknown"),
                };
                elements.push(format!("...{}[]", rest.at(Prec::Atom)));
            }
            return Ty::atom(format!("[{}]", elements.join(", ")));
        }
        match items {
            Some(Value::Bool(false)) => Ty::atom("[]"),
            Some(schema @ (Value::Object(_) | Value::Bool(true))) => {
                Ty::atom(format!("{}[]", self.ty(schema, depth).at(Prec::Atom)))
            }
            _ => Ty::atom("unknown[]"),
        }
    }

    fn object(&self, map: &Map<String, Value>, depth: usize) -> Ty {
        let properties = map.get("properties").and_then(Value::as_object);
        let additional = map.get("additionalProperties");
        let Some(properties) = properties.filter(|p| !p.is_empty()) else {
            return match additional {
                Some(Value::Bool(false)) => Ty::atom("Record<string, never>"),
                Some(schema @ Value::Object(_)) => {
                    Ty::atom(format!("Record<string, {}>", self.ty(schema, depth).text))
                }
                _ => Ty::atom("Record<string, unknown>"),
            };
        };
        let required: BTreeSet<&str> = map
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let indent = "  ".repeat(depth + 1);
        let mut keys: Vec<&String> = properties.keys().collect();
        keys.sort();
        let mut out = String::from("{\n");
        for key in keys {
            let schema = &properties[key];
            out.push_str(&js_doc(&description(schema).unwrap_or_default(), &indent));
            let optional = if required.contains(key.as_str()) {
                ""
            } else {
                "?"
            };
            out.push_str(&format!(
                "{indent}{}{optional}: {};\n",
                property_key(key),
                self.ty(schema, depth + 1).text
            ));
        }
        if matches!(additional, Some(Value::Bool(true)) | Some(Value::Object(_))) {
            out.push_str(&format!("{indent}[key: string]: unknown;\n"));
        }
        out.push_str(&"  ".repeat(depth));
        out.push('}');
        Ty::atom(out)
    }
}

/// Whether a named schema is best declared as an `interface`: an object with properties and
/// nothing else that shapes it.
fn is_interface_shape(map: &Map<String, Value>) -> bool {
    let typed_object = match map.get("type") {
        None => true,
        Some(Value::String(t)) => t == "object",
        Some(_) => false,
    };
    typed_object
        && map
            .get("properties")
            .and_then(Value::as_object)
            .is_some_and(|p| !p.is_empty())
        && !["$ref", "const", "enum", "anyOf", "oneOf", "allOf"]
            .iter()
            .any(|k| map.contains_key(*k))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn ty(schema: Value) -> String {
        let mut idents = BTreeMap::new();
        idents.insert("Message".to_owned(), "Message".to_owned());
        idents.insert("x/y".to_owned(), "x_y".to_owned());
        Renderer { idents: &idents }.ty(&schema, 0).text
    }

    #[test]
    fn scalars() {
        assert_eq!(ty(json!({"type": "string"})), "string");
        assert_eq!(ty(json!({"type": "integer", "format": "int64"})), "number");
        assert_eq!(ty(json!({"type": "number", "format": "double"})), "number");
        assert_eq!(ty(json!({"type": "boolean"})), "boolean");
        assert_eq!(ty(json!({"type": "null"})), "null");
        assert_eq!(ty(json!(true)), "unknown");
        assert_eq!(ty(json!({})), "unknown");
        assert_eq!(ty(json!(false)), "never");
    }

    #[test]
    fn options_and_unions() {
        assert_eq!(ty(json!({"type": ["string", "null"]})), "string | null");
        assert_eq!(
            ty(json!({"anyOf": [{"$ref": "#/$defs/Message"}, {"type": "null"}]})),
            "Message | null"
        );
        assert_eq!(ty(json!({"$ref": "#/$defs/x~1y"})), "x_y");
        assert_eq!(
            ty(json!({"type": "string", "enum": ["a", "b", "a"]})),
            "\"a\" | \"b\""
        );
        assert_eq!(ty(json!({"const": 3})), "3");
        assert_eq!(
            ty(json!({"oneOf": [{"type": "string"}, {"type": "integer"}, {}]})),
            "unknown"
        );
        assert_eq!(
            ty(
                json!({"allOf": [{"$ref": "#/$defs/Message"}, {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}]})
            ),
            "Message & {\n  id: string;\n}"
        );
        assert_eq!(
            ty(json!({"allOf": [{"type": ["string", "null"]}, {"$ref": "#/$defs/Message"}]})),
            "(string | null) & Message"
        );
    }

    #[test]
    fn tagged_enum_variants() {
        let schema = json!({
            "type": "object",
            "oneOf": [
                {"type": "object", "properties": {"kind": {"const": "a"}}, "required": ["kind"]},
                {"type": "string", "const": "b"}
            ]
        });
        assert_eq!(ty(schema), "{\n  kind: \"a\";\n} | \"b\"");
    }

    #[test]
    fn arrays_and_tuples() {
        assert_eq!(
            ty(json!({"type": "array", "items": {"$ref": "#/$defs/Message"}})),
            "Message[]"
        );
        assert_eq!(
            ty(json!({"type": "array", "items": {"type": ["string", "null"]}})),
            "(string | null)[]"
        );
        assert_eq!(ty(json!({"type": "array"})), "unknown[]");
        assert_eq!(
            ty(
                json!({"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}], "minItems": 2, "maxItems": 2})
            ),
            "[string, number]"
        );
        assert_eq!(
            ty(
                json!({"type": "array", "prefixItems": [{"type": "string"}, {"type": ["integer", "null"]}], "minItems": 1, "items": false})
            ),
            "[string, (number | null)?]"
        );
        assert_eq!(
            ty(
                json!({"type": "array", "prefixItems": [{"type": "string"}], "minItems": 1, "items": {"type": "boolean"}})
            ),
            "[string, ...boolean[]]"
        );
    }

    #[test]
    fn objects_and_maps() {
        assert_eq!(
            ty(json!({
                "type": "object",
                "properties": {
                    "b-c": {"type": "string"},
                    "a": {"description": "The a.", "type": "integer"},
                    "nested": {"type": "object", "properties": {"x": {"type": "boolean"}}, "required": ["x"]}
                },
                "required": ["a", "nested"]
            })),
            "{\n  /** The a. */\n  a: number;\n  \"b-c\"?: string;\n  nested: {\n    x: boolean;\n  };\n}"
        );
        assert_eq!(
            ty(json!({"type": "object", "additionalProperties": {"type": "integer"}})),
            "Record<string, number>"
        );
        assert_eq!(ty(json!({"type": "object"})), "Record<string, unknown>");
        assert_eq!(
            ty(json!({"type": "object", "additionalProperties": false})),
            "Record<string, never>"
        );
        assert_eq!(
            ty(
                json!({"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"], "additionalProperties": {"type": "integer"}})
            ),
            "{\n  a: string;\n  [key: string]: unknown;\n}"
        );
    }

    #[test]
    fn declarations() {
        let idents = BTreeMap::new();
        let render = Renderer { idents: &idents };
        assert_eq!(
            render.declaration(
                "Point",
                &json!({"description": "A point.", "type": "object", "properties": {"x": {"type": "number"}}, "required": ["x"]}),
            ),
            "/** A point. */\nexport interface Point {\n  x: number;\n}\n"
        );
        assert_eq!(
            render.declaration("Status", &json!({"type": "string", "enum": ["on", "off"]})),
            "export type Status = \"on\" | \"off\";\n"
        );
    }
}
