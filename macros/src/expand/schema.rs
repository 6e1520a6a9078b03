//! The contract's schema: names, parameter names and JSON Schemas, return schemas, events,
//! input and connection params (the state is added where the implementation is).

use proc_macro2::TokenStream;
use quote::quote;

use super::Ctx;
use crate::attrs::doc_text;
use crate::names;

pub fn expand(cx: &Ctx<'_>) -> TokenStream {
    let rt = &cx.rt;
    let marker = &cx.names.marker;
    let c = cx.contract;
    let wire_name = &c.wire_name;
    let docs = doc_text(&c.docs);
    let params = |params: &[crate::model::Param]| {
        let items = params.iter().map(|p| {
            let name = names::snake_to_lower_camel(&names::plain(&p.ident));
            let ty = &p.ty;
            quote!(#rt::schema::ParamSchema { name: ::std::borrow::ToOwned::to_owned(#name), schema: #rt::schema_of::<#ty>(generator) })
        });
        quote!(::std::vec![#(#items),*])
    };
    let actions = c.actions.iter().map(|a| {
        let name = &a.wire_name;
        let docs = doc_text(&a.docs);
        let ps = params(&a.params);
        let output = a
            .output
            .as_ref()
            .map(|t| quote!(#t))
            .unwrap_or_else(|| quote!(()));
        quote! {
            #rt::schema::ActionSchema {
                name: ::std::borrow::ToOwned::to_owned(#name),
                docs: ::std::borrow::ToOwned::to_owned(#docs),
                params: #ps,
                returns: #rt::schema_of::<#output>(generator),
            }
        }
    });
    let events = c.events.iter().map(|e| {
        let name = &e.wire_name;
        let docs = doc_text(&e.docs);
        let ps = params(&e.params);
        quote! {
            #rt::schema::EventSchema {
                name: ::std::borrow::ToOwned::to_owned(#name),
                docs: ::std::borrow::ToOwned::to_owned(#docs),
                params: #ps,
            }
        }
    });
    let optional = |ty: &Option<syn::Type>| match ty {
        Some(t) => quote!(::core::option::Option::Some(#rt::schema_of::<#t>(generator))),
        None => quote!(::core::option::Option::None),
    };
    let input = optional(&c.input);
    let conn_params = optional(&c.conn_params);
    quote! {
        impl #marker {
            #[doc(hidden)]
            pub fn __actorium_schema(generator: &mut #rt::schemars::SchemaGenerator) -> #rt::schema::ActorSchema {
                #rt::schema::ActorSchema {
                    name: ::std::borrow::ToOwned::to_owned(#wire_name),
                    docs: ::std::borrow::ToOwned::to_owned(#docs),
                    actions: ::std::vec![#(#actions),*],
                    events: ::std::vec![#(#events),*],
                    input: #input,
                    conn_params: #conn_params,
                    state: ::core::option::Option::None,
                    raw_http: false,
                    raw_websocket: false,
                }
            }
        }
    }
}
