//! The declarations generated for one actor: its input, connection params and state types,
//! its events, action context and actions, and its rivetkit `ActorDefinition`.

use std::collections::BTreeMap;

use actorium_protocol::schema::{ActorSchema, JsonSchema};
use serde_json::Value;

use super::Taken;
use super::render::{Renderer, description};
use crate::names::{js_doc, pascal_case, property_key};
use crate::{CodegenError, refs};

/// Everything generated for one actor.
pub(super) fn actor_section(
    actor: &ActorSchema,
    render: &Renderer<'_>,
    taken: &mut Taken,
) -> Result<String, CodegenError> {
    let name = &actor.name;
    let prefix = pascal_case(name);
    let mut out = format!("\n// Actor `{name}`\n");

    // Input, connection params and state.
    let extras: [(&str, &Option<JsonSchema>, String); 3] = [
        (
            "Input",
            &actor.input,
            format!(
                "Creation input of `{name}`. rivetkit types `createWithInput` (`getOrCreate`)\n\
                 and `input` (`create`) as `unknown`: annotate the value, e.g.\n\
                 `{{ createWithInput: {{ ... }} satisfies {prefix}Input }}`."
            ),
        ),
        (
            "ConnParams",
            &actor.conn_params,
            format!(
                "Connection params of `{name}`, sent by `connect(params)` and the `params`\n\
                 option. rivetkit types them as `unknown`: annotate the value, e.g.\n\
                 `connect({{ ... }} satisfies {prefix}ConnParams)`."
            ),
        ),
        (
            "State",
            &actor.state,
            format!("Persisted state of `{name}` (for reference: clients never receive it)."),
        ),
    ];
    let mut extra_idents: BTreeMap<&str, String> = BTreeMap::new();
    for (suffix, schema, doc) in extras {
        let Some(schema) = schema else { continue };
        let ident = format!("{prefix}{suffix}");
        extra_idents.insert(suffix, ident.clone());
        // A reference to a definition of exactly this name needs no alias.
        if let Some(def) = ref_only(schema)
            && render.idents.get(&def) == Some(&ident)
        {
            continue;
        }
        taken.claim(
            &ident,
            &format!("the {} type of actor `{name}`", suffix.to_lowercase()),
        )?;
        let doc = match description(schema) {
            Some(d) => format!("{d}\n\n{doc}"),
            None => doc,
        };
        out.push('\n');
        out.push_str(&render.declaration_with_doc(&ident, schema, &doc));
    }
    let state = extra_idents
        .get("State")
        .map_or("undefined", String::as_str);
    let conn_params = extra_idents
        .get("ConnParams")
        .map_or("undefined", String::as_str);
    let input = extra_idents
        .get("Input")
        .map_or("undefined", String::as_str);

    // Events.
    let events_ident = format!("{prefix}Events");
    taken.claim(&events_ident, &format!("the events of actor `{name}`"))?;
    out.push_str(&format!(
        "\n/**\n * Events of `{name}`, as rivetkit event tokens: `conn.on(\"<event>\", (...args) => ...)`\n * receives the listed arguments.\n */\n"
    ));
    if actor.events.is_empty() {
        out.push_str(&format!(
            "export type {events_ident} = Record<never, never>;\n"
        ));
    } else {
        out.push_str(&format!("export type {events_ident} = {{\n"));
        for event in &actor.events {
            let location = format!("event `{}` of actor `{name}`", event.name);
            let params = render.params(&event.params, &location)?;
            let tuple: Vec<String> = params
                .iter()
                .map(|(label, ty)| format!("{label}: {ty}"))
                .collect();
            out.push_str(&js_doc(&event.docs, "  "));
            out.push_str(&format!(
                "  {}: ReturnType<typeof rivetEvent<[{}]>>;\n",
                property_key(&event.name),
                tuple.join(", ")
            ));
        }
        out.push_str("};\n");
    }

    // Action context.
    let context_ident = format!("{prefix}Context");
    taken.claim(
        &context_ident,
        &format!("the action context of actor `{name}`"),
    )?;
    out.push_str(&format!(
        "\n/** The action context of `{name}` (rivetkit's `ActionContext`). */\n\
         export type {context_ident} = RivetActionContext<\n\
         \x20 {state}, // state\n\
         \x20 {conn_params}, // connection params\n\
         \x20 undefined, // connection state\n\
         \x20 undefined, // vars\n\
         \x20 {input}, // input\n\
         \x20 undefined, // database\n\
         \x20 {events_ident}\n\
         >;\n"
    ));

    // Actions.
    let actions_ident = format!("{prefix}Actions");
    taken.claim(&actions_ident, &format!("the actions of actor `{name}`"))?;
    out.push_str(&format!(
        "\n/**\n * Actions of `{name}`, as rivetkit action functions: the client drops the context\n * parameter, so `handle.<action>(...args)` returns `Promise<result>`.\n */\n"
    ));
    if actor.actions.is_empty() {
        out.push_str(&format!(
            "export type {actions_ident} = Record<never, never>;\n"
        ));
    } else {
        out.push_str(&format!("export type {actions_ident} = {{\n"));
        for action in &actor.actions {
            let location = format!("action `{}` of actor `{name}`", action.name);
            let params = render.params(&action.params, &location)?;
            let mut context_param = "c".to_owned();
            while params.iter().any(|(p, _)| *p == context_param) {
                context_param.push('_');
            }
            let mut doc = action.docs.trim().to_owned();
            for (param, (label, _)) in action.params.iter().zip(&params) {
                if let Some(d) = description(&param.schema) {
                    if !doc.is_empty() {
                        doc.push('\n');
                    }
                    doc.push_str(&format!("@param {label} {d}"));
                }
            }
            let mut signature = vec![format!("{context_param}: {context_ident}")];
            signature.extend(params.iter().map(|(label, ty)| format!("{label}: {ty}")));
            let returns = render.ty(&action.returns, 1).text;
            out.push_str(&js_doc(&doc, "  "));
            out.push_str(&format!(
                "  {}: ({}) => {returns};\n",
                property_key(&action.name),
                signature.join(", ")
            ));
        }
        out.push_str("};\n");
    }

    // The actor definition.
    let actor_ident = format!("{prefix}Definition");
    taken.claim(&actor_ident, &format!("the definition of actor `{name}`"))?;
    let mut doc = actor.docs.trim().to_owned();
    if !doc.is_empty() {
        doc.push_str("\n\n");
    }
    let accessor = if crate::names::is_identifier(name) {
        format!("client.{name}")
    } else {
        format!("client[{}]", Value::String(name.clone()))
    };
    doc.push_str(&format!(
        "The actor `{name}` as a rivetkit `ActorDefinition` (`{accessor}`)."
    ));
    out.push('\n');
    out.push_str(&js_doc(&doc, ""));
    out.push_str(&format!(
        "export type {actor_ident} = RivetActorDefinition<\n\
         \x20 {state}, // state\n\
         \x20 {conn_params}, // connection params\n\
         \x20 undefined, // connection state\n\
         \x20 undefined, // vars\n\
         \x20 {input}, // input\n\
         \x20 undefined, // database\n\
         \x20 {events_ident},\n\
         \x20 Record<never, never>, // queues\n\
         \x20 {actions_ident}\n\
         >;\n"
    ));
    Ok(out)
}

/// The definition name when `schema` is only a reference (plus annotations).
fn ref_only(schema: &Value) -> Option<String> {
    let map = schema.as_object()?;
    let reference = map.get("$ref")?.as_str()?;
    let annotations_only = map
        .keys()
        .all(|k| matches!(k.as_str(), "$ref" | "description" | "title" | "$comment"));
    if annotations_only {
        refs::def_name(reference)
    } else {
        None
    }
}
