//! The contract model: what one `#[actor]` trait says, parsed and validated item by item.

use proc_macro2::{Ident, Span};
use syn::spanned::Spanned;
use syn::{Attribute, FnArg, ItemTrait, Pat, ReturnType, TraitItem, TraitItemFn, Type, Visibility};

use crate::attrs::{self, ContractArgs};
use crate::errors::Errors;
use crate::names;

/// One `#[actor]` contract.
pub struct Contract {
    pub vis: Visibility,
    pub ident: Ident,
    pub docs: Vec<Attribute>,
    pub wire_name: String,
    pub input: Option<Type>,
    pub conn_params: Option<Type>,
    pub actions: Vec<Action>,
    pub events: Vec<Event>,
}

/// A typed, named parameter.
pub struct Param {
    pub ident: Ident,
    pub ty: Type,
}

/// An action: `async fn name(params) -> Output;`.
pub struct Action {
    pub ident: Ident,
    pub wire_name: String,
    pub wire_span: Span,
    pub docs: Vec<Attribute>,
    pub params: Vec<Param>,
    /// `None` for `()`.
    pub output: Option<Type>,
}

/// An event: `#[event] fn name(params);`.
pub struct Event {
    pub ident: Ident,
    pub wire_name: String,
    pub wire_span: Span,
    pub docs: Vec<Attribute>,
    pub params: Vec<Param>,
}

impl Contract {
    /// Parses the trait, reporting every problem it can find.
    pub fn parse(args: ContractArgs, item: &ItemTrait, errors: &mut Errors) -> Contract {
        if !item.generics.params.is_empty() || item.generics.where_clause.is_some() {
            errors.push_err(syn::Error::new_spanned(
                &item.generics,
                "an actor contract cannot be generic",
            ));
        }
        if item.colon_token.is_some() {
            errors.push_err(syn::Error::new_spanned(
                &item.supertraits,
                "an actor contract cannot have supertraits",
            ));
        }
        if let Some(u) = &item.unsafety {
            errors.push(u.span, "an actor contract cannot be unsafe");
        }
        if let Some(a) = &item.auto_token {
            errors.push(a.span, "an actor contract cannot be an auto trait");
        }
        let wire_name = args
            .name
            .as_ref()
            .map(|n| n.value())
            .unwrap_or_else(|| names::upper_to_lower_camel(&names::plain(&item.ident)));
        let mut contract = Contract {
            vis: item.vis.clone(),
            ident: item.ident.clone(),
            docs: attrs::docs(&item.attrs),
            wire_name,
            input: args.input,
            conn_params: args.conn_params,
            actions: Vec::new(),
            events: Vec::new(),
        };
        for trait_item in &item.items {
            match trait_item {
                TraitItem::Fn(f) => contract.parse_fn(f, errors),
                other => errors.push(
                    other.span(),
                    "only `async fn` actions and `#[event] fn` events may appear in an actor contract",
                ),
            }
        }
        contract
    }

    fn parse_fn(&mut self, f: &TraitItemFn, errors: &mut Errors) {
        let mut attrs_left = f.attrs.clone();
        let event = attrs::take_item_attr(&mut attrs_left, "event", errors);
        let action = attrs::take_item_attr(&mut attrs_left, "action", errors);
        for attr in &attrs_left {
            if !attr.path().is_ident("doc") {
                errors.push(
                    attr.span(),
                    "only doc comments, `#[action]` and `#[event]` are allowed on contract items",
                );
            }
        }
        let sig = &f.sig;
        if event.present && action.present {
            errors.push(
                action.span,
                "an item is either an `#[action]` or an `#[event]`, not both",
            );
        }
        if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
            errors.push_err(syn::Error::new_spanned(
                &sig.generics,
                "actions and events cannot be generic",
            ));
        }
        if let Some(c) = &sig.constness {
            errors.push(c.span, "actions and events cannot be `const`");
        }
        if let Some(u) = &sig.unsafety {
            errors.push(u.span, "actions and events cannot be `unsafe`");
        }
        if let Some(abi) = &sig.abi {
            errors.push(abi.span(), "actions and events cannot have an ABI");
        }
        if let Some(v) = &sig.variadic {
            errors.push(v.span(), "actions and events cannot be variadic");
        }
        let params = parse_params(sig, errors);
        let plain = names::plain(&sig.ident);
        if event.present {
            if let Some(a) = &sig.asyncness {
                errors.push(
                    a.span,
                    "events are not async: write `#[event] fn name(args);`",
                );
            }
            if let ReturnType::Type(..) = &sig.output {
                errors.push_err(syn::Error::new_spanned(
                    &sig.output,
                    "events have no return type",
                ));
            }
            if let Some(body) = &f.default {
                errors.push(
                    body.span(),
                    "events have no body: write `#[event] fn name(args);`",
                );
            }
            let (wire_name, wire_span) = match event.name {
                Some(n) => (n.value(), n.span()),
                None => (names::snake_to_lower_camel(&plain), sig.ident.span()),
            };
            self.events.push(Event {
                ident: sig.ident.clone(),
                wire_name,
                wire_span,
                docs: attrs::docs(&f.attrs),
                params,
            });
            return;
        }
        if sig.asyncness.is_none() {
            errors.push(
                sig.fn_token.span,
                "actions must be `async fn` (or mark an event with `#[event]`)",
            );
        }
        if let Some(body) = &f.default {
            errors.push(body.span(), "contract actions have no body: the implementation lives in the `...Actor` trait impl");
        }
        let output = match &sig.output {
            ReturnType::Default => None,
            ReturnType::Type(_, ty) => {
                check_value_type(ty, "return", errors);
                Some((**ty).clone())
            }
        };
        let (wire_name, wire_span) = match action.name {
            Some(n) => (n.value(), n.span()),
            None => (names::snake_to_lower_camel(&plain), sig.ident.span()),
        };
        self.actions.push(Action {
            ident: sig.ident.clone(),
            wire_name,
            wire_span,
            docs: attrs::docs(&f.attrs),
            params,
            output,
        });
    }
}

fn parse_params(sig: &syn::Signature, errors: &mut Errors) -> Vec<Param> {
    let mut params = Vec::new();
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(r) => errors.push(
                r.span(),
                "actions and events take no receiver; the implementation receives `&Ctx<Self>` instead",
            ),
            FnArg::Typed(pt) => {
                check_value_type(&pt.ty, "parameter", errors);
                match &*pt.pat {
                    Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => {
                        params.push(Param { ident: pi.ident.clone(), ty: (*pt.ty).clone() })
                    }
                    other => errors.push(other.span(), "patterns are not allowed here: name the parameter, e.g. `text: String`"),
                }
            }
        }
    }
    params
}

/// Values cross the wire, so they must be owned, nameable types.
fn check_value_type(ty: &Type, what: &str, errors: &mut Errors) {
    match ty {
        Type::Reference(r) => errors.push(r.span(), format!("a {what} type cannot be a reference: values cross the wire, use an owned type (e.g. `String`)")),
        Type::ImplTrait(i) => errors.push(i.span(), format!("a {what} type cannot be `impl Trait`: use a concrete serde type")),
        Type::BareFn(b) => errors.push(b.span(), format!("a {what} type cannot be a function pointer")),
        Type::TraitObject(t) => errors.push(t.span(), format!("a {what} type cannot be a trait object")),
        Type::Ptr(p) => errors.push(p.span(), format!("a {what} type cannot be a raw pointer")),
        Type::Infer(i) => errors.push(i.span(), format!("a {what} type must be written out")),
        _ => {}
    }
}
