//! `#[actor]` on the implementation: `#[actorium::actor] impl ChatRoomActor for Room { ... }`.
//!
//! The actions stay in the `ChatRoomActor` impl; the lifecycle hooks and the `Vars` /
//! `ConnState` types written beside them move into the generated `Actor` impl, which also gets
//! the wire name, the contract's input and params types, the dispatch and the schema. (This is
//! why the implementation carries the attribute too: Rust's orphan rule lets only the crate that
//! owns `Room` implement the runtime's trait for it.)

use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{ImplItem, ItemImpl, Path};

use crate::errors::Errors;
use crate::guards;

/// The lifecycle hooks of the runtime's `Actor` trait.
pub const HOOKS: &[&str] = &[
    "create_state",
    "on_create",
    "create_vars",
    "on_wake",
    "on_sleep",
    "on_state_change",
    "on_before_connect",
    "create_conn_state",
    "on_connect",
    "on_disconnect",
    "on_request",
    "on_websocket",
    "on_websocket_message",
    "on_websocket_close",
    "on_destroy",
    "options",
];

/// The hook `name` is probably a misspelling of: not a hook itself, and at most two edits
/// (insertions, deletions, substitutions, swaps of neighbours) away from one. Every other
/// method of the implementation is an action of the contract, which the compiler checks.
fn misspelled_hook(name: &str) -> Option<&'static str> {
    if HOOKS.contains(&name) {
        return None;
    }
    HOOKS
        .iter()
        .map(|hook| (edit_distance(name, hook), *hook))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, hook)| hook)
}

/// Optimal string alignment distance (Levenshtein plus adjacent swaps).
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

pub fn expand(item: ItemImpl, krate: Path, errors: &mut Errors) -> TokenStream {
    let rt = quote!(#krate::__private);
    let Some((bang, trait_path, _)) = &item.trait_ else {
        errors.push(
            item.self_ty.span(),
            "`#[actor]` goes on a contract trait or on `impl <Contract>Actor for State`",
        );
        return quote!(#item);
    };
    if let Some(b) = bang {
        errors.push(b.span, "an actor implementation cannot be negative");
    }
    if !item.generics.params.is_empty() {
        errors.push(
            item.generics.span(),
            "an actor implementation cannot be generic: implement it for one state type",
        );
    }
    let last = trait_path.segments.last().expect("a path has a segment");
    let trait_name = last.ident.to_string();
    let Some(prefix) = trait_name.strip_suffix("Actor").filter(|p| !p.is_empty()) else {
        errors.push(last.ident.span(), "expected the server trait a contract generates, e.g. `ChatRoomActor` for `trait ChatRoom`");
        return quote!(#item);
    };
    let sibling = |name: String| {
        let mut p = trait_path.clone();
        let seg = p.segments.last_mut().expect("a path has a segment");
        seg.ident = format_ident!("{}", name, span = last.ident.span());
        seg.arguments = syn::PathArguments::None;
        p
    };
    let marker = sibling(format!("{prefix}Ref"));
    let events = sibling(format!("{prefix}Events"));

    let mut kept = Vec::new();
    let mut hooks = Vec::new();
    let (mut vars, mut conn_state, mut create_state) = (None, None, false);
    let (mut raw_http, mut raw_websocket) = (false, false);
    for mut it in item.items.iter().cloned() {
        if let ImplItem::Fn(f) = &mut it {
            let held = guards::find(f.block.to_token_stream());
            for guard in &held {
                errors.push(guard.at, guard.message());
            }
            if !held.is_empty() {
                // Only our error, not the compiler's "future cannot be sent" on top of it.
                f.block = syn::parse_quote!({ ::core::unimplemented!() });
                f.attrs.push(syn::parse_quote!(#[allow(unused_variables)]));
            }
            let name = f.sig.ident.to_string();
            if let Some(hook) = misspelled_hook(&name) {
                errors.push(
                    f.sig.ident.span(),
                    format!(
                        "unknown hook `{name}`; did you mean `{hook}`? The hooks are: {}. \
                         (An action of the contract cannot be named this close to a hook.)",
                        HOOKS.join(", ")
                    ),
                );
                continue;
            }
        }
        match &it {
            ImplItem::Fn(f) if HOOKS.contains(&f.sig.ident.to_string().as_str()) => {
                create_state |= f.sig.ident == "create_state";
                raw_http |= f.sig.ident == "on_request";
                raw_websocket |= f.sig.ident == "on_websocket";
                hooks.push(it);
            }
            ImplItem::Type(t) if t.ident == "Vars" => vars = Some(it),
            ImplItem::Type(t) if t.ident == "ConnState" => conn_state = Some(it),
            ImplItem::Type(t) if t.ident == "Input" || t.ident == "ConnParams" => errors.push(
                t.ident.span(),
                "`Input` and `ConnParams` belong to the contract: `#[actor(input = T, conn_params = T)]` on the trait",
            ),
            _ => kept.push(it),
        }
    }
    let self_ty = &item.self_ty;
    let vars = vars.unwrap_or_else(|| {
        syn::parse_quote!(
            type Vars = ();
        )
    });
    let conn_state = conn_state.unwrap_or_else(|| {
        syn::parse_quote!(
            type ConnState = ();
        )
    });
    let default_create_state = (!create_state).then(|| {
        quote_spanned! {self_ty.span()=>
            async fn create_state(
                _: &#rt::server::InitCtx<'_>,
                _: ::core::option::Option<Self::Input>,
            ) -> #rt::server::Result<Self> {
                ::core::result::Result::Ok(<Self as ::core::default::Default>::default())
            }
        }
    });
    let attrs = &item.attrs;
    let unsafety = &item.unsafety;
    quote! {
        #(#attrs)*
        #unsafety impl #trait_path for #self_ty {
            #(#kept)*
        }

        impl #rt::server::Actor for #self_ty {
            const NAME: &'static str = #marker::NAME;
            type Input = <#marker as #rt::client::Contract>::Input;
            type ConnParams = <#marker as #rt::client::Contract>::ConnParams;
            #vars
            #conn_state
            type Events<'a> = #events<'a, Self>;

            #default_create_state

            fn dispatch<'a>(
                c: &'a #rt::server::Ctx<Self>,
                action: &'a str,
                args: ::std::vec::Vec<#rt::Value>,
            ) -> #rt::server::BoxFuture<'a, #rt::server::Result<#rt::Value>> {
                <Self as #trait_path>::__actorium_dispatch(c, action, args)
            }

            fn schema(generator: &mut #rt::schemars::SchemaGenerator) -> #rt::schema::ActorSchema {
                let mut schema = <Self as #trait_path>::__actorium_schema(generator);
                schema.raw_http = #raw_http;
                schema.raw_websocket = #raw_websocket;
                schema
            }

            #(#hooks)*
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn misspelled_hooks_are_told_from_actions() {
        assert_eq!(misspelled_hook("on_conect"), Some("on_connect"));
        assert_eq!(misspelled_hook("on_wkae"), Some("on_wake"));
        assert_eq!(misspelled_hook("create_stat"), Some("create_state"));
        assert_eq!(misspelled_hook("on_connect"), None);
        // Actions of the examples and tests.
        for action in [
            "create_chat_room",
            "create_actor",
            "create_keys",
            "send_message",
        ] {
            assert_eq!(misspelled_hook(action), None, "{action}");
        }
    }
}
