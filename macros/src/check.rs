//! Checks across the whole contract: wire names unique, no collisions with generated methods.

use std::collections::BTreeMap;

use proc_macro2::Span;

use crate::errors::Errors;
use crate::model::Contract;
use crate::names;

/// Methods the generated handle and connection have besides the actions.
pub const RESERVED: &[&str] = &[
    "resolve",
    "connect",
    "with_params",
    "with_input",
    "raw",
    "into_raw",
    "from_raw",
    "dispose",
    "actor_id",
    "new",
];

/// Reports duplicate wire names, collisions with generated methods, and events that share a
/// Rust name with an action (both become methods of the connection).
pub fn check(contract: &Contract, errors: &mut Errors) {
    let mut seen: BTreeMap<String, Span> = BTreeMap::new();
    for a in &contract.actions {
        if seen.insert(a.wire_name.clone(), a.wire_span).is_some() {
            errors.push(
                a.wire_span,
                format!("duplicate action wire name `{}`", a.wire_name),
            );
        }
    }
    let mut seen_events: BTreeMap<String, Span> = BTreeMap::new();
    for e in &contract.events {
        if seen_events
            .insert(e.wire_name.clone(), e.wire_span)
            .is_some()
        {
            errors.push(
                e.wire_span,
                format!("duplicate event wire name `{}`", e.wire_name),
            );
        }
    }
    let action_idents: Vec<String> = contract
        .actions
        .iter()
        .map(|a| names::plain(&a.ident))
        .collect();
    for (a, plain) in contract.actions.iter().zip(&action_idents) {
        if RESERVED.contains(&plain.as_str()) || plain.starts_with("__") {
            errors.push(
                a.ident.span(),
                format!("`{plain}` collides with a method of the generated handle; rename the Rust method and keep the wire name with `#[action(name = \"{}\")]`", a.wire_name),
            );
        }
    }
    for e in &contract.events {
        let plain = names::plain(&e.ident);
        if RESERVED.contains(&plain.as_str()) || plain.starts_with("__") {
            errors.push(e.ident.span(), format!("`{plain}` collides with a method of the generated connection; rename it and keep the wire name with `#[event(name = \"{}\")]`", e.wire_name));
        } else if action_idents.contains(&plain) {
            errors.push(e.ident.span(), format!("event `{plain}` has the same Rust name as an action; both would be methods of the connection"));
        }
    }
}
