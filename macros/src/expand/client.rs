//! The typed client: handle (HTTP) and connection (WebSocket) with one method per action, and
//! one typed event stream per event on the connection.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::{Ctx, idents_and_types, is_string};

pub fn expand(cx: &Ctx<'_>) -> TokenStream {
    let rt = &cx.rt;
    let vis = &cx.contract.vis;
    let wire_name = &cx.contract.wire_name;
    let (marker, handle, connection) = (&cx.names.marker, &cx.names.handle, &cx.names.connection);
    let (input, conn_params) = (&cx.input, &cx.conn_params);

    let actions = cx.contract.actions.iter().map(|a| {
        let ident = &a.ident;
        let docs = &a.docs;
        let wire = &a.wire_name;
        let params = a.params.iter().map(|p| {
            let (id, ty) = (&p.ident, &p.ty);
            if is_string(ty) {
                quote!(#id: impl ::core::convert::Into<::std::string::String>)
            } else {
                quote!(#id: #ty)
            }
        });
        // Spanned at the parameter's type, so a type without serde support is reported there.
        let values = a.params.iter().map(|p| {
            let (id, ty) = (&p.ident, &p.ty);
            if is_string(ty) {
                quote!(#rt::client::to_value(&::core::convert::Into::<::std::string::String>::into(#id))?)
            } else {
                quote_spanned!(ty.span()=> #rt::client::to_value(&#id)?)
            }
        });
        let output = a.output.as_ref().map(|t| quote!(#t)).unwrap_or_else(|| quote!(()));
        let decode = match &a.output {
            Some(t) => quote_spanned!(t.span()=> #rt::client::from_value::<#t>(output)),
            None => quote!(#rt::client::from_value::<()>(output)),
        };
        quote! {
            #(#docs)*
            pub async fn #ident(&self, #(#params),*) -> ::core::result::Result<#output, #rt::client::CallError> {
                let args = ::std::vec![#(#values),*];
                let output = #rt::client::Caller::call_action(&self.raw, #wire, args).await?;
                #decode
            }
        }
    });

    let events = cx.contract.events.iter().map(|e| {
        let ident = &e.ident;
        let docs = &e.docs;
        let wire = &e.wire_name;
        let (_, tys) = idents_and_types(&e.params);
        let decoded = tys.iter().map(|ty| {
            quote_spanned!(ty.span()=> #rt::client::from_value::<#ty>(::core::iter::Iterator::next(&mut args).unwrap_or(#rt::Value::Null)).ok()?)
        });
        let (item, build) = match tys.as_slice() {
            // One argument: the decoded value itself (an `Option`); several: a tuple of them.
            [ty] => (
                quote!(#ty),
                quote_spanned!(ty.span()=> #rt::client::from_value::<#ty>(::core::iter::Iterator::next(&mut args).unwrap_or(#rt::Value::Null)).ok()),
            ),
            _ => (quote!((#(#tys,)*)), quote!(::core::option::Option::Some((#(#decoded,)*)))),
        };
        quote! {
            #(#docs)*
            ///
            /// A stream of this event's broadcasts, from now on (subscribes on first use; an
            /// event whose arguments do not decode is logged and skipped).
            pub fn #ident(&self) -> impl #rt::client::Stream<Item = #item> + ::core::marker::Send + 'static {
                #rt::client::typed_events(&self.raw, #wire, |args: ::std::vec::Vec<#rt::Value>| {
                    #[allow(unused_mut, unused_variables)]
                    let mut args = ::std::iter::IntoIterator::into_iter(args);
                    #build
                })
            }
        }
    });

    let handle_doc = format!(
        "Typed handle of the `{wire_name}` actor: one method per action, over HTTP (`{handle}`) or over a WebSocket connection (`{connection}`)."
    );
    let connection_doc = format!(
        "A WebSocket connection to a `{wire_name}` actor: the actions, plus typed event streams."
    );
    quote! {
        #[automatically_derived]
        impl #rt::client::Contract for #marker {
            const NAME: &'static str = #wire_name;
            type Input = #input;
            type ConnParams = #conn_params;
            type Handle = #handle;
            type Connection = #connection;

            fn handle(raw: #rt::client::ActorHandle) -> #handle {
                #handle { raw }
            }

            fn connection(raw: #rt::client::Connection) -> #connection {
                #handle { raw }
            }
        }

        #[doc = #handle_doc]
        #[derive(::core::fmt::Debug, ::core::clone::Clone)]
        #vis struct #handle<T = #rt::client::ActorHandle> {
            raw: T,
        }

        #[doc = #connection_doc]
        #vis type #connection = #handle<#rt::client::Connection>;

        impl<T: #rt::client::Caller> #handle<T> {
            /// The untyped handle or connection underneath.
            pub fn raw(&self) -> &T {
                &self.raw
            }

            #(#actions)*
        }

        impl #handle<#rt::client::ActorHandle> {
            /// The actor's id (creates the actor for a get-or-create handle).
            pub async fn resolve(&self) -> ::core::result::Result<::std::string::String, #rt::client::CallError> {
                self.raw.resolve().await
            }

            /// Opens a WebSocket connection (actions plus typed events).
            pub async fn connect(&self) -> ::core::result::Result<#connection, #rt::client::CallError> {
                ::core::result::Result::Ok(#handle { raw: self.raw.connect().await? })
            }

            /// The same handle with connection params (sent with every action and connection).
            pub fn with_params(self, params: &#conn_params) -> ::core::result::Result<Self, #rt::client::CallError> {
                ::core::result::Result::Ok(#handle { raw: self.raw.with_params(#rt::client::to_value(params)?) })
            }
        }

        impl #handle<#rt::client::Connection> {
            #(#events)*

            /// Closes the connection.
            pub async fn dispose(self) {
                self.raw.dispose().await
            }
        }
    }
}
