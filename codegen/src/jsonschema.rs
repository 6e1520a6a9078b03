//! One self-contained JSON Schema (draft 2020-12) file per type.
//!
//! Files (names made safe: characters outside `[A-Za-z0-9._-]` become `_`):
//!
//! - `<Name>.schema.json` for every named type of `$defs`;
//! - `<actor>.input.schema.json`, `<actor>.connParams.schema.json`,
//!   `<actor>.state.schema.json` where the actor has them.
//!
//! Each file is the type's schema with `$schema` and `title` added and, under its own `$defs`,
//! every definition it references directly or indirectly (references keep the form
//! `#/$defs/<Name>`, so they resolve inside the file).

use actorium_protocol::schema::{JsonSchema, RegistrySchema};
use serde_json::{Map, Value, json};

use crate::names::component_name;
use crate::{CodegenError, GeneratedFile};

/// The dialect every generated file declares.
pub const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// The files, sorted by path (relative to the output directory).
pub fn generate(schema: &RegistrySchema) -> Result<Vec<GeneratedFile>, CodegenError> {
    crate::validate(schema)?;
    let mut files: Vec<(String, String, Value)> = Vec::new();
    for (name, def) in &schema.definitions {
        let file = format!("{}.schema.json", component_name(name));
        let what = format!("the type `{name}` of `$defs`");
        files.push((file, what, standalone(schema, def, name, None)));
    }
    for actor in &schema.actors {
        let parts: [(&str, &Option<JsonSchema>, &str); 3] = [
            ("input", &actor.input, "Creation input"),
            ("connParams", &actor.conn_params, "Connection params"),
            ("state", &actor.state, "Persisted state"),
        ];
        for (part, part_schema, description) in parts {
            let Some(part_schema) = part_schema else {
                continue;
            };
            let file = format!("{}.{part}.schema.json", component_name(&actor.name));
            let what = format!("the {part} of actor `{}`", actor.name);
            let title = format!("{}.{part}", actor.name);
            let description = format!("{description} of the `{}` actor.", actor.name);
            files.push((
                file,
                what,
                standalone(schema, part_schema, &title, Some(&description)),
            ));
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    for pair in files.windows(2) {
        if pair[0].0 == pair[1].0 {
            return Err(CodegenError::NameCollision(format!(
                "the file `{}` would hold both {} and {}",
                pair[0].0, pair[0].1, pair[1].1
            )));
        }
    }
    Ok(files
        .into_iter()
        .map(|(path, _, value)| GeneratedFile {
            path: path.into(),
            contents: crate::json::to_pretty_sorted(&value),
        })
        .collect())
}

/// `root` as a self-contained document.
fn standalone(
    schema: &RegistrySchema,
    root: &Value,
    title: &str,
    description: Option<&str>,
) -> Value {
    let mut map = match root {
        Value::Object(map) => map.clone(),
        Value::Bool(false) => {
            let mut map = Map::new();
            map.insert("not".to_owned(), json!({}));
            map
        }
        _ => Map::new(),
    };
    map.insert("$schema".to_owned(), json!(DIALECT));
    map.entry("title").or_insert_with(|| json!(title));
    if let Some(description) = description {
        map.entry("description")
            .or_insert_with(|| json!(description));
    }
    let needed = crate::refs::closure([root], &schema.definitions);
    if !needed.is_empty() {
        let defs = map
            .entry("$defs")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(defs) = defs {
            for name in needed {
                defs.insert(name.clone(), schema.definitions[&name].clone());
            }
        }
    }
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry(actors: Value, defs: Value) -> RegistrySchema {
        serde_json::from_value(json!({"version": 1, "actors": actors, "$defs": defs})).unwrap()
    }

    #[test]
    fn bundles_what_each_file_references() {
        let files = generate(&registry(
            json!([{"name": "a", "actions": [], "events": [], "state": {"$ref": "#/$defs/Tree"}}]),
            json!({
                "Tree": {"type": "object", "properties": {"children": {"type": "array", "items": {"$ref": "#/$defs/Tree"}}, "leaf": {"$ref": "#/$defs/Leaf"}}},
                "Leaf": {"type": "string"},
                "Unused": true
            }),
        ))
        .unwrap();
        let paths: Vec<String> = files.iter().map(|f| f.path.display().to_string()).collect();
        assert_eq!(
            paths,
            [
                "Leaf.schema.json",
                "Tree.schema.json",
                "Unused.schema.json",
                "a.state.schema.json"
            ]
        );
        let state: Value = serde_json::from_str(&files[3].contents).unwrap();
        assert_eq!(state["$ref"], "#/$defs/Tree");
        assert_eq!(state["title"], "a.state");
        assert_eq!(state["description"], "Persisted state of the `a` actor.");
        let defs: Vec<&String> = state["$defs"].as_object().unwrap().keys().collect();
        assert_eq!(defs, ["Leaf", "Tree"]);
        let leaf: Value = serde_json::from_str(&files[0].contents).unwrap();
        assert_eq!(
            leaf,
            json!({"$schema": DIALECT, "title": "Leaf", "type": "string"})
        );
        let unused: Value = serde_json::from_str(&files[2].contents).unwrap();
        assert_eq!(unused, json!({"$schema": DIALECT, "title": "Unused"}));
        assert!(files.iter().all(|f| f.contents.ends_with("}\n")));
    }

    #[test]
    fn file_name_collisions_are_errors() {
        let err = generate(&registry(json!([]), json!({"a<b": true, "a_b": true}))).unwrap_err();
        assert!(matches!(err, CodegenError::NameCollision(_)), "{err}");
    }
}
