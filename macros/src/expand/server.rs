//! The server side: the `...Actor` trait the implementation writes (one method per action,
//! taking `&Ctx<Self>`), its dispatch from wire names to typed calls, and typed events.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::{Ctx, idents_and_types};
use crate::names;

pub fn expand(cx: &Ctx<'_>) -> TokenStream {
    let rt = &cx.rt;
    let vis = &cx.contract.vis;
    let docs = &cx.contract.docs;
    let wire_name = &cx.contract.wire_name;
    let (server, events, marker) = (&cx.names.server, &cx.names.events, &cx.names.marker);
    let (input, conn_params) = (&cx.input, &cx.conn_params);

    let methods = cx.contract.actions.iter().map(|a| {
        let ident = &a.ident;
        let docs = &a.docs;
        let (ids, tys) = idents_and_types(&a.params);
        let output = a.output.as_ref().map(|t| quote!(#t)).unwrap_or_else(|| quote!(()));
        quote! {
            #(#docs)*
            fn #ident(c: &#rt::server::Ctx<Self>, #(#ids: #tys),*)
                -> impl ::core::future::Future<Output = #rt::server::Result<#output>> + ::core::marker::Send;
        }
    });

    let arms = cx.contract.actions.iter().map(|a| {
        let ident = &a.ident;
        let wire = &a.wire_name;
        let (ids, tys) = idents_and_types(&a.params);
        // Spanned at the types, so a type without serde support is reported there.
        // Each argument named as in the schema, so a wrong type names the parameter.
        let takes = a.params.iter().map(|p| {
            let ty = &p.ty;
            let name = names::snake_to_lower_camel(&names::plain(&p.ident));
            quote_spanned!(ty.span()=> args.next_named::<#ty>(#name)?)
        });
        let encode = match &a.output {
            Some(t) => quote_spanned!(t.span()=> #rt::server::to_value::<#t>(&output)),
            None => quote!(#rt::server::to_value(&output)),
        };
        quote! {
            #wire => {
                #(let #ids: #tys = #takes;)*
                args.finish()?;
                let output = <Self as #server>::#ident(c, #(#ids),*).await?;
                #encode
            }
        }
    });

    let event_methods = cx.contract.events.iter().map(|e| {
        let ident = &e.ident;
        let docs = &e.docs;
        let wire = &e.wire_name;
        let (ids, tys) = idents_and_types(&e.params);
        let values = ids
            .iter()
            .zip(&tys)
            .map(|(id, ty)| quote_spanned!(ty.span()=> #rt::server::to_value::<#ty>(#id)));
        quote! {
            #(#docs)*
            ///
            /// Broadcasts to every connection subscribed to this event.
            pub fn #ident(&self, #(#ids: &#tys),*) {
                self.ctx.broadcast_values(#wire, ::std::vec![#(#values),*]);
            }
        }
    });

    let server_doc = format!(
        "The server side of the `{wire_name}` actor: implement it for the state type with \
         `#[actorium::actor] impl {server} for MyState {{ ... }}` (one `async fn` per action \
         taking `&Ctx<Self>`; lifecycle hooks are optional)."
    );
    let events_doc = format!(
        "Typed broadcasts of the `{wire_name}` actor (`c.events()` in its implementation)."
    );
    quote! {
        #(#docs)*
        #[doc = ""]
        #[doc = #server_doc]
        #vis trait #server: #rt::server::Actor<Input = #input, ConnParams = #conn_params> {
            #(#methods)*

            #[doc(hidden)]
            fn __actorium_dispatch<'a>(
                c: &'a #rt::server::Ctx<Self>,
                action: &'a str,
                args: ::std::vec::Vec<#rt::Value>,
            ) -> #rt::server::BoxFuture<'a, #rt::server::Result<#rt::Value>> {
                ::std::boxed::Box::pin(async move {
                    let mut args = #rt::server::Args::new(action, args);
                    match action {
                        #(#arms)*
                        _ => ::core::result::Result::Err(#rt::server::ActorError::action_not_found(action)),
                    }
                })
            }

            #[doc(hidden)]
            fn __actorium_schema(generator: &mut #rt::schemars::SchemaGenerator) -> #rt::schema::ActorSchema
            where
                Self: #rt::schemars::JsonSchema,
            {
                let mut schema = #marker::__actorium_schema(generator);
                schema.state = ::core::option::Option::Some(#rt::schema_of::<Self>(generator));
                schema
            }
        }

        #[doc = #events_doc]
        #vis struct #events<'a, S: #rt::server::Actor> {
            ctx: &'a #rt::server::Ctx<S>,
        }

        #[automatically_derived]
        impl<'a, S: #rt::server::Actor> ::core::convert::From<&'a #rt::server::Ctx<S>> for #events<'a, S> {
            fn from(ctx: &'a #rt::server::Ctx<S>) -> Self {
                #events { ctx }
            }
        }

        impl<S: #rt::server::Actor> #events<'_, S> {
            #(#event_methods)*
        }
    }
}
