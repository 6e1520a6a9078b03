//! Expansion: the contract model becomes the marker, the typed client, the server trait with
//! its dispatch, typed events and the schema.

mod client;
mod schema;
mod server;

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use syn::{Path, Type};

use crate::model::{Contract, Param};

/// Names of the generated items, derived from the contract's name.
pub struct Names {
    pub marker: Ident,
    pub handle: Ident,
    pub connection: Ident,
    pub server: Ident,
    pub events: Ident,
}

impl Names {
    pub fn of(contract: &Ident) -> Names {
        Names {
            marker: format_ident!("{}Ref", contract),
            handle: format_ident!("{}Handle", contract),
            connection: format_ident!("{}Connection", contract),
            server: format_ident!("{}Actor", contract),
            events: format_ident!("{}Events", contract),
        }
    }
}

/// What every part of the expansion needs.
pub struct Ctx<'a> {
    pub contract: &'a Contract,
    pub names: Names,
    /// The hidden runtime path: `<actorium>::__private`.
    pub rt: TokenStream,
    /// `<actorium>` itself.
    pub krate: Path,
    pub input: Type,
    pub conn_params: Type,
}

pub fn expand(contract: &Contract, krate: Path) -> TokenStream {
    let cx = Ctx {
        contract,
        names: Names::of(&contract.ident),
        rt: quote!(#krate::__private),
        input: contract
            .input
            .clone()
            .unwrap_or_else(|| syn::parse_quote!(())),
        conn_params: contract
            .conn_params
            .clone()
            .unwrap_or_else(|| syn::parse_quote!(())),
        krate,
    };
    let marker = marker(&cx);
    let client = client::expand(&cx);
    let server = server::expand(&cx);
    let schema = schema::expand(&cx);
    let assertions = assertions(&cx);
    let krate = &cx.krate;
    quote! {
        #marker
        #schema
        #krate::__client_only! { #client }
        #krate::__server_only! { #server }
        #assertions
    }
}

fn marker(cx: &Ctx<'_>) -> TokenStream {
    let Contract {
        vis,
        docs,
        wire_name,
        ..
    } = cx.contract;
    let marker = &cx.names.marker;
    let doc_name = format!(
        "Marker of the `{wire_name}` actor: names it in typed accessors such as `client.get_or_create::<{marker}>(key)`."
    );
    quote! {
        #(#docs)*
        #[doc = ""]
        #[doc = #doc_name]
        #[derive(::core::fmt::Debug, ::core::clone::Clone, ::core::marker::Copy, ::core::default::Default)]
        #vis struct #marker;

        impl #marker {
            /// The actor's wire name.
            #vis const NAME: &'static str = #wire_name;
        }
    }
}

/// Compile-time checks that every value type supports serde (and JSON Schema), reported at the
/// offending type.
fn assertions(cx: &Ctx<'_>) -> TokenStream {
    let rt = &cx.rt;
    let mut types: Vec<&Type> = Vec::new();
    for a in &cx.contract.actions {
        types.extend(a.params.iter().map(|p| &p.ty));
        types.extend(a.output.iter());
    }
    for e in &cx.contract.events {
        types.extend(e.params.iter().map(|p| &p.ty));
    }
    types.extend(cx.contract.input.iter());
    types.extend(cx.contract.conn_params.iter());
    let checks = types.iter().map(|ty| {
        let span = syn::spanned::Spanned::span(ty);
        quote::quote_spanned! {span=> #rt::assert_wire_type::<#ty>(); }
    });
    quote! {
        const _: () = {
            #[allow(dead_code)]
            fn __actorium_assert_wire_types() { #(#checks)* }
        };
    }
}

/// Whether a parameter is a `String` (accepted as `impl Into<String>` by the typed client).
pub fn is_string(ty: &Type) -> bool {
    match ty {
        Type::Path(p) if p.qself.is_none() => {
            let segs: Vec<String> = p
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            matches!(
                segs.iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .as_slice(),
                ["String"] | ["std", "string", "String"] | ["alloc", "string", "String"]
            )
        }
        _ => false,
    }
}

/// The parameter identifiers and types.
pub fn idents_and_types(params: &[Param]) -> (Vec<&Ident>, Vec<&Type>) {
    params.iter().map(|p| (&p.ident, &p.ty)).unzip()
}
