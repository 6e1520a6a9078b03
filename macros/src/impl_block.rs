//! `#[actor]` on the implementation: `#[actorium::actor] impl ChatRoomActor for Room { ... }`.
//!
//! The actions stay in the `ChatRoomActor` impl; the lifecycle hooks and the `Vars` /
//! `ConnState` types written beside them move into the generated `Actor` impl, which also gets
//! the wire name, the contract's input and params types, the dispatch and the schema. (This is
//! why the implementation carries the attribute too: Rust's orphan rule lets only the crate that
//! owns `Room` implement the runtime's trait for it.)

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{ImplItem, ItemImpl, Path};

use crate::errors::Errors;

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
    "on_destroy",
    "options",
];

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
    for it in item.items.iter().cloned() {
        match &it {
            ImplItem::Fn(f) if HOOKS.contains(&f.sig.ident.to_string().as_str()) => {
                create_state |= f.sig.ident == "create_state";
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
                <Self as #trait_path>::__actorium_schema(generator)
            }

            #(#hooks)*
        }
    }
}
